"""The client against a server that plays the worst answers: every one ends in a clear error,
bounded in time and size, without a secret, and never in a green verdict."""

import json
import time
import tracemalloc

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import query_instance

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, KEY, make_client, query_of

LISTING = 'starrocks/databases/replication$'


def params(adv, **extra):
    values = dict(endpoint=adv.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
                  connect_timeout=2.0, read_timeout=2.0, retries=1, retry_max_time=5.0, retry_backoff=0.01,
                  page_concurrency=4)
    values.update(extra)
    return values


def query(adv, **extra):
    with make_client(params(adv, **extra)) as client:
        return query_instance(client, INSTANCE, query_of(params(adv, **extra)))


def row(name, status='Yes', stage='Incremental'):
    return {'task_name': name, 'source_database': 'src', 'target_database': 'tgt', 'status': status, 'stage': stage,
            'percentage': '100', 'catchup_stage': None, 'catchup_percentage': '0'}


def test_a_body_dribbled_one_byte_a_second_fails_within_the_configured_times(adversary):
    # before: read_timeout bounded each read, so this ran for over 14 minutes
    adversary.play([{'path': LISTING, 'json': {'total_count': 1, 'replications': [row('a')]}, 'dribble': 1}])
    start = time.monotonic()
    with pytest.raises(ApiError) as err:
        query(adversary, connect_timeout=1.5, read_timeout=2.5)
    elapsed = time.monotonic() - start
    assert 'timed out (the answer took longer than 4 s)' in str(err.value) and err.value.attempts == 2
    assert 'The endpoint answered too slowly: each attempt may take connect_timeout + read_timeout' in str(err.value)
    assert adversary.count('replication') == 2
    # each attempt is cut at connect_timeout + read_timeout, 4 s: 8 s for the two. A third attempt, or
    # one not cut at 4 s (the body takes 250 s), would take 12 s at least.
    assert 8 <= elapsed < 12, elapsed


def test_headers_dribbled_are_cut_too(adversary):
    adversary.play([{'path': LISTING, 'json': {'total_count': 0, 'replications': []}, 'dribble_headers': 1}])
    start = time.monotonic()
    with pytest.raises(ApiError, match='timed out') as err:
        query(adversary, retries=0, connect_timeout=1.5, read_timeout=2.5)
    elapsed = time.monotonic() - start
    assert 'took longer than 4 s' in str(err.value) and adversary.count('replication') == 1
    # one attempt, cut at 4 s; the headers alone take 200 s
    assert 4 <= elapsed < 8, elapsed


def test_a_gzip_bomb_is_refused_without_decoding_it_whole(adversary):
    # 1 GiB of zeros in 1 MiB of gzip: decoded whole, it holds over 1 GiB (2.1 GB was measured). Read as
    # a stream, only the 8 MiB allowed (about 10 MiB at the peak with urllib3 2.8; a urllib3 that
    # decodes a whole 64 KiB read at once holds 64 MiB more).
    adversary.play([{'path': LISTING, 'bomb': 1 << 30}])
    earlier = set(adversary.server.connections)  # still open from other tests
    tracemalloc.start()
    try:
        with pytest.raises(ApiError) as err:
            query(adversary)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 'larger than 8388608 bytes' in str(err.value) and err.value.attempts == 1
    assert err.value.hint == 'The service sent an answer far larger than any API page; report it.'
    assert peak < 256 << 20, peak
    # its connection is closed at once (while the error is still held), not left to the garbage collector
    deadline = time.monotonic() + 10
    while adversary.server.connections - earlier and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not adversary.server.connections - earlier


