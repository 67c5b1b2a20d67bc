"""The adversary's own tests, with plain requests / http.client / socket clients.

No test depends on speed: waits are bounded generously and only where a bound is the point.
"""

import base64
import gzip
import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from urllib.parse import urlsplit

import pytest
import requests

from htapsim.adversary import Adversary, gzip_bomb

TIMEOUT = 30


def address(adv):
    parts = urlsplit(adv.url)
    return parts.hostname, parts.port


def connect(adv):
    return socket.create_connection(address(adv), timeout=TIMEOUT)


def send_raw(sock, path='/', method='GET', headers=(), body=b''):
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: 127.0.0.1'] + ['%s: %s' % pair for pair in headers]
    if body:
        lines.append('Content-Length: %d' % len(body))
    sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() + body)


def read_head(sock):
    """Read up to the end of the headers; return (head text, bytes of the body already read)."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = sock.recv(4096)
        assert chunk, 'connection closed before the headers ended: %r' % data
        data += chunk
    head, rest = data.split(b'\r\n\r\n', 1)
    return head.decode('latin-1'), rest


def read_to_eof(sock):
    data = b''
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def header_names(head):
    return [line.split(':', 1)[0].lower() for line in head.split('\r\n')[1:]]


def wait_for(predicate, seconds=TIMEOUT):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# --- matching ------------------------------------------------------------------------------------
def test_first_matching_rule_answers_and_times_runs_out(adversary):
    adversary.play([
        {'path': 'replication', 'status': 503, 'times': 2},
        {'method': 'post', 'path': 'replication', 'status': 201},
        {'path': 'replication', 'json': {'ok': True}},
    ])
    url = adversary.url + '/v3/p/instances/i/starrocks/databases/replication'
    assert [requests.get(url, timeout=TIMEOUT).status_code for _attempt in range(3)] == [503, 503, 200]
    assert requests.post(url, timeout=TIMEOUT).status_code == 201
    assert requests.get(url, timeout=TIMEOUT).json() == {'ok': True}
    assert [entry['rule'] for entry in adversary.log()] == [0, 0, 2, 1, 2]


def test_times_zero_never_matches_and_play_resets_the_counters(adversary):
    rules = [{'status': 500, 'times': 0}, {'status': 502, 'times': 1}, {'status': 200}]
    adversary.play(rules)
    assert [requests.get(adversary.url + '/x', timeout=TIMEOUT).status_code for _attempt in range(2)] == [502, 200]
    adversary.play(rules)
    assert adversary.count() == 0
    assert requests.get(adversary.url + '/x', timeout=TIMEOUT).status_code == 502


def test_times_holds_under_concurrent_requests(adversary):
    adversary.play([{'status': 503, 'times': 5}, {'status': 200}])
    statuses = []
    lock = threading.Lock()

    def worker():
        with requests.Session() as session:
            for _attempt in range(4):
                status = session.get(adversary.url + '/c', timeout=TIMEOUT).status_code
                with lock:
                    statuses.append(status)
    threads = [threading.Thread(target=worker) for _attempt in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(statuses) == [200] * 27 + [503] * 5
    assert adversary.count() == 32


def test_offset_matching_counts_a_missing_offset_as_zero(adversary):
    adversary.play([
        {'path': '/list', 'offset': 0, 'json': {'page': 0}},
        {'path': '/list', 'offset': 50, 'json': {'page': 1}},
    ])
    base = adversary.url + '/list'
    assert requests.get(base, timeout=TIMEOUT).json() == {'page': 0}
    assert requests.get(base + '?limit=50&offset=0', timeout=TIMEOUT).json() == {'page': 0}
    assert requests.get(base + '?offset=50&limit=50', timeout=TIMEOUT).json() == {'page': 1}
    assert requests.get(base + '?offset=100', timeout=TIMEOUT).status_code == 599
    assert requests.get(base + '?offset=abc', timeout=TIMEOUT).status_code == 599
    assert requests.get(base + '?offset=0&offset=50', timeout=TIMEOUT).json() == {'page': 1}  # the last value


def test_path_is_a_regex_searched_in_the_path_only(adversary):
    adversary.play([{'path': r'^/v3/[0-9a-f]+/x$', 'status': 204}, {'path': 'offset', 'status': 418}])
    assert requests.get(adversary.url + '/v3/abc123/x?y=1', timeout=TIMEOUT).status_code == 204
    assert requests.get(adversary.url + '/v3/xyz/x', timeout=TIMEOUT).status_code == 599
    assert requests.get(adversary.url + '/q?offset=1', timeout=TIMEOUT).status_code == 599


def test_no_rule_is_599(adversary):
    resp = requests.get(adversary.url + '/anything', timeout=TIMEOUT)
    assert resp.status_code == 599
    assert resp.json() == {'error_code': 'ADV.0599', 'error_msg': 'no rule matched'}
    assert resp.headers['X-Request-Id']
    assert adversary.log()[0]['rule'] is None


# --- answers -------------------------------------------------------------------------------------
def test_default_answer_and_headers(adversary):
    adversary.play([{}])
    first = requests.get(adversary.url + '/a', timeout=TIMEOUT)
    second = requests.get(adversary.url + '/a', timeout=TIMEOUT)
    assert first.status_code == 200 and first.content == b'{}'
    assert first.headers['Content-Type'] == 'application/json'
    assert first.headers['Content-Length'] == '2'
    ids = {first.headers['X-Request-Id'], second.headers['X-Request-Id']}
    assert len(ids) == 2 and all(len(value) == 32 and int(value, 16) >= 0 for value in ids)


def test_headers_override_defaults_and_none_drops_one(adversary):
    adversary.play([{'status': 429, 'headers': {'x-request-id': 'fixed', 'Retry-After': 3, 'Content-Type': None,
                                                'Set-Cookie': ['a=1', 'b=2']}, 'body': 'slow down'}])
    resp = requests.get(adversary.url + '/a', timeout=TIMEOUT)
    assert resp.status_code == 429 and resp.text == 'slow down'
    assert resp.headers['X-Request-Id'] == 'fixed' and resp.headers['Retry-After'] == '3'
    assert 'Content-Type' not in resp.headers
    assert resp.raw.headers.getlist('Set-Cookie') == ['a=1', 'b=2']


def test_json_body_and_body_b64(adversary):
    raw = b'\xff\xfe\x00not utf-8'
    adversary.play([{'path': 'j', 'json': [1, 'two', None, {'3': 4.5}]},
                    {'path': 'b', 'body_b64': base64.b64encode(raw).decode(), 'headers': {'Content-Type': 'text/plain'}},
                    {'path': 'n', 'json': None}])
    assert requests.get(adversary.url + '/j', timeout=TIMEOUT).json() == [1, 'two', None, {'3': 4.5}]
    resp = requests.get(adversary.url + '/b', timeout=TIMEOUT)
    assert resp.content == raw and resp.headers['Content-Type'] == 'text/plain'
    assert requests.get(adversary.url + '/n', timeout=TIMEOUT).content == b'null'


def test_204_without_a_body_keeps_the_connection_usable(adversary):
    adversary.play([{'path': 'empty', 'status': 204}, {'json': {'after': True}}])
    conn = http.client.HTTPConnection(*address(adversary), timeout=TIMEOUT)
    try:
        conn.request('DELETE', '/empty')
        resp = conn.getresponse()
        assert resp.status == 204 and resp.read() == b''
        conn.request('GET', '/next')
        assert json.loads(conn.getresponse().read()) == {'after': True}
    finally:
        conn.close()


def test_head_gets_headers_only(adversary):
    adversary.play([{'json': {'a': 1}}])
    resp = requests.head(adversary.url + '/h', timeout=TIMEOUT)
    assert resp.status_code == 200 and resp.headers['Content-Length'] == '8' and resp.content == b''
    assert requests.get(adversary.url + '/h', timeout=TIMEOUT).json() == {'a': 1}


def test_gzip(adversary):
    adversary.play([{'gzip': True, 'json': {'compressed': 'yes' * 100}}])
    resp = requests.get(adversary.url + '/g', timeout=TIMEOUT, stream=True)
    assert resp.headers['Content-Encoding'] == 'gzip'
    raw = resp.raw.read(decode_content=False)
    assert int(resp.headers['Content-Length']) == len(raw) < 300
    assert json.loads(gzip.decompress(raw)) == {'compressed': 'yes' * 100}
    assert requests.get(adversary.url + '/g', timeout=TIMEOUT).json() == {'compressed': 'yes' * 100}


def test_lying_content_length_and_close(adversary):
    adversary.play([{'body': 'short', 'headers': {'Content-Length': '100'}}])
    conn = http.client.HTTPConnection(*address(adversary), timeout=TIMEOUT)
    try:
        conn.request('GET', '/lie')
        resp = conn.getresponse()
        with pytest.raises(http.client.IncompleteRead):
            resp.read()
    finally:
        conn.close()


# --- placeholders --------------------------------------------------------------------------------
NASTY = 'quote " backslash \\ newline \n tab \t unicode \u00e9\u4e2d\U0001f600 brace {{request_body}} end'


def test_placeholders_in_json_are_escaped_by_serialization(adversary):
    adversary.play([{'json': {'body': '{{request_body}}', 'header': '<{{header:x-nasty}}>',
                              'missing': '[{{header:X-Absent}}]', 'query': '{{query:name}}',
                              'nested': [{'{{query:name}}': 'x'}], 'unknown': '{{nope}} {{header}}', 'number': 7}}])
    resp = requests.post(adversary.url + '/echo', params={'name': NASTY}, data=NASTY.encode('utf-8'),
                         headers={'X-Nasty': 'a "b" \\c'}, timeout=TIMEOUT)
    assert resp.json() == {'body': NASTY, 'header': '<a "b" \\c>', 'missing': '[]', 'query': NASTY,
                           'nested': [{NASTY: 'x'}], 'unknown': '{{nope}} {{header}}', 'number': 7}


def test_json_placeholders_in_raw_body_text(adversary):
    adversary.play([{'body': '{"body": "{{request_body_json}}", "header": "{{header_json:X-Nasty}}", '
                             '"plain": "{{header:X-Plain}}", "query": "{{query_json:q}}"}'}])
    resp = requests.post(adversary.url + '/echo', params={'q': NASTY}, data=NASTY.encode('utf-8'),
                         headers={'X-Nasty': 'a "b" \\c', 'X-Plain': 'plain'}, timeout=TIMEOUT)
    assert resp.json() == {'body': NASTY, 'header': 'a "b" \\c', 'plain': 'plain', 'query': NASTY}


def test_raw_body_placeholder_is_not_escaped(adversary):
    adversary.play([{'body': '{"echo": {{request_body}}}'}])
    resp = requests.post(adversary.url + '/echo', json={'nested': ['x', 1]}, timeout=TIMEOUT)
    assert resp.json() == {'echo': {'nested': ['x', 1]}}


def test_placeholders_in_header_values(adversary):
    adversary.play([{'headers': {'X-Request-Id': 'echo-{{header:X-Trace}}'}}])
    resp = requests.get(adversary.url + '/t', headers={'X-Trace': 'abc'}, timeout=TIMEOUT)
    assert resp.headers['X-Request-Id'] == 'echo-abc'


# --- hostile answers -----------------------------------------------------------------------------
def test_small_bomb_is_a_valid_gzip_of_exactly_n_zeros():
    size = 3 * (1 << 20) + 17
    length, chunks = gzip_bomb(size)
    data = b''.join(chunks)
    assert len(data) == length
    assert gzip.decompress(data) == bytes(size)  # checks the CRC and the length in the trailer too
    for tiny in (0, 1):
        assert gzip.decompress(b''.join(gzip_bomb(tiny)[1])) == bytes(tiny)


def test_gzip_bomb_of_one_gib_read_as_a_prefix(adversary):
    adversary.play([{'bomb': 1 << 30}])
    conn = http.client.HTTPConnection(*address(adversary), timeout=TIMEOUT)
    try:
        conn.request('GET', '/bomb', headers={'Accept-Encoding': 'gzip'})
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader('Content-Encoding') == 'gzip'
        assert 0 < int(resp.getheader('Content-Length')) < 4 << 20  # ~1 MB on the wire for 1 GiB
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        decoded, pending = 0, b''
        while decoded < 4 << 20:
            if not pending:
                pending = resp.read(4096)
                assert pending
            piece = inflater.decompress(pending, 1 << 20)
            pending = inflater.unconsumed_tail
            assert piece == bytes(len(piece))
            decoded += len(piece)
    finally:
        conn.close()
    assert decoded >= 4 << 20


def test_gzip_bomb_through_requests_streaming(adversary):
    adversary.play([{'bomb': 1 << 30}])
    with requests.get(adversary.url + '/bomb', stream=True, timeout=TIMEOUT) as resp:
        assert resp.headers['Content-Encoding'] == 'gzip'
        decoded = 0
        for chunk in resp.iter_content(1 << 16):
            assert chunk == bytes(len(chunk))
            decoded += len(chunk)
            if decoded >= 2 << 20:
                break
    assert decoded >= 2 << 20


def test_dribble_sends_headers_then_a_byte_at_a_time():
    with Adversary() as adv:
        adv.play([{'dribble': 0.2, 'body': 'x' * 1000, 'times': 1}, {'status': 204}])  # 200 s for the whole body
        sock = connect(adv)
        try:
            send_raw(sock, '/slow')
            head, body = read_head(sock)
            assert head.startswith('HTTP/1.1 200 ') and 'Content-Length: 1000' in head
            while len(body) < 2:
                chunk = sock.recv(10)
                assert chunk
                body += chunk
            assert body.startswith(b'xx') and len(body) < 1000
        finally:
            sock.close()
        # the handler notices the disconnect on its next byte or two and ends
        assert wait_for(lambda: not adv.server.connections)
        assert requests.get(adv.url + '/other', timeout=TIMEOUT).status_code == 204


def test_dribble_beats_a_per_read_timeout(adversary):
    adversary.play([{'dribble': 0.02, 'json': {'a': 'b' * 10}}])
    resp = requests.get(adversary.url + '/d', timeout=(TIMEOUT, 5))
    assert resp.json() == {'a': 'b' * 10}


def test_dribble_headers_trickles_the_status_line(adversary):
    adversary.play([{'path': 'quick', 'dribble_headers': 0.02, 'headers': {'Server': None, 'Date': None}},
                    {'path': 'stall', 'dribble_headers': 5}])
    sock = connect(adversary)
    try:
        send_raw(sock, '/quick', headers=[('Connection', 'close')])
        reads = []
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reads.append(chunk)
    finally:
        sock.close()
    data = b''.join(reads)
    assert data.startswith(b'HTTP/1.1 200 OK\r\n') and data.endswith(b'\r\n\r\n{}')
    assert len(reads) > 1
    # with seconds between bytes, a client read timeout fires before even the status line is complete
    conn = http.client.HTTPConnection(*address(adversary), timeout=1)
    try:
        conn.request('GET', '/stall')
        with pytest.raises(socket.timeout):
            conn.getresponse()
    finally:
        conn.close()


def test_reset(adversary):
    adversary.play([{'reset': True, 'times': 1}, {'json': {'fine': True}}])
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(adversary.url + '/r', timeout=TIMEOUT)
    assert requests.get(adversary.url + '/r', timeout=TIMEOUT).json() == {'fine': True}
    assert [entry['rule'] for entry in adversary.log()] == [0, 1]


def test_reset_is_an_rst_on_the_wire(adversary):
    adversary.play([{'reset': True}])
    sock = connect(adversary)
    try:
        send_raw(sock, '/r')
        with pytest.raises(ConnectionResetError):
            while sock.recv(4096):
                pass
    finally:
        sock.close()


def test_no_content_length_closes_after_the_body(adversary):
    adversary.play([{'json': {'unframed': True}, 'no_content_length': True}])
    sock = connect(adversary)
    try:
        send_raw(sock, '/u')
        head, rest = read_head(sock)
        assert 'content-length' not in header_names(head) and 'transfer-encoding' not in header_names(head)
        assert json.loads(rest + read_to_eof(sock)) == {'unframed': True}
    finally:
        sock.close()
    assert requests.get(adversary.url + '/u', timeout=TIMEOUT).json() == {'unframed': True}


def test_sleep_before_answering(adversary):
    adversary.play([{'sleep': 0.3, 'status': 202}])
    start = time.monotonic()
    assert requests.get(adversary.url + '/s', timeout=TIMEOUT).status_code == 202
    assert time.monotonic() - start >= 0.3


def test_stop_returns_promptly_while_a_client_is_dribbled_to():
    adv = Adversary().start()
    adv.play([{'dribble': 30, 'body': 'x' * 100}])
    sock = connect(adv)
    try:
        send_raw(sock, '/slow')
        read_head(sock)
        start = time.monotonic()
        adv.stop()
        assert time.monotonic() - start < 15  # the dribble alone would take 50 minutes
        assert read_to_eof(sock) == b''  # the blocked handler was woken and the connection closed
    finally:
        sock.close()


# --- the log and the control endpoints ------------------------------------------------------------
def test_log_entries(adversary):
    adversary.play([{'path': 'a', 'status': 201}])
    requests.post(adversary.url + '/a/b?x=1&x=2&empty=', data='payload', headers={'X-Custom-Name': 'v'},
                  timeout=TIMEOUT)
    requests.get(adversary.url + '/zzz', timeout=TIMEOUT)
    log = adversary.log()
    assert len(log) == 2
    first = log[0]
    assert set(first) == {'method', 'path', 'query', 'headers', 'body', 'rule'}
    assert first['method'] == 'POST' and first['path'] == '/a/b' and first['rule'] == 0
    assert first['query'] == {'x': '2', 'empty': ''}
    assert first['headers']['X-Custom-Name'] == 'v' and first['body'] == 'payload'
    assert log[1]['rule'] is None and log[1]['body'] == ''
    assert adversary.count() == 2 and adversary.count('/a/') == 1 and adversary.count('nothing') == 0


def test_chunked_request_body_is_read(adversary):
    adversary.play([{'body': '{{request_body}}'}])
    resp = requests.post(adversary.url + '/c', data=iter([b'one ', b'two']), timeout=TIMEOUT)
    assert resp.text == 'one two'
    assert adversary.log()[0]['body'] == 'one two'


def test_control_endpoints(adversary):
    script = {'rules': [{'path': 'x', 'status': 503, 'times': 1}, {'json': {'ok': 1}}]}
    resp = requests.post(adversary.url + '/__adv__/script', json=script, timeout=TIMEOUT)
    assert resp.status_code == 200 and resp.json() == {'status': 'ok', 'rules': 2}
    assert requests.get(adversary.url + '/x', timeout=TIMEOUT).status_code == 503
    assert requests.get(adversary.url + '/y', timeout=TIMEOUT).json() == {'ok': 1}
    log = requests.get(adversary.url + '/__adv__/log', timeout=TIMEOUT).json()
    assert log['count'] == 2 and [entry['path'] for entry in log['requests']] == ['/x', '/y']
    assert requests.get(adversary.url + '/__adv__/log?path_contains=y', timeout=TIMEOUT).json()['count'] == 1
    assert requests.get(adversary.url + '/__adv__/health', timeout=TIMEOUT).json() == {'status': 'ok', 'rules': 2}
    assert requests.get(adversary.url + '/__adv__/nope', timeout=TIMEOUT).status_code == 404
    assert adversary.count() == 2  # control requests are not logged
    requests.post(adversary.url + '/__adv__/script', json={'rules': []}, timeout=TIMEOUT)
    assert adversary.count() == 0 and requests.get(adversary.url + '/x', timeout=TIMEOUT).status_code == 599


@pytest.mark.parametrize('rules', [
    [{'time': 1}],
    [{'json': {}, 'body': ''}],
    [{'path': '('}],
    [{'status': 'teapot'}],
    [{'times': -1}],
    [{'body_b64': 'not base64!'}],
    [{'headers': ['X-A']}],
    ['not a dict'],
    {'rules': 'not a list'},
])
def test_bad_scripts_are_refused_whole(adversary, rules):
    adversary.play([{'status': 201}])
    payload = rules if isinstance(rules, dict) else {'rules': rules}
    resp = requests.post(adversary.url + '/__adv__/script', json=payload, timeout=TIMEOUT)
    assert resp.status_code == 400 and resp.json()['error']
    if isinstance(rules, list):
        with pytest.raises(ValueError):
            adversary.play(rules)
    assert requests.get(adversary.url + '/still', timeout=TIMEOUT).status_code == 201  # the old script stays


# --- TLS, addresses and the command line --------------------------------------------------------------
def test_tls_with_the_run_ca(tls_adversary):
    assert tls_adversary.url.startswith('https://127.0.0.1:')
    tls_adversary.play([{'json': {'secure': True}}])
    assert requests.get(tls_adversary.url + '/t', verify=tls_adversary.ca_path, timeout=TIMEOUT).json() == {'secure': True}
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_adversary.url + '/t', verify=True, timeout=TIMEOUT)


def test_tls_no_content_length_and_gzip(tls_adversary):
    tls_adversary.play([{'json': {'a': 1}, 'gzip': True, 'no_content_length': True}])
    resp = requests.get(tls_adversary.url + '/t', verify=tls_adversary.ca_path, timeout=TIMEOUT)
    assert resp.json() == {'a': 1} and 'Content-Length' not in resp.headers


def test_tls_reset(tls_adversary):
    tls_adversary.play([{'reset': True}])
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(tls_adversary.url + '/r', verify=tls_adversary.ca_path, timeout=TIMEOUT)


def test_loopback_only():
    with pytest.raises(ValueError):
        Adversary(host='0.0.0.0')


def test_unserializable_json_is_refused_at_play_time(adversary):
    with pytest.raises(ValueError):
        adversary.play([{'json': {'a': {1, 2}}}])


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip('no IPv6')
    try:
        adv = Adversary(host='::1').start()
    except OSError:
        pytest.skip('IPv6 loopback unavailable')
    try:
        adv.play([{'status': 200}])
        assert adv.url.startswith('http://[::1]:')
        assert requests.get(adv.url + '/v6', timeout=TIMEOUT).status_code == 200
    finally:
        adv.stop()


def test_importable_from_the_package():
    import htapsim
    assert htapsim.Adversary is Adversary


def _cli(*args):
    return subprocess.Popen([sys.executable, '-W', 'error::RuntimeWarning', '-m', 'htapsim.adversary'] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_command_line_serves_and_writes_the_url_file(tmp_path):
    url_file = tmp_path / 'url'
    proc = _cli('--port', '0', '--url-file', str(url_file))
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith('http://127.0.0.1:')
        assert url_file.read_text() == url + '\n'
        assert requests.get(url + '/__adv__/health', timeout=TIMEOUT).json()['status'] == 'ok'
        script = {'rules': [{'path': 'replication', 'json': {'total_count': '0'}}]}
        assert requests.post(url + '/__adv__/script', json=script, timeout=TIMEOUT).status_code == 200
        assert requests.get(url + '/v3/replication', timeout=TIMEOUT).json() == {'total_count': '0'}
        assert requests.get(url + '/__adv__/log', timeout=TIMEOUT).json()['count'] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(TIMEOUT) == 0
    assert 'Warning' not in proc.stderr.read()


def test_command_line_tls_with_cert_dir_and_sigint(tmp_path):
    proc = _cli('--tls', '--cert-dir', str(tmp_path), '--url-file', str(tmp_path / 'url'))
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith('https://127.0.0.1:')
        ca = tmp_path / 'htapsim-adversary-ca.pem'
        assert (tmp_path / 'url').read_text().strip() == url
        assert requests.get(url + '/__adv__/health', verify=str(ca), timeout=TIMEOUT).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(TIMEOUT) == 0
    assert 'CA bundle: %s' % ca in proc.stderr.read()
