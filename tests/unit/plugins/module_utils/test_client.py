"""The client over real HTTP against the simulator: auth, endpoints, retries, errors, TLS."""

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings

import pytest
import requests
from urllib3.connection import HTTPConnection
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from ansible_collections.taurusdb.htap.plugins.module_utils import errors as api
from ansible_collections.taurusdb.htap.plugins.module_utils import transport
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import resolve_endpoints
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import API_PATH, HINTS, query_instance

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_CREDENTIALS, DEFAULT_PROJECT, INSTANCE, KEY, base_params, make_client, query_of, resolve_auth)

PATH = API_PATH % (DEFAULT_PROJECT, INSTANCE)
QUERY = [('limit', '100'), ('offset', '0')]
USER = DEFAULT_CREDENTIALS['users'][0]
TEMP = DEFAULT_CREDENTIALS['aksk'][1]


def one_instance(sim, tasks=None, faults=(), scenario_faults=(), **extra):
    sim.load(dict({'faults': list(scenario_faults), 'instances': [
        {'id': INSTANCE, 'tasks': tasks or [{'task_name': 'a_db'}], 'faults': list(faults)}]}, **extra))


def get(sim, deadline=None, **extra):
    """One call; ``deadline``: it must end within that many seconds, as the wait's calls by wait_timeout."""
    with make_client(base_params(sim, **extra)) as client:
        if deadline is not None:
            client.transport.deadline = time.monotonic() + deadline
        return client.get_json(PATH, QUERY, 'Querying')


# --- endpoints and credentials -------------------------------------------------------------
def test_region_table_and_sdk_override():
    assert resolve_endpoints('cn-north-4', environ={}) == ['https://gaussdb.cn-north-4.myhuaweicloud.com']
    assert resolve_endpoints('tr-west-1', environ={}) == ['https://gaussdbformysql.tr-west-1.myhuaweicloud.com']
    assert resolve_endpoints('af-south-1', environ={}) == ['https://gaussdb-mysql.af-south-1.myhuaweicloud.com']
    env = {'HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4': 'https://a.example:8443/, https://b.example'}
    assert resolve_endpoints('cn-north-4', environ=env) == ['https://a.example:8443', 'https://b.example']
    assert resolve_endpoints('cn-north-4', 'http://127.0.0.1:1/', environ=env) == ['http://127.0.0.1:1']


def test_unknown_region_lists_the_known_ones():
    with pytest.raises(OptionError) as err:
        resolve_endpoints('mars-1', environ={})
    assert 'mars-1' in str(err.value) and 'cn-north-4' in str(err.value) and 'ap-southeast-1' in str(err.value)
    with pytest.raises(OptionError, match='http'):
        resolve_endpoints(endpoint='ftp://x', environ={})
    with pytest.raises(OptionError, match='region'):
        resolve_endpoints(environ={})


