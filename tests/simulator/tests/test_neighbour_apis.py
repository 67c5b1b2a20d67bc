"""The two neighbouring APIs: a task's replication configuration and the HTAP instances of a TaurusDB instance.

Field names and types are checked against the official SDK's model classes (``attribute_map`` and
``openapi_types``), so the simulator cannot drift from what the SDK deserializes. Requests are
signed by the official SDK's signer, never by the collection.
"""

import os

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkgaussdb.v3 import model as sdk_model

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, load_scenario
from htapsim.scenario import ScenarioError

SR = '01010101010101010101010101010101in17'
SR2 = '02020202020202020202020202020202in17'
TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
TAURUS_EMPTY = '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0bin07'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
USER = DEFAULT_CREDENTIALS['users'][0]


def config_path(instance=SR, project=DEFAULT_PROJECT):
    return '/v3/%s/instances/%s/starrocks/databases/replication/configuration' % (project, instance)


def htap_path(instance=TAURUS, project=DEFAULT_PROJECT):
    return '/v3/%s/instances/%s/htap' % (project, instance)


def listing_path(instance=SR):
    return '/v3/%s/instances/%s/starrocks/databases/replication' % (DEFAULT_PROJECT, instance)


def get(sim, path, query=()):
    """A GET signed by the official SDK's Signer, as the SDK sends it."""
    host = sim.url.split('://', 1)[1]
    request = SdkRequest(method='GET', schema=sim.url.split(':')[0], host=host, resource_path=path,
                         query_params=list(query), body='',
                         header_params={'Content-Type': 'application/json', 'X-Project-Id': KEY['project_id'],
                                        'X-Language': 'en-us'})
    Signer(BasicCredentials(KEY['ak'], KEY['sk'])).sign(request)
    return requests.get(sim.url + request.uri, headers=dict(request.header_params), timeout=10,
                        verify=sim.ca_path or True)


def get_config(sim, task='orders_db', instance=SR):
    return get(sim, config_path(instance), [('task_name', task)] if task is not None else [])


def sdk_client(sim):
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkgaussdb.v3 import GaussDBClient
    config = HttpConfig.get_default_config()
    config.ssl_ca_cert = sim.ca_path
    return GaussDBClient.new_builder() \
        .with_credentials(BasicCredentials(KEY['ak'], KEY['sk'], KEY['project_id'])) \
        .with_endpoints([sim.url]).with_http_config(config).build()


SCALARS = {'str': str, 'bool': bool, 'int': int}


def assert_matches_model(data, model_name, where='answer'):
    """``data`` has exactly the JSON keys of the SDK model, each of the model's type, recursively."""
    cls = getattr(sdk_model, model_name)
    assert isinstance(data, dict), '%s: a %s is an object, got %r' % (where, model_name, data)
    assert set(data) == set(cls.attribute_map.values()), '%s: keys differ from %s' % (where, model_name)
    for attr, kind in cls.openapi_types.items():
        assert_type(data[cls.attribute_map[attr]], kind, '%s.%s' % (where, attr))


def assert_type(value, kind, where):
    if kind.startswith('list['):
        assert isinstance(value, list), '%s is a list, got %r' % (where, value)
        for index, item in enumerate(value):
            assert_type(item, kind[5:-1], '%s[%d]' % (where, index))
    elif kind in SCALARS:
        assert isinstance(value, SCALARS[kind]), '%s is a %s, got %r' % (where, kind, value)
        if kind == 'int':
            assert not isinstance(value, bool), '%s is an int, got %r' % (where, value)
    else:
        assert_matches_model(value, kind, where)


def error_of(resp):
    assert resp.headers['X-Request-Id']
    return resp.status_code, resp.json()


