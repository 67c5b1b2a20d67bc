"""The write APIs (create, change, delete, pause, resume) and their jobs.

Requests are signed by the official SDK's signer, or sent by the official SDK's client itself, so the
simulator's answers are the ones the SDK (huaweicloudsdkgaussdb 3.1.219) deserializes. Jobs move by
requests for them, or by a manual clock: no test waits for wall-clock time.
"""

import json

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkgaussdb.v3 import GaussDBClient
from huaweicloudsdkgaussdb.v3 import model as sdk

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, load_scenario
from htapsim.scenario import ScenarioError

SR = '01010101010101010101010101010101in17'
TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
BASE = '/v3/%s/instances/%s/starrocks/databases/replication' % (DEFAULT_PROJECT, SR)
JOBS = '/v3/%s/jobs' % DEFAULT_PROJECT
LEDGER = {'source_instance_id': TAURUS, 'source_database': 'ledger', 'target_database': 'ledger_sr',
          'task_name': 'ledger_db'}
MAX_POLLS = 10  # more than any job here needs: a job that never ends fails the test instead of hanging it


def signed(sim, method, path, body=None, query=(), sign_as=None):
    """A request signed by the official SDK's Signer (as ``sign_as`` when given: a wrong signature)."""
    text = '' if body is None else body if isinstance(body, str) else json.dumps(body)
    request = SdkRequest(method=sign_as or method, schema='http', host=sim.url.split('://', 1)[1],
                         resource_path=path, query_params=list(query), body=text,
                         header_params={'Content-Type': 'application/json;charset=UTF-8',
                                        'X-Project-Id': KEY['project_id']})
    Signer(BasicCredentials(KEY['ak'], KEY['sk'])).sign(request)
    return requests.request(method, sim.url + request.uri, headers=dict(request.header_params),
                            data=text.encode(), timeout=10)


def client(sim):
    return GaussDBClient.new_builder() \
        .with_credentials(BasicCredentials(KEY['ak'], KEY['sk'], KEY['project_id'])) \
        .with_endpoints([sim.url]).with_http_config(HttpConfig.get_default_config()).build()


def create(sim, **fields):
    return signed(sim, 'POST', BASE, dict(LEDGER, **fields))


def job(sim, job_id):
    """One poll of the job: its `job` object."""
    answer = signed(sim, 'GET', JOBS, query=[('id', job_id)])
    assert answer.status_code == 200, answer.text
    return answer.json()['job']


def finish(sim, job_id):
    """Poll until the job ends; the statuses seen, in order."""
    seen = []
    for _poll in range(MAX_POLLS):
        seen.append(job(sim, job_id)['status'])
        if seen[-1] in ('Completed', 'Failed'):
            return seen
    raise AssertionError('job %s never ended: %s' % (job_id, seen))


def tasks(sim):
    """The listing (one request): task name -> (stage, target_database)."""
    answer = signed(sim, 'GET', BASE)
    assert answer.status_code == 200, answer.text
    return {item['task_name']: (item['stage'], item['target_database']) for item in answer.json()['replications']}


def config(sim, name):
    return signed(sim, 'GET', BASE + '/configuration', query=[('task_name', name)])


def error(answer, status=400):
    assert answer.status_code == status, answer.text
    assert answer.headers['X-Request-Id']
    return answer.json()['error_code'], answer.json()['error_msg']


def keys_of(model_name):
    return set(getattr(sdk, model_name).attribute_map.values())


