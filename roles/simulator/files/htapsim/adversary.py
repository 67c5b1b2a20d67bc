"""An adversarial HTTP(S) server for tests: it plays the worst answers a server can give, scripted per test.

``with Adversary() as adv: adv.play([{'path': 'replication', 'status': 503, 'times': 2}, {'json': {}}])``

Every request outside ``/__adv__/`` is answered by the first rule that matches and still has uses
left; no match is a 599 ``ADV.0599``. Rules can lie about lengths, gzip-bomb, dribble bytes, reset
the connection, echo the request back, and so on. It never imports the collection. See
docs/simulator.md ("The adversary"). Command line: python -m htapsim.adversary [--tls] [--url-file F].
"""

import argparse
import base64
import binascii
import email.utils
import gzip
import json
import os
import re
import signal
import socket
import ssl
import struct
import sys
import tempfile
import threading
import uuid
import zlib
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CONTROL_PREFIX = '/__adv__/'
CA_FILE = 'htapsim-adversary-ca.pem'
LOOPBACK = ('127.0.0.1', '::1', 'localhost')

MATCH_KEYS = ('method', 'path', 'offset', 'times')
BODY_KEYS = ('json', 'body', 'body_b64', 'bomb')
RULE_KEYS = frozenset(MATCH_KEYS + BODY_KEYS + (
    'status', 'headers', 'gzip', 'dribble', 'dribble_headers', 'no_content_length', 'reset', 'sleep', 'comment'))

PLACEHOLDER_RE = re.compile(r'\{\{([a-z_]+)(?::([^{}]*))?\}\}')
NO_MATCH = {'error_code': 'ADV.0599', 'error_msg': 'no rule matched'}

# A gzip bomb is built from one piece: the raw deflate of 1 MiB of zeros, closed by a full flush
# (byte-aligned, not final, no reference to earlier data), so N zeros are N // 1 MiB copies of the
# same ~1 KiB piece plus a final piece for the rest. Only the CRC needs the zeros, chunk by chunk.
BOMB_CHUNK = 1 << 20
GZIP_HEADER = b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff'  # deflate, no name, mtime 0, max compression
_bomb_lock = threading.Lock()
_bomb_piece = []


class RuleError(ValueError):
    """A script that cannot be played: unknown key, bad type, several bodies, bad regex."""