# --- replication configuration -------------------------------------------------------------
def test_config_has_every_field_of_the_sdk_model(simulator):
    resp = get_config(simulator)
    assert resp.status_code == 200 and resp.headers['X-Request-Id']
    body = resp.json()
    assert_matches_model(body, 'ListStarRocksDataReplicationConfigResponse')
    assert body['source_instance_id'] == TAURUS
    assert body['source_node_id'] == '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ano07'
    assert body['database_info']['database_name'] == 'orders'
    assert body['target_database_name'] == 'orders_sr'
    assert body['is_tables_change'] is False and body['last_error_of_alter_table'] == ''
    checks = body['database_info']['db_config_check_results']
    assert {'param_name': 'binlog_format', 'value': 'ROW', 'check_result': 'success'} in checks
    assert all(check['check_result'] == 'success' for check in checks)
    assert [t['check_result'] for t in body['table_infos']] == ['success', 'success']
    assert body['table_repl_config'] == body['new_table_repl_config']
    assert_matches_model(body['table_repl_config'], 'TableReplConfig')
    assert simulator.stats()['routes'] == {'replication_config': 1}


def test_config_of_a_broken_task_explains_why(simulator):
    simulator.load('broken-with-explanation')
    broken = get_config(simulator, 'orders_db').json()
    assert_matches_model(broken, 'ListStarRocksDataReplicationConfigResponse')
    assert broken['last_error_of_alter_table'].startswith('ALTER TABLE orders ADD COLUMN')
    assert {'table_name': 'orders', 'table_config': 'ENGINE=InnoDB; no PRIMARY KEY',
            'check_result': 'failed: no primary key'} in broken['table_infos']
    assert broken['database_info']['database_name'] == 'orders'  # defaults kept beside the overrides
    healthy = get_config(simulator, 'users_db').json()
    assert healthy['last_error_of_alter_table'] == ''
    assert {t['check_result'] for t in healthy['table_infos']} == {'success'}
    statuses = {t['task_name']: t['status'] for t in get(simulator, listing_path()).json()['replications']}
    assert statuses == {'users_db': 'Yes', 'orders_db': 'No'}


def test_config_overrides_merge_mappings_and_replace_lists(simulator):
    failing = [{'param_name': 'binlog_format', 'value': 'STATEMENT', 'check_result': 'fail'}]
    simulator.load({'instances': [{'id': SR, 'source_instance_id': '0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0cin07', 'tasks': [
        {'task_name': 'a', 'source_database': 'src', 'target_database': 'dst', 'config': {
            'database_info': {'db_config_check_results': failing},
            'new_table_repl_config': {'repl_type': 'include_tables', 'repl_scope': 'part', 'tables': ['t1']},
            'is_tables_change': True}}]}]})
    body = get_config(simulator, 'a').json()
    assert_matches_model(body, 'ListStarRocksDataReplicationConfigResponse')
    assert body['database_info'] == {'database_name': 'src', 'db_config_check_results': failing}
    assert body['new_table_repl_config'] == {'repl_type': 'include_tables', 'repl_scope': 'part', 'tables': ['t1']}
    assert body['table_repl_config']['repl_scope'] == 'all'
    assert body['is_tables_change'] is True and body['target_database_name'] == 'dst'
    assert body['source_instance_id'] == '0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0cin07'
    assert body['source_node_id'] == '0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0cno07'


def test_config_source_is_the_taurusdb_instance_that_lists_it(simulator):
    simulator.load({'taurusdb_instances': [{'id': '0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0din07', 'htap': [SR]}],
                    'instances': [{'id': SR, 'tasks': [{'task_name': 'a'}]}]})
    body = get_config(simulator, 'a').json()
    assert body['source_instance_id'] == '0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0din07'
    assert body['source_node_id'] == '0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0dno07'


