"""Every false green found by attacking the verdict is red now, with a problem that says why.

Pages are scripted (no HTTP): each test is one answer a misbehaving server could give.
"""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.paging import MAX_PAGES, MAX_TOTAL, Page, list_all
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import describe_task, task_identity
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import ReadinessRule, verdict
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import all_passed

from ansible_collections.taurusdb.htap.tests.unit.helpers import INSTANCE


def row(name, status='Yes', stage='Incremental', **extra):
    data = {'task_name': name, 'source_database': 'src', 'target_database': 'dst', 'status': status, 'stage': stage,
            'percentage': '100', 'catchup_stage': None, 'catchup_percentage': '0'}
    data.update(extra)
    return data


class Pages(object):
    """Answers by offset from a fixed script; records the requests."""

    def __init__(self, total, by_offset):
        self.total, self.by_offset, self.calls = total, by_offset, []

    def fetch(self, offset, limit):
        self.calls.append((offset, limit))
        return Page(offset, self.total, self.by_offset.get(offset, []), 'rid-%d' % len(self.calls))


def list_tasks(fetch, **kwargs):
    return list_all(fetch, task_identity, describe_task, 'tasks', **kwargs)


def judge(pages, params=None, **listing_args):
    return verdict(INSTANCE, list_tasks(pages.fetch, **listing_args), ReadinessRule(**(params or {})))


def test_a_conflicting_duplicate_across_pages_is_red():
    # before: total_count 60, 61 rows, task_007 Yes/incremental on page 1 and No/full on page 2 -> all_ready
    first = [row('task_%03d' % i) for i in range(50)]
    second = [row('task_%03d' % i) for i in range(50, 60)] + [row('task_007', status='No', stage='Full')]
    result = judge(Pages(60, {0: first, 50: second}))
    assert not result['all_ready']
    assert 'listing inconsistent' in result['problems'][0] and 'task_007 (src -> dst)' in result['problems'][0]
    # both versions were judged: the broken one is named
    assert [t['task_name'] for t in result['not_ready']] == ['task_007']


def test_a_conflicting_duplicate_on_one_page_is_red():
    result = judge(Pages(1, {0: [row('task_a'), row('task_a', status='No')]}))
    assert not result['all_ready'] and 'listing inconsistent' in result['problems'][0]


def test_an_identical_duplicate_is_dropped_and_stays_green():
    result = judge(Pages(2, {0: [row('task_a'), row('task_b'), dict(row('task_a'))]}))
    assert result['all_ready'] and result['summary']['total'] == 2


def test_nameless_rows_do_not_collapse():
    # before: two nameless rows (Yes/incremental, No/Full) with total_count 1 -> all_ready
    nameless = [row(None), row(None, status='No', stage='Full')]
    for rows in (nameless, [dict(r, task_name=None, source_database=None, target_database=None) for r in nameless]):
        result = judge(Pages(1, {0: rows}))
        assert not result['all_ready']
        assert len(result['replications']) == 2 and len(result['not_ready']) == 2
        assert all('the task has no name' in t['reasons'] for t in result['not_ready'])


@pytest.mark.parametrize('limit', [100, 50])
def test_the_limit_path_counts_distinct_tasks(limit):
    # before: [a, a, b] with total_count 3 (task c missing) was complete and ready
    result = judge(Pages(3, {0: [row('task_a'), row('task_a'), row('task_b')]}), limit=limit)
    assert not result['all_ready'] and not result['complete']
    assert result['problems'] == ['partial listing: limit/offset were given, so only 2 of 3 tasks were fetched']


@pytest.mark.parametrize('total', [0, 1])
def test_a_total_count_below_the_rows_is_red(total):
    result = judge(Pages(total, {0: [row('task_a'), row('task_b')]}), limit=100)
    assert not result['all_ready'] and not result['complete']
    paged = judge(Pages(total, {0: [row('task_a'), row('task_b')]}))
    assert not paged['all_ready'] and 'fetched 2 unique tasks but total_count is %d' % total in paged['problems'][0]


def test_negative_and_absurd_totals_are_refused():
    from ansible_collections.taurusdb.htap.plugins.module_utils.replication import parse_page
    for total in (-1, '-1'):
        with pytest.raises(ApiError, match='negative'):
            parse_page({'total_count': total, 'replications': [row('task_a')]}, 0, 'rid')
    with pytest.raises(ApiError, match='more than the %d' % MAX_TOTAL):
        parse_page({'total_count': 10 ** 12, 'replications': [row('task_a')]}, 0, 'rid')


def test_a_lying_total_with_tiny_pages_is_refused_after_one_request():
    # before: total_count 100,000 with 1 row a page made 300,000 requests
    pages = Pages(MAX_TOTAL, {0: [row('task_a')]})
    with pytest.raises(ApiError) as err:
        list_tasks(pages.fetch)
    assert 'claims %d tasks in pages of 1' % MAX_TOTAL in str(err.value)
    assert 'more than the %d allowed' % MAX_PAGES in str(err.value) and err.value.request_id == 'rid-1'
    assert len(pages.calls) == 1


def test_a_total_that_moves_is_never_complete():
    class Drifting(Pages):
        def fetch(self, offset, limit):
            self.total += 1
            return Pages.fetch(self, offset, limit)
    rows = [row('t%03d' % i) for i in range(120)]
    pages = Drifting(119, {0: rows[:50], 50: rows[50:100], 100: rows[100:]})
    result = judge(pages, attempts=2)
    assert not result['all_ready'] and 'total_count changed while paging' in result['problems'][0]


def test_a_named_task_that_does_not_exist_is_red():
    # before: task_names [a, nope] passed silently
    result = judge(Pages(2, {0: [row('task_a'), row('task_b')]}), {'task_names': ['task_a', 'nope']})
    assert not result['all_ready'] and result['missing_tasks'] == ['nope']
    assert result['problems'] == ['named task nope is missing']


@pytest.mark.parametrize('field, value', [('task_name', ['a']), ('status', {'v': 'Yes'}), ('stage', ['incremental']),
                                          ('source_database', {'x': 1})])
def test_a_field_of_the_wrong_type_is_judged_not_ready(field, value):
    # before: a list as task name ended in "unhashable type"
    result = judge(Pages(1, {0: [row('task_a', **{field: value})]}))
    assert not result['all_ready']
    assert '%s is %s, not text' % (field, type(value).__name__) in result['not_ready'][0]['reasons']


def test_the_gate_test_is_false_on_nothing():
    # before: on_missing=skip with every instance missing gave [], and "map(attribute='all_ready') is all" was true
    assert not all_passed([])
    assert not all_passed([{'failed': True, 'msg': 'x'}])
    assert not all_passed([{'all_ready': 'yes'}])
    assert all_passed([{'all_ready': True}])