# --- rules ------------------------------------------------------------------------------------
def _number(rule, key, index, minimum=0):
    value = rule[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise RuleError('rule %d: %s must be a number >= %s, got %r' % (index, key, minimum, value))
    return value


def _integer(rule, key, index, minimum=None):
    value = rule[key]
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        raise RuleError('rule %d: %s must be an integer%s, got %r'
                        % (index, key, '' if minimum is None else ' >= %d' % minimum, value))
    return value


def compile_rules(rules):
    """Check a script and return its rules as dicts with a compiled ``path`` regex (``_path``)."""
    if rules is None:
        return []
    if not isinstance(rules, (list, tuple)):
        raise RuleError('rules must be a list of dicts, got %s' % type(rules).__name__)
    compiled = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise RuleError('rule %d must be a dict, got %r' % (index, rule))
        unknown = sorted(set(rule) - RULE_KEYS)
        if unknown:
            raise RuleError('rule %d: unknown key(s) %s (known: %s)' % (index, ', '.join(map(str, unknown)),
                                                                        ', '.join(sorted(RULE_KEYS))))
        bodies = [key for key in BODY_KEYS if key in rule]
        if len(bodies) > 1:
            raise RuleError('rule %d: at most one of %s, got %s' % (index, ', '.join(BODY_KEYS), ', '.join(bodies)))
        entry = dict(rule)
        if 'method' in rule:
            if not isinstance(rule['method'], str):
                raise RuleError('rule %d: method must be a string' % index)
            entry['method'] = rule['method'].upper()
        try:
            entry['_path'] = re.compile(rule['path']) if 'path' in rule else None
        except (re.error, TypeError) as exc:
            raise RuleError('rule %d: bad path regex %r: %s' % (index, rule['path'], exc)) from None
        if 'offset' in rule:
            _integer(rule, 'offset', index)
        if 'times' in rule:
            _integer(rule, 'times', index, 0)
        if 'status' in rule:
            _integer(rule, 'status', index, 100)
            if rule['status'] > 999:
                raise RuleError('rule %d: status must have three digits, got %r' % (index, rule['status']))
        for key in ('sleep', 'dribble', 'dribble_headers'):
            if key in rule:
                _number(rule, key, index)
        if 'bomb' in rule:
            _integer(rule, 'bomb', index, 0)
        if 'json' in rule:
            try:
                json.dumps(rule['json'])
            except (TypeError, ValueError) as exc:
                raise RuleError('rule %d: json is not serializable: %s' % (index, exc)) from None
        if 'body' in rule and not isinstance(rule['body'], str):
            raise RuleError('rule %d: body must be a string (use json for structured data)' % index)
        if 'body_b64' in rule:
            try:
                entry['_raw'] = base64.b64decode(rule['body_b64'], validate=True)
            except (binascii.Error, TypeError, ValueError) as exc:
                raise RuleError('rule %d: body_b64 is not base64: %s' % (index, exc)) from None
        headers = rule.get('headers') or {}
        if not isinstance(headers, dict) or not all(isinstance(name, str) for name in headers):
            raise RuleError('rule %d: headers must be a dict with string names' % index)
        compiled.append(entry)
    return compiled


def _offset_of(query):
    text = query.get('offset')
    if text is None:
        return 0
    try:
        return int(text)
    except ValueError:
        return None


def _matches(rule, method, path, query):
    if 'method' in rule and rule['method'] != method:
        return False
    if rule['_path'] is not None and not rule['_path'].search(path):
        return False
    return 'offset' not in rule or _offset_of(query) == rule['offset']


# --- placeholders -------------------------------------------------------------------------------
def _json_inner(text):
    return json.dumps(text)[1:-1]


def substitute(text, request):
    """Replace {{header:NAME}}, {{query:NAME}}, {{request_body}} and their _json forms in one pass."""
    def replace(match):
        kind, name = match.group(1), match.group(2)
        if kind in ('header', 'header_json') and name is not None:
            value = request['header'](name)
        elif kind in ('query', 'query_json') and name is not None:
            value = request['query'].get(name, '')
        elif kind in ('request_body', 'request_body_json') and name is None:
            value = request['body']
        else:
            return match.group(0)  # not a placeholder of ours: left as written
        return _json_inner(value) if kind.endswith('_json') else value
    return PLACEHOLDER_RE.sub(replace, text)


def substitute_json(value, request):
    if isinstance(value, str):
        return substitute(value, request)
    if isinstance(value, list):
        return [substitute_json(item, request) for item in value]
    if isinstance(value, dict):
        return {substitute(key, request) if isinstance(key, str) else key: substitute_json(item, request)
                for key, item in value.items()}
    return value


# --- the gzip bomb ------------------------------------------------------------------------------
def _piece():
    with _bomb_lock:
        if not _bomb_piece:
            deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
            _bomb_piece.append(deflater.compress(bytes(BOMB_CHUNK)) + deflater.flush(zlib.Z_FULL_FLUSH))
        return _bomb_piece[0]


def gzip_bomb(size):
    """(length, chunks): a gzip stream that decodes to ``size`` zero bytes, made as it is sent."""
    piece = _piece()
    count, rest = divmod(size, BOMB_CHUNK)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = deflater.compress(bytes(rest)) + deflater.flush()
    length = len(GZIP_HEADER) + count * len(piece) + len(last) + 8

    def chunks():
        zeros = bytes(BOMB_CHUNK)
        crc = 0
        yield GZIP_HEADER
        for _piece_index in range(count):
            crc = zlib.crc32(zeros, crc)
            yield piece
        crc = zlib.crc32(bytes(rest), crc)
        yield last + struct.pack('<II', crc & 0xffffffff, size & 0xffffffff)
    return length, chunks()


def _batches(chunks, size=1 << 16):
    """Join small chunks into sends of about ``size`` bytes."""
    batch = []
    length = 0
    for chunk in chunks:
        batch.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b''.join(batch)
            batch, length = [], 0
    if batch:
        yield b''.join(batch)


# --- state ------------------------------------------------------------------------------------------
class AdvState:
    """The script, per-rule use counters and the request log, swapped together under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules, self.used, self.requests = [], [], []

    def play(self, rules):
        compiled = compile_rules(rules)
        with self.lock:
            self.rules = compiled
            self.used = [0] * len(compiled)
            self.requests = []
        return len(compiled)

    def claim(self, entry, method, path, query):
        """Pick the answering rule (using one of its uses) and log the request, atomically."""
        with self.lock:
            found = None
            for index, rule in enumerate(self.rules):
                if 'times' in rule and self.used[index] >= rule['times']:
                    continue
                if _matches(rule, method, path, query):
                    self.used[index] += 1
                    found = index
                    break
            entry['rule'] = found
            self.requests.append(entry)
            return None if found is None else self.rules[found]

    def log(self, path_contains=None):
        with self.lock:
            entries = list(self.requests)
        return [dict(entry) for entry in entries if path_contains is None or path_contains in entry['path']]


# --- the handler ----------------------------------------------------------------------------------
class ClientGone(Exception):
    """The client went away (or the server is stopping) while we were still writing."""


class AdvHandler(BaseHTTPRequestHandler):
    server_version = 'htapsim-adversary/1.0'
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # --- reading ---------------------------------------------------------------------------------
    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            parts = []
            while True:
                size = int(self.rfile.readline(1024).split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(65537).strip():  # trailers up to the blank line
                        pass
                    return b''.join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = int(self.headers.get('Content-Length') or 0)
        if length < 0:
            raise ValueError('negative Content-Length')
        return self.rfile.read(length) if length else b''

    def _dispatch(self):
        method = self.command.upper()
        parts = urlsplit(self.path)
        try:
            raw = self._read_body()
        except ValueError:
            self.close_connection = True
            self._answer_simple(400, {'error': 'unreadable request body'})
            return
        if parts.path.startswith(CONTROL_PREFIX):
            self._control(method, parts, raw)
            return
        query = {name: values[-1] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
        text = raw.decode('utf-8', 'replace')
        entry = {'method': method, 'path': parts.path, 'query': query, 'headers': dict(self.headers.items()),
                 'body': text, 'rule': None}
        rule = self.server.state.claim(entry, method, parts.path, query)
        if rule is None:
            self._answer_simple(599, NO_MATCH)
            return
        request = {'header': lambda name: self.headers.get(name) or '', 'query': query, 'body': text}
        try:
            self._play(rule, request)
        except ClientGone:
            self.close_connection = True

    # --- writing ---------------------------------------------------------------------------------
    def _write(self, data):
        if self.server.stopping.is_set():
            raise ClientGone()
        try:
            self.wfile.write(data)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError; ValueError: socket closed
            raise ClientGone() from exc

    def _wait(self, seconds):
        if seconds and self.server.stopping.wait(seconds):
            raise ClientGone()

    def _trickle(self, data, interval, first):
        """Send ``data`` one byte every ``interval`` seconds (no wait before the response's first byte)."""
        for position in range(len(data)):
            if not (first and position == 0):
                self._wait(interval)
            self._write(data[position:position + 1])

    def _head(self, status, headers):
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = 'No Rule Matched' if status == 599 else 'Unknown'
        lines = ['HTTP/1.1 %d %s' % (status, reason)]
        lines.extend('%s: %s' % (name, value) for name, value in headers)
        return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1', 'replace')

    def _answer_simple(self, status, payload):
        body = json.dumps(payload).encode('utf-8')
        headers = [('Server', self.server_version), ('Date', email.utils.formatdate(usegmt=True)),
                   ('Content-Type', 'application/json'), ('Content-Length', str(len(body))),
                   ('X-Request-Id', uuid.uuid4().hex)]
        try:
            self._write(self._head(status, headers) + (b'' if self.command == 'HEAD' else body))
        except ClientGone:
            self.close_connection = True

    def _reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.connection.close()
        self.close_connection = True

    def _play(self, rule, request):
        self._wait(rule.get('sleep', 0))
        if rule.get('reset'):
            self._reset()
            return
        status = rule.get('status', 200)
        gzipped = bool(rule.get('gzip')) or 'bomb' in rule
        explicit_body = any(key in rule for key in BODY_KEYS)
        if 'bomb' in rule:
            length, chunks = gzip_bomb(rule['bomb'])
        else:
            if 'json' in rule:
                body = json.dumps(substitute_json(rule['json'], request)).encode('utf-8')
            elif 'body' in rule:
                body = substitute(rule['body'], request).encode('utf-8')
            elif 'body_b64' in rule:
                body = rule['_raw']
            elif status < 200 or status in (204, 304):
                body = b''  # no default body where HTTP allows none
            else:
                body = b'{}'
            if rule.get('gzip'):
                body = gzip.compress(body, mtime=0)
            length, chunks = len(body), iter([body])
        if self.command == 'HEAD':
            chunks = iter([])

        given = {}
        for name, value in (rule.get('headers') or {}).items():
            given.setdefault(name.lower(), []).append((name, value))
        # the body is delimited by closing the connection when its length is not ours to state
        close_delimited = (bool(rule.get('no_content_length')) or 'content-length' in given
                           or 'transfer-encoding' in given
                           or (explicit_body and (status < 200 or status in (204, 304))))
        defaults = [('Server', self.server_version), ('Date', email.utils.formatdate(usegmt=True)),
                    ('Content-Type', 'application/json'), ('X-Request-Id', uuid.uuid4().hex)]
        if gzipped:
            defaults.append(('Content-Encoding', 'gzip'))
        if not close_delimited and not (status < 200 or status in (204, 304)):
            defaults.append(('Content-Length', str(length)))
        headers = [(name, value) for name, value in defaults if name.lower() not in given]
        for pairs in given.values():
            for name, value in pairs:
                values = value if isinstance(value, list) else [value]
                headers.extend((name, substitute(str(item), request)) for item in values if item is not None)
        if close_delimited:
            self.close_connection = True

        head = self._head(status, headers)
        if 'dribble_headers' in rule:
            self._trickle(head, rule['dribble_headers'], first=True)
            interval = rule.get('dribble', rule['dribble_headers'])
            for chunk in chunks:
                self._trickle(chunk, interval, first=False)
        elif 'dribble' in rule:
            self._write(head)
            for chunk in chunks:
                self._trickle(chunk, rule['dribble'], first=False)
        else:
            first = next(_batches(chunks), b'') if 'bomb' in rule else b''.join(chunks)
            self._write(head + first)  # headers and (the start of) the body in one send
            for batch in _batches(chunks):
                self._write(batch)

    # --- control -----------------------------------------------------------------------------------
    def _control(self, method, parts, raw):
        state = self.server.state
        path = parts.path
        if path == '/__adv__/script' and method in ('POST', 'PUT'):
            try:
                request = json.loads(raw or b'{}')
                rules = request.get('rules', []) if isinstance(request, dict) else request
                count = state.play(rules)
            except (ValueError, AttributeError) as exc:
                self._answer_simple(400, {'error': str(exc)})
                return
            self._answer_simple(200, {'status': 'ok', 'rules': count})
        elif path == '/__adv__/log' and method == 'GET':
            query = parse_qs(parts.query)
            entries = state.log(query['path_contains'][-1] if 'path_contains' in query else None)
            self._answer_simple(200, {'requests': entries, 'count': len(entries)})
        elif path == '/__adv__/health' and method == 'GET':
            with state.lock:
                rules = len(state.rules)
            self._answer_simple(200, {'status': 'ok', 'rules': rules})
        else:
            self._answer_simple(404, {'error': 'unknown control endpoint %s %s' % (method, path)})


# --- the server ----------------------------------------------------------------------------------
class AdvServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, state, ssl_context=None, verbose=False):
        self.address_family = socket.AF_INET6 if ':' in address[0] else socket.AF_INET
        super().__init__(address, AdvHandler)
        self.state = state
        self.verbose = verbose
        self.stopping = threading.Event()
        self.connections = set()
        self.connections_lock = threading.Lock()
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def get_request(self):
        connection, address = super().get_request()
        try:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.connections_lock:
            self.connections.add(connection)
        return connection, address

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self):
        """Wake every handler thread still blocked on a client: shut its socket down (never waits)."""
        with self.connections_lock:
            connections = list(self.connections)
            self.connections.clear()
        for connection in connections:
            try:
                socket.socket.shutdown(connection, socket.SHUT_RDWR)  # below TLS: no close_notify to block on
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class Adversary:
    """The adversary in a background thread: ``with Adversary() as adv: adv.play([...]); adv.url``."""

    def __init__(self, tls=False, host='127.0.0.1', port=0, cert_dir=None):
        if host not in LOOPBACK and not host.startswith('127.'):
            raise ValueError('the adversary serves on loopback only (127.0.0.1 or ::1), not %r' % host)
        self.state = AdvState()
        self.tls = tls
        self.ca_path = None
        self._tmp = None
        context = self._tls_context(host, cert_dir) if tls else None
        self.server = AdvServer((host, port), self.state, context)
        self.thread = None

    def _tls_context(self, host, cert_dir):
        import trustme  # pylint: disable=import-outside-toplevel
        ca = trustme.CA()
        cert = ca.issue_cert(*sorted({host, '127.0.0.1', 'localhost', '::1'}))
        if cert_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix='htapsim-adversary-')
            cert_dir = self._tmp.name
        self.ca_path = os.path.join(cert_dir, CA_FILE)
        ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        return context

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        if ':' in host:
            host = '[%s]' % host
        return '%s://%s:%d' % ('https' if self.tls else 'http', host, port)

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05},
                                       name='htapsim-adversary', daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stop serving; threads still dribbling or sleeping are woken and left to end on their own."""
        self.server.stopping.set()
        if self.thread:
            self.server.shutdown()
            self.thread.join(5)
            self.thread = None
        self.server.server_close()
        self.server.drop_connections()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def play(self, rules):
        """Replace the script; clears the request log and the rules' use counters."""
        self.state.play(rules)
        return self

    def log(self):
        return self.state.log()

    def count(self, path_contains=None):
        return len(self.state.log(path_contains))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --- command line -----------------------------------------------------------------------------------
def _write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix='.url-', dir=directory)
    with os.fdopen(handle, 'w', encoding='utf-8') as stream:
        stream.write(text)
    os.replace(temporary, path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='htapsim.adversary', description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (loopback only)')
    parser.add_argument('--port', type=int, default=0, help='port; 0 picks a free one')
    parser.add_argument('--tls', action='store_true', help='serve HTTPS with a certificate made for this run')
    parser.add_argument('--cert-dir', help='where to write %s (default: a temporary directory)' % CA_FILE)
    parser.add_argument('--url-file', help='also write the URL to this file once serving')
    args = parser.parse_args(argv)

    adversary = Adversary(tls=args.tls, host=args.host, port=args.port, cert_dir=args.cert_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    adversary.start()
    if args.url_file:
        _write_atomically(args.url_file, adversary.url + '\n')
    print(adversary.url, flush=True)
    if adversary.ca_path:
        print('CA bundle: %s' % adversary.ca_path, file=sys.stderr, flush=True)
    stop.wait()
    adversary.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