@pytest.mark.parametrize('instance, task, code, message', [
    ('ffffffffffffffffffffffffffffffffin17', 'orders_db', 'DBS.200022', 'Instance not found.'),
    (TAURUS, 'orders_db', 'DBS.200022', 'Instance not found.'),  # a TaurusDB id is not a StarRocks instance
    (SR, None, 'DBS.200001', 'Invalid parameter: task_name is required'),
    (SR, '', 'DBS.200001', 'Invalid parameter: task_name is required'),
    (SR, 'no_such_task', 'DBS.270022', 'The data synchronization task does not exist.'),
])
def test_config_errors(simulator, instance, task, code, message):
    simulator.load('htap-family')
    assert error_of(get_config(simulator, task, instance)) == (400, {'error_code': code, 'error_msg': message})


def test_config_follows_the_task_timeline_without_advancing_it(simulator):
    """Configuration requests see tasks as the last listing did and never move `by: requests` timelines."""
    simulator.load({'instances': [{'id': SR, 'tasks': [
        {'task_name': 'a', 'sync': {'by': 'requests', 'wait': 2, 'full': 4}},
        {'task_name': 'late', 'appear_after': 1}]}]})
    assert get_config(simulator, 'late').json()['error_code'] == 'DBS.270022'  # not there before any listing
    for _request in range(5):
        assert get_config(simulator, 'a').status_code == 200
    first = {t['task_name']: (t['stage'], t['percentage']) for t in get(simulator, listing_path()).json()['replications']}
    assert first == {'a': ('wait', '0')}  # the listing's 1st request, after five config requests
    for _request in range(3):
        get_config(simulator, 'a')
    second = get(simulator, listing_path()).json()['replications']
    assert [(t['task_name'], t['stage'], t['percentage']) for t in second] == [
        ('a', 'full', '0'), ('late', 'incremental', '100')]
    assert get_config(simulator, 'late').status_code == 200
    assert simulator.state.world.requests[SR] == 2
    assert simulator.state.world.config_requests[SR] == 10
    assert simulator.stats()['routes'] == {'replication_config': 10, 'replication': 2}


def test_config_with_the_official_sdk_client(tls_simulator):
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkgaussdb.v3 import ListStarRocksDataReplicationConfigRequest
    tls_simulator.load('broken-with-explanation')
    client = sdk_client(tls_simulator)
    response = client.list_star_rocks_data_replication_config(
        ListStarRocksDataReplicationConfigRequest(instance_id=SR, task_name='orders_db', x_language='en-us'))
    assert response.database_info.database_name == 'orders'
    assert response.last_error_of_alter_table.startswith('ALTER TABLE orders')
    assert [t.check_result for t in response.table_infos] == ['failed: no primary key', 'success']
    assert response.table_repl_config.repl_scope == 'all' and response.is_tables_change is True
    assert response.database_info.db_config_check_results[0].param_name == 'binlog_format'
    with pytest.raises(ClientRequestException) as caught:
        client.list_star_rocks_data_replication_config(
            ListStarRocksDataReplicationConfigRequest(instance_id=SR, task_name='nope'))
    assert caught.value.status_code == 400 and caught.value.error_code == 'DBS.270022'
    assert caught.value.request_id
    assert tls_simulator.stats()['routes'] == {'replication_config': 2}


# --- HTAP instances of a TaurusDB instance -----------------------------------------------------
def test_htap_instances_have_every_field_of_the_sdk_model(simulator):
    simulator.load('htap-family')
    resp = get(simulator, htap_path())
    assert resp.status_code == 200 and resp.headers['X-Request-Id']
    body = resp.json()
    assert_matches_model(body, 'ListHtapInstanceInfoResponse')
    assert body['total'] == 2 and body['max_htap_instance_num_of_taurus'] == 4
    assert [(i['id'], i['name']) for i in body['instances']] == [(SR, 'starrocks-reports'), (SR2, 'starrocks-analytics')]
    first = body['instances'][0]
    assert first['engine_name'] == 'star-rocks' and first['project_id'] == DEFAULT_PROJECT
    assert first['instance_state'] == {'instance_status': 'normal', 'create_fail_error_code': '', 'fail_message': '',
                                       'wait_restart_for_params': False}
    assert first['is_frozen'] is False and first['pay_model'] == '0' and isinstance(first['create_at'], int)
    assert simulator.stats()['routes'] == {'htap_instances': 1}