def test_a_redirects_gzip_bomb_is_refused_without_decoding_it_whole(adversary):
    # before (Session.request with allow_redirects=False): requests read a 3xx answer with a Location whole
    # to prepare the redirect it never followed, 64 MiB held here, before read_body's limit applied
    adversary.play([{'path': LISTING, 'status': 302, 'headers': {'Location': '/elsewhere'}, 'bomb': 64 << 20}])
    tracemalloc.start()
    try:
        with pytest.raises(ApiError) as err:
            query(adversary, retries=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 'larger than 8388608 bytes' in str(err.value) and adversary.count('replication') == 1
    assert peak < 32 << 20, peak


def test_a_redirect_to_a_broken_location_is_an_http_error_not_a_crash(adversary):
    # before: requests parsed the Location of a redirect it never followed, and raised ValueError (Invalid IPv6 URL)
    adversary.play([{'path': LISTING, 'status': 302, 'headers': {'Location': 'http://[::1/x'}}])
    with pytest.raises(ApiError) as err:
        query(adversary, retries=0)
    assert err.value.status == 302 and adversary.count('replication') == 1


@pytest.mark.parametrize('total', [10 ** 12, '100001'])
def test_an_absurd_total_is_refused_with_a_message(adversary, total):
    # before: 10**12 ended in "Module failed." with no message
    adversary.play([{'path': LISTING, 'json': {'total_count': total, 'replications': [row('a')]}}])
    with pytest.raises(ApiError, match='more than the 100000 this collection reads'):
        query(adversary)
    assert adversary.count('replication') == 1


def test_a_lying_total_with_one_row_a_page_costs_one_request(adversary):
    adversary.play([{'path': LISTING, 'json': {'total_count': 100000, 'replications': [row('a')]}}])
    with pytest.raises(ApiError, match='more than the 2000 allowed'):
        query(adversary)
    assert adversary.count('replication') == 1


def test_deeply_nested_json_is_a_clear_error(adversary):
    # before: "maximum recursion depth exceeded"
    adversary.play([{'path': LISTING, 'body': '[' * 100000 + ']' * 100000}])
    with pytest.raises(ApiError, match='not valid JSON'):
        query(adversary, retries=0)


def test_a_conflicting_duplicate_across_pages_is_never_green(adversary):
    first = [row('task_%03d' % i) for i in range(50)]
    second = [row('task_%03d' % i) for i in range(50, 60)] + [row('task_007', 'No', 'Full')]
    adversary.play([{'path': LISTING, 'offset': 0, 'json': {'total_count': 60, 'replications': first}},
                    {'path': LISTING, 'offset': 50, 'json': {'total_count': 60, 'replications': second}}])
    result = query(adversary)
    assert not result['all_ready'] and 'listing inconsistent' in ' '.join(result['problems'])


SECRET = 'Tok"en\\With%25-P\u00e4ss-W\u00f6rd'  # headers carry Latin-1; capitals, as the verdict lower-cases stage


def echo_everything(status):
    echo = '{{header:X-Auth-Token}} {{header:Authorization}}'
    return {'path': LISTING, 'status': status, 'headers': {'X-Request-Id': echo},
            'json': {'error_code': echo, 'error_msg': echo, 'total_count': 1,
                     'replications': [dict(row('a'), task_name=echo, stage=echo, status=echo)]}}


def leaked_forms(text):
    """The forms of SECRET (as given and lower-cased) that text holds, in any way json.dumps writes them."""
    forms = set()
    for secret in (SECRET, SECRET.lower()):
        forms.update([secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                      repr(secret)[1:-1], 'ith%25-p'])
    return sorted(form for form in forms if form in text or form.lower() in text.lower())


@pytest.mark.parametrize('status', [200, 400, 503])
def test_a_token_echoed_in_every_field_is_scrubbed_from_errors_and_results(
        adversary, status, capsys, monkeypatch, tmp_path):
    # before: the lookup did not scrub error_code or X-Request-Id, and a 200 body echo landed in `original`;
    # the test scrubbed the result itself, so it passed with Scrubber.data returning its input; and a stage
    # or status echoed came back lower-cased, which the scrubber did not know
    from ansible.module_utils.testing import patch_module_args
    from ansible_collections.taurusdb.htap.plugins.module_utils.module_base import TaurusDBModule
    from ansible_collections.taurusdb.htap.plugins.modules import taurusdb_starrocks_replication_info as module
    monkeypatch.setenv('HOME', str(tmp_path))
    handed = []  # what our code hands to Ansible, before its no_log masking (which lookups and actions lack)
    for name in ('exit_json', 'fail_json'):
        monkeypatch.setattr(TaurusDBModule, name, lambda self, _real=getattr(TaurusDBModule, name), **result: (
            handed.append(result), _real(self, **result)))
    adversary.play([echo_everything(status)])
    args = dict(endpoint=adversary.url, project_id=DEFAULT_PROJECT, auth_token=SECRET, instance_id=INSTANCE,
                return_raw=True, retries=1, retry_backoff=0.01)
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    out = capsys.readouterr().out
    assert adversary.log()[0]['headers']['X-Auth-Token'] == SECRET and len(handed) == 1
    assert ('msg' in handed[0]) is (status != 200) and ('original' in out) is (status == 200)
    emitted = json.loads(out)
    for data in (emitted, handed[0]):
        for ensure_ascii in (True, False):
            text = json.dumps(data, ensure_ascii=ensure_ascii)
            assert not leaked_forms(text), (leaked_forms(text), text)
    assert not leaked_forms(out)


def test_a_token_headers_cannot_carry_is_refused_before_any_request_without_showing_it(adversary):
    # before: UnicodeEncodeError from http.client, printing part of the token
    with pytest.raises(ApiError) as err:
        query(adversary, access_key=None, secret_key=None, auth_token='token-\u5bc6\u7801-value')
    assert 'X-Auth-Token header would hold characters' in str(err.value) and '\u5bc6' not in str(err.value)
    assert err.value.attempts == 1 and adversary.count() == 0


def test_a_cut_body_never_leaks_a_secret_prefix(adversary):
    # before: bodies were cut to 120 characters before scrubbing, so a secret across the cut leaked its prefix
    adversary.play([{'path': LISTING, 'status': 502, 'body': 'x' * 100 + '{{header:X-Auth-Token}}'}])
    with pytest.raises(ApiError) as err:
        query(adversary, access_key=None, secret_key=None, auth_token='abcdefghijklmnopqrstuvwxyz-0123456789', retries=0)
    assert 'abcdefghij' not in str(err.value)


def test_the_signature_is_scrubbed_too(adversary):
    adversary.play([{'path': LISTING, 'status': 400, 'json': {'error_code': 'X', 'error_msg': '{{header:Authorization}}'}}])
    with pytest.raises(ApiError) as err:
        query(adversary)
    signature = adversary.log()[0]['headers']['Authorization'].rsplit('Signature=', 1)[1]
    assert signature not in str(err.value) and 'Signature=********' in str(err.value)


def test_netrc_credentials_are_never_sent(adversary, tmp_path, monkeypatch):
    # before: with token auth, ~/.netrc credentials were sent as Basic auth
    netrc = tmp_path / '.netrc'
    netrc.write_text('machine 127.0.0.1 login someone password netrc-secret\n')
    netrc.chmod(0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    monkeypatch.setenv('HOME', str(tmp_path))
    adversary.play([{'path': LISTING, 'json': {'total_count': 1, 'replications': [row('task_a')]}}])
    assert query(adversary, access_key=None, secret_key=None, auth_token='a-token-value')['all_ready']
    assert adversary.log()[0]['headers'].get('X-Auth-Token') == 'a-token-value'
    assert 'Authorization' not in adversary.log()[0]['headers']


def test_invalid_header_values_are_not_retried(adversary):
    # before: retried six times with a DNS hint
    adversary.play([{'path': LISTING, 'json': {'total_count': 0, 'replications': []}}])
    with make_client(params(adversary, access_key=None, secret_key=None, auth_token='a-token-value')) as client:
        client.auth.params['auth_token'] = 'bad\nvalue-secret'  # past validation, as a bug elsewhere might
        client.scrubber.add('bad\nvalue-secret')
        with pytest.raises(ApiError) as err:
            query_instance(client, INSTANCE, query_of(params(adversary)))
    assert err.value.attempts == 1 and 'DNS' not in str(err.value) and 'value-secret' not in str(err.value)
    assert adversary.count() == 0


def test_a_cookie_a_server_sets_is_never_sent_back_and_the_headers_are_requests_own(adversary):
    # before: the requests session kept the cookie and sent it with every later request (server-set state)
    listing = {'total_count': 1, 'replications': [row('task_a')]}
    adversary.play([{'path': LISTING, 'json': listing, 'headers': {'Set-Cookie': 'session=server-state; Path=/'}}])
    with make_client(params(adversary)) as client:
        for _read in range(2):
            assert query_instance(client, INSTANCE, query_of(params(adversary)))['all_ready']
    sent = [entry['headers'] for entry in adversary.log()]
    assert len(sent) == 2 and not any('Cookie' in headers or 'cookie' in headers for headers in sent)
    # what requests adds to every request is still sent, under ours
    assert sent[1]['Accept'] == '*/*' and sent[1]['Connection'] == 'keep-alive'
    assert 'gzip' in sent[1]['Accept-Encoding'] and sent[1]['User-Agent'].startswith('taurusdb.htap-ansible/')
