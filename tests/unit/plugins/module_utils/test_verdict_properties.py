"""Property-based tests of the one readiness rule.

- For any pages a server may send (duplicates, conflicts, nameless rows, odd casing and types, lying or
  drifting totals, failing pages), the verdict is ready exactly when an independent oracle, written here
  from the rule, says so; and the listing fails exactly when a request failed or a total is implausible.
- A ready fleet listing of many tasks, paged in any size, overlapping, in any order and casing, is ready
  (no false red).
- The same listing with any one defect is not ready, and names the defect (no false green).

Each test counts the kinds of example it generated and asserts that each kind was seen often enough,
so a strategy that stops producing one (as ready listings with tasks once did) fails loudly.
"""

import collections
import json
import re
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.paging import MAX_TOTAL, list_all
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import describe_task, parse_page, task_identity
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import ReadinessRule, verdict

from ansible_collections.taurusdb.htap.tests.unit.helpers import INSTANCE

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- any pages a server may send ----------------------------------------------------------
# names of the API's form and others (too short, a template, not text)
NAMES = st.sampled_from(['aaa', 'bbb', 'ccc', 'AAA', 'a', 'x{{ y }}', '', '  ', None, ['aaa'], 7, True])
DATABASES = st.sampled_from(['src', 'tgt', 's', None, {'db': 's'}, 5])
STATUSES = st.sampled_from(['Yes', 'yes', 'YES', ' Yes ', 'No', 'no', None, '', 'Maybe', 1, True, ['Yes']])
STAGES = st.sampled_from(['Incremental', 'incremental', 'INCREMENTAL', ' incremental', 'full', 'Wait', 'paused',
                          'cancelled', None, '', 'rebalancing', {'s': 'incremental'}])
PERCENTAGES = st.sampled_from(['100', 100, None, '42%', 'n/a', float('nan'), True])

ROWS = st.fixed_dictionaries(
    {'task_name': NAMES, 'source_database': DATABASES, 'target_database': DATABASES, 'status': STATUSES,
     'stage': STAGES},
    optional={'percentage': PERCENTAGES, 'catchup_stage': st.sampled_from([None, 'full', 'Incremental'])})
# rows that are ready by themselves, so that whole listings are ready often enough
READY_ROWS = st.fixed_dictionaries(
    {'task_name': st.sampled_from(['aaa', 'bbb', 'ccc', 'ddd', 'AAA']), 'source_database': st.sampled_from(['src', 'tgt']),
     'target_database': st.just('tgt'), 'status': st.sampled_from(['Yes', 'yes']),
     'stage': st.sampled_from(['Incremental', 'incremental'])})
PAGES = st.lists(st.one_of(READY_ROWS, READY_ROWS, ROWS), max_size=6)
# one page, or pages by offset index, with gaps (an offset the server has nothing for)
PAGE_LISTS = st.one_of(PAGES.map(lambda page: [page]), st.dictionaries(
    st.integers(min_value=0, max_value=12), PAGES, max_size=4).map(lambda d: [d.get(i, []) for i in range(max(d or [0]) + 1)]))
# 'honest': the number of distinct tasks the server holds
TOTALS = st.one_of(st.just('honest'), st.integers(min_value=-1, max_value=14),
                   st.sampled_from(['3', '0', ' 2 ', '-1', 'x', '1.5', 1.0, None, True, MAX_TOTAL + 1]))


def implausible(total):
    """The totals that must be refused, written independently of parse_page."""
    if isinstance(total, bool) or not isinstance(total, (int, str)):
        return True
    if isinstance(total, str):
        if not re.match(r'\s*-?[0-9]+\s*$', total):
            return True
        total = int(total)
    return total < 0 or total > MAX_TOTAL


def identity(row):
    name = row.get('task_name')
    if isinstance(name, str) and name.strip():
        return (name, json.dumps(row.get('source_database')), json.dumps(row.get('target_database')))
    return ('row', json.dumps(row, sort_keys=True))