def test_htap_family_lists_the_loading_instance_too(simulator):
    simulator.load('htap-family')
    tasks = {t['task_name']: (t['stage'], t['percentage']) for t in get(simulator, listing_path(SR2)).json()['replications']}
    assert tasks == {'events_db': ('Incremental', '100'), 'clicks_db': ('full', '40')}
    ready = {t['stage'] for t in get(simulator, listing_path(SR)).json()['replications']}
    assert ready == {'Incremental'}


def test_taurusdb_instance_without_htap_instances(simulator):
    simulator.load('htap-family')
    body = get(simulator, htap_path(TAURUS_EMPTY)).json()
    assert body == {'total': 0, 'instances': [], 'max_htap_instance_num_of_taurus': 4}
    assert_matches_model(body, 'ListHtapInstanceInfoResponse')


def test_htap_display_fields_come_from_the_scenario(simulator):
    action = {'id': 'act-1', 'action': 'RESIZE_FLAVOR', 'object_id': SR, 'type': 'instance', 'job_id': 'job-1',
              'status': 'RUNNING', 'created_at': 1735689600000, 'updated_at': 1735689660000}
    node = {'data_ip': '192.168.0.21', 'node_id': 'nd-1', 'node_name': 'be-1'}
    simulator.load({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR], 'max_htap_instance_num_of_taurus': 1}],
                    'instances': [{'id': SR, 'name': 'sr-failed', 'engine_version': '3.3.5', 'status': 'createfail',
                                   'fail_message': 'Insufficient resources.', 'create_fail_error_code': 'DBS.280111',
                                   'wait_restart_for_params': True, 'current_actions': [action],
                                   'readable_node_infos': [node], 'proxy_ips': ['192.168.0.30'], 'node_num': 5}]})
    body = get(simulator, htap_path()).json()
    assert_matches_model(body, 'ListHtapInstanceInfoResponse')
    item = body['instances'][0]
    assert item['name'] == 'sr-failed' and item['engine_version'] == '3.3.5' and item['node_num'] == 5
    assert item['instance_state'] == {'instance_status': 'createfail', 'create_fail_error_code': 'DBS.280111',
                                      'fail_message': 'Insufficient resources.', 'wait_restart_for_params': True}
    assert item['current_actions'] == [action] and item['readable_node_infos'] == [node]
    assert body['max_htap_instance_num_of_taurus'] == 1


@pytest.mark.parametrize('instance', ['ffffffffffffffffffffffffffffffffin07', SR])
def test_htap_unknown_taurusdb_instance(simulator, instance):
    simulator.load('htap-family')
    assert error_of(get(simulator, htap_path(instance))) == (
        400, {'error_code': 'DBS.200022', 'error_msg': 'Instance not found.'})


def test_htap_instances_with_the_official_sdk_client(tls_simulator):
    from huaweicloudsdkgaussdb.v3 import ListHtapInstanceInfoRequest
    tls_simulator.load('htap-family')
    client = sdk_client(tls_simulator)
    response = client.list_htap_instance_info(ListHtapInstanceInfoRequest(instance_id=TAURUS, x_language='en-us'))
    assert response.total == 2 and response.max_htap_instance_num_of_taurus == 4
    assert [i.id for i in response.instances] == [SR, SR2]
    first = response.instances[0]
    assert first.instance_state.instance_status == 'normal' and first.engine_name == 'star-rocks'
    assert first.available_zones[0].code and first.network.vpc_id
    empty = client.list_htap_instance_info(ListHtapInstanceInfoRequest(instance_id=TAURUS_EMPTY))
    assert empty.total == 0 and empty.instances == []
    assert tls_simulator.stats()['routes'] == {'htap_instances': 2}


