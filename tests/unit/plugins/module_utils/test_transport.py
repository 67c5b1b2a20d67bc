"""The transport over real HTTP against the simulator and the adversary: which answers are final and which
failures are retried, what an error quotes of an answer, endpoint fail-over, the caller's deadline, the
proxy, TLS and the connection pools; and that without requests it says so rather than failing to import."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from urllib3.exceptions import NewConnectionError, ProtocolError

from ansible_collections.taurusdb.htap.plugins.module_utils import errors as api
from ansible_collections.taurusdb.htap.plugins.module_utils import transport
from ansible_collections.taurusdb.htap.plugins.module_utils.attempt_watchdog import AttemptTimedOut, AttemptWatch
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import API_PATH, HINTS

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, EMPTY, LISTING, PATH, QUERY, base_params, closed_port, get_listing, make_client, one_instance)


# --- answers that are final, and failures that are retried ----------------------------------
def test_unknown_instance_is_not_retried(sim):
    with make_client(base_params(sim)) as client:
        with pytest.raises(api.ApiError) as err:
            client.get_json(API_PATH % (DEFAULT_PROJECT, 'f' * 32 + 'in17'), QUERY, 'Querying', HINTS)
    exc = err.value
    assert (exc.status, exc.error_code, exc.error_msg) == (400, 'DBS.200022', 'Instance not found.')
    assert str(exc) == ('Querying failed: HTTP 400 DBS.200022 "Instance not found." (request id %s). Check instance_id '
                        'and that the instance is in this project and region.' % exc.request_id)
    assert sim.stats()['total'] == 1


@pytest.mark.parametrize('deadline', [None, 100])
def test_throttling_honours_retry_after(sim, sleeps, deadline):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'first': 2, 'retry_after': 3}])
    assert get_listing(sim, deadline)[0]['total_count'] == '1'
    assert sleeps == [3.0, 3.0]
    assert sim.stats()['statuses'] == {'429': 2, '200': 1}


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_server_errors_are_retried_with_growing_backoff(sim, sleeps, status):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': status, 'first': 3}])
    assert get_listing(sim, retry_backoff=1.0)[0]
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[1] < sleeps[2]  # 0, 2, 4 plus up to 1 s of jitter each


def test_retries_give_up_with_the_last_error(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': 503, 'code': 'SYS.0503', 'message': 'busy'}])
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, retries=2)
    exc = err.value
    assert (exc.status, exc.error_code, exc.attempts) == (503, 'SYS.0503', 3)
    assert 'after 3 attempts' in str(exc) and exc.request_id
    assert sim.stats()['total'] == 3


def test_retry_after_beyond_the_time_budget_is_not_waited(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'retry_after': 3600}])
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, retry_max_time=30)
    assert err.value.status == 429 and sleeps == [] and sim.stats()['total'] == 1
    assert 'throttling' in str(err.value)
    assert 'No further attempt: it would begin in 3600.0 s, past retry_max_time (30 s from the first).' \
        in str(err.value)


def test_retries_zero_means_one_attempt(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': 500, 'first': 1}])
    with pytest.raises(api.ApiError):
        get_listing(sim, retries=0)
    assert sim.stats()['total'] == 1


def test_connection_reset_is_retried(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'reset', 'first': 2}])
    assert get_listing(sim)[0]['total_count'] == '1'
    assert sim.stats()['total'] == 3


def test_read_timeout_on_a_slow_body_is_retried(sim):
    one_instance(sim, scenario_faults=[{'kind': 'slow_body', 'delay': 1.5, 'first': 1}])
    assert get_listing(sim, read_timeout=0.3)[0]['total_count'] == '1'
    deadline = time.monotonic() + 5
    while sim.stats()['total'] < 2 and time.monotonic() < deadline:  # the slow answer is counted when it ends
        time.sleep(0.05)
    assert sim.stats()['statuses'] == {'200': 2} and sim.stats()['faults'] == {'slow_body': 1}


def test_truncated_json_is_retried_then_reported(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'truncated_json', 'first': 1}])
    assert get_listing(sim)[0]['total_count'] == '1'
    one_instance(sim, scenario_faults=[{'kind': 'truncated_json'}])
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, retries=1)
    assert 'not valid JSON' in str(err.value) and err.value.request_id and err.value.attempts == 2
    assert err.value.hint == 'The service sent a broken answer; retry later.'


def test_an_unreadable_retry_after_falls_back_to_the_backoff(adversary, sleeps):
    adversary.play([{'path': LISTING, 'status': 429, 'headers': {'Retry-After': 'soon'}, 'times': 1},
                    {'path': LISTING, 'json': EMPTY}])
    assert get_listing(adversary)[0] == EMPTY and sleeps == [0.0]


# --- what an answer is, and what an error quotes of it --------------------------------------
def test_a_broken_answer_is_quoted_up_to_120_characters(adversary):
    adversary.play([{'path': LISTING, 'status': 502, 'body': 'y' * 300}])
    with pytest.raises(api.ApiError) as err:
        get_listing(adversary, retries=0)
    assert "non-JSON answer (application/json): '%s'" % ('y' * 120) in str(err.value)


def test_a_broken_answer_that_is_not_utf8_is_quoted_with_replacement_characters(adversary):
    adversary.play([{'path': LISTING, 'status': 502, 'body_b64': 'b2sg/yBvaw=='}])  # b'ok \xff ok'
    with pytest.raises(api.ApiError) as err:
        get_listing(adversary, retries=0)
    assert "non-JSON answer (application/json): 'ok \ufffd ok'" in str(err.value)


def test_an_answer_without_a_content_type_says_so(adversary):
    adversary.play([{'path': LISTING, 'status': 502, 'body': 'down', 'headers': {'Content-Type': None}}])
    with pytest.raises(api.ApiError) as err:
        get_listing(adversary, retries=0)
    assert "non-JSON answer (no content type): 'down'" in str(err.value)


def test_the_request_id_of_an_iam_answer_is_its_trace_id(adversary):
    adversary.play([{'path': LISTING, 'status': 400, 'json': {'error_code': 'X', 'error_msg': 'no'},
                     'headers': {'X-Request-Id': None, 'X-IAM-Trace-Id': 'trace-1234'}}])
    with pytest.raises(api.ApiError) as err:
        get_listing(adversary, retries=0)
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


def test_every_request_names_the_collection_and_the_language_asked_for(adversary):
    adversary.play([{'path': LISTING, 'json': EMPTY}])
    get_listing(adversary, language='zh-cn')
    headers = adversary.log()[0]['headers']
    assert headers['User-Agent'].startswith('taurusdb.htap-ansible/') and headers['X-Language'] == 'zh-cn'
    assert headers['Content-Type'] == 'application/json' and headers['Host'] == adversary.url.split('://', 1)[1]


def test_html_error_page_is_reported_plainly(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'html_error', 'status': 502}])
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, retries=1)
    assert err.value.status == 502 and 'non-JSON answer (text/html)' in str(err.value)


def test_a_redirect_is_not_followed(adversary):
    # the request's signature or token would go with it
    adversary.play([{'path': LISTING, 'status': 302, 'headers': {'Location': '/elsewhere'}, 'json': EMPTY},
                    {'path': 'elsewhere', 'json': EMPTY}])
    with pytest.raises(api.ApiError) as err:
        get_listing(adversary, retries=0)
    assert err.value.status == 302 and adversary.count('elsewhere') == 0


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


# --- endpoints: unreachable ones, and fail-over -----------------------------------------------
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
    (AttemptTimedOut('attempt'), False),
    (ValueError('not a connection error'), False),
])
def test_only_an_endpoint_that_could_not_be_reached_moves_on_to_the_next(error, unreachable):
    assert transport.connection_failed(error) is unreachable


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


# --- the caller's deadline (the wait's wait_timeout) ------------------------------------------
# A wait past the deadline would let a gate overrun wait_timeout by up to retry_max_time.
def test_a_retry_after_that_ends_past_the_deadline_is_not_waited(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'retry_after': 30}])
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, deadline=10, retry_max_time=60)
    assert err.value.status == 429 and sleeps == [] and sim.stats()['total'] == 1
    assert err.value.hint == ('The API is throttling requests: raise retries or retry_max_time, or lower the concurrency. '
                              'No further attempt: it would begin in 30.0 s, after the deadline.')


def test_a_backoff_that_ends_past_the_deadline_is_not_waited(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'error', 'status': 503}])
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, deadline=10, retry_backoff=20.0, retry_max_time=600)
    # urllib3's backoff: none before the second attempt, 40 s (plus up to 20 s of jitter) before the third
    assert sleeps == [0.0] and sim.stats()['total'] == 2 and err.value.attempts == 2
    assert err.value.status == 503 and str(err.value).endswith('after the deadline.')


@pytest.fixture
def attempt_limits(monkeypatch):
    """The time limit of every attempt the transport starts (the seconds its watch is given)."""
    limits = []

    class RecordedWatch(AttemptWatch):
        def __init__(self, seconds):
            limits.append(seconds)
            super().__init__(seconds)

    monkeypatch.setattr(transport, 'AttemptWatch', RecordedWatch)
    return limits


def record_timeouts(client):
    """The (connect, read) timeouts each attempt of ``client`` hands to requests."""
    timeouts, send = [], client.transport.session.send_streamed

    def recorded(*args, **kwargs):
        timeouts.append(kwargs['timeout'])
        return send(*args, **kwargs)

    client.transport.session.send_streamed = recorded
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
        get_listing(sim, deadline=0.5, read_timeout=5.0)
    assert 'timed out (the deadline came 0.5 s into the attempt, before the answer)' in str(err.value)
    assert "The call's deadline came before the answer" in str(err.value) and 'No further attempt' not in str(err.value)
    assert sim.stats()['total'] == 1 and sleeps == []


def test_no_attempt_starts_after_the_deadline(sim, sleeps):
    with pytest.raises(api.ApiError) as err:
        get_listing(sim, deadline=-0.5)
    assert 'timed out (the deadline had passed before the attempt)' in str(err.value)
    assert sim.stats()['total'] == 0 and sleeps == []


# --- the session: proxy, TLS, connection pools ------------------------------------------------
def test_the_proxy_carries_https_requests_too(adversary):
    # the adversary cannot tunnel (CONNECT): its refusal shows the request went to the proxy
    with pytest.raises(api.ApiError) as err:
        get_listing(adversary, endpoint='https://gaussdb.example.invalid', proxy=adversary.url, retries=0)
    assert 'proxy error' in str(err.value) and '501' in str(err.value)


def test_closing_the_client_lets_go_of_its_connection_pools(adversary):
    # (urllib3 2 closes a pool's connections when nothing holds the pool any more)
    adversary.play([{'path': LISTING, 'json': EMPTY}])
    with make_client(base_params(adversary)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        pools = client.transport.session.get_adapter(client.endpoint).poolmanager.pools
        assert len(pools) == 1
    assert len(pools) == 0


def test_tls_with_ca_path(tls_sim):
    assert get_listing(tls_sim)[0]['total_count'] == '3'


def test_tls_without_the_ca_fails_with_a_hint(tls_sim, sleeps):
    with pytest.raises(api.ApiError) as err:
        get_listing(tls_sim, ca_path=None, retries=0)
    assert 'TLS error' in str(err.value) and 'ca_path' in str(err.value)
    assert 'CERTIFICATE_VERIFY_FAILED' in str(err.value) and '(str:' not in str(err.value)


def test_tls_validate_certs_false(tls_sim):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert get_listing(tls_sim, ca_path=None, validate_certs=False)[0]['total_count'] == '3'


# --- without requests -----------------------------------------------------------------------------
def test_without_requests_every_module_util_imports_and_the_transport_says_what_is_missing():
    # a module then fails with "requests is required" (module_base), never with an ImportError of ours
    code = '\n'.join([
        'import sys',
        'class Blocked(object):',
        '    def find_spec(self, name, path=None, target=None):',
        '        if name.split(".")[0] in ("requests", "urllib3"):',
        '            raise ImportError("no module named " + name)',
        'sys.meta_path.insert(0, Blocked())',
        'from ansible_collections.taurusdb.htap.plugins.module_utils import (',
        '    attempt_watchdog, auth_metadata, auth_password, client, hints, htap_instances, replication, transport)',
        'assert not transport.HAS_REQUESTS and not attempt_watchdog.HAS_REQUESTS',
        'print(transport.REQUESTS_IMPORT_ERROR.strip().splitlines()[-1])'])
    done = subprocess.run([sys.executable, '-c', code], env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
                          timeout=60, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'ImportError: no module named requests'


# --- writes: sent again only when surely not done ----------------------------------------------------
TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
WRITE_PATH = API_PATH % (DEFAULT_PROJECT, '01010101010101010101010101010101in17')
CREATE_BODY = {'task_name': 'ledger_db', 'source_instance_id': TAURUS, 'source_database': 'ledger',
               'target_database': 'ledger_sr'}


def write(sim, **extra):
    with make_client(base_params(sim, **extra)) as client:
        return client.write_json('POST', WRITE_PATH, CREATE_BODY, 'Creating')


def test_a_write_is_signed_with_its_body_and_answers_its_job(sim):
    one_instance(sim)
    answer, request_id = write(sim)
    assert answer['job_id'] and request_id and sim.stats()['writes']['create'] == 1


@pytest.mark.parametrize('fault', [{'kind': 'error', 'status': 503, 'first': 1}, {'kind': 'reset', 'first': 1}])
def test_a_write_that_may_have_been_done_is_not_sent_again(sim, sleeps, fault):
    one_instance(sim, scenario_faults=[fault])
    with pytest.raises(transport.WriteOutcomeUnknown):
        write(sim)
    assert sim.stats()['total'] == 1 and sleeps == []


def test_a_write_done_whose_answer_was_lost_is_not_sent_again(sim, sleeps):
    one_instance(sim)
    sim.write_failures({'route': 'create', 'error_after_apply': 503})
    with pytest.raises(transport.WriteOutcomeUnknown) as err:
        write(sim)
    assert err.value.status == 503 and sim.stats()['writes']['create'] == 1


def test_a_throttled_write_is_sent_again(sim, sleeps):
    one_instance(sim, scenario_faults=[{'kind': 'throttle', 'first': 1, 'retry_after': 1}])
    assert write(sim)[0]['job_id'] and sleeps == [1.0] and sim.stats()['writes']['create'] == 2


def test_a_write_whose_connection_never_opened_is_retried_then_a_plain_error(sleeps):
    nowhere = type('Nowhere', (), {'url': 'http://127.0.0.1:%d' % closed_port(), 'ca_path': None})()
    with pytest.raises(api.ApiError) as err:
        with make_client(dict(base_params(nowhere), retries=2)) as client:
            client.write_json('POST', WRITE_PATH, CREATE_BODY, 'Creating')
    assert not isinstance(err.value, transport.WriteOutcomeUnknown) and err.value.attempts == 3


def test_a_write_reset_on_one_endpoint_is_not_sent_to_the_next(sim, adversary, sleeps):
    """A reset may follow a write the server got: the next endpoint is not a place to send it again."""
    one_instance(sim)
    adversary.play([{'method': 'POST', 'reset': True}])
    with pytest.raises(transport.WriteOutcomeUnknown):
        with make_client(base_params(sim, endpoint=[adversary.url, sim.url], ca_path=None)) as client:
            client.write_json('POST', WRITE_PATH, CREATE_BODY, 'Creating')
    assert adversary.count('replication') == 1 and sim.stats()['total'] == 0


@pytest.fixture
def garbling_tls_server(tmp_path):
    """A TLS server that reads each request whole, then answers bytes that are no TLS record (a broken TLS
    terminator): the client's TLS layer fails after the server got the request. Yields (url, ca path, requests)."""
    import ssl
    import threading
    import trustme
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert('127.0.0.1').configure_cert(context)
    ca_path = str(tmp_path / 'ca.pem')
    authority.cert_pem.write_to_path(ca_path)
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    got = []

    def serve():
        while True:
            try:
                raw, _address = listener.accept()
            except OSError:  # closed: the test is over
                return
            try:
                tls = context.wrap_socket(raw, server_side=True)
                data = b''
                while b'\r\n\r\n' not in data:
                    data += tls.recv(65536)
                got.append(data.split(b'\r\n')[0])
                plain = socket.socket(fileno=os.dup(tls.fileno()))  # under TLS: plain text, a broken record
                plain.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}')
                plain.close()
            except (OSError, ssl.SSLError):
                pass
            finally:
                raw.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield 'https://127.0.0.1:%d' % listener.getsockname()[1], ca_path, got
    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept
    listener.close()
    thread.join(10)


def test_a_write_whose_tls_broke_after_it_was_sent_is_not_sent_again(garbling_tls_server, sleeps):
    """A TLS error is not always a handshake that failed: after a request the server got, it is an unknown outcome."""
    url, ca_path, got = garbling_tls_server
    server = type('Server', (), {'url': url, 'ca_path': ca_path})()
    with pytest.raises(transport.WriteOutcomeUnknown):
        with make_client(base_params(server, retries=2)) as client:
            client.write_json('POST', WRITE_PATH, CREATE_BODY, 'Creating')
    assert len(got) == 1 and sleeps == []


def test_a_write_whose_certificate_is_refused_was_never_sent_and_is_retried(garbling_tls_server, sleeps):
    url, _ca_path, got = garbling_tls_server
    server = type('Server', (), {'url': url, 'ca_path': None})()  # the system's CAs: the certificate is refused
    with pytest.raises(api.ApiError) as err:
        with make_client(base_params(server, retries=2)) as client:
            client.write_json('POST', WRITE_PATH, CREATE_BODY, 'Creating')
    assert not isinstance(err.value, transport.WriteOutcomeUnknown) and err.value.attempts == 3 and got == []