class Server(object):
    """Answers from a generated script: a page per offset, a total per request, a failing request.
    Records what each request should have ended in (failed, refused, answered) and what it did."""

    def __init__(self, pages, totals, fail_at):
        self.pages, self.fail_at = pages, fail_at
        honest = len(set(identity(row) for page in pages for row in page))
        self.totals = [honest if total == 'honest' else total for total in totals]
        self.answers, self.ends, self.lock = [], [], threading.Lock()

    def fetch(self, offset, limit):
        with self.lock:
            number = len(self.ends)
            self.ends.append(None)
        if number == self.fail_at:
            self.ends[number] = ('failed', 'failed')
            raise ApiError('page failed', status=503)
        rows = self.pages[offset % len(self.pages)] if self.pages else []
        total = self.totals[number % len(self.totals)]
        expected = 'refused' if implausible(total) else 'answered'
        payload = {'total_count': total, 'replications': [dict(row) for row in rows][:limit]}
        try:
            page = parse_page(payload, offset, 'rid-%d' % number)
        except ApiError:
            self.ends[number] = (expected, 'refused')
            raise
        self.ends[number] = (expected, 'answered')
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
    for row in distinct.values():
        identities.setdefault(identity(row), []).append(row)
    totals = set(page.total for page in pages)
    complete = len(totals) == 1 and len(identities) == pages[0].total
    consistent = all(len(rows) == 1 for rows in identities.values())

    def api_name(value):  # task and target database names: 3-128 letters, digits, underscores
        return bool(re.match(r'[A-Za-z0-9_]{3,128}\Z', value))

    def ready(row):
        source, target = row.get('source_database'), row.get('target_database')
        return (isinstance(row.get('task_name'), str) and bool(row['task_name'].strip())
                and api_name(row['task_name']) and (not isinstance(target, str) or not target or api_name(target))
                and (not isinstance(source, str) or not source or 3 <= len(source) <= 1024)
                and all(row.get(f) is None or isinstance(row.get(f), str)
                        for f in ('task_name', 'source_database', 'target_database', 'status', 'stage', 'catchup_stage'))
                and isinstance(row.get('status'), str) and row['status'].strip().lower() == 'yes'
                and isinstance(row.get('stage'), str) and row['stage'].strip().lower() == 'incremental')
    return complete and consistent and len(distinct) >= min_tasks and all(ready(r) for r in distinct.values())


def test_ready_exactly_when_the_rule_says_so_and_refused_exactly_when_it_must_be():
    seen = collections.Counter()

    @settings(max_examples=1500, **SETTINGS)
    @given(pages=PAGE_LISTS, totals=st.one_of(st.just(['honest']), st.lists(TOTALS, min_size=1, max_size=4)),
           fail_at=st.one_of(st.none(), st.none(), st.integers(0, 6)),
           explicit=st.one_of(st.none(), st.tuples(st.sampled_from([None, 1, 5, 100]), st.sampled_from([None, 0, 2]))),
           attempts=st.integers(1, 3), min_tasks=st.integers(0, 2))
    def check(pages, totals, fail_at, explicit, attempts, min_tasks):
        server = Server(pages, totals, fail_at)
        limit, offset = explicit if explicit else (None, None)
        if explicit and limit is None and offset is None:
            offset = 0
        try:
            # the rule over the pages of one read (the proof that a list held still between two reads is
            # test_listing_consistency's): no second read
            listing = list_all(server.fetch, task_identity, describe_task, 'tasks', limit=limit, offset=offset,
                               attempts=attempts, would_pass=lambda _listing: False)
        except ApiError:
            listing = None
        # parse_page refuses exactly the implausible totals; the listing fails exactly when a request did
        assert all(expected == ended for expected, ended in server.ends), server.ends
        must_fail = any(ended != 'answered' for _expected, ended in server.ends)
        assert (listing is None) is must_fail, server.ends
        if listing is None:  # a failed listing is an error for the gate, never a verdict
            seen['refused' if any(end == ('refused', 'refused') for end in server.ends) else 'failed'] += 1
            return
        result = verdict(INSTANCE, listing, ReadinessRule(min_tasks=min_tasks))
        # the pages of the last attempt: it starts at the last request for offset 0 (or is the one explicit page)
        last = max(i for i, page in enumerate(server.answers) if page.offset == (offset or 0))
        judged_pages = server.answers[last:] if not explicit else server.answers[-1:]
        expected = oracle(judged_pages, min_tasks) and (not explicit or (offset or 0) == 0)
        assert result['all_ready'] is expected, (result['problems'], [t['reasons'] for t in result['replications']])
        if result['all_ready']:
            assert not result['problems'] and not result['not_ready'] and result['complete']
            seen['ready with %s tasks' % ('no' if not result['replications'] else 'some')] += 1
        else:
            seen['not ready: %s' % ('incomplete' if not result['complete'] else 'inconsistent'
                                    if not result['consistent'] else 'task or rule')] += 1

    check()
    for kind in ('refused', 'failed', 'ready with some tasks', 'not ready: incomplete', 'not ready: inconsistent',
                 'not ready: task or rule'):
        assert seen[kind] >= 40, seen


