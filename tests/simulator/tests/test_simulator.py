"""The simulator's own tests: API, auth, scenarios, faults, stats, TLS, CLI.

Requests are signed by the official SDK's signer (huaweicloudsdkcore), never by the collection.
"""

import datetime
import http.client
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator, load_scenario

INSTANCE = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
TEMP_KEY = DEFAULT_CREDENTIALS['aksk'][1]
USER = DEFAULT_CREDENTIALS['users'][0]


def path_for(instance=INSTANCE, project=DEFAULT_PROJECT):
    return '/v3/%s/instances/%s/starrocks/databases/replication' % (project, instance)


def sdk_signed(sim, path, query=(), key=None, headers=None, sdk_date=None):
    """Sign with the official SDK's Signer; return (url, headers) ready to send."""
    key = key or KEY
    host = sim.url.split('://', 1)[1]
    header_params = {'Content-Type': 'application/json', 'X-Project-Id': key['project_id']}
    if key.get('security_token'):
        header_params['X-Security-Token'] = key['security_token']
    if sdk_date:
        header_params['X-Sdk-Date'] = sdk_date
    header_params.update(headers or {})
    request = SdkRequest(method='GET', schema=sim.url.split(':')[0], host=host, resource_path=path,
                         query_params=list(query), header_params=header_params, body='')
    Signer(BasicCredentials(key['ak'], key['sk'])).sign(request)
    return sim.url + request.uri, dict(request.header_params)


def get(sim, path=None, query=(('limit', '100'), ('offset', '0')), **kwargs):
    url, headers = sdk_signed(sim, path or path_for(), query, **kwargs)
    return requests.get(url, headers=headers, timeout=10, verify=sim.ca_path or True)


def token_for(sim, user=None, password=None, project=DEFAULT_PROJECT):
    user = user or USER
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user['name'], 'password': password or user['password'], 'domain': {'name': user['domain']}}}},
        'scope': {'project': {'id': project}}}}
    return requests.post(sim.url + '/v3/auth/tokens', json=body, timeout=10, verify=sim.ca_path or True)


# --- the API -------------------------------------------------------------------------------
def test_healthy_listing_uses_string_types_and_request_id(simulator):
    resp = get(simulator)
    assert resp.status_code == 200
    assert resp.headers['X-Request-Id']
    body = resp.json()
    assert body['total_count'] == '3'
    assert set(body) == {'total_count', 'replications', 'ext_text'}
    first = body['replications'][0]
    assert first['stage'] == 'Incremental' and first['status'] == 'Yes'
    assert first['percentage'] == '100'
    assert sorted(first) == sorted(['source_database', 'target_database', 'task_name', 'status', 'stage',
                                    'percentage', 'catchup_stage', 'catchup_percentage'])


def test_loose_mode_sends_numbers_and_nulls(simulator):
    simulator.load('fleet')
    body = get(simulator, path_for('04040404040404040404040404040404in17')).json()
    assert body['total_count'] == 1
    assert body['replications'][0]['percentage'] == 100
    assert body['replications'][0]['catchup_stage'] is None


def test_pages_are_capped_at_50_and_offset_is_an_item_index(simulator):
    simulator.load('many-tasks')
    first = get(simulator).json()
    assert first['total_count'] == '2000' and len(first['replications']) == 50
    second = get(simulator, query=[('limit', '100'), ('offset', '50')]).json()
    assert second['replications'][0]['task_name'] == 'task_00050'
    small = get(simulator, query=[('limit', '7'), ('offset', '1995')]).json()
    assert [t['task_name'] for t in small['replications']] == ['task_%05d' % i for i in range(1995, 2000)]


def test_page_cap_is_configurable(simulator):
    simulator.load({'page_size': 10, 'instances': [{'id': INSTANCE, 'generate': {'count': 25}}]})
    assert len(get(simulator).json()['replications']) == 10


@pytest.mark.parametrize('query', [
    [('limit', 'abc')], [('limit', '0')], [('limit', '101')], [('limit', '-1')], [('offset', '-5')], [('offset', '1.5')],
])
def test_bad_paging_parameters_get_400(simulator, query):
    resp = get(simulator, query=query)
    assert resp.status_code == 400
    assert resp.json()['error_code'] == 'DBS.200001'


def test_unknown_instance_gets_dbs_200022(simulator):
    resp = get(simulator, path_for('ffffffffffffffffffffffffffffffffin17'))
    assert resp.status_code == 400
    assert resp.json() == {'error_code': 'DBS.200022', 'error_msg': 'Instance not found.'}
    assert resp.headers['X-Request-Id']