def test_conflicting_credentials_say_what_to_set():
    with pytest.raises(OptionError, match='conflicting credentials: access_key/secret_key and auth_token'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b', 'auth_token': 't', 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='secret_key is missing'):
        resolve_auth({'access_key': 'a', 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='project_id is required'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b'})
    with pytest.raises(OptionError, match='missing: iam_domain'):
        resolve_auth({'iam_user': 'u', 'iam_password': 'p', 'region': 'cn-north-4'})


def test_no_credentials_at_all(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    with pytest.raises(OptionError, match='no credentials: set access_key and secret_key'):
        resolve_auth({'project_id': DEFAULT_PROJECT})


def test_credentials_file(tmp_path, sim):
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = %s\nsk = %s\nproject_id = %s\n' % (KEY['ak'], KEY['sk'], DEFAULT_PROJECT))
    params = base_params(sim, access_key=None, secret_key=None, project_id=None, credentials_file=str(path))
    with make_client(params) as client:
        payload, request_id = client.get_json(PATH, QUERY, 'Querying')
    assert payload['total_count'] == '3' and request_id
    path.write_text('[other]\nak = x\n')
    with pytest.raises(OptionError, match='no \\[basic\\] section'):
        resolve_auth({'credentials_file': str(path)})
    with pytest.raises(OptionError, match='cannot read credentials file'):
        resolve_auth({'credentials_file': str(tmp_path / 'absent')})


# --- auth methods over HTTP ----------------------------------------------------------------
def test_aksk_and_temporary_credentials(sim):
    assert get(sim)[0]['total_count'] == '3'
    assert get(sim, access_key=TEMP['ak'], secret_key=TEMP['sk'], security_token=TEMP['security_token'])[0]
    assert sim.stats()['auth'] == {'aksk': 1, 'aksk-temporary': 1}


def test_token_auth(sim):
    token = _token(sim)
    assert get(sim, access_key=None, secret_key=None, auth_token=token)[0]['total_count'] == '3'


def _token(sim):
    import requests
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': USER['name'], 'password': USER['password'], 'domain': {'name': USER['domain']}}}},
        'scope': {'project': {'id': DEFAULT_PROJECT}}}}
    return requests.post(sim.url + '/v3/auth/tokens', json=body, timeout=5).headers['X-Subject-Token']


def password_params(sim, **extra):
    settings = dict(access_key=None, secret_key=None, iam_user=USER['name'], iam_password=USER['password'],
                    iam_domain=USER['domain'], iam_endpoint=sim.url)
    settings.update(extra)
    return base_params(sim, **settings)


def test_iam_password_gets_one_token_for_many_pages(sim):
    sim.load('many-tasks')
    with make_client(password_params(sim)) as client:
        result = query_instance(client, INSTANCE, query_of(password_params(sim)))
    assert result['total_count'] == 2000 and result['all_ready']
    assert sim.stats()['routes'] == {'iam_token': 1, 'replication': 80}


def test_iam_password_scopes_by_region_without_project_id(sim):
    params = password_params(sim, project_id=None, region='cn-north-4')
    with make_client(params) as client:
        result = query_instance(client, INSTANCE, query_of(params))
    assert result['all_ready'] and client.api_project_id() == DEFAULT_PROJECT


def test_expired_iam_token_is_renewed_once(sim):
    with make_client(password_params(sim)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        sim.advance_clock(90000)  # past the token's 24 h
        payload, _rid = client.get_json(PATH, QUERY, 'Querying')
    assert payload['total_count'] == '3'
    assert sim.stats()['routes'] == {'iam_token': 2, 'replication': 3}


def test_wrong_password_is_reported_without_the_password(sim):
    params = password_params(sim, iam_password='not-the-password-123')
    with pytest.raises(api.ApiError) as err:
        get(sim, **{k: v for k, v in params.items() if k not in ('endpoint',)})
    text = str(err.value)
    assert 'HTTP 401' in text and 'The username or password is wrong.' in text
    assert 'not-the-password-123' not in text and 'credentials were rejected' in text


def test_bad_signature_is_401_with_hint_and_request_id(sim):
    with pytest.raises(api.ApiError) as err:
        get(sim, secret_key='wrong-secret-key-value')
    exc = err.value
    assert exc.status == 401 and exc.error_code == 'APIGW.0301' and exc.request_id
    assert 'credentials were rejected' in str(exc) and 'wrong-secret-key-value' not in str(exc)
    assert exc.attempts == 1  # 401 is never retried


def test_foreign_project_is_403(sim):
    with make_client(base_params(sim)) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(API_PATH % ('f' * 32, INSTANCE), QUERY, 'Querying', HINTS)
    assert err.value.status == 403 and 'gaussdbformysql:htapInstance:getReplication' in str(err.value)


def test_unknown_instance_is_not_retried(sim):
    with make_client(base_params(sim)) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(API_PATH % (DEFAULT_PROJECT, 'f' * 32 + 'in17'), QUERY, 'Querying', HINTS)
    exc = err.value
    assert (exc.status, exc.error_code, exc.error_msg) == (400, 'DBS.200022', 'Instance not found.')
    assert str(exc) == ('Querying failed: HTTP 400 DBS.200022 "Instance not found." (request id %s). Check instance_id '
                        'and that the instance is in this project and region.' % exc.request_id)
    assert sim.stats()['total'] == 1


# --- retries ------------------------------------------------------------------------------
@pytest.mark.parametrize('deadline', [None, 100])
def test_throttling_honours_retry_after(sim, sleeps, deadline):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'first': 2, 'retry_after': 3}])
    assert get(sim, deadline)[0]['total_count'] == '1'
    assert sleeps == [3.0, 3.0]
    assert sim.stats()['statuses'] == {'429': 2, '200': 1}


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_server_errors_are_retried_with_growing_backoff(sim, sleeps, status):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': status, 'first': 3}])
    assert get(sim, retry_backoff=1.0)[0]
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[1] < sleeps[2]  # 0, 2, 4 plus up to 1 s of jitter each