# --- create and its job ------------------------------------------------------------------------
def test_create_answers_a_job_and_the_task_appears_only_when_it_completes(simulator):
    answer = create(simulator)
    assert answer.status_code == 200 and set(answer.json()) == keys_of('CreateStarRocksDataReplicationResponse')
    job_id = answer.json()['job_id']
    first = job(simulator, job_id)
    assert set(first) == keys_of('GetJobInfoDetail')
    assert first['status'] == 'Pending' and first['fail_reason'] == '' and first['ended'] == ''
    assert first['id'] == job_id and first['instance']['id'] == SR and first['entities'] == {}
    assert 'ledger_db' not in tasks(simulator)
    assert error(config(simulator, 'ledger_db'))[0] == 'DBS.270022'
    assert job(simulator, job_id)['status'] == 'Running'
    assert 'ledger_db' not in tasks(simulator)
    done = job(simulator, job_id)
    assert done['status'] == 'Completed' and done['ended']
    assert tasks(simulator)['ledger_db'] == ('full', 'ledger_sr')  # the default: full, then incremental
    assert tasks(simulator)['ledger_db'] == ('Incremental', 'ledger_sr')
    assert config(simulator, 'ledger_db').json()['database_info']['database_name'] == 'ledger'
    assert simulator.stats()['jobs'] == {'Pending': 0, 'Running': 0, 'Completed': 1, 'Failed': 0}


def test_the_official_sdk_client_writes_and_reads_its_jobs(simulator):
    sdk_client = client(simulator)
    created = sdk_client.create_star_rocks_data_replication(sdk.CreateStarRocksDataReplicationRequest(
        instance_id=SR, body=sdk.CreateStarRocksDataReplication(**LEDGER)))
    statuses = [sdk_client.show_gauss_my_sql_job_info(sdk.ShowGaussMySqlJobInfoRequest(id=created.job_id)).job.status
                for _poll in range(3)]
    assert statuses == ['Pending', 'Running', 'Completed']
    scope = sdk.TableReplConfig(repl_type='include_tables', repl_scope='part', tables=['orders'])
    changed = sdk_client.modify_data_sync(sdk.ModifyDataSyncRequest(
        instance_id=SR, body=sdk.ModifyDataSyncConfigRequestV3(task_name='ledger_db', table_repl_config=scope)))
    assert changed.job_id and changed.task_name == 'ledger_db' and changed.target_database_name == 'ledger_sr'
    assert changed.source_db_config_check_results[0].param_name == 'binlog_format'
    for call, model in (('pause', 'PauseStarRocksDataReplication'), ('resume', 'ResumeStarRocksDataReplication'),
                        ('delete', 'DeleteStarRocksDataReplication')):
        method = getattr(sdk_client, '%s_star_rocks_data_replication' % call)
        request = getattr(sdk, model + 'Request')(instance_id=SR, body=getattr(sdk, model)(task_name='orders_db'))
        assert method(request).job_id
    with pytest.raises(ClientRequestException) as caught:
        sdk_client.pause_star_rocks_data_replication(sdk.PauseStarRocksDataReplicationRequest(
            instance_id=SR, body=sdk.PauseStarRocksDataReplication(task_name='nope_db')))
    assert caught.value.status_code == 400 and caught.value.error_code == 'DBS.270022'
    assert simulator.stats()['writes'] == {'create': 1, 'change': 1, 'delete': 1, 'pause': 2, 'resume': 1, 'total': 6}


def test_a_created_task_starts_as_the_scenario_says_and_jobs_may_end_at_once(simulator):
    simulator.load({'instances': [{'id': SR, 'tasks': []}], 'writes': {
        'job': {'pending': 0, 'running': 0},
        'created': {'stage': 'wait', 'percentage': 0, 'steps': [{'at': 2, 'stage': 'full'}, {'at': 3, 'stage': 'x'}]}}})
    tasks(simulator)
    tasks(simulator)  # listings before the create: its timeline counts from the create on
    assert finish(simulator, create(simulator).json()['job_id']) == ['Completed']
    assert [tasks(simulator)['ledger_db'][0] for _read in range(3)] == ['wait', 'full', 'x']


