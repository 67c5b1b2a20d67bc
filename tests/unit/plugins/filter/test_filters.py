"""The filters and the Jinja test, as Ansible calls them."""

from ansible_collections.taurusdb.htap.plugins.filter.replication import FilterModule
from ansible_collections.taurusdb.htap.plugins.test.replication import TestModule as JinjaTests

FILTERS = FilterModule().filters()
TESTS = JinjaTests().tests()
READY = {'instance_id': 'i-1', 'all_ready': True, 'summary': {'ready': 1, 'total': 1}, 'not_ready': [], 'problems': []}
NOT_READY = dict(READY, all_ready=False, problems=['only 0 tasks, at least 1 required (min_tasks)'])


def test_replication_ready_is_false_on_nothing_and_on_any_failure():
    ready = TESTS['replication_ready']
    assert ready([READY]) and ready(READY) and ready((READY, READY))
    assert not ready([]) and not ready([READY, NOT_READY]) and not ready([{'failed': True, 'msg': 'x'}])
    assert not ready([dict(READY, all_ready='true')])  # only a real true counts


def test_filters_are_registered_and_work():
    assert FILTERS['replication_progress'](READY) == '1/1 ready'
    assert FILTERS['replication_report'](READY) == 'Replication gate passed: all 1 instance(s) ready.'
    assert FILTERS['replication_report']([]) == 'Replication gate failed: no instances were checked.'
    assert FILTERS['replication_poll_done'](NOT_READY, 0) is True  # the deadline has passed
    assert FILTERS['replication_poll_done'](NOT_READY, 10 ** 12) is False