# --- a ready fleet listing of many tasks, and the same with one defect --------------------
class Fleet(object):
    """One instance's tasks as a real server pages them: ``cap`` rows a page, each page after the first
    repeating the ``overlap`` rows before it (rows that moved while paging), some repeated rows with their
    keys in another order, and mischief a defect may add."""

    def __init__(self, rows, cap, overlap, reorder, total_as_text):
        self.rows, self.cap, self.overlap, self.reorder = rows, cap, overlap, reorder
        self.total = len(rows)
        self.total_as_text = total_as_text
        self.served = list(rows)  # what the server pages through (a defect may change it)
        self.moving = False  # a defect: every other request's total one more
        self.changed = {}  # a defect: offset -> a changed copy of a row, served there too
        self.requests, self.lock = 0, threading.Lock()

    def fetch(self, offset, limit):
        with self.lock:
            number = self.requests
            self.requests += 1
        start = max(0, offset - self.overlap) if offset else 0
        rows = [dict(row) for row in self.served[start:offset + min(limit, self.cap)]]
        if self.reorder and offset and rows:
            rows[0] = dict(reversed(list(rows[0].items())))
        if offset in self.changed:
            rows.append(self.changed[offset])
        total = self.total + (number % 2 if self.moving else 0)
        return parse_page({'total_count': str(total) if self.total_as_text else total, 'replications': rows},
                          offset, 'rid-%d' % number)


@st.composite
def ready_fleets(draw):
    count = draw(st.one_of(st.integers(1, 12), st.integers(13, 200)))
    rng = draw(st.randoms(use_true_random=False))
    rows = []
    for number in range(count):
        # a few tasks share a name, on other databases: identity is the name with its databases
        name = 'task_%03d' % (number if number % 7 else number - 1 if number else 0)
        rows.append({
            'task_name': name, 'source_database': 'src_%03d' % number, 'target_database': 'dst_%03d' % number,
            'status': rng.choice(['Yes', 'yes', 'YES', ' Yes ']),
            'stage': rng.choice(['Incremental', 'incremental', 'INCREMENTAL', 'incremental ']),
            'percentage': rng.choice(['100', 100, '100%', 100.0, None]),
            'catchup_stage': rng.choice([None, 'Incremental', 'incremental']),
            'catchup_percentage': rng.choice(['0', 0, None])})
    rng.shuffle(rows)
    cap = draw(st.sampled_from([1, 2, 3, 10, 50, 100]))
    fleet = Fleet(rows, cap, overlap=draw(st.integers(0, 2)) if cap > 2 else 0, reorder=draw(st.booleans()),
                  total_as_text=draw(st.booleans()))
    names = sorted(set(row['task_name'] for row in rows))
    task_names = draw(st.lists(st.sampled_from(names), max_size=3, unique=True)) if draw(st.booleans()) else []
    expected = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    patterns = ['task_0*'] if draw(st.booleans()) and not task_names else []
    selected = [row for row in rows if (not task_names and not patterns) or row['task_name'] in task_names
                or row['task_name'] in expected or any(row['task_name'].startswith(p[:-1]) for p in patterns)]
    rule = dict(task_names=task_names, task_patterns=patterns, expected_tasks=expected,
                min_tasks=draw(st.integers(0, len(selected))), require_catchup=draw(st.booleans()))
    return fleet, rule, len(selected)


def judge(fleet, rule, attempts=2):
    listing = list_all(fleet.fetch, task_identity, describe_task, 'tasks', concurrency=4, attempts=attempts)
    return verdict(INSTANCE, listing, ReadinessRule(**rule))