@pytest.mark.parametrize('body, message', [
    (dict(LEDGER, task_name='ab'), 'task_name must be 3 to 128 letters, digits or underscores'),
    (dict(LEDGER, task_name='a' * 129), 'task_name must be 3 to 128'),
    (dict(LEDGER, task_name='ledger-db'), 'task_name must be 3 to 128'),
    (dict(LEDGER, task_name=123), 'task_name must be 3 to 128'),
    ({key: value for key, value in LEDGER.items() if key != 'task_name'}, 'task_name is required'),
    ({key: value for key, value in LEDGER.items() if key != 'source_instance_id'}, 'source_instance_id is required'),
    (dict(LEDGER, source_instance_id=SR), 'source_instance_id must be 36 letters or digits ending in in07'),
    (dict(LEDGER, source_instance_id='0c' * 16 + 'in07'), 'source_instance_id is not the TaurusDB instance of'),
    (dict(LEDGER, source_node_id=TAURUS), 'source_node_id must be 36 letters or digits ending in no07'),
    ({key: value for key, value in LEDGER.items() if key != 'source_database'}, 'source_database is required'),
    (dict(LEDGER, target_database='sr'), 'target_database must be 3 to 128'),
    (dict(LEDGER, tables=['orders']), 'unknown field(s) tables'),
    ([LEDGER], 'the body is not a JSON object'),
    ('{"task_name": ', 'the body is not a JSON object'),
])
def test_create_is_validated_before_anything_is_done(simulator, body, message):
    code, text = error(signed(simulator, 'POST', BASE, body))
    assert code == 'DBS.200001' and message in text
    assert simulator.stats()['jobs']['Pending'] == 0 and simulator.stats()['writes']['create'] == 1


def test_create_with_a_read_only_node_and_without_one(simulator):
    assert create(simulator, source_node_id='0a' * 16 + 'no07').status_code == 200
    assert create(simulator, task_name='other_db', source_node_id='').status_code == 200  # empty: the primary


def test_a_task_that_exists_or_is_being_created_is_not_created_again(simulator):
    code, text = error(create(simulator, task_name='orders_db'))
    assert code == 'DBS.200001' and 'orders_db exists' in text
    job_id = create(simulator).json()['job_id']
    assert error(create(simulator))[0] == 'DBS.200001'  # its job is still pending: never two
    finish(simulator, job_id)
    assert error(create(simulator))[0] == 'DBS.200001'
    assert list(tasks(simulator)).count('ledger_db') == 1
    assert simulator.stats()['routes']['replication_create'] == 4 and simulator.stats()['jobs']['Completed'] == 1


# --- pause, resume, delete, change -------------------------------------------------------------
@pytest.mark.parametrize('method, suffix, body', [
    ('DELETE', '', {'task_name': 'nope_db'}), ('POST', '/pause', {'task_name': 'nope_db'}),
    ('POST', '/resume', {'task_name': 'nope_db'}), ('PUT', '', {'task_name': 'nope_db', 'target_database_name': 'abc'}),
])
def test_a_task_that_does_not_exist_is_dbs_270022(simulator, method, suffix, body):
    assert error(signed(simulator, method, BASE + suffix, body)) == (
        'DBS.270022', 'The data synchronization task does not exist.')
    assert simulator.stats()['writes']['total'] == 1 and sum(simulator.stats()['jobs'].values()) == 0


@pytest.mark.parametrize('method, suffix', [('DELETE', ''), ('POST', '/pause'), ('POST', '/resume'), ('PUT', '')])
def test_a_write_to_an_unknown_instance_is_dbs_200022(simulator, method, suffix):
    path = BASE.replace(SR, '09' * 16 + 'in17') + suffix
    assert error(signed(simulator, method, path, {'task_name': 'orders_db'})) == ('DBS.200022', 'Instance not found.')
    assert simulator.stats()['instances'] == {'09' * 16 + 'in17': 1}


@pytest.mark.parametrize('method, suffix', [('DELETE', ''), ('POST', '/pause'), ('POST', '/resume'), ('PUT', '')])
def test_task_name_is_required_and_checked(simulator, method, suffix):
    assert error(signed(simulator, method, BASE + suffix, {}))[1] == 'Invalid parameter: task_name is required'
    assert 'task_name must be' in error(signed(simulator, method, BASE + suffix, {'task_name': 'a b c'}))[1]