def test_unknown_route_gets_404(simulator):
    resp = requests.get(simulator.url + '/v3/nothing/here', timeout=5)
    assert resp.status_code == 404 and resp.json()['error_code'] == 'APIGW.0101'


# --- auth -----------------------------------------------------------------------------------
def test_official_sdk_client_end_to_end(tls_simulator):
    """The real GaussDBClient, signing and parsing on its own, is served by the simulator."""
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkgaussdb.v3 import GaussDBClient, ListStarRocksDataReplicationsRequest
    config = HttpConfig.get_default_config()
    config.ssl_ca_cert = tls_simulator.ca_path
    client = GaussDBClient.new_builder() \
        .with_credentials(BasicCredentials(KEY['ak'], KEY['sk'], KEY['project_id'])) \
        .with_endpoints([tls_simulator.url]).with_http_config(config).build()
    response = client.list_star_rocks_data_replications(ListStarRocksDataReplicationsRequest(instance_id=INSTANCE))
    assert str(response.total_count) == '3'
    assert {r.task_name for r in response.replications} == {'orders_db', 'users_db', 'billing_db'}
    assert tls_simulator.stats()['auth'] == {'aksk': 1}


def test_one_wrong_signature_character_is_rejected(simulator):
    url, headers = sdk_signed(simulator, path_for(), [('limit', '100'), ('offset', '0')])
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    auth = headers['Authorization']
    last = auth[-1]
    headers['Authorization'] = auth[:-1] + ('0' if last != '0' else '1')
    resp = requests.get(url, headers=headers, timeout=5)
    assert resp.status_code == 401
    assert resp.json()['error_code'] == 'APIGW.0301'
    assert 'signature' in resp.json()['error_msg']


def test_tampered_query_is_rejected(simulator):
    url, headers = sdk_signed(simulator, path_for(), [('limit', '100'), ('offset', '0')])
    assert requests.get(url.replace('offset=0', 'offset=1'), headers=headers, timeout=5).status_code == 401


def test_unknown_access_key_is_rejected(simulator):
    resp = get(simulator, key=dict(KEY, ak='UNKNOWNAK00000000000'))
    assert resp.status_code == 401 and 'access key not found' in resp.json()['error_msg']


def test_clock_skew_over_15_minutes_is_rejected(simulator):
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=16)).strftime('%Y%m%dT%H%M%SZ')
    resp = get(simulator, sdk_date=old)
    assert resp.status_code == 401 and 'expired' in resp.json()['error_msg']
    recent = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=14)).strftime('%Y%m%dT%H%M%SZ')
    assert get(simulator, sdk_date=recent).status_code == 200


def test_temporary_credentials_need_their_security_token(simulator):
    assert get(simulator, key=TEMP_KEY).status_code == 200
    assert simulator.stats()['auth'] == {'aksk-temporary': 1}
    resp = get(simulator, key=dict(TEMP_KEY, security_token='wrong-token'))
    assert resp.status_code == 401 and 'security token' in resp.json()['error_msg']


def test_foreign_project_gets_403(simulator):
    resp = get(simulator, path_for(project='f' * 32))
    assert resp.status_code == 403 and resp.json()['error_code'] == 'APIGW.0302'


def test_token_issue_use_and_expiry(simulator):
    resp = token_for(simulator)
    assert resp.status_code == 201
    token = resp.headers['X-Subject-Token']
    assert resp.json()['token']['expires_at'].endswith('Z')
    api = simulator.url + path_for()
    ok = requests.get(api, headers={'X-Auth-Token': token}, timeout=5)
    assert ok.status_code == 200
    simulator.advance_clock(86401)
    expired = requests.get(api, headers={'X-Auth-Token': token}, timeout=5)
    assert expired.status_code == 401 and expired.json()['error_code'] == 'APIGW.0307'
    stats = simulator.stats()
    assert stats['routes'] == {'iam_token': 1, 'replication': 2}
    assert stats['auth'] == {'password': 1, 'token': 1, 'rejected': 1}


def test_wrong_password_and_unknown_token_get_401(simulator):
    resp = token_for(simulator, password='nope')
    assert resp.status_code == 401 and resp.json()['error']['message'] == 'The username or password is wrong.'
    bad = requests.get(simulator.url + path_for(), headers={'X-Auth-Token': 'made-up'}, timeout=5)
    assert bad.status_code == 401 and bad.json()['error_code'] == 'APIGW.0301'


