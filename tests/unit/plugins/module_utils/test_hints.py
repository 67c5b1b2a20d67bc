"""What a user can do about a failed call: per HTTP status and API error code, and per kind of network
failure, with the innermost reason a network failure's message quotes."""

import ssl

import pytest
import requests
from urllib3.connection import HTTPConnection
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible_collections.taurusdb.htap.plugins.module_utils.attempt_watchdog import AttemptTimedOut, DeadlineReached
from ansible_collections.taurusdb.htap.plugins.module_utils.hints import (
    CODES, ApiHints, hint_for, network_failure, root_cause)


# --- an HTTP answer that is an error ----------------------------------------------------------
def test_hints_say_what_to_do_per_status():
    assert 'access_key/secret_key' in hint_for(401, 'APIGW.0301') and 'clock' in hint_for(401, None)
    assert 'permission for this API' in hint_for(403, 'APIGW.0302')
    assert 'permission gaussdb:x:get' in hint_for(403, None, ApiHints(permission='gaussdb:x:get'))
    assert 'proxy' in hint_for(407, None)
    assert 'throttling' in hint_for(429, None)
    assert 'failed on its side' in hint_for(500, None) and 'failed on its side' in hint_for(503, 'X')
    assert 'refused as invalid' in hint_for(400, 'DBS.1')
    assert hint_for(404, None) is None and hint_for(499, None) is None and hint_for(None, None) is None


def test_a_dbs_error_with_401_or_403_is_the_services_own_not_a_credential_problem():
    assert hint_for(403, 'DBS.280001') is None and hint_for(401, 'DBS.1') is None


def test_an_apis_advice_for_an_error_code_comes_first():
    hints = ApiHints(permission='p', codes={'DBS.200022': 'Check instance_id.'})
    assert hint_for(404, 'DBS.200022', hints) == 'Check instance_id.'
    assert hint_for(403, 'DBS.200022', hints) == 'Check instance_id.'
    assert hint_for(404, 404, hints) is None  # a code that is not text is no key
    assert ApiHints().codes == {} and ApiHints().permission is None


@pytest.mark.parametrize('code, advice', [
    ('DBS.270022', 'task does not exist on this StarRocks instance: check the task name'),
    ('DBS.05000091', 'task does not exist'),
    ('DBS.05000044', 'StarRocks instance does not exist under this TaurusDB instance'),
    ('DBS.2000044', 'most likely deleted'), ('DBS.200044', 'most likely deleted'),
    ('DBS.200019', 'Another operation is running'), ('DBS.201014', 'Another operation is running'),
    ('DBS.201015', 'Another operation is running'), ('DBS.200047', 'Another operation is running'),
    ('DBS.05000084', 'Another operation is running'), ('DBS.212033', 'Another operation is running'),
])
def test_the_error_codes_users_meet_say_what_to_do_whatever_the_status(code, advice):
    # the Terraform provider meets DBS.2000044/DBS.200044 with 403 and the busy codes with 409
    for status in (400, 403, 409):
        assert advice in hint_for(status, code)


def test_an_apis_own_advice_for_a_code_wins_over_the_common_one():
    assert hint_for(400, 'DBS.270022', ApiHints(codes={'DBS.270022': 'mine'})) == 'mine'
    assert 'DBS.200022' not in CODES  # each API says which instance it means


# --- a request that got no answer --------------------------------------------------------------
REFUSED = NewConnectionError(HTTPConnection('127.0.0.1', 1), 'Failed to establish a new connection: [Errno 111] refused')


def test_an_error_is_reported_by_its_innermost_reason_without_the_host_and_port():
    # requests' error holds urllib3's, whose reason names the connection: the URL in the message says it already
    error = requests.exceptions.ConnectionError(MaxRetryError(None, '/v3/x', REFUSED))
    assert root_cause(error) == 'NewConnectionError: Failed to establish a new connection: [Errno 111] refused'


def test_the_innermost_reason_is_looked_for_six_deep_at_most():
    kinds = [type('Depth%d' % depth, (Exception,), {}) for depth in range(10)]
    error = kinds[9]('innermost')
    for kind in reversed(kinds[:9]):
        error = kind(error)
    assert root_cause(error) == 'Depth6: innermost'


def test_the_reason_among_the_args_is_the_first_one():
    assert root_cause(ValueError(OSError('inner'), 'context')) == 'OSError: inner'


def test_an_error_that_is_its_own_reason_ends_the_search():
    error = OSError('loop')
    error.reason = error
    assert root_cause(error) == 'OSError: loop'


@pytest.mark.parametrize('error, kind, advice', [
    (DeadlineReached('x'), 'timed out', "The call's deadline came before the answer"),
    (AttemptTimedOut('x'), 'timed out', 'The endpoint answered too slowly: each attempt may take'),
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
    assert network_failure(error)[0] == kind and network_failure(error)[1].startswith(advice)