def test_pause_then_resume_show_in_the_listing_when_their_jobs_complete(simulator):
    job_id = signed(simulator, 'POST', BASE + '/pause', {'task_name': 'orders_db'}).json()['job_id']
    assert tasks(simulator)['orders_db'][0] == 'Incremental'
    assert finish(simulator, job_id) == ['Pending', 'Running', 'Completed']
    assert tasks(simulator)['orders_db'][0] == 'paused'
    assert config(simulator, 'orders_db').status_code == 200  # a paused task is still there
    job_id = signed(simulator, 'POST', BASE + '/resume', {'task_name': 'orders_db'}).json()['job_id']
    assert tasks(simulator)['orders_db'][0] == 'paused'
    finish(simulator, job_id)
    assert tasks(simulator)['orders_db'][0] == 'Incremental'  # as it was, casing included


def test_a_task_paused_from_the_start_resumes_to_incremental(simulator):
    simulator.load('fleet')
    path = '/v3/%s/instances/%s/starrocks/databases/replication' % (DEFAULT_PROJECT, '03' * 16 + 'in17')
    finish(simulator, signed(simulator, 'POST', path + '/resume', {'task_name': 'audit_db'}).json()['job_id'])
    stages = {item['task_name']: item['stage'] for item in signed(simulator, 'GET', path).json()['replications']}
    assert stages['audit_db'] == 'Incremental'


def test_delete_removes_the_task_when_its_job_completes(simulator):
    job_id = signed(simulator, 'DELETE', BASE, {'task_name': 'users_db'}).json()['job_id']
    assert 'users_db' in tasks(simulator)
    finish(simulator, job_id)
    assert 'users_db' not in tasks(simulator)
    assert error(config(simulator, 'users_db'))[0] == 'DBS.270022'
    assert error(signed(simulator, 'DELETE', BASE, {'task_name': 'users_db'}))[0] == 'DBS.270022'


def test_change_shows_in_the_configuration_when_its_job_completes(simulator):
    scope = {'repl_type': 'include_tables', 'repl_scope': 'part', 'tables': ['orders']}
    answer = signed(simulator, 'PUT', BASE, {'task_name': 'orders_db', 'table_repl_config': scope,
                                             'target_database_name': 'orders_v2', 'is_support_reg_exp': 'false',
                                             'db_configs': [{'param_name': 'binlog_format', 'value': 'ROW'}]})
    assert answer.status_code == 200 and set(answer.json()) == keys_of('ModifyDataSyncResponse')
    assert answer.json()['target_database_name'] == 'orders_v2'
    assert config(simulator, 'orders_db').json()['table_repl_config']['repl_type'] == 'exclude_tables'
    assert tasks(simulator)['orders_db'][1] == 'orders_sr'
    finish(simulator, answer.json()['job_id'])
    after = config(simulator, 'orders_db').json()
    assert after['table_repl_config'] == scope and after['new_table_repl_config'] == scope
    assert after['target_database_name'] == 'orders_v2' and tasks(simulator)['orders_db'][1] == 'orders_v2'


@pytest.mark.parametrize('fields, message', [
    ({'table_repl_config': {'repl_type': 'only_tables'}}, 'table_repl_config.repl_type must be one of'),
    ({'table_repl_config': {'repl_scope': 'some'}}, 'table_repl_config.repl_scope must be one of'),
    ({'table_repl_config': {'tables': 'orders'}}, 'table_repl_config.tables is a list'),
    ({'table_repl_config': ['orders']}, 'table_repl_config is an object'),
    ({'is_support_reg_exp': True}, 'is_support_reg_exp must be one of true, false'),
    ({'database_repl_scope': 'most'}, 'database_repl_scope must be one of all, part'),
    ({'db_configs': {'binlog_format': 'ROW'}}, 'db_configs is a list of objects'),
    ({'tables_configs': [{'table': 'orders'}]}, 'tables_configs is a list of objects'),
    ({'target_database_name': 'x'}, 'target_database_name must be 3 to 128'),
    ({'source_instance_id': 'in07'}, 'source_instance_id must be 36'),
    ({'source_database': 'orders'}, 'unknown field(s) source_database'),
])
def test_change_is_validated_before_anything_is_done(simulator, fields, message):
    code, text = error(signed(simulator, 'PUT', BASE, dict(fields, task_name='orders_db')))
    assert code == 'DBS.200001' and message in text
    assert sum(simulator.stats()['jobs'].values()) == 0


