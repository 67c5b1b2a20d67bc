"""HTAP instances of a TaurusDB instance: normalized, typed, and checked for completeness."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError, Scrubber
from ansible_collections.taurusdb.htap.plugins.module_utils.htap_instances import instance_states, list_htap_instances

TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'


def instance(ident, status='Normal', **extra):
    data = {'id': ident, 'name': 'sr-%s' % (ident or '')[:4], 'engine_name': 'star-rocks', 'engine_version': '3.1',
            'project_id': 'p', 'instance_state': {'instance_status': status, 'create_fail_error_code': '',
                                                  'fail_message': '', 'wait_restart_for_params': False},
            'create_at': '1700000000000', 'is_frozen': 'false', 'port': 9030, 'node_num': '3', 'ha_mode': 'Ha'}
    data.update(extra)
    return data


class FakeClient(object):
    def __init__(self, payload):
        self.payload, self.scrubber = payload, Scrubber()

    def api_project_id(self):
        return '0123456789abcdef0123456789abcdef'

    def get_json(self, path, query, what, hints=None):
        return self.payload, 'rid-1'


def test_instances_are_normalized_and_typed():
    result = list_htap_instances(FakeClient({'total': 1, 'instances': [instance('a' * 32 + 'in17')],
                                             'max_htap_instance_num_of_taurus': 1}), TAURUS)
    assert result['complete'] and result['problems'] == [] and result['total'] == 1
    first = result['htap_instances'][0]
    assert (first['id'], first['engine'], first['version'], first['status']) == ('a' * 32 + 'in17', 'star-rocks', '3.1', 'normal')
    assert first['fail_message'] is None and first['wait_restart_for_params'] is False
    assert (first['create_at'], first['is_frozen'], first['port'], first['node_num']) == (1700000000000, False, 9030, 3)
    assert first['ha_mode'] == 'Ha' and 'instance_state' not in first


@pytest.mark.parametrize('payload, problem', [
    ({'total': 2, 'instances': [instance('a' * 32 + 'in17')]}, 'lists 1 instances but total is 2'),
    ({'total': 1, 'instances': [instance('a' * 32 + 'in17'), instance('a' * 32 + 'in17', status='abnormal')]},
     'different entries for instance'),
    ({'total': 1, 'instances': [instance(None)]}, 'an instance has no id'),
    ({'total': 1, 'instances': [instance('a' * 32 + 'in17'), 'x']}, 'entries that are not objects'),
])
def test_an_answer_that_does_not_add_up_is_named(payload, problem):
    result = list_htap_instances(FakeClient(payload), TAURUS)
    assert not result['complete'] and any(problem in text for text in result['problems']), result['problems']


def test_identical_duplicates_count_once_and_bad_shapes_fail():
    same = instance('a' * 32 + 'in17')
    result = list_htap_instances(FakeClient({'total': 1, 'instances': [same, dict(same)]}), TAURUS)
    assert result['complete'] and len(result['htap_instances']) == 1
    with pytest.raises(ApiError, match='unexpected shape'):
        list_htap_instances(FakeClient(['x']), TAURUS)
    with pytest.raises(OptionError, match='not a TaurusDB instance id'):
        list_htap_instances(FakeClient({}), 'a' * 32 + 'in17x')


def test_each_instance_carries_the_verdict_on_its_own_state():
    payload = {'total': 3, 'instances': [
        instance('a' * 32 + 'in17'),
        instance('b' * 32 + 'in17', status='rebooting', is_frozen=True, current_actions=[{'action': 'RESTART'}]),
        instance('c' * 32 + 'in17', status='createfail',
                 instance_state={'instance_status': 'createfail', 'create_fail_error_code': 'DBS.280238',
                                 'fail_message': 'no resources', 'wait_restart_for_params': False})]}
    normal, busy, failed = list_htap_instances(FakeClient(payload), TAURUS)['htap_instances']
    assert (normal['state_normal'], normal['state_failed'], normal['state_reasons']) == (True, False, [])
    assert (busy['state_normal'], busy['state_failed']) == (False, False)
    assert busy['state_reasons'] == ["status is 'rebooting'", 'frozen (is_frozen)',
                                     'running actions: RESTART (current_actions)']
    assert busy['current_actions'] == [{'action': 'RESTART'}]
    assert (failed['state_normal'], failed['state_failed']) == (False, True)
    assert failed['create_fail_error_code'] == 'DBS.280238' and failed['fail_message'] == 'no resources'
    assert "creation failed (create_fail_error_code 'DBS.280238')" in failed['state_reasons']


def test_a_stray_field_never_replaces_the_verdict_on_the_state():
    stray = instance('b' * 32 + 'in17', status='rebooting', state_normal=True, state_reasons=[], status_x=1)
    stray['status'] = 'normal'
    listed = list_htap_instances(FakeClient({'total': 1, 'instances': [stray]}), TAURUS)['htap_instances'][0]
    assert (listed['state_normal'], listed['status']) == (False, 'rebooting')
    assert listed['state_reasons'] == ["status is 'rebooting'"] and listed['status_x'] == 1


def test_the_states_the_wait_reads_are_judged_by_id():
    payload = {'total': 2, 'instances': [instance('a' * 32 + 'in17'), instance('b' * 32 + 'in17', status='abnormal')]}
    listed = instance_states(FakeClient(payload), TAURUS)
    states, problems = listed['states'], listed['problems']
    assert problems == [] and list(states) == ['a' * 32 + 'in17', 'b' * 32 + 'in17'] and listed['request_id'] == 'rid-1'
    assert states['a' * 32 + 'in17']['normal'] and states['a' * 32 + 'in17']['taurusdb_instance_id'] == TAURUS
    assert states['b' * 32 + 'in17']['reasons'] == ["status is 'abnormal'"]
    problems = instance_states(FakeClient(dict(payload, total=3)), TAURUS)['problems']
    assert problems == ['the answer lists 2 instances but total is 3']


def test_conflicting_entries_name_their_id_bounded_and_inert():
    from ansible_collections.taurusdb.htap.plugins.module_utils.htap_instances import _checked_listing

    class Client(object):
        def api_project_id(self):
            return '0123456789abcdef0123456789abcdef'

        def get_json(self, path, query, what, hints=None):
            big = 'x' * 100000 + '\x1b[2J{{ 7 * 7 }}'
            return {'instances': [{'id': big, 'name': 'a'}, {'id': big, 'name': 'b'}], 'total': 1}, 'rid'

    problems = _checked_listing(Client(), '0a' * 16 + 'in07')[2]
    problem, = [p for p in problems if 'different entries' in p]
    assert len(problem) < 400 and '\x1b' not in problem and '{{' not in problem