def test_a_ready_listing_of_many_tasks_is_ready():
    seen = collections.Counter()

    @settings(max_examples=200, **SETTINGS)
    @given(ready_fleets())
    def check(fleet_rule_selected):
        fleet, rule, selected = fleet_rule_selected
        result = judge(fleet, rule)
        assert result['all_ready'], (result['problems'], result['not_ready'][:3])
        assert result['problems'] == [] and result['not_ready'] == [] and result['complete'] and result['consistent']
        assert result['summary']['total'] == result['summary']['ready'] == selected == len(result['replications'])
        assert result['total_count'] == len(fleet.rows)
        pages = 1 if len(fleet.rows) <= fleet.cap else -(-len(fleet.rows) // fleet.cap)
        assert fleet.requests == (1 if pages == 1 else 2 * pages)  # one read, and its proof
        seen['%s tasks' % ('over 100' if len(fleet.rows) > 100 else 'over 12' if len(fleet.rows) > 12 else 'few')] += 1
        seen['over 10 pages' if pages > 10 else 'one page' if pages == 1 else 'a few pages'] += 1
        seen['overlapping pages' if fleet.overlap and pages > 1 else 'plain pages'] += 1
        seen['filtered' if rule['task_names'] or rule['task_patterns'] else 'every task'] += 1

    check()
    for kind in ('over 100 tasks', 'over 12 tasks', 'few tasks', 'over 10 pages', 'a few pages', 'one page',
                 'overlapping pages', 'filtered', 'every task'):
        assert seen[kind] >= 10, seen


def defect(kind, fleet, rule, rng):
    """Put one defect into a ready fleet (every task judged); returns what the verdict must say."""
    rows = fleet.served
    index = rng.randrange(len(rows))
    row = rows[index]
    rule['task_names'], rule['task_patterns'], rule['expected_tasks'] = [], [], []
    rule['min_tasks'] = min(rule['min_tasks'], len(rows))
    if kind == 'status No':
        rows[index] = dict(row, status=rng.choice(['No', 'no', ' NO ']))
        return 'status is No (abnormal)'
    if kind == 'not incremental':
        stage = rng.choice(['full', 'Wait', 'paused', 'cancelled'])
        rows[index] = dict(row, stage=stage)
        return 'stage is %s' % stage.lower()
    if kind == 'unknown value':
        field, value = rng.choice([('status', 'Maybe'), ('status', None), ('stage', 'rebalancing'), ('stage', None)])
        rows[index] = dict(row, **{field: value})
        return 'unknown %s' % field if value else '%s' % ('unknown status None' if field == 'status' else 'stage is missing')
    if kind == 'wrong type':
        field, value = rng.choice([('task_name', True), ('task_name', 7), ('task_name', ['a']), ('status', ['Yes']),
                                   ('stage', {'s': 1}), ('source_database', 5), ('catchup_stage', False)])
        rows[index] = dict(row, **{field: value})
        return '%s is %s, not text' % (field, type(value).__name__)
    if kind == 'no name':
        rows[index] = dict(row, task_name=rng.choice([None, '', '   ']))
        return 'the task has no name'
    if kind == 'catch-up unfinished':
        rows[index] = dict(row, catchup_stage='Full', catchup_percentage='40')
        rule['require_catchup'] = True
        return 'catch-up stage is full (40%)'
    if kind == 'conflicting row':
        fleet.changed[rng.choice(range(0, len(rows), fleet.cap))] = dict(row, percentage='99')
        return 'listing inconsistent'
    if kind == 'row missing':
        del rows[index]
        return 'fetched %d unique tasks but total_count is %d' % (len(rows), fleet.total)
    if kind == 'lying total':
        # a total below the rows shows only when a page holds more rows than it: a server that pages
        # consistently up to a lower total is a server with fewer tasks
        fleet.total += rng.choice([-1, 1]) if fleet.cap >= len(rows) > 1 else 1
        return 'unique tasks but total_count is %d' % fleet.total
    if kind == 'moving total':
        if len(rows) == 1:  # a total moves between the requests of one listing: it takes two
            rows.append(dict(row, task_name='task_second'))
            fleet.total = 2
        fleet.cap = min(fleet.cap, len(rows) - 1)
        fleet.overlap = 0
        fleet.moving = True
        return 'total_count changed while paging'
    if kind == 'expected task missing':
        rule['expected_tasks'] = ['not_there']
        return 'expected task not_there is missing'
    if kind == 'named task missing':
        rule['task_names'] = [row['task_name'], 'not_there']
        return 'named task not_there is missing'
    if kind == 'too few tasks':
        rule['min_tasks'] = len(rows) + 1
        return 'only %d tasks, at least %d required' % (len(rows), len(rows) + 1)
    raise AssertionError(kind)


DEFECTS = ['status No', 'not incremental', 'unknown value', 'wrong type', 'no name', 'catch-up unfinished',
           'conflicting row', 'row missing', 'lying total', 'moving total', 'expected task missing',
           'named task missing', 'too few tasks']


@pytest.mark.parametrize('kind', DEFECTS)
def test_a_ready_listing_with_any_one_defect_is_not_ready_and_says_why(kind):
    seen = collections.Counter()

    @settings(max_examples=30, **SETTINGS)
    @given(ready_fleets(), st.randoms(use_true_random=False))
    def check(fleet_rule_selected, rng):
        fleet, rule, _selected = fleet_rule_selected
        says = defect(kind, fleet, rule, rng)
        result = judge(fleet, rule)
        assert not result['all_ready']
        text = ' '.join(result['problems'] + [reason for task in result['not_ready'] for reason in task['reasons']])
        assert says in text, (says, text)
        seen['several pages' if len(fleet.served) > fleet.cap else 'one page'] += 1

    check()
    assert seen['several pages'] >= 4 and (seen['one page'] >= 4 or kind == 'moving total'), seen