def test_token_scoped_to_other_project_gets_403(simulator):
    token = token_for(simulator).headers['X-Subject-Token']
    resp = requests.get(simulator.url + path_for(project='e' * 32), headers={'X-Auth-Token': token}, timeout=5)
    assert resp.status_code == 403


# --- scenarios and timelines -----------------------------------------------------------------
def test_sync_timeline_by_requests(simulator):
    simulator.load({'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'orders_db', 'sync': {'by': 'requests', 'wait': 2, 'full': 4}}]}]})
    seen = [(t['stage'], t['percentage']) for t in (get(simulator).json()['replications'][0] for _request in range(7))]
    assert seen == [('wait', '0'), ('full', '0'), ('full', '25'), ('full', '50'), ('full', '75'),
                    ('Incremental', '100'), ('Incremental', '100')]


def test_syncing_then_ready_advances_per_request(simulator):
    simulator.load('syncing-then-ready')
    seen = []
    for _request in range(7):
        tasks = {t['task_name']: (t['stage'], t['percentage']) for t in get(simulator).json()['replications']}
        seen.append((tasks['users_db'], tasks['billing_db']))
    assert seen == [(('wait', '0'), ('wait', '0')), (('full', '0'), ('wait', '0')),
                    (('full', '33'), ('full', '0')), (('full', '66'), ('full', '25')),
                    (('Incremental', '100'), ('full', '50')), (('Incremental', '100'), ('full', '75')),
                    (('Incremental', '100'), ('Incremental', '100'))]


def test_sync_timeline_by_seconds_on_a_manual_clock(simulator):
    # a manual clock moves only when told to, so a slow machine sees the same answers
    simulator.load({'clock': 'manual', 'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'users_db', 'sync': {'by': 'seconds', 'wait': 1, 'full': 4}},
        {'task_name': 'audit_db', 'steps': [{'by': 'seconds', 'at': 10, 'status': 'No'}]}]}]})
    first = get(simulator).json()['replications']
    assert [(t['stage'], t['status']) for t in first] == [('wait', 'Yes'), ('incremental', 'Yes')]
    simulator.advance_clock(4)
    users = get(simulator).json()['replications'][0]
    assert users['stage'] == 'full' and users['percentage'] == '75'
    simulator.advance_clock(10)
    assert [(t['stage'], t['status']) for t in get(simulator).json()['replications']] == [
        ('Incremental', 'Yes'), ('incremental', 'No')]


def test_unknown_clock_is_refused():
    from htapsim.scenario import ScenarioError
    with pytest.raises(ScenarioError, match='clock'):
        load_scenario({'clock': 'sundial', 'instances': []})


def test_steps_turn_status_no_pause_cancel(simulator):
    simulator.load({'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'a', 'steps': [{'by': 'requests', 'at': 2, 'status': 'No'}]},
        {'task_name': 'b', 'steps': [{'by': 'requests', 'at': 2, 'stage': 'paused'}]},
        {'task_name': 'c', 'steps': [{'by': 'requests', 'at': 3, 'stage': 'cancelled'}]}]}]})
    get(simulator)
    second = {t['task_name']: (t['status'], t['stage']) for t in get(simulator).json()['replications']}
    assert second == {'a': ('No', 'incremental'), 'b': ('Yes', 'paused'), 'c': ('Yes', 'incremental')}
    assert get(simulator).json()['replications'][2]['stage'] == 'cancelled'


def test_tasks_appear_and_vanish_between_pages(simulator):
    simulator.load({'page_size': 2, 'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'a'}, {'task_name': 'b'}, {'task_name': 'c', 'vanish_after': 1},
        {'task_name': 'd', 'appear_after': 1}]}]})
    first = get(simulator).json()
    assert first['total_count'] == '3'
    second = get(simulator, query=[('offset', '2')]).json()
    assert second['total_count'] == '3'
    assert [t['task_name'] for t in second['replications']] == ['d']