# --- failures on request -------------------------------------------------------------------------
def test_a_failing_job_says_why_and_changes_nothing(simulator):
    simulator.write_failures({'route': 'create', 'fail_job': 'Insufficient resources: no space left'})
    job_id = signed(simulator, 'POST', BASE + '/pause', {'task_name': 'orders_db'}).json()['job_id']
    assert finish(simulator, job_id)[-1] == 'Completed'  # not a create: the rule waits for one
    failed = create(simulator).json()['job_id']
    assert finish(simulator, failed) == ['Pending', 'Running', 'Failed']
    assert job(simulator, failed)['fail_reason'] == 'Insufficient resources: no space left'
    assert 'ledger_db' not in tasks(simulator)
    finish(simulator, create(simulator).json()['job_id'])  # a rule fails one write
    assert 'ledger_db' in tasks(simulator)
    assert simulator.stats()['jobs'] == {'Pending': 0, 'Running': 0, 'Completed': 2, 'Failed': 1}


def test_failures_from_the_scenario_and_the_control_endpoint(simulator):
    simulator.load({'name': 'w', 'instances': [{'id': SR, 'tasks': [{'task_name': 'orders_db'}]}],
                    'writes': {'failures': [{'fail_job': 'first'}]}})
    assert requests.post(simulator.url + '/__sim__/writes', json={'failures': [{'route': 'delete',
                                                                               'fail_job': 'second'}]},
                         timeout=10).status_code == 200
    bad = requests.post(simulator.url + '/__sim__/writes', json={'failures': [{'fail_job': 'x', 'route': 'drop'}]},
                        timeout=10)
    assert bad.status_code == 400 and 'route' in bad.json()['error']
    first = signed(simulator, 'DELETE', BASE, {'task_name': 'orders_db'}).json()['job_id']
    second = signed(simulator, 'DELETE', BASE, {'task_name': 'orders_db'}).json()['job_id']
    assert [job(simulator, job_id)['fail_reason'] for job_id in (first, second) for _poll in range(3)][2::3] == [
        'first', 'second']
    assert 'orders_db' in tasks(simulator)
    state = requests.get(simulator.url + '/__sim__/writes', timeout=10).json()
    assert state['failures'] == [] and [j['status'] for j in state['jobs']] == ['Failed', 'Failed']


def test_a_job_fails_when_the_task_changed_under_it(simulator):
    creating = create(simulator).json()['job_id']
    deleting = signed(simulator, 'DELETE', BASE, {'task_name': 'users_db'}).json()['job_id']
    simulator.change_task(SR, 'ledger_db', add=True)
    simulator.change_task(SR, 'users_db', delete=True)
    assert finish(simulator, creating)[-1] == 'Failed'
    assert job(simulator, creating)['fail_reason'] == 'a data synchronization task named ledger_db exists'
    assert finish(simulator, deleting)[-1] == 'Failed'
    assert job(simulator, deleting)['fail_reason'] == 'The data synchronization task does not exist.'
    assert list(tasks(simulator)).count('ledger_db') == 1


def test_an_error_after_the_write_is_applied_leaves_the_task_created(simulator):
    """A 503 whose write was done: a client that reads before retrying finds its task; a blind retry is refused."""
    simulator.write_failures({'route': 'create', 'error_after_apply': 503, 'message': 'Service Unavailable'})
    with pytest.raises(ServerResponseException) as caught:
        client(simulator).create_star_rocks_data_replication(sdk.CreateStarRocksDataReplicationRequest(
            instance_id=SR, body=sdk.CreateStarRocksDataReplication(**LEDGER)))
    assert caught.value.status_code == 503 and caught.value.error_msg == 'Service Unavailable'
    assert tasks(simulator)['ledger_db'][1] == 'ledger_sr'
    assert error(create(simulator))[0] == 'DBS.200001'
    assert list(tasks(simulator)).count('ledger_db') == 1
    stats = simulator.stats()
    assert stats['writes']['create'] == 2 and stats['jobs']['Completed'] == 1
    assert requests.get(simulator.url + '/__sim__/writes', timeout=10).json()['jobs'][0]['status'] == 'Completed'
    assert stats['statuses'] == {'503': 1, '400': 1, '200': 2}