# --- what both routes share with the listing ---------------------------------------------------
ROUTES = [('replication_config', config_path(), [('task_name', 'orders_db')]), ('htap_instances', htap_path(), [])]


@pytest.mark.parametrize('route, path, query', ROUTES)
def test_unsigned_request_is_rejected(simulator, route, path, query):
    simulator.load('htap-family')
    resp = requests.get(simulator.url + path, params=query, timeout=10)
    assert resp.status_code == 401 and resp.json()['error_code'] == 'APIGW.0301' and resp.headers['X-Request-Id']
    stats = simulator.stats()
    assert stats['routes'] == {route: 1} and stats['auth'] == {'rejected': 1}


@pytest.mark.parametrize('route, path, query', ROUTES)
def test_token_auth_and_foreign_project(simulator, route, path, query):
    simulator.load('htap-family')
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': USER['name'], 'password': USER['password'], 'domain': {'name': USER['domain']}}}},
        'scope': {'project': {'id': DEFAULT_PROJECT}}}}
    token = requests.post(simulator.url + '/v3/auth/tokens', json=body, timeout=10).headers['X-Subject-Token']
    assert requests.get(simulator.url + path, params=query, headers={'X-Auth-Token': token}, timeout=10).status_code == 200
    foreign = path.replace(DEFAULT_PROJECT, 'f' * 32)
    resp = get(simulator, foreign, query)
    assert resp.status_code == 403 and resp.json()['error_code'] == 'APIGW.0302'
    assert simulator.stats()['routes'] == {'iam_token': 1, route: 2}


@pytest.mark.parametrize('route, path, query', ROUTES)
def test_faults_apply(simulator, route, path, query):
    scenario = load_scenario('htap-family')
    scenario['faults'] = [{'kind': 'throttle', 'first': 1, 'retry_after': 2},
                          {'kind': 'error', 'status': 503, 'every': 3}, {'kind': 'truncated_json', 'every': 4}]
    simulator.load(scenario)
    throttled = get(simulator, path, query)
    assert throttled.status_code == 429 and throttled.headers['Retry-After'] == '2'
    assert throttled.json()['error_code'] == 'APIGW.0308'
    assert get(simulator, path, query).status_code == 200
    failed = get(simulator, path, query)
    assert failed.status_code == 503 and failed.json()['error_code'] and failed.headers['X-Request-Id']
    truncated = get(simulator, path, query)
    assert truncated.status_code == 200
    with pytest.raises(ValueError):
        truncated.json()
    stats = simulator.stats()
    assert stats['routes'] == {route: 4}
    assert stats['faults'] == {'throttle': 1, 'error': 1, 'truncated_json': 1}


def test_instance_faults_of_each_kind_of_instance(simulator):
    """StarRocks instance faults hit the configuration route; TaurusDB instance faults the HTAP route."""
    simulator.load({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR], 'faults': [{'kind': 'error', 'status': 502, 'first': 1}]}],
                    'instances': [{'id': SR, 'tasks': [{'task_name': 'orders_db'}],
                                   'faults': [{'kind': 'total_drift', 'delta': 3}, {'kind': 'reset', 'first': 1}]}]})
    with pytest.raises(requests.exceptions.ConnectionError):
        get_config(simulator)
    assert get_config(simulator).status_code == 200  # total_drift has no total to move here
    assert get(simulator, htap_path()).status_code == 502
    assert get(simulator, htap_path()).json()['total'] == 1


def test_total_drift_moves_the_htap_total(simulator):
    scenario = load_scenario('htap-family')
    scenario['faults'] = [{'kind': 'total_drift', 'delta': 2, 'first': 1}]
    simulator.load(scenario)
    assert get(simulator, htap_path()).json()['total'] == 4
    assert get(simulator, htap_path()).json()['total'] == 2


# --- scenarios -----------------------------------------------------------------------------------
def test_new_bundled_scenarios_are_listed():
    from htapsim import scenario_names
    assert {'broken-with-explanation', 'htap-family'} <= set(scenario_names())
    assert load_scenario('healthy')['taurusdb_instances'] == []


