"""Property-based tests of the one readiness rule: for any pages a server may send (duplicates,
conflicts, nameless rows, odd casing and types, lying or drifting totals, failing pages), the
verdict is ready exactly when an independent oracle, written here from the rule, says so.
"""

import json
import threading

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.paging import list_all
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import describe_task, parse_page, task_identity
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import ReadinessRule, verdict

from ansible_collections.taurusdb.htap.tests.unit.helpers import INSTANCE

NAMES = st.sampled_from(['a', 'b', 'c', 'A', '', '  ', None, ['a'], 7])
DATABASES = st.sampled_from(['s', 't', None, {'db': 's'}])
STATUSES = st.sampled_from(['Yes', 'yes', 'YES', ' Yes ', 'No', 'no', None, '', 'Maybe', 1, True, ['Yes']])
STAGES = st.sampled_from(['Incremental', 'incremental', 'INCREMENTAL', ' incremental', 'full', 'Wait', 'paused',
                          'cancelled', None, '', 'rebalancing', {'s': 'incremental'}])
PERCENTAGES = st.sampled_from(['100', 100, None, '42%', 'n/a', float('nan'), True])

ROWS = st.fixed_dictionaries(
    {'task_name': NAMES, 'source_database': DATABASES, 'target_database': DATABASES, 'status': STATUSES,
     'stage': STAGES},
    optional={'percentage': PERCENTAGES, 'catchup_stage': st.sampled_from([None, 'full', 'Incremental'])})
PAGES = st.lists(ROWS, max_size=6)
# pages by offset index, with gaps (an offset the server has nothing for)
PAGE_LISTS = st.dictionaries(st.integers(min_value=0, max_value=12), PAGES, max_size=4).map(
    lambda d: [d.get(i, []) for i in range(max(d or [0]) + 1)])
TOTALS = st.one_of(st.integers(min_value=-1, max_value=14), st.sampled_from(['3', '0', 'x', None]))


class Server(object):
    """Answers from a generated script: a page per offset, a total per request, a failing request."""

    def __init__(self, pages, totals, fail_at):
        self.pages, self.totals, self.fail_at = pages, totals, fail_at
        self.calls = []
        self.lock = threading.Lock()

    def fetch(self, offset, limit):
        with self.lock:
            number = len(self.calls)
            self.calls.append(offset)
        if number == self.fail_at:
            raise ApiError('page failed', status=503)
        rows = self.pages[offset % len(self.pages)] if self.pages else []
        total = self.totals[number % len(self.totals)]
        payload = {'total_count': total, 'replications': [dict(row) for row in rows][:limit]}
        page = parse_page(payload, offset, 'rid-%d' % number)
        with self.lock:
            self.answers.append(page)
        return page


def oracle(pages, min_tasks):
    """The rule, written independently of the code under test."""
    distinct = {}
    for page in pages:
        for row in page.items:
            distinct.setdefault(json.dumps(row, sort_keys=True, default=str), row)
    identities = {}
    for text, row in distinct.items():
        name = row.get('task_name')
        key = (name, json.dumps(row.get('source_database')), json.dumps(row.get('target_database'))) \
            if isinstance(name, str) and name.strip() else ('row', text)
        identities.setdefault(key, []).append(row)
    totals = set(page.total for page in pages)
    complete = len(totals) == 1 and len(identities) == pages[0].total
    consistent = all(len(rows) == 1 for rows in identities.values())

    def ready(row):
        return (isinstance(row.get('task_name'), str) and bool(row['task_name'].strip())
                and all(row.get(f) is None or isinstance(row.get(f), str)
                        for f in ('task_name', 'source_database', 'target_database', 'status', 'stage', 'catchup_stage'))
                and isinstance(row.get('status'), str) and row['status'].strip().lower() == 'yes'
                and isinstance(row.get('stage'), str) and row['stage'].strip().lower() == 'incremental')
    return complete and consistent and len(distinct) >= min_tasks and all(ready(r) for r in distinct.values())


@settings(max_examples=1500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(pages=PAGE_LISTS,
       totals=st.lists(TOTALS, min_size=1, max_size=4), fail_at=st.one_of(st.none(), st.integers(0, 6)),
       explicit=st.one_of(st.none(), st.tuples(st.sampled_from([None, 1, 5, 100]), st.sampled_from([None, 0, 2]))),
       attempts=st.integers(1, 3), min_tasks=st.integers(0, 2))
def test_ready_exactly_when_the_rule_says_so(pages, totals, fail_at, explicit, attempts, min_tasks):
    server = Server(pages, totals, fail_at)
    server.answers = []
    limit, offset = explicit if explicit else (None, None)
    if explicit and limit is None and offset is None:
        offset = 0
    try:
        listing = list_all(server.fetch, task_identity, describe_task, 'tasks', limit=limit, offset=offset,
                           attempts=attempts)
    except ApiError:
        return  # a failed listing is an error for the gate, never a verdict
    result = verdict(INSTANCE, listing, ReadinessRule(min_tasks=min_tasks))
    # the pages of the last attempt: it starts at the last request for offset 0 (or is the one explicit page)
    last = max(i for i, page in enumerate(server.answers) if page.offset == (offset or 0))
    judged_pages = server.answers[last:] if not explicit else server.answers[-1:]
    expected = oracle(judged_pages, min_tasks)
    if explicit:
        expected = expected and (offset or 0) == 0
    assert result['all_ready'] is expected, (result['problems'], [t['reasons'] for t in result['replications']])
    if result['all_ready']:
        assert not result['problems'] and not result['not_ready'] and result['complete']
