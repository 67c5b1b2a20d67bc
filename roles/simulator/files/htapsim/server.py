"""The HTTP(S) server: routes, gateway errors, faults and the /__sim__ control endpoints."""

import base64
import binascii
import collections
import datetime
import hmac
import json
import os
import re
import socket
import ssl
import struct
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

from .auth import Authenticator, AuthError
from .heartbeat import Copier, control as heartbeat_control
from .scenario import ScenarioError, World, load_scenario
from .writes import WriteRoutes, Writes, control as writes_control, write_counts

REPLICATION_RE = re.compile(
    r'^/v3/(?P<project>[^/]+)/instances/(?P<instance>[^/]+)/starrocks/databases/replication/?$')
CONFIG_RE = re.compile(
    r'^/v3/(?P<project>[^/]+)/instances/(?P<instance>[^/]+)/starrocks/databases/replication/configuration/?$')
HTAP_RE = re.compile(r'^/v3/(?P<project>[^/]+)/instances/(?P<instance>[^/]+)/htap/?$')
# The simulator's choice: the code the real API sends for an unknown task name is not documented.
TASK_NOT_FOUND = ('DBS.270022', 'The data synchronization task does not exist.')
TOKEN_PATH = '/v3/auth/tokens'
PROJECTS_PATH = '/v3/projects'
METADATA_TOKEN_PATH = '/meta-data/latest/api/token'
METADATA_SECURITY_KEY_PATH = '/openstack/latest/securitykey'
AGENCY_ERROR = 'Please configure Cloud Service Agency first'
LOG_SIZE = 1000


class Stats:
    """Request counters for tests: per route, instance, auth method, status and fault."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counters, self.total, self.log = None, 0, None
        self.connections = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.counters = collections.defaultdict(collections.Counter)
            self.total = 0
            self.proxied = 0
            self.connections = 0
            self.log = collections.deque(maxlen=LOG_SIZE)

    def record(self, entry):
        with self.lock:
            self.total += 1
            if entry.get('proxied'):
                self.proxied += 1
            if entry.get('new_connection'):
                self.connections += 1
            self.counters['routes'][entry['route']] += 1
            self.counters['statuses'][str(entry['status'])] += 1
            self.counters['auth'][entry.get('auth') or 'none'] += 1
            if entry.get('instance'):
                self.counters['instances'][entry['instance']] += 1
            for fault in entry.get('faults', ()):
                self.counters['faults'][fault] += 1
            self.log.append(entry)

    def snapshot(self):
        with self.lock:
            data = {name: dict(counter) for name, counter in self.counters.items()}
            for name in ('routes', 'statuses', 'auth', 'instances', 'faults'):
                data.setdefault(name, {})
            data['total'] = self.total
            data['proxied'] = self.proxied
            data['connections'] = self.connections
            data['log'] = list(self.log)
            return data


class SimState:
    """Everything a request handler needs, swappable as a whole by /__sim__/scenario."""

    def __init__(self, scenario, seed=None):
        self.lock = threading.Lock()
        self.seed = seed
        self.stats = Stats()
        self.clock_offset = 0.0
        self.stop_requested = threading.Event()  # POST /__sim__/stop: the command line's process ends
        self.heartbeat = None  # the heartbeat copier (heartbeat.Copier), when the simulator has one
        self.load(scenario)

    def load(self, scenario):
        with self.lock:
            self.source = scenario  # reset reloads from here, never from the expanded scenario
            self.scenario = load_scenario(scenario)
            self.world = World(self.scenario, self.seed)
            self.writes = Writes(self.scenario, self.world, self.seconds, self.utcnow)
            self.auth = Authenticator(self.scenario['credentials'], self.utcnow, self.scenario['metadata'])
            self.started = time.monotonic()
            self.clock_offset = 0.0
        self.stats.reset()
        if self.heartbeat is not None:
            self.heartbeat.reset()

    def stats_snapshot(self):
        """/__sim__/stats: the request counters, and the heartbeat copier's as `heartbeat` when there is one."""
        data = self.stats.snapshot()
        data['writes'] = write_counts(data['routes'])
        data['jobs'] = self.writes.job_counts()
        if self.heartbeat is not None:
            data['heartbeat'] = self.heartbeat.snapshot()
        return data

    def reset(self):
        self.load(self.source)

    def utcnow(self):
        return (datetime.datetime.now(datetime.timezone.utc)
                + datetime.timedelta(seconds=self.clock_offset))

    def seconds(self):
        """Seconds for ``by: seconds`` timelines; a manual clock moves only by /__sim__/clock."""
        if self.scenario['clock'] == 'manual':
            return self.clock_offset
        return time.monotonic() - self.started + self.clock_offset