@pytest.mark.parametrize('scenario, message', [
    ({'taurusdb_instances': [{'id': TAURUS, 'htap': ['ffffffffffffffffffffffffffffffffin17']}]}, 'not in "instances"'),
    ({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}, {'id': TAURUS_EMPTY, 'htap': [SR]}]}, 'under both'),
    ({'taurusdb_instances': [{'id': TAURUS}, {'id': TAURUS}]}, 'listed twice'),
    ({'taurusdb_instances': [{'htap': []}]}, 'needs an "id"'),
    ({'taurusdb_instances': [{'id': TAURUS, 'project_id': 'e' * 32, 'htap': [SR]}]}, 'another project'),
    ({'taurusdb_instances': [{'id': TAURUS, 'faults': [{'kind': 'meteor'}]}]}, 'unknown fault kind'),
    ({'taurusdb_instances': {'id': TAURUS}}, 'is a list'),
])
def test_bad_neighbour_scenarios_are_refused(scenario, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(dict(scenario, instances=[{'id': SR, 'tasks': [{'task_name': 'a'}]}]))


def test_task_config_must_be_a_mapping():
    with pytest.raises(ScenarioError, match='config of task a'):
        load_scenario({'instances': [{'id': SR, 'tasks': [{'task_name': 'a', 'config': ['not', 'a', 'mapping']}]}]})


def test_pyproject_ships_the_package_and_its_scenarios():
    tomllib = pytest.importorskip('tomllib')
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    with open(os.path.join(checkout, 'roles', 'simulator', 'files', 'pyproject.toml'), 'rb') as handle:
        project = tomllib.load(handle)
    assert project['project']['name'] == 'htapsim'
    # what a controller has: PyYAML (ansible-core brings it); trustme only for TLS, PyMySQL for the heartbeat copier
    assert project['project']['dependencies'] == ['PyYAML']
    assert project['project']['optional-dependencies'] == {'tls': ['trustme'], 'heartbeat': ['PyMySQL']}
    assert project['tool']['setuptools']['packages'] == ['htapsim']
    assert project['tool']['setuptools']['package-data'] == {'htapsim': ['scenarios/*.yml']}


def test_htap_state_steps_change_an_instance_per_listing(simulator):
    # rebooting with a restart pending for two listings, then normal; frozen from the clock's 100th second on
    simulator.load({'clock': 'manual', 'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}],
                    'instances': [{'id': SR, 'status': 'rebooting', 'wait_restart_for_params': True,
                                   'state_steps': [{'at': 3, 'status': 'normal', 'wait_restart_for_params': False},
                                                   {'at': 100, 'by': 'seconds', 'is_frozen': True}]}]})
    seen = []
    for _read in range(4):
        body = get(simulator, htap_path()).json()
        assert_matches_model(body, 'ListHtapInstanceInfoResponse')
        item = body['instances'][0]
        seen.append((item['instance_state']['instance_status'], item['instance_state']['wait_restart_for_params'],
                     item['is_frozen']))
    assert seen == [('rebooting', True, False)] * 2 + [('normal', False, False)] * 2
    simulator.advance_clock(100)
    assert get(simulator, htap_path()).json()['instances'][0]['is_frozen'] is True
    get(simulator, listing_path(SR))  # the replication listing does not move the state
    simulator.reset()
    assert get(simulator, htap_path()).json()['instances'][0]['instance_state']['instance_status'] == 'rebooting'


@pytest.mark.parametrize('steps', ['normal', [{'status': 'normal'}], [{'at': 1, 'by': 'rounds'}], [{'at': 1, 'colour': 'red'}]])
def test_htap_state_steps_are_checked(steps):
    with pytest.raises(ScenarioError, match='state_steps|state step'):
        load_scenario({'instances': [{'id': SR, 'state_steps': steps}]})