def test_retries_give_up_with_the_last_error(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': 503, 'code': 'SYS.0503', 'message': 'busy'}])
    with pytest.raises(api.ApiError) as err:
        get(sim, retries=2)
    exc = err.value
    assert (exc.status, exc.error_code, exc.attempts) == (503, 'SYS.0503', 3)
    assert 'after 3 attempts' in str(exc) and exc.request_id
    assert sim.stats()['total'] == 3


def test_retry_after_beyond_the_time_budget_is_not_waited(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'retry_after': 3600}])
    with pytest.raises(api.ApiError) as err:
        get(sim, retry_max_time=30)
    assert err.value.status == 429 and sleeps == [] and sim.stats()['total'] == 1
    assert 'throttling' in str(err.value)
    assert 'No further attempt: it would begin in 3600.0 s, past retry_max_time (30 s from the first).' \
        in str(err.value)


def test_retries_zero_means_one_attempt(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': 500, 'first': 1}])
    with pytest.raises(api.ApiError):
        get(sim, retries=0)
    assert sim.stats()['total'] == 1


def test_connection_reset_is_retried(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'reset', 'first': 2}])
    assert get(sim)[0]['total_count'] == '1'
    assert sim.stats()['total'] == 3


def test_read_timeout_on_a_slow_body_is_retried(sim):
    one_instance(sim, scenario_faults=[{'kind': 'slow_body', 'delay': 1.5, 'first': 1}])
    assert get(sim, read_timeout=0.3)[0]['total_count'] == '1'
    deadline = time.monotonic() + 5
    while sim.stats()['total'] < 2 and time.monotonic() < deadline:  # the slow answer is counted when it ends
        time.sleep(0.05)
    assert sim.stats()['statuses'] == {'200': 2} and sim.stats()['faults'] == {'slow_body': 1}


def test_truncated_json_is_retried_then_reported(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'truncated_json', 'first': 1}])
    assert get(sim)[0]['total_count'] == '1'
    one_instance(sim, scenario_faults=[{'kind': 'truncated_json'}])
    with pytest.raises(api.ApiError) as err:
        get(sim, retries=1)
    assert 'not valid JSON' in str(err.value) and err.value.request_id and err.value.attempts == 2
    assert err.value.hint == 'The service sent a broken answer; retry later.'


LISTING = 'starrocks/databases/replication$'
EMPTY = {'total_count': 0, 'replications': []}


def test_a_broken_answer_is_quoted_up_to_120_characters(adversary):
    adversary.play([{'path': LISTING, 'status': 502, 'body': 'y' * 300}])
    with pytest.raises(api.ApiError) as err:
        get(adversary, retries=0)
    assert "non-JSON answer (application/json): '%s'" % ('y' * 120) in str(err.value)


def test_a_broken_answer_that_is_not_utf8_is_quoted_with_replacement_characters(adversary):
    adversary.play([{'path': LISTING, 'status': 502, 'body_b64': 'b2sg/yBvaw=='}])  # b'ok \xff ok'
    with pytest.raises(api.ApiError) as err:
        get(adversary, retries=0)
    assert "non-JSON answer (application/json): 'ok \ufffd ok'" in str(err.value)


def test_an_answer_without_a_content_type_says_so(adversary):
    adversary.play([{'path': LISTING, 'status': 502, 'body': 'down', 'headers': {'Content-Type': None}}])
    with pytest.raises(api.ApiError) as err:
        get(adversary, retries=0)
    assert "non-JSON answer (no content type): 'down'" in str(err.value)


def test_the_request_id_of_an_iam_answer_is_its_trace_id(adversary):
    adversary.play([{'path': LISTING, 'status': 400, 'json': {'error_code': 'X', 'error_msg': 'no'},
                     'headers': {'X-Request-Id': None, 'X-IAM-Trace-Id': 'trace-1234'}}])
    with pytest.raises(api.ApiError) as err:
        get(adversary, retries=0)
    assert err.value.request_id == 'trace-1234'


@pytest.mark.parametrize('decode', [True, False])
@pytest.mark.parametrize('status', [199, 200, 299, 300])
def test_only_a_2xx_answer_is_an_answer(adversary, status, decode):
    adversary.play([{'path': LISTING, 'status': status, 'json': EMPTY}])
    with make_client(base_params(adversary, retries=0)) as client:
        if 200 <= status < 300:
            answer = client.transport.call('GET', adversary.url, PATH, None, None, 'Querying', decode=decode)[1]
            assert answer == (EMPTY if decode else json.dumps(EMPTY).encode())
        else:
            with pytest.raises(api.ApiError) as err:
                client.transport.call('GET', adversary.url, PATH, None, None, 'Querying', decode=decode)
            assert str(err.value).startswith('Querying failed: HTTP %d' % status)