def test_api_fault_rules_answer_writes_before_anything_is_done(simulator):
    simulator.load({'instances': [{'id': SR, 'tasks': []}], 'faults': [{'kind': 'error', 'status': 503, 'first': 1}]})
    assert error(create(simulator), 503)[0] == 'DBS.200000'
    assert tasks(simulator) == {} and sum(simulator.stats()['jobs'].values()) == 0


# --- jobs by the clock, errors, signatures, counters ---------------------------------------------
def test_jobs_by_seconds_complete_by_the_manual_clock_without_being_polled(simulator):
    simulator.load({'clock': 'manual', 'instances': [{'id': SR, 'tasks': []}],
                    'writes': {'job': {'by': 'seconds', 'pending': 5, 'running': 10}, 'created': {}}})
    job_id = create(simulator).json()['job_id']
    simulator.advance_clock(4)
    assert job(simulator, job_id)['status'] == 'Pending'
    simulator.advance_clock(1)
    assert job(simulator, job_id)['status'] == 'Running' and job(simulator, job_id)['process'] == '50%'
    assert tasks(simulator) == {}
    simulator.advance_clock(10)
    assert tasks(simulator) == {'ledger_db': ('full', 'ledger_sr')}  # no poll: the listing settles it
    assert job(simulator, job_id)['status'] == 'Completed'


def test_job_errors(simulator):
    assert error(signed(simulator, 'GET', JOBS))[1] == 'Invalid parameter: id is required'
    assert 'does not exist' in error(signed(simulator, 'GET', JOBS, query=[('id', 'nope')]))[1]
    other = '/v3/%s/jobs' % ('e3' * 16)
    assert error(signed(simulator, 'GET', other, query=[('id', 'nope')]), 403)[0] == 'APIGW.0302'
    assert simulator.stats()['routes'] == {'jobs': 3}


def test_writes_are_authenticated_with_their_own_method(simulator):
    assert error(signed(simulator, 'POST', BASE, LEDGER, sign_as='GET'), 401)[0] == 'APIGW.0301'
    assert error(requests.post(simulator.url + BASE, json=LEDGER, timeout=10), 401)[0] == 'APIGW.0301'
    assert sum(simulator.stats()['jobs'].values()) == 0 and simulator.stats()['auth'] == {'rejected': 2}


def test_reads_count_no_writes_and_reset_forgets_jobs_and_failures(simulator):
    tasks(simulator)
    config(simulator, 'orders_db')
    assert simulator.stats()['writes'] == {'create': 0, 'change': 0, 'delete': 0, 'pause': 0, 'resume': 0, 'total': 0}
    simulator.write_failures({'fail_job': 'x'})
    job_id = create(simulator).json()['job_id']
    simulator.reset()
    assert requests.get(simulator.url + '/__sim__/writes', timeout=10).json() == {'jobs': [], 'failures': []}
    assert 'does not exist' in error(signed(simulator, 'GET', JOBS, query=[('id', job_id)]))[1]


@pytest.mark.parametrize('writes', [
    {'jobs': {}}, {'job': {'pending': -1}}, {'job': {'by': 'hours'}}, {'created': {'task_name': 'x'}},
    {'failures': [{'route': 'create'}]}, {'failures': [{'fail_job': 'x', 'error_after_apply': 503}]},
])
def test_bad_writes_keys_are_refused(writes):
    with pytest.raises(ScenarioError):
        load_scenario({'instances': [], 'writes': writes})
