"""The filters and the Jinja test, as Ansible calls them."""

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.taurusdb.htap.plugins.filter.replication import FilterModule, poll_done
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


def test_nothing_to_judge_is_not_ready_and_never_an_exception():
    # before: None (a lookup with errors='ignore') raised "'NoneType' object is not iterable"
    ready = TESTS['replication_ready']
    for nothing in (None, [], [None], [None, READY], (), 'all_ready', 5, {}):
        assert ready(nothing) is False, nothing
    assert ready(iter([READY])) is True  # a generator (a Jinja map or select) is still a list of results


def test_the_filters_never_raise_on_none():
    # before: replication_report(None) raised "'NoneType' object is not iterable"
    assert FILTERS['replication_report'](None) == 'Replication gate failed: no instances were checked.'
    assert 'unexpected result None' in FILTERS['replication_report']([None, READY])
    assert FILTERS['replication_progress'](None).startswith('query failed')
    assert FILTERS['replication_poll_done'](None, 10 ** 12) is True  # nothing to wait for: a failed query


def test_a_deadline_that_is_not_a_finite_time_is_a_clear_error():
    # before: a nan deadline was never reached (polling went on to the loop's end); None was a TypeError
    for deadline, shown in ((float('nan'), 'nan'), ('inf', 'inf'), (None, 'NoneType'), ('soon', 'str')):
        with pytest.raises(AnsibleFilterError, match='deadline must be a finite Unix time, got %s$' % shown):
            FILTERS['replication_poll_done'](NOT_READY, deadline)
    assert FILTERS['replication_poll_done'](NOT_READY, '0') is True


def test_poll_done_stops_on_ready_on_failure_and_at_the_deadline():
    failed = {'failed': True, 'msg': 'x'}
    assert poll_done(READY, 100, 50) and poll_done(failed, 100, 50)
    assert not poll_done(NOT_READY, 100, 50) and poll_done(NOT_READY, 100, 100)


def test_replication_poll_done_is_deprecated_for_the_wait_action():
    root = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..')
    with open(os.path.join(root, 'meta', 'runtime.yml')) as handle:
        deprecation = yaml.safe_load(handle)['plugin_routing']['filter']['replication_poll_done']['deprecation']
    assert deprecation['removal_version'] == '1.0.0'
    assert 'taurusdb.htap.taurusdb_starrocks_replication_wait' in deprecation['warning_text']