def test_an_unreadable_retry_after_falls_back_to_the_backoff(adversary, sleeps):
    adversary.play([{'path': LISTING, 'status': 429, 'headers': {'Retry-After': 'soon'}, 'times': 1},
                    {'path': LISTING, 'json': EMPTY}])
    assert get(adversary)[0] == EMPTY and sleeps == [0.0]


def test_every_request_names_the_collection_and_the_language_asked_for(adversary):
    adversary.play([{'path': LISTING, 'json': EMPTY}])
    get(adversary, language='zh-cn')
    headers = adversary.log()[0]['headers']
    assert headers['User-Agent'].startswith('taurusdb.htap-ansible/') and headers['X-Language'] == 'zh-cn'
    assert headers['Content-Type'] == 'application/json' and headers['Host'] == adversary.url.split('://', 1)[1]


def test_html_error_page_is_reported_plainly(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'html_error', 'status': 502}])
    with pytest.raises(api.ApiError) as err:
        get(sim, retries=1)
    assert err.value.status == 502 and 'non-JSON answer (text/html)' in str(err.value)


def closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_unreachable_endpoint(sleeps):
    params = dict(endpoint='http://127.0.0.1:%d' % closed_port(), project_id=DEFAULT_PROJECT, access_key='a',
                  secret_key='super-secret-sk', retries=1, retry_max_time=5, retry_backoff=0.01)
    with make_client(params) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    text = str(err.value)
    assert text.startswith('Querying failed: connection failed (') and 'after 2 attempts' in text
    assert 'super-secret-sk' not in text


@pytest.mark.parametrize('fault', [{'kind': 'error', 'status': 400}, {'kind': 'slow_body', 'delay': 1}])
def test_an_endpoint_reached_after_another_failed_is_kept_and_named_in_its_errors(sim, fault):
    one_instance(sim, scenario_faults=[fault])
    dead = 'http://127.0.0.1:%d' % closed_port()
    with make_client(base_params(sim, endpoint=[dead, sim.url], retries=0, read_timeout=0.2)) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
        assert client.endpoint == sim.url and err.value.url == sim.url + PATH


class Chunks(object):
    """A response whose body comes in the given chunks."""

    def __init__(self, *chunks):
        self.chunks = chunks

    def iter_content(self, size):
        return iter(self.chunks)


def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused():
    assert transport.read_body(Chunks(b'ab', b'cd'), limit=4) == b'abcd'
    with pytest.raises(transport.BodyTooLarge):
        transport.read_body(Chunks(b'ab', b'cd', b'e'), limit=4)


# --- the caller's deadline (the wait's wait_timeout) ------------------------------------------
# A wait past the deadline would let a gate overrun wait_timeout by up to retry_max_time.
def test_a_retry_after_that_ends_past_the_deadline_is_not_waited(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'retry_after': 30}])
    with pytest.raises(api.ApiError) as err:
        get(sim, deadline=10, retry_max_time=60)
    assert err.value.status == 429 and sleeps == [] and sim.stats()['total'] == 1
    assert err.value.hint == ('The API is throttling requests: raise retries or retry_max_time, or lower the concurrency. '
                              'No further attempt: it would begin in 30.0 s, after the deadline.')