class Handler(WriteRoutes, BaseHTTPRequestHandler):
    server_version = 'htapsim/1.0'
    protocol_version = 'HTTP/1.1'
    # TCP_NODELAY on every accepted socket: headers and body are two writes, and without it
    # Nagle's algorithm holds the body back until the client ACKs the headers, an ACK clients
    # delay by ~40 ms. That stalled every keep-alive answer by ~44 ms.
    disable_nagle_algorithm = True

    # --- plumbing ------------------------------------------------------------------------
    def setup(self):
        super().setup()
        self.served = 0  # requests this connection carried: the first pays a latency rule's handshake

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            super().log_message(format, *args)

    @property
    def state(self):
        return self.server.state

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def _send(self, status, payload, headers=None, content_type='application/json', fault=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode('utf-8')
        self._record(status)  # before any byte is sent, so a client never sees an answer not yet counted
        if fault and fault['kind'] == 'truncated_json':
            body = body[:max(1, len(body) // 2)]
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('X-Request-Id', self.request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if fault and fault['kind'] == 'slow_body':
            self.wfile.flush()
            time.sleep(float(fault.get('delay', 5)))
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True

    def _record(self, status):
        if self.entry is not None and not self.recorded:
            self.entry['status'] = status
            self.state.stats.record(self.entry)
            self.recorded = True

    def _error(self, status, code, message, headers=None):
        self._send(status, {'error_code': code, 'error_msg': message}, headers)

    def _reset_connection(self):
        self._record('reset')
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.connection.close()
        self.close_connection = True

    # --- dispatch ------------------------------------------------------------------------
    def do_GET(self):
        self._dispatch('GET')

    def do_POST(self):
        self._dispatch('POST')

    def do_PUT(self):
        self._dispatch('PUT')

    def do_DELETE(self):
        self._dispatch('DELETE')

    def _dispatch(self, method):
        self.request_id = uuid.uuid4().hex
        self.entry, self.recorded = None, False
        parts = urlsplit(self.path)
        # An absolute-form target (GET http://host/path HTTP/1.1) is what a client sends to an HTTP proxy:
        # the simulator is then the proxy and answers the request itself, whatever host it names.
        proxied = bool(parts.scheme and parts.netloc)
        body = self._body()
        if parts.path.startswith('/__sim__/'):
            self._control(method, parts.path, body)
            return
        self.entry = {'method': method, 'path': parts.path, 'query': parts.query, 'route': 'not_found',
                      'status': None, 'request_id': self.request_id, 'faults': [], 'proxied': proxied,
                      'new_connection': self.served == 0, 'delay': 0.0}
        self.served += 1
        if proxied:
            self.entry['target'] = '%s://%s' % (parts.scheme, parts.netloc)
            if not self._proxy_authorized():
                self.entry['route'] = 'proxy_auth'
                self._error(407, 'PROXY.0407', 'Proxy authentication required.',
                            {'Proxy-Authenticate': 'Basic realm="htapsim"'})
                return
        if parts.path.rstrip('/') == PROJECTS_PATH and method == 'GET':
            self.entry['route'] = 'iam_projects'
            self._projects(parts, body)
            return
        if parts.path == METADATA_TOKEN_PATH and method == 'PUT':
            self.entry['route'] = 'metadata_token'
            self._metadata_token()
            return
        if parts.path == METADATA_SECURITY_KEY_PATH and method == 'GET':
            self.entry['route'] = 'metadata_securitykey'
            self._metadata_security_key()
            return
        if self._write_route(method, parts, body):
            return
        routes = (('replication', REPLICATION_RE, self._api),
                  ('replication_config', CONFIG_RE, self._replication_config),
                  ('htap_instances', HTAP_RE, self._htap_instances))
        for route, pattern, handler in routes:
            match = pattern.match(parts.path)
            if match and method == 'GET':
                self.entry.update(route=route, instance=match.group('instance'))
                handler(parts, match, body)
                return
        if parts.path.rstrip('/') == TOKEN_PATH and method == 'POST':
            self.entry['route'] = 'iam_token'
            self._token(body)
        else:
            self._error(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment.')

    def _apply_faults(self, route, instance=None):
        """Run latency and answer-replacing faults; return the body fault (if any) or True if answered."""
        body_fault = None
        for fault in self.state.world.faults_for(route, instance):
            kind = fault['kind']
            self.entry['faults'].append(kind)
            if kind == 'latency':
                self._latency(fault)
            elif kind == 'reset':
                self._reset_connection()
                return True
            elif kind == 'throttle':
                self._error(429, 'APIGW.0308', 'The request is throttled.',
                            {'Retry-After': str(fault.get('retry_after', 1))})
                return True
            elif kind == 'error':
                status = int(fault.get('status', 500))
                self._error(status, fault.get('code', 'DBS.200000'), fault.get('message', 'Internal server error.'))
                return True
            elif kind == 'html_error':
                status = int(fault.get('status', 502))
                page = '<html><head><title>%d Bad Gateway</title></head><body><h1>%d</h1></body></html>' % (status, status)
                self._send(status, page.encode(), content_type='text/html')
                return True
            else:
                body_fault = fault
        return body_fault

    def _latency(self, fault):
        """Sleep one round trip (``seconds`` + jitter), and ``handshake`` more on a connection's first request:
        a new TCP connection costs a round trip before its request, TLS one or two more."""
        seconds = float(fault.get('seconds', 0.1))
        delay = seconds + self.state.world.rng.random() * float(fault.get('jitter', 0))
        if self.entry['new_connection'] and fault.get('handshake'):
            delay += float(fault['handshake']) * seconds
            self.entry['faults'].append('handshake')
        self.entry['delay'] += delay
        time.sleep(delay)

    def _proxy_authorized(self):
        """Proxy authentication (scenario ``proxy: {user, password}``): Basic credentials in Proxy-Authorization."""
        wanted = self.state.scenario.get('proxy') or {}
        if not wanted:
            return True
        scheme, _sep, value = (self.headers.get('Proxy-Authorization') or '').partition(' ')
        try:
            given = base64.b64decode(value.strip(), validate=True).decode('utf-8')
        except (binascii.Error, ValueError):
            return False
        expected = '%s:%s' % (wanted.get('user', ''), wanted.get('password', ''))
        return scheme.lower() == 'basic' and hmac.compare_digest(given.encode('utf-8'), expected.encode('utf-8'))

    # --- routes ----------------------------------------------------------------------------
    def _iam_error(self, status, message, code=None):
        error = {'code': status, 'message': message, 'title': 'Bad Request' if status == 400 else 'Unauthorized'}
        if code:
            error['error_code'] = code
        self._send(status, {'error': error}, {'X-IAM-Trace-Id': self.request_id})

    def _projects(self, parts, body):
        """IAM KeystoneListProjects: the account's projects, ``?name=`` filtered; signed (or a token)."""
        fault = self._apply_faults('iam')
        if fault is True:
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        if 'x-project-id' in headers:
            # the simulator's strictness: the SDK never sends X-Project-Id to IAM, nor may a client
            self.entry['auth'] = 'rejected'
            self._iam_error(400, 'X-Project-Id must not be sent when listing projects.', 'IAM.0011')
            return
        try:
            method, _projects = self.state.auth.authenticate('GET', parts.path, parts.query, headers, body)
        except AuthError as exc:
            self.entry['auth'] = 'rejected'
            self._iam_error(exc.status, exc.message, exc.code)
            return
        self.entry['auth'] = method
        names = parse_qs(parts.query, keep_blank_values=True).get('name')
        projects = self.state.auth.list_projects(names[-1] if names else None)
        common = {'domain_id': 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0', 'enabled': True, 'is_domain': False,
                  'parent_id': 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0', 'description': ''}
        answer = {'projects': [dict(common, **project) for project in projects],
                  'links': {'self': 'https://iam.example/v3/projects', 'previous': None, 'next': None}}
        self._send(200, answer, {'X-IAM-Trace-Id': self.request_id}, fault=fault)

    def _metadata_token(self):
        """PUT /meta-data/latest/api/token: a session token for the metadata service."""
        fault = self._apply_faults('metadata')
        if fault is True:
            return
        if not self.headers.get('X-Metadata-Token-Ttl-Seconds'):
            self._send(400, b'X-Metadata-Token-Ttl-Seconds is required', content_type='text/plain')
            return
        self._send(200, self.state.auth.issue_metadata_token().encode(), content_type='text/plain', fault=fault)

    def _metadata_security_key(self):
        """GET /openstack/latest/securitykey: temporary AK/SK of the server's agency, accepted until they expire."""
        fault = self._apply_faults('metadata')
        if fault is True:
            return
        config = self.state.scenario['metadata']
        auth = self.state.auth
        if config.get('require_token') and self.headers.get('X-Metadata-Token') not in auth.metadata_tokens:
            self._send(401, {'error_code': 'META.0401', 'error_msg': 'A valid X-Metadata-Token is required.'})
            return
        if not config.get('agency', True):
            self._send(401, {'error_code': 'META.0402', 'error_msg': AGENCY_ERROR})
            return
        self.entry['auth'] = 'metadata'
        self._send(200, auth.issue_temporary_credentials(), fault=fault)

    def _token(self, body):
        fault = self._apply_faults('iam')
        if fault is True:
            return
        try:
            request = json.loads(body or b'null')
            token, answer = self.state.auth.issue_token(request)
        except ValueError:
            self._send(400, {'error': {'code': 400, 'message': 'The request body is not JSON.', 'title': 'Bad Request'}})
            return
        except AuthError as exc:
            self._send(exc.status, {'error': {'code': exc.status, 'message': exc.message,
                                              'title': 'Unauthorized', 'error_code': exc.code}})
            return
        self.entry['auth'] = 'password'
        self._send(201, answer, {'X-Subject-Token': token}, fault=fault)

    def _gate(self, parts, match, body):
        """Faults, authentication and the project check every API route shares.

        Returns True when the request has been answered, else the body fault (or None).
        """
        instance_id, project_id = match.groupdict().get('instance'), match.group('project')  # jobs: no instance
        fault = self._apply_faults('api', instance_id)
        if fault is True:
            return True
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            method, projects = self.state.auth.authenticate(self.command, parts.path, parts.query, headers, body)
        except AuthError as exc:
            self.entry['auth'] = 'rejected'
            self._error(exc.status, exc.code, exc.message)
            return True
        self.entry['auth'] = method
        if project_id not in projects or headers.get('x-project-id', project_id) != project_id:
            self._error(403, 'APIGW.0302', 'The IAM user is not authorized to access project %s.' % project_id)
            return True
        return fault

    def _starrocks_instance(self, parts, match, body):
        """The gate's checks, then the StarRocks instance of the path: (instance, body fault), or None once answered."""
        instance_id, project_id = match.group('instance'), match.group('project')
        fault = self._gate(parts, match, body)
        if fault is True:
            return None
        instance = self.state.world.instances.get(instance_id)
        if instance is None or instance['project_id'] != project_id:
            self._error(400, 'DBS.200022', 'Instance not found.')
            return None
        return instance, fault

    def _api(self, parts, match, body):
        state = self.state
        instance_id = match.group('instance')
        found = self._starrocks_instance(parts, match, body)
        if found is None:
            return
        instance, fault = found
        query = parse_qs(parts.query, keep_blank_values=True)
        try:
            limit = _int_param(query, 'limit', 100, 1, 100)
            offset = _int_param(query, 'offset', 0, 0, None)
        except ValueError as exc:
            self._error(400, 'DBS.200001', 'Invalid parameter: %s' % exc)
            return
        state.writes.settle()  # jobs that completed by the clock show first
        items = state.world.listing(instance_id, state.seconds())  # counts the request
        page_size = int(instance.get('page_size', state.scenario['page_size']))
        total = len(items)
        if fault and fault['kind'] == 'total_drift':
            total += int(fault.get('delta', 1))
        loose = bool(instance.get('loose_types', state.scenario['loose_types']))
        answer = {'total_count': total if loose else str(total),
                  'replications': items[offset:offset + min(limit, page_size)],
                  'ext_text': instance.get('ext_text', state.scenario.get('ext_text'))}
        self._send(200, answer, fault=fault)

    def _replication_config(self, parts, match, body):
        """ListStarRocksDataReplicationConfig: one task's configuration and prerequisite checks."""
        state = self.state
        instance_id = match.group('instance')
        found = self._starrocks_instance(parts, match, body)
        if found is None:
            return
        _instance, fault = found
        task_name = (parse_qs(parts.query, keep_blank_values=True).get('task_name') or [''])[-1]
        if not task_name:
            self._error(400, 'DBS.200001', 'Invalid parameter: task_name is required')
            return
        state.writes.settle()
        config = state.world.replication_config(instance_id, task_name, state.seconds())
        if config is None:
            self._error(400, *TASK_NOT_FOUND)
            return
        self._send(200, config, fault=fault)

    def _htap_instances(self, parts, match, body):
        """ListHtapInstanceInfo: the HTAP (StarRocks) instances of a TaurusDB instance."""
        state = self.state
        instance_id, project_id = match.group('instance'), match.group('project')
        fault = self._gate(parts, match, body)
        if fault is True:
            return
        taurus = state.world.taurusdb.get(instance_id)
        if taurus is None or taurus['project_id'] != project_id:
            self._error(400, 'DBS.200022', 'Instance not found.')
            return
        answer = state.world.htap_instances(instance_id, state.seconds())
        if fault and fault['kind'] == 'total_drift':
            answer['total'] += int(fault.get('delta', 1))
        self._send(200, answer, fault=fault)

    def _control(self, method, path, body):
        state = self.state
        if path == '/__sim__/stats' and method == 'GET':
            self._send(200, state.stats_snapshot())
        elif path == '/__sim__/health' and method == 'GET':
            self._send(200, {'status': 'ok', 'scenario': state.scenario['name']})
        elif path == '/__sim__/reset' and method == 'POST':
            state.reset()
            self._send(200, {'status': 'reset', 'scenario': state.scenario['name']})
        elif path == '/__sim__/scenario' and method == 'POST':
            try:
                request = yaml.safe_load(body) or {}
                state.load(request.get('scenario') or request['name'])
            except (KeyError, ValueError, yaml.YAMLError, AttributeError) as exc:
                self._send(400, {'error': str(exc)})
                return
            self._send(200, {'status': 'loaded', 'scenario': state.scenario['name']})
        elif path == '/__sim__/task' and method == 'POST':
            try:
                request = json.loads(body or b'{}')
            except ValueError:
                self._send(400, {'error': 'the body is not JSON'})
                return
            try:
                task = state.world.change_task(request)
            except KeyError as exc:  # no such instance or task
                self._send(404, {'error': exc.args[0]})
                return
            except ScenarioError as exc:  # a bad request (before ValueError: it is one)
                self._send(400, {'error': str(exc)})
                return
            except ValueError as exc:  # adding a task that exists
                self._send(409, {'error': str(exc)})
                return
            self._send(200, {'status': 'deleted' if task is None else 'changed', 'task': task})
        elif path == '/__sim__/heartbeat' and method in ('GET', 'POST'):
            self._send(*heartbeat_control(state.heartbeat, method, body))
        elif path == '/__sim__/writes' and method in ('GET', 'POST'):
            self._send(*writes_control(state.writes, method, body))
        elif path == '/__sim__/stop' and method == 'POST':
            self._send(200, {'status': 'stopping'})
            state.stop_requested.set()
        elif path == '/__sim__/clock' and method == 'POST':
            request = json.loads(body or b'{}')
            state.clock_offset += float(request.get('advance', 0))
            self._send(200, {'clock_offset': state.clock_offset})
        else:
            self._send(404, {'error': 'unknown control endpoint'})


def _int_param(query, name, default, low, high):
    values = query.get(name)
    if not values:
        return default
    text = values[-1]
    if not re.match(r'^\d+$', text):
        raise ValueError('%s must be a non-negative integer, got %r' % (name, text))
    value = int(text)
    if value < low or (high is not None and value > high):
        raise ValueError('%s must be between %s and %s, got %s' % (name, low, high if high is not None else 'inf', value))
    return value


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's default of 5 drops bursts of concurrent connections

    def __init__(self, address, state, ssl_context=None, verbose=False):
        self.address_family = socket.AF_INET6 if ':' in address[0] else socket.AF_INET
        super().__init__(address, Handler)
        self.state = state
        self.verbose = verbose
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class Simulator:
    """The simulator in a background thread: ``with Simulator('healthy') as sim: sim.url``."""

    def __init__(self, scenario='healthy', host='127.0.0.1', port=0, tls=False, seed=None,
                 verbose=False, cert_dir=None, client_certs=False, heartbeat=None):
        """``client_certs``: mutual TLS (implies ``tls``) - a client must show a certificate of this run's CA;
        ``client_cert_path`` and ``client_key_path`` are one. ``heartbeat``: copy the heartbeat table
        (``{'source': {...}, 'target': {...}, 'table': ...}``, see docs/simulator.md; needs PyMySQL)."""
        self.state = SimState(scenario, seed)
        if heartbeat:
            self.state.heartbeat = Copier(heartbeat, self.state)
        self.tls = tls or client_certs
        self.client_certs = client_certs
        self.ca_path = self.client_cert_path = self.client_key_path = None
        context = self._tls_context(host, cert_dir) if self.tls else None
        self.server = SimServer((host, port), self.state, context, verbose)
        self.thread = None

    def _tls_context(self, host, cert_dir):
        import trustme  # pylint: disable=import-outside-toplevel
        ca = trustme.CA()
        names = sorted({host, '127.0.0.1', 'localhost', '::1'})
        cert = ca.issue_cert(*names)
        self._tmp = None
        if cert_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix='htapsim-')
            cert_dir = self._tmp.name
        self.ca_path = os.path.join(cert_dir, 'htapsim-ca.pem')
        ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        if self.client_certs:
            client = ca.issue_cert('htapsim-client.example')
            self.client_cert_path = os.path.join(cert_dir, 'htapsim-client.pem')
            self.client_key_path = os.path.join(cert_dir, 'htapsim-client-key.pem')
            client.cert_chain_pems[0].write_to_path(self.client_cert_path)
            client.private_key_pem.write_to_path(self.client_key_path)
            os.chmod(self.client_key_path, 0o600)
            context.verify_mode = ssl.CERT_REQUIRED
            ca.configure_trust(context)
        return context

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        if ':' in host:
            host = '[%s]' % host
        return '%s://%s:%d' % ('https' if self.tls else 'http', host, port)

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05},
                                       name='htapsim', daemon=True)
        self.thread.start()
        if self.state.heartbeat is not None:
            self.state.heartbeat.start()
        return self

    def stop(self):
        if self.state.heartbeat is not None:
            self.state.heartbeat.stop()
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join(5)
        if getattr(self, '_tmp', None):
            self._tmp.cleanup()

    def stats(self):
        return self.state.stats_snapshot()

    def reset(self):
        self.state.reset()

    def load(self, scenario):
        self.state.load(scenario)

    def change_task(self, instance_id, task_name, **request):
        """As POST /__sim__/task: ``sim.change_task(INSTANCE, 'orders_db', set={'status': 'No'})``."""
        return self.state.world.change_task(dict(request, instance_id=instance_id, task_name=task_name))

    def heartbeat_lag(self, lag):
        """As POST /__sim__/heartbeat: the copier's lag from now on (seconds, 'stopped', or None: the scenario's)."""
        self.state.heartbeat.set_lag(lag)

    def write_failures(self, *failures):
        """As POST /__sim__/writes: ``sim.write_failures({'route': 'create', 'fail_job': 'no space left'})``."""
        self.state.writes.add_failures(list(failures))

    def advance_clock(self, seconds):
        self.state.clock_offset += seconds

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