def test_static_and_timed_tasks_mixed_keep_order_and_timelines(simulator):
    """Static tasks are built once; timed ones still change with every request, in place."""
    simulator.load({'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'a'}, {'task_name': 'b', 'sync': {'by': 'requests', 'wait': 2, 'full': 2}},
        {'task_name': 'c', 'percentage': 7}, {'task_name': 'd', 'appear_after': 1}]}]})
    seen = []
    for _request in range(4):
        body = get(simulator).json()
        seen.append((body['total_count'], [(t['task_name'], t['stage'], t['percentage']) for t in body['replications']]))
    static_a, static_c = ('a', 'incremental', '100'), ('c', 'incremental', '7')
    assert seen == [
        ('3', [static_a, ('b', 'wait', '0'), static_c]),
        ('4', [static_a, ('b', 'full', '0'), static_c, ('d', 'incremental', '100')]),
        ('4', [static_a, ('b', 'full', '50'), static_c, ('d', 'incremental', '100')]),
        ('4', [static_a, ('b', 'Incremental', '100'), static_c, ('d', 'incremental', '100')])]


def test_concurrent_requests_each_count_once(simulator):
    """by: requests timelines see every request's own number, also when requests overlap."""
    from concurrent.futures import ThreadPoolExecutor
    simulator.load({'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'a', 'sync': {'by': 'requests', 'wait': 0, 'full': 100}}]}]})
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _i: get(simulator).json(), range(30)))
    assert sorted(int(a['replications'][0]['percentage']) for a in answers) == list(range(1, 31))
    assert simulator.stats()['instances'] == {INSTANCE: 30}


