"""The base of every module: the shared spec merged in, NaN refused first, one success and one failure path."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import REDACTED, ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.module_base import TaurusDBModule, generate_argspec

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, KEY

OWN = dict(count=dict(type='int', default=1))


def run(sim, work, capsys, **args):
    given = dict(endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'], **args)
    with patch_module_args(given):
        with pytest.raises(SystemExit) as exit_info:
            TaurusDBModule(argument_spec=OWN).run('Doing the work', work, extra='field')
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_the_argspec_is_the_connection_spec_with_the_modules_own():
    assert generate_argspec(**OWN) == dict(CONNECTION_SPEC, **OWN)
    assert 'count' not in CONNECTION_SPEC  # the shared spec is not changed


def test_the_result_is_never_changed_and_scrubbed_of_secrets(sim, capsys):
    code, result = run(sim, lambda client: {'answer': 42, 'echo': KEY['sk']}, capsys)
    assert code == 0 and result['changed'] is False and result['answer'] == 42 and result['echo'] == REDACTED
    assert 'extra' not in result  # the failure fields are for failures only


def test_a_failure_has_the_api_fields_and_the_callers_fields_scrubbed(sim, capsys):
    def work(client):
        raise ApiError('Querying failed: ' + KEY['sk'], status=500, error_code='X.1', request_id='rid-1')
    code, result = run(sim, work, capsys)
    assert code == 1 and result['failed'] and KEY['sk'] not in json.dumps(result)
    assert (result['status'], result['error_code'], result['request_id'], result['extra']) == (500, 'X.1', 'rid-1', 'field')


def test_a_number_that_is_not_finite_is_refused_before_the_work(sim, capsys):
    ran = []
    code, result = run(sim, ran.append, capsys, count='inf')
    assert code == 1 and result['msg'] == 'count must be a finite number, got inf' and ran == []
    assert sim.stats()['total'] == 0


def test_it_supports_check_mode_because_it_only_reads(sim, capsys):
    code, result = run(sim, lambda client: {'ok': True}, capsys, _ansible_check_mode=True)
    assert code == 0 and result['ok']