def test_a_backoff_that_ends_past_the_deadline_is_not_waited(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': 503}])
    with pytest.raises(api.ApiError) as err:
        get(sim, deadline=10, retry_backoff=20.0, retry_max_time=600)
    # urllib3's backoff: none before the second attempt, 40 s (plus up to 20 s of jitter) before the third
    assert sleeps == [0.0] and sim.stats()['total'] == 2 and err.value.attempts == 2
    assert err.value.status == 503 and str(err.value).endswith('after the deadline.')


@pytest.fixture
def attempt_limits(monkeypatch):
    """The time limit of every attempt the transport starts (the seconds its watch is given)."""
    limits = []

    class RecordedWatch(transport._AttemptWatch):
        def __init__(self, seconds):
            limits.append(seconds)
            super().__init__(seconds)

    monkeypatch.setattr(transport, '_AttemptWatch', RecordedWatch)
    return limits


def record_timeouts(client):
    """The (connect, read) timeouts each attempt of ``client`` hands to requests."""
    timeouts, request = [], client.transport.session.request

    def recorded(*args, **kwargs):
        timeouts.append(kwargs['timeout'])
        return request(*args, **kwargs)

    client.transport.session.request = recorded
    return timeouts


@pytest.mark.parametrize('deadline', [None, 100, 3])
def test_no_attempt_is_given_more_time_than_is_left_before_the_deadline(sim, attempt_limits, deadline):
    with make_client(base_params(sim, connect_timeout=2.0, read_timeout=5.0)) as client:
        if deadline is not None:
            client.transport.deadline = time.monotonic() + deadline
        timeouts = record_timeouts(client)
        client.get_json(PATH, QUERY, 'Querying')
    if deadline == 3:
        assert 2.9 < attempt_limits[0] <= 3 and timeouts == [(2.0, attempt_limits[0])]
    else:
        assert attempt_limits == [7.0] and timeouts == [(2.0, 5.0)]


def test_an_attempt_ends_when_the_deadline_comes(sim, sleeps):
    # the answer's body comes after 2 s; the deadline, after 0.5 s
    one_instance(sim, scenario_faults=[{'kind': 'slow_body', 'delay': 2}])
    with pytest.raises(api.ApiError) as err:
        get(sim, deadline=0.5, read_timeout=5.0)
    assert 'timed out (the deadline came 0.5 s into the attempt, before the answer)' in str(err.value)
    assert "The call's deadline came before the answer" in str(err.value) and 'No further attempt' not in str(err.value)
    assert sim.stats()['total'] == 1 and sleeps == []


def test_no_attempt_starts_after_the_deadline(sim, sleeps):
    with pytest.raises(api.ApiError) as err:
        get(sim, deadline=-0.5)
    assert 'timed out (the deadline had passed before the attempt)' in str(err.value)
    assert sim.stats()['total'] == 0 and sleeps == []


# --- the watchdog that cuts attempts whose time is up ---------------------------------------
class FakeWatch(object):
    def __init__(self, deadline):
        self.deadline = deadline
        self.done = threading.Event()

    def expire(self):
        self.done.set()


def test_the_watchdog_wakes_at_the_earliest_deadline_and_expires_only_the_watches_due():
    late, early = FakeWatch(100.0), FakeWatch(5.0)
    watches = set([late, early])
    assert transport.expire_due(watches, 0.0) == 5.0 and watches == set([late, early])
    assert transport.expire_due(watches, 5.0) == 95.0 and watches == set([late])
    assert early.done.is_set() and not late.done.is_set()
    assert transport.expire_due(watches, 100.0) is None and late.done.is_set() and watches == set()


def test_the_watchdog_never_keeps_a_process_from_ending():
    # a module ends when its work does, whatever attempt the watchdog still watches
    code = '\n'.join([
        'import time',
        'from ansible_collections.taurusdb.htap.plugins.module_utils import transport',
        'class Watch(object):',
        '    deadline = time.monotonic() + 3600',
        'transport._WATCHDOG.add(Watch())'])
    subprocess.run([sys.executable, '-c', code], env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
                   timeout=60, check=True)


def test_a_forked_child_has_a_watchdog_of_its_own():
    # Ansible forks its workers from a controller that may have used the transport: the parent's
    # watchdog thread does not exist in a child
    parent = FakeWatch(time.monotonic())
    transport._WATCHDOG.add(parent)
    assert parent.done.wait(30)
    with warnings.catch_warnings():  # Python 3.12+ warns of fork in a process with threads, as Ansible's is
        warnings.simplefilter('ignore', DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: only os._exit, never back into pytest
        child = FakeWatch(time.monotonic())
        transport._WATCHDOG.add(child)
        os._exit(0 if child.done.wait(10) else 1)
    assert os.waitpid(pid, 0)[1] == 0


def connections_made(client):
    """How many connections the client's connection pools opened (a reused one is not counted again)."""
    pools = client.transport.session.get_adapter(client.endpoint).poolmanager.pools
    return sum(pools[key].num_connections for key in pools.keys())


def test_a_finished_attempt_never_cuts_the_connection_a_later_attempt_reuses(sim, monkeypatch):
    watches = []

    class RecordedWatch(transport._AttemptWatch):
        def __enter__(self):
            watches.append(self)
            return super().__enter__()

    monkeypatch.setattr(transport, '_AttemptWatch', RecordedWatch)
    one_instance(sim, scenario_faults=[{'kind': 'slow_body', 'delay': 1, 'after': 1}])
    results = []
    with make_client(base_params(sim, retries=0)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        later = threading.Thread(target=lambda: results.append(client.get_json(PATH, QUERY, 'Querying')))
        later.start()
        # until the second attempt is under way: its body comes 1 s after its headers
        waited_for = time.monotonic() + 30
        while sim.stats()['total'] < 2 and time.monotonic() < waited_for:
            time.sleep(0.01)
        with transport._WATCHDOG._condition:  # the watchdog's turn when the first attempt's deadline comes
            transport.expire_due(transport._WATCHDOG._watches, watches[0].deadline)
        later.join(30)
        assert connections_made(client) == 1  # the second attempt reused the first one's connection
    assert len(results) == 1 and results[0][0]['total_count'] == '1'


@pytest.mark.parametrize('server', ['adversary', 'tls_adversary'])
def test_a_keep_alive_connection_from_the_pool_is_cut_like_a_new_one(request, server):
    # the second answer comes a byte every 0.1 s, on the connection the first one left in the pool
    adversary = request.getfixturevalue(server)
    adversary.play([{'path': LISTING, 'times': 1, 'json': EMPTY},
                    {'path': LISTING, 'json': dict(EMPTY, padding='x' * 400), 'dribble': 0.1}])
    with make_client(base_params(adversary, connect_timeout=0.5, read_timeout=2.0, retries=0)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        start = time.monotonic()
        with pytest.raises(api.ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
        elapsed = time.monotonic() - start
        assert connections_made(client) == 1
    assert 'timed out (the answer took longer than 2.5 s)' in str(err.value)
    # cut at 2.5 s; left uncut, the body of over 400 bytes would take over 40 s
    assert 2.5 <= elapsed < 10, elapsed


def test_an_attempt_through_a_proxy_is_cut_too(adversary):
    # the adversary as the HTTP proxy: it answers a request for any host itself, a byte every 0.1 s
    adversary.play([{'path': LISTING, 'json': dict(EMPTY, padding='x' * 400), 'dribble': 0.1}])
    start = time.monotonic()
    with pytest.raises(api.ApiError) as err:
        get(adversary, endpoint='http://gaussdb.example.invalid', proxy=adversary.url, connect_timeout=0.5,
            read_timeout=2.0, retries=0)
    elapsed = time.monotonic() - start
    assert adversary.log()[0]['headers']['Host'] == 'gaussdb.example.invalid'
    assert 'timed out (the answer took longer than 2.5 s)' in str(err.value)
    assert 2.5 <= elapsed < 10, elapsed  # left uncut, over 40 s


@pytest.mark.parametrize('closing', [{'no_content_length': True}, {'headers': {'Connection': 'close'}}])
def test_an_answer_that_closes_its_connection_is_cut_too(adversary, closing):
    # before: http.client hands the socket of such an answer to the response, and the watch could not cut
    # it; without a Content-Length, the cut even looks like the body's end
    adversary.play([dict({'path': LISTING, 'json': dict(EMPTY, padding='x' * 400), 'dribble': 0.1}, **closing)])
    start = time.monotonic()
    with pytest.raises(api.ApiError) as err:
        get(adversary, connect_timeout=0.5, read_timeout=1.0, retries=0)
    elapsed = time.monotonic() - start
    assert 'timed out (the answer took longer than 1.5 s)' in str(err.value)
    assert 1.5 <= elapsed < 10, elapsed  # left uncut, over 40 s


def test_a_redirect_is_not_followed(adversary):
    # the request's signature or token would go with it
    adversary.play([{'path': LISTING, 'status': 302, 'headers': {'Location': '/elsewhere'}, 'json': EMPTY},
                    {'path': 'elsewhere', 'json': EMPTY}])
    with pytest.raises(api.ApiError) as err:
        get(adversary, retries=0)
    assert err.value.status == 302 and adversary.count('elsewhere') == 0


def test_the_proxy_carries_https_requests_too(adversary):
    # the adversary cannot tunnel (CONNECT): its refusal shows the request went to the proxy
    with pytest.raises(api.ApiError) as err:
        get(adversary, endpoint='https://gaussdb.example.invalid', proxy=adversary.url, retries=0)
    assert 'proxy error' in str(err.value) and '501' in str(err.value)


def test_closing_the_client_lets_go_of_its_connection_pools(adversary):
    # (urllib3 2 closes a pool's connections when nothing holds the pool any more)
    adversary.play([{'path': LISTING, 'json': EMPTY}])
    with make_client(base_params(adversary)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        pools = client.transport.session.get_adapter(client.endpoint).poolmanager.pools
        assert len(pools) == 1
    assert len(pools) == 0


class ExpiredOnEntry(transport._AttemptWatch):
    def __enter__(self):
        super().__enter__()
        self.expire()  # as the watchdog would, between the watch's start and the request
        return self


@pytest.mark.parametrize('reused', [False, True])
def test_an_attempt_whose_time_ran_out_before_its_request_sends_nothing(adversary, monkeypatch, reused):
    # before: a connection reused from the pool was cut only when the watch expired after the request began
    adversary.play([{'path': LISTING, 'json': EMPTY}])
    with make_client(base_params(adversary, retries=0)) as client:
        if reused:
            client.get_json(PATH, QUERY, 'Querying')
        monkeypatch.setattr(transport, '_AttemptWatch', ExpiredOnEntry)
        with pytest.raises(api.ApiError, match='timed out'):
            client.get_json(PATH, QUERY, 'Querying')
        assert connections_made(client) == 1
    assert adversary.count('replication') == (1 if reused else 0)


def test_a_host_name_no_host_can_have_is_a_clear_error_and_not_retried(sleeps):
    # before: urllib3's LocationParseError came out of the transport as it was
    params = dict(endpoint='http://%s.example' % ('a' * 64), project_id=DEFAULT_PROJECT, access_key='a',
                  secret_key='super-secret-sk')
    with make_client(params) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert 'the request could not be made (LocationParseError: ' in str(err.value)
    assert 'label empty or too long' in str(err.value)
    assert err.value.hint == 'Check endpoint, region and the credentials for unusual characters.'
    assert err.value.attempts == 1 and sleeps == []


def test_when_every_endpoint_fails_each_is_named_with_its_reason_and_each_hint_given_once(sleeps, tls_adversary):
    refused = ['http://127.0.0.1:%d' % closed_port() for _number in range(2)]
    endpoints = [refused[0], tls_adversary.url, refused[1]]  # the adversary's certificate is not trusted
    params = dict(endpoint=endpoints, project_id=DEFAULT_PROJECT, access_key='a', secret_key='super-secret-sk',
                  retries=0)
    with make_client(params) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    text, hint = str(err.value), err.value.hint
    assert text.startswith('Querying failed: none of the 3 endpoints could be connected to - %s: connection failed ('
                           % refused[0])
    assert '); %s: TLS error (' % tls_adversary.url in text and '); %s: connection failed (' % refused[1] in text
    assert hint.startswith('Check endpoint/region, DNS') and hint.count('Check endpoint/region') == 1
    assert hint.count(' TLS certificate verification failed: set ca_path') == 1


@pytest.mark.parametrize('error, unreachable', [
    (requests.exceptions.ConnectTimeout('connect'), True),
    (requests.exceptions.SSLError('handshake'), True),
    (requests.exceptions.ConnectionError(NewConnectionError(None, 'refused')), True),
    (requests.exceptions.ConnectionError(socket.gaierror(-2, 'Name or service not known')), True),
    (requests.exceptions.ConnectionError(ProtocolError('aborted', http.client.RemoteDisconnected('closed'))), True),
    (requests.exceptions.ConnectionError(ProtocolError('Connection broken: IncompleteRead')), False),
    (requests.exceptions.ProxyError(NewConnectionError(None, 'refused')), False),
    (requests.exceptions.ReadTimeout('read'), False),
    (transport.AttemptTimedOut('attempt'), False),
    (ValueError('not a connection error'), False),
])
def test_only_an_endpoint_that_could_not_be_reached_moves_on_to_the_next(error, unreachable):
    assert transport.connection_failed(error) is unreachable


REFUSED = NewConnectionError(HTTPConnection('127.0.0.1', 1), 'Failed to establish a new connection: [Errno 111] refused')


def test_an_error_is_reported_by_its_innermost_reason_without_the_host_and_port():
    # requests' error holds urllib3's, whose reason names the connection: the URL in the message says it already
    error = requests.exceptions.ConnectionError(MaxRetryError(None, '/v3/x', REFUSED))
    assert transport._root_cause(error) == 'NewConnectionError: Failed to establish a new connection: [Errno 111] refused'


def test_the_innermost_reason_is_looked_for_six_deep_at_most():
    kinds = [type('Depth%d' % depth, (Exception,), {}) for depth in range(10)]
    error = kinds[9]('innermost')
    for kind in reversed(kinds[:9]):
        error = kind(error)
    assert transport._root_cause(error) == 'Depth6: innermost'


def test_the_reason_among_the_args_is_the_first_one():
    assert transport._root_cause(ValueError(OSError('inner'), 'context')) == 'OSError: inner'


def test_an_error_that_is_its_own_reason_ends_the_search():
    error = OSError('loop')
    error.reason = error
    assert transport._root_cause(error) == 'OSError: loop'


@pytest.mark.parametrize('error, kind, advice', [
    (transport.DeadlineReached('x'), 'timed out', "The call's deadline came before the answer"),
    (transport.AttemptTimedOut('x'), 'timed out', 'The endpoint answered too slowly: each attempt may take'),
    (requests.exceptions.SSLError(ssl.SSLError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')),
     'TLS error', 'TLS certificate verification failed: set ca_path'),
    (requests.exceptions.SSLError(ssl.SSLError(1, '[SSL] tlsv13 alert certificate required')),
     'TLS error', 'The endpoint refused the TLS handshake: if it requires mutual TLS, set client_cert'),
    (requests.exceptions.SSLError(ssl.SSLError(1, '[SSL] sslv3 alert handshake failure')),
     'TLS error', 'The endpoint refused the TLS handshake: if it requires mutual TLS, set client_cert'),
    (requests.exceptions.SSLError(ssl.SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number')),
     'TLS error', 'The TLS handshake failed: check ca_path, and client_cert/client_key'),
    (requests.exceptions.ProxyError(REFUSED), 'proxy error', 'Check the proxy option (or HTTPS_PROXY'),
    (requests.exceptions.ReadTimeout('x'), 'timed out', 'The endpoint did not answer in time: raise read_timeout'),
    (requests.exceptions.ConnectionError(REFUSED), 'connection failed', 'Check endpoint/region, DNS, network'),
])
def test_each_kind_of_network_failure_says_what_to_check(error, kind, advice):
    assert transport._kind(error)[0] == kind and transport._kind(error)[1].startswith(advice)


def test_the_causes_of_an_error_are_its_reason_args_and_cause_outermost_first_each_once():
    reason, arg, cause = OSError('reason'), OSError('arg'), OSError('cause')
    error = ValueError('outer', arg)
    error.reason, error.__cause__ = reason, cause
    arg.__cause__ = error  # a cycle
    assert transport._causes(error) == [error, reason, arg, cause]


def test_a_chain_of_causes_is_followed_16_deep_at_most():
    errors = [OSError(number) for number in range(20)]
    for outer, inner in zip(errors, errors[1:]):
        outer.__cause__ = inner
    assert transport._causes(errors[0]) == errors[:16]


# --- TLS ----------------------------------------------------------------------------------
def test_tls_with_ca_path(tls_sim):
    assert get(tls_sim)[0]['total_count'] == '3'


def test_tls_without_the_ca_fails_with_a_hint(tls_sim, sleeps):
    with pytest.raises(api.ApiError) as err:
        get(tls_sim, ca_path=None, retries=0)
    assert 'TLS error' in str(err.value) and 'ca_path' in str(err.value)
    assert 'CERTIFICATE_VERIFY_FAILED' in str(err.value) and '(str:' not in str(err.value)


def test_tls_validate_certs_false(tls_sim):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert get(tls_sim, ca_path=None, validate_certs=False)[0]['total_count'] == '3'


def test_error_body_shapes():
    assert api.parse_error_body({'error_code': 'A', 'error_msg': 'b'}) == ('A', 'b')
    assert api.parse_error_body({'errorCode': 'A', 'errorMsg': 'b'}) == ('A', 'b')
    assert api.parse_error_body({'code': 'A', 'message': 'b'}) == ('A', 'b')
    assert api.parse_error_body({'error': {'code': 401, 'message': 'm'}}) == (None, 'm')
    assert api.parse_error_body({'error': {'code': 401, 'title': 'Unauthorized', 'message': 'm'}}) == ('Unauthorized', 'm')
    assert api.parse_error_body({'error_code': ['A'], 'error_msg': {'b': 1}}) == ('["A"]', '{"b": 1}')
    assert api.parse_error_body(['x']) == (None, None)


def test_an_iam_shaped_401_reads_plainly_with_a_hint():
    # before: "HTTP 401 401" and no hint
    code, message = api.parse_error_body({'error': {'code': 401, 'message': 'The username or password is wrong.'}})
    text = str(api.ApiError('Getting an IAM token failed', status=401, error_code=code, error_msg=message,
                            hint=api.hint_for(401, code)))
    assert 'HTTP 401 "The username or password is wrong."' in text and 'credentials were rejected' in text