def test_ext_text_is_the_scenarios_on_every_page_and_an_instance_may_have_its_own(simulator):
    other = '02020202020202020202020202020202in17'
    simulator.load({'ext_text': 'listing note', 'page_size': 1, 'instances': [
        {'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}, {'task_name': 'b_db'}]},
        {'id': other, 'ext_text': {'any': ['json']}, 'tasks': []}]})
    pages = [get(simulator, query=(('limit', '100'), ('offset', str(offset)))).json() for offset in (0, 1)]
    assert [page['ext_text'] for page in pages] == ['listing note'] * 2 and len(pages[1]['replications']) == 1
    assert get(simulator, path_for(other)).json()['ext_text'] == {'any': ['json']}


def test_bundled_scenarios_load(simulator):
    from htapsim import scenario_names
    assert {'healthy', 'syncing-then-ready', 'one-broken', 'empty-instance', 'many-tasks', 'fleet'} <= set(scenario_names())
    simulator.load('empty-instance')
    assert get(simulator).json() == {'total_count': '0', 'replications': [], 'ext_text': None}
    simulator.load('fleet')
    assert get(simulator, path_for('02020202020202020202020202020202in17')).json()['total_count'] == '120'


def test_bad_scenario_is_reported():
    from htapsim.scenario import ScenarioError, load_scenario
    with pytest.raises(ScenarioError, match='no scenario'):
        load_scenario('does-not-exist')
    with pytest.raises(ScenarioError, match='unknown fault kind'):
        load_scenario({'instances': [{'id': INSTANCE, 'faults': [{'kind': 'meteor'}]}]})


def test_scenario_from_json_file(tmp_path, simulator):
    path = tmp_path / 'custom.json'
    path.write_text(json.dumps({'name': 'from-json', 'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'x_db'}]}]}))
    simulator.load(str(path))
    assert get(simulator).json()['replications'][0]['task_name'] == 'x_db'


# --- faults ---------------------------------------------------------------------------------
def with_faults(sim, *faults, instance_faults=()):
    sim.load({'faults': list(faults), 'instances': [
        {'id': INSTANCE, 'tasks': [{'task_name': 'a'}], 'faults': list(instance_faults)}]})


def test_throttle_first_k_with_retry_after(simulator):
    with_faults(simulator, {'kind': 'throttle', 'first': 2, 'retry_after': 3})
    first, second, third = (get(simulator) for _request in range(3))
    assert first.status_code == second.status_code == 429
    assert first.headers['Retry-After'] == '3' and first.headers['X-Request-Id']
    assert third.status_code == 200
    assert simulator.stats()['faults'] == {'throttle': 2}


def test_throttle_at_a_rate_is_seeded(simulator):
    with_faults(simulator, {'kind': 'throttle', 'rate': 0.5})
    codes = [get(simulator).status_code for _request in range(40)]
    assert 5 < codes.count(429) < 35 and codes.count(200) + codes.count(429) == 40


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_server_errors(simulator, status):
    with_faults(simulator, instance_faults=[{'kind': 'error', 'status': status, 'first': 1}])
    resp = get(simulator)
    assert resp.status_code == status and resp.json()['error_code']
    assert get(simulator).status_code == 200


def test_html_error_page(simulator):
    with_faults(simulator, {'kind': 'html_error', 'status': 502, 'first': 1})
    resp = get(simulator)
    assert resp.status_code == 502 and resp.headers['Content-Type'] == 'text/html'
    assert '<html>' in resp.text


def test_truncated_json(simulator):
    with_faults(simulator, {'kind': 'truncated_json', 'first': 1})
    resp = get(simulator)
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        json.loads(resp.text)


def test_connection_reset(simulator):
    with_faults(simulator, {'kind': 'reset', 'first': 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        get(simulator)
    assert get(simulator).status_code == 200


def test_slow_body_triggers_read_timeout(simulator):
    with_faults(simulator, {'kind': 'slow_body', 'delay': 2, 'first': 1})
    url, headers = sdk_signed(simulator, path_for())
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, headers=headers, timeout=(2, 0.5)).json()


def test_latency(simulator):
    with_faults(simulator, {'kind': 'latency', 'seconds': 0.3, 'jitter': 0.1})
    start = time.monotonic()
    assert get(simulator).status_code == 200
    assert time.monotonic() - start >= 0.3


def test_latency_handshake_is_paid_once_per_connection(simulator):
    """``handshake: 2`` adds two round trips to the first request of each new connection, counted by
    connection in the stats and the log (no clock read: the delay asked for is recorded)."""
    with_faults(simulator, {'kind': 'latency', 'seconds': 0.001, 'handshake': 2})
    auth = {'X-Auth-Token': token_for(simulator).headers['X-Subject-Token']}  # its own connection (no latency rule)
    connections = [keepalive(simulator), keepalive(simulator)]
    for conn in connections:
        for _request in range(3):
            assert ask(conn, path_for(), auth)[0].status == 200
        conn.close()
    stats = simulator.stats()
    listing = [entry for entry in stats['log'] if entry['route'] == 'replication']
    assert stats['connections'] == 3  # the token request's connection, then the two
    assert stats['faults'] == {'latency': 6, 'handshake': 2}
    assert [entry['new_connection'] for entry in listing] == [True, False, False] * 2
    assert [round(entry['delay'], 6) for entry in listing] == [0.003, 0.001, 0.001] * 2


def test_latency_without_handshake_costs_one_round_trip_a_request(simulator):
    with_faults(simulator, {'kind': 'latency', 'seconds': 0.001})
    assert get(simulator).status_code == 200
    stats = simulator.stats()
    assert stats['faults'] == {'latency': 1} and stats['connections'] == 1
    assert stats['log'][0]['new_connection'] and round(stats['log'][0]['delay'], 6) == 0.001


@pytest.mark.parametrize('handshake', [-1, 'two', True, None])
def test_latency_handshake_is_a_number_of_round_trips(handshake):
    with pytest.raises(ValueError, match='handshake is a number of round trips'):
        load_scenario({'faults': [{'kind': 'latency', 'seconds': 0.05, 'handshake': handshake}], 'instances': []})


def test_total_drift(simulator):
    with_faults(simulator, {'kind': 'total_drift', 'delta': 2, 'first': 1})
    assert get(simulator).json()['total_count'] == '3'
    assert get(simulator).json()['total_count'] == '1'


def test_iam_route_faults(simulator):
    with_faults(simulator, {'kind': 'error', 'status': 503, 'first': 1, 'route': 'iam'})
    assert token_for(simulator).status_code == 503
    assert token_for(simulator).status_code == 201


# --- the connection ---------------------------------------------------------------------------
@pytest.fixture
def accepted(monkeypatch):
    """Every connection the simulator accepts, as its TCP_NODELAY value."""
    from htapsim.server import Handler
    seen = []
    original = Handler.setup

    def setup(self):
        original(self)
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    monkeypatch.setattr(Handler, 'setup', setup)
    return seen


@pytest.mark.parametrize('tls', [False, True])
def test_accepted_sockets_have_tcp_nodelay(simulator, tls_simulator, accepted, tls):
    """Without TCP_NODELAY every keep-alive answer waits for the client's delayed ACK."""
    assert get(tls_simulator if tls else simulator).status_code == 200
    assert len(accepted) == 1 and accepted[0] != 0


def keepalive(sim):
    host, port = sim.server.server_address[:2]
    return http.client.HTTPConnection(host, port, timeout=10)


def ask(conn, path, headers):
    conn.request('GET', path, headers=headers)
    resp = conn.getresponse()
    return resp, resp.read()


def test_one_keepalive_connection_serves_many_requests(simulator, accepted):
    simulator.load('many-tasks')
    auth = {'X-Auth-Token': token_for(simulator).headers['X-Subject-Token']}
    accepted.clear()  # the token request had its own connection
    conn = keepalive(simulator)
    names = []
    for offset in range(0, 2000, 50):
        resp, body = ask(conn, path_for() + '?limit=50&offset=%d' % offset, auth)
        assert resp.status == 200 and not resp.will_close
        names += [t['task_name'] for t in json.loads(body)['replications']]
    conn.close()
    assert names == ['task_%05d' % i for i in range(2000)]
    assert len(accepted) == 1
    assert simulator.stats()['routes'] == {'iam_token': 1, 'replication': 40}


@pytest.mark.parametrize('fault, status', [
    ({'kind': 'throttle', 'retry_after': 1}, 429), ({'kind': 'error', 'status': 503}, 503),
    ({'kind': 'html_error', 'status': 502}, 502), ({'kind': 'truncated_json'}, 200),
    ({'kind': 'total_drift', 'delta': 5}, 200), ({'kind': 'latency', 'seconds': 0.01}, 200),
    ({'kind': 'slow_body', 'delay': 0.1}, 200)])
def test_faulty_answers_keep_the_connection_usable(simulator, accepted, fault, status):
    """Each faulty answer is complete (its Content-Length holds), so the next one follows on the same connection."""
    with_faults(simulator, dict(fault, first=1))
    auth = {'X-Auth-Token': token_for(simulator).headers['X-Subject-Token']}
    accepted.clear()
    conn = keepalive(simulator)
    faulty, _body = ask(conn, path_for(), auth)
    assert faulty.status == status
    resp, body = ask(conn, path_for(), auth)
    conn.close()
    assert resp.status == 200 and json.loads(body)['total_count'] == '1'
    assert len(accepted) == 1
    assert simulator.stats()['faults'] == {fault['kind']: 1}


def test_slow_body_sends_the_headers_first(simulator):
    """Headers at once, body after the delay; the delay is long so no timing can make this flaky."""
    with_faults(simulator, {'kind': 'slow_body', 'delay': 30, 'first': 1})
    token = token_for(simulator).headers['X-Subject-Token']
    host, port = simulator.server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(('GET %s HTTP/1.1\r\nHost: %s:%d\r\nX-Auth-Token: %s\r\n\r\n'
                      % (path_for(), host, port, token)).encode())
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = sock.recv(65536)
            assert chunk, 'connection closed before the headers'
            data += chunk
    head, _sep, body = data.partition(b'\r\n\r\n')
    assert head.startswith(b'HTTP/1.1 200') and b'Content-Length: ' in head
    assert body == b''  # closing now leaves the handler's late write to fail quietly


# --- observability and control ---------------------------------------------------------------
def test_stats_and_reset_over_http(simulator):
    get(simulator)
    get(simulator, path_for('ffffffffffffffffffffffffffffffffin17'))
    stats = requests.get(simulator.url + '/__sim__/stats', timeout=5).json()
    assert stats['total'] == 2 and stats['routes'] == {'replication': 2}
    assert stats['statuses'] == {'200': 1, '400': 1} and stats['auth'] == {'aksk': 2}
    assert stats['instances'][INSTANCE] == 1 and len(stats['log']) == 2
    assert requests.post(simulator.url + '/__sim__/reset', timeout=5).json()['status'] == 'reset'
    assert requests.get(simulator.url + '/__sim__/stats', timeout=5).json()['total'] == 0


def test_reset_keeps_generated_tasks_as_they_were(simulator):
    simulator.load('fleet')
    path = path_for('02020202020202020202020202020202in17')
    for _reset in range(2):
        requests.post(simulator.url + '/__sim__/reset', timeout=5)
        assert get(simulator, path).json()['total_count'] == '120'


def test_scenario_switch_over_http(simulator):
    resp = requests.post(simulator.url + '/__sim__/scenario', json={'name': 'one-broken'}, timeout=5)
    assert resp.json() == {'status': 'loaded', 'scenario': 'one-broken'}
    statuses = {t['task_name']: t['status'] for t in get(simulator).json()['replications']}
    assert statuses['users_db'] == 'No'
    bad = requests.post(simulator.url + '/__sim__/scenario', json={'name': 'nope'}, timeout=5)
    assert bad.status_code == 400


def post_task(sim, **body):
    return requests.post(sim.url + '/__sim__/task', json=body, timeout=5)


def listing_of(sim):
    return dict((t['task_name'], t) for t in get(sim).json()['replications'])


def test_task_control_changes_a_task_at_run_time_and_reset_undoes_it(simulator):
    before = listing_of(simulator)
    resp = post_task(simulator, instance_id=INSTANCE, task_name='users_db', set={'status': 'No', 'stage': 'paused'})
    assert resp.status_code == 200 and resp.json()['status'] == 'changed'
    assert resp.json()['task']['status'] == 'No' and resp.json()['task']['stage'] == 'paused'
    after = listing_of(simulator)
    assert after['users_db']['status'] == 'No' and after['users_db']['stage'] == 'paused'
    assert dict(after, users_db=None) == dict(before, users_db=None)  # nothing else moved
    assert list(after) == list(before)  # nor did the order
    # control requests are not API requests: only the two listings were counted
    assert requests.get(simulator.url + '/__sim__/stats', timeout=5).json()['routes'] == {'replication': 2}
    requests.post(simulator.url + '/__sim__/reset', timeout=5)
    assert listing_of(simulator)['users_db']['status'] == 'Yes'


def test_task_control_adds_and_deletes_tasks(simulator):
    added = post_task(simulator, instance_id=INSTANCE, task_name='new_db', add=True,
                      source_database='new', target_database='new_sr', set={'stage': 'full', 'percentage': 5})
    assert added.status_code == 200
    tasks = listing_of(simulator)
    assert tasks['new_db']['stage'] == 'full' and tasks['new_db']['percentage'] == '5'
    assert get(simulator).json()['total_count'] == '4'
    assert post_task(simulator, instance_id=INSTANCE, task_name='new_db', add=True).status_code == 409
    deleted = post_task(simulator, instance_id=INSTANCE, task_name='new_db', delete=True)
    assert deleted.json() == {'status': 'deleted', 'task': None}
    assert 'new_db' not in listing_of(simulator) and get(simulator).json()['total_count'] == '3'


def test_task_control_replaces_a_timeline(simulator):
    simulator.load('syncing-then-ready')
    name = get(simulator).json()['replications'][0]['task_name']
    post_task(simulator, instance_id=INSTANCE, task_name=name, set={'stage': 'cancelled', 'percentage': 12})
    for _request in range(8):  # the timeline would have made it incremental by now
        task = listing_of(simulator)[name]
    assert task['stage'] == 'cancelled' and task['percentage'] == '12'


def test_task_control_changes_what_the_configuration_route_says(simulator):
    post_task(simulator, instance_id=INSTANCE, task_name='users_db',
              set={'status': 'No', 'config': {'last_error_of_alter_table': 'ALTER TABLE users failed'}})
    url, headers = sdk_signed(simulator, path_for() + '/configuration', [('task_name', 'users_db')])
    answer = requests.get(url, headers=headers, timeout=5).json()
    assert answer['last_error_of_alter_table'] == 'ALTER TABLE users failed'


@pytest.mark.parametrize('body, status', [
    ({'instance_id': 'ffffffffffffffffffffffffffffffffin17', 'task_name': 'users_db'}, 404),
    ({'instance_id': INSTANCE, 'task_name': 'nope_db', 'set': {'status': 'No'}}, 404),
    ({'instance_id': INSTANCE, 'task_name': 'users_db', 'set': {'colour': 'red'}}, 400),
    ({'instance_id': INSTANCE, 'task_name': 'users_db', 'set': {'task_name': 'renamed'}}, 400),
    ({'instance_id': INSTANCE, 'task_name': 'users_db', 'sett': {}}, 400),
    ({'instance_id': INSTANCE}, 400),
    ([1, 2], 400),
])
def test_task_control_refuses_bad_requests(simulator, body, status):
    resp = requests.post(simulator.url + '/__sim__/task', json=body, timeout=5)
    assert resp.status_code == status and resp.json()['error']
    assert requests.post(simulator.url + '/__sim__/task', data=b'{not json', timeout=5).status_code == 400


def test_task_control_needs_the_databases_when_two_tasks_share_a_name(simulator):
    simulator.load({'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'twin', 'source_database': 'a', 'target_database': 'a_sr'},
        {'task_name': 'twin', 'source_database': 'b', 'target_database': 'b_sr'}]}]})
    assert post_task(simulator, instance_id=INSTANCE, task_name='twin', set={'status': 'No'}).status_code == 400
    resp = post_task(simulator, instance_id=INSTANCE, task_name='twin', source_database='b', set={'status': 'No'})
    assert resp.status_code == 200
    rows = get(simulator).json()['replications']
    assert [(row['source_database'], row['status']) for row in rows] == [('a', 'Yes'), ('b', 'No')]
    # the Python helper does the same
    simulator.change_task(INSTANCE, 'twin', source_database='a', set={'stage': 'paused'})
    assert get(simulator).json()['replications'][0]['stage'] == 'paused'


# --- TLS and the command line ----------------------------------------------------------------
def test_tls_verifies_with_the_run_ca_and_not_without(tls_simulator):
    assert tls_simulator.url.startswith('https://')
    assert get(tls_simulator).status_code == 200
    url, headers = sdk_signed(tls_simulator, path_for())
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url, headers=headers, timeout=5, verify=True)


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip('no IPv6')
    try:
        sim = Simulator('healthy', host='::1').start()
    except OSError:
        pytest.skip('IPv6 loopback unavailable')
    try:
        assert sim.url.startswith('http://[::1]:')
        assert get(sim).status_code == 200
    finally:
        sim.stop()


def test_control_command_switches_and_resets(tls_simulator):
    from htapsim import control
    assert control.main([tls_simulator.url, 'scenario', 'one-broken', '--ca', tls_simulator.ca_path]) == 0
    assert tls_simulator.state.scenario['name'] == 'one-broken'
    get(tls_simulator)
    assert control.main([tls_simulator.url, 'reset', '--ca', tls_simulator.ca_path]) == 0
    assert tls_simulator.stats()['total'] == 0


def test_command_line_prints_url_and_serves(tmp_path):
    proc = subprocess.Popen([sys.executable, '-m', 'htapsim', '--port', '0', '--scenario', 'fleet', '--tls',
                             '--cert-dir', str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith('https://127.0.0.1:')
        health = requests.get(url + '/__sim__/health', verify=str(tmp_path / 'htapsim-ca.pem'), timeout=5)
        assert health.json() == {'status': 'ok', 'scenario': 'fleet'}
    finally:
        proc.terminate()
        assert proc.wait(10) == 0


def test_command_line_detaches_serves_and_stops_on_request(tmp_path):
    """python -m htapsim --detach returns once it serves, with its connection; control's stop ends it."""
    info = tmp_path / 'info.json'
    proc = subprocess.run([sys.executable, '-m', 'htapsim', '--detach', '--scenario', 'fleet', '--info-file', str(info)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    connection = json.loads(proc.stdout)
    assert connection == json.loads(info.read_text())
    assert connection['scenario'] == 'fleet' and connection['ca_path'] is None
    assert connection['env']['TAURUSDB_ENDPOINT'] == connection['url']
    assert connection['env']['HUAWEICLOUD_SDK_AK'] == DEFAULT_CREDENTIALS['aksk'][0]['ak']
    stats = subprocess.run([sys.executable, '-m', 'htapsim.control', connection['url'], 'stats'],
                           capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(stats.stdout)['routes'] == {}
    subprocess.run([sys.executable, '-m', 'htapsim.control', connection['url'], 'stop'], capture_output=True,
                   timeout=60, check=True)
    for _attempt in range(600):  # it removes its info file on its way out
        if not info.exists():
            break
        time.sleep(0.05)
    assert not info.exists()
    with pytest.raises(OSError):  # and the process is gone
        for _attempt in range(600):
            os.kill(connection['pid'], 0)
            time.sleep(0.05)


def test_command_line_detach_reports_why_it_did_not_start(tmp_path):
    proc = subprocess.run([sys.executable, '-m', 'htapsim', '--detach', '--scenario', 'no-such-scenario',
                           '--info-file', str(tmp_path / 'info.json')], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 1 and proc.stdout == ''
    assert "htapsim did not start:\nhtapsim: no scenario file or bundled scenario named 'no-such-scenario'" in proc.stderr


def test_command_line_says_tls_needs_trustme_when_it_is_missing():
    code = ("import sys; sys.modules['trustme'] = None  # as if it were not installed\n"
            "from htapsim.__main__ import main; sys.exit(main(['--tls']))")
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith('htapsim: --tls and --mtls need the Python packages trustme and cryptography')
    assert 'Traceback' not in proc.stderr
