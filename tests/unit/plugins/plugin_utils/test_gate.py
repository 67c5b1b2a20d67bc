"""The gate shared by the wait action and the replication action's wait: the StarRocks instances' own state,
read once per TaurusDB instance each round, judged per instance, its reasons bounded and inert. (The gate's
rounds through the actions are tested in tests/unit/plugins/action.)"""

from unittest import mock

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, Scrubber
from ansible_collections.taurusdb.htap.plugins.plugin_utils import gate as gate_module
from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate import Gate

TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
SR = '01010101010101010101010101010101in17'


def test_the_state_is_read_every_round_and_judged_by_instance():
    owners = {SR: TAURUS, 'b' * 32 + 'in17': TAURUS, 'c' * 32 + 'in17': '0c' * 16 + 'in07'}
    normal = {'taurusdb_instance_id': TAURUS, 'normal': True, 'reasons': []}
    calls = []

    def states(client, taurusdb_id):
        calls.append(taurusdb_id)
        if taurusdb_id != TAURUS:
            raise ApiError('HTTP 503 SYS.0503', error_code='SYS.0503')
        return {'states': {SR: normal}, 'problems': [], 'request_id': 'rid'}

    session = mock.MagicMock(failure=lambda exc, what: {'msg': '%s failed: %s' % (what, exc)}, scrubber=Scrubber())
    with mock.patch.object(gate_module, 'instance_states', states):
        found = Gate._states(None, owners, session)
    assert sorted(calls) == sorted([TAURUS, '0c' * 16 + 'in07'])  # one listing per TaurusDB instance
    assert found[SR] is normal
    assert found['b' * 32 + 'in17']['reasons'] == [
        'the HTAP instance list of TaurusDB instance %s no longer has it' % TAURUS]
    assert found['c' * 32 + 'in17']['normal'] is False and 'SYS.0503' in found['c' * 32 + 'in17']['reasons'][0]


def test_a_reason_made_of_server_text_is_bounded_and_inert():
    # before: a listing with two entries for a 1 MB id carrying ESC and a template made a 1,000,187-character
    # reason, in every round's progress line and the report
    big = 'x' * 1000000 + '\x1b[2J{{ lookup("pipe", "id") }}'

    def states(client, taurusdb_id):
        return {'states': {}, 'problems': ['the answer has different entries for instance %s' % big],
                'request_id': 'rid'}

    session = mock.MagicMock(scrubber=Scrubber())
    with mock.patch.object(gate_module, 'instance_states', states):
        found = Gate._states(None, {SR: TAURUS}, session)
    reason = found[SR]['reasons'][0]
    assert len(reason) < 2200 and '\x1b' not in reason and '{{' not in reason and 'characters in all' in reason


def test_instances_are_added_once_in_order_with_comparisons_in_proportion_to_them():
    from ansible_collections.taurusdb.htap.tests.unit.helpers import CountedName, counted_names
    known = counted_names('sr', 1000)
    found = gate_module.appended(list(known[:500]), known[250:] + known[:10])
    assert found == known and CountedName.comparisons[0] <= 4 * 1000
