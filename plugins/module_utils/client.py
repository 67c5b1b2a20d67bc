# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP client for the TaurusDB API: endpoints, credentials, signing, retries and errors.

Every failure becomes an ``ApiError`` that names the HTTP status, error code, message,
request id and a hint; secrets never appear in it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import json
import os
import re
import socket
import stat
import threading
import time
import traceback

from ansible.module_utils.six.moves import configparser
from ansible.module_utils.six.moves.urllib.parse import quote, quote_plus, urlsplit

from ansible_collections.taurusdb.htap.plugins.module_utils import signer
from ansible_collections.taurusdb.htap.plugins.module_utils.options import OptionError, PROJECT_ID_RE, clean_credentials

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import InvalidHeader, MaxRetryError
    from urllib3.util.retry import Retry
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

ENDPOINT_SUFFIX = 'myhuaweicloud.com'
SERVICE_HOSTS = {
    'gaussdb': ['cn-north-4', 'cn-southwest-2', 'cn-east-3', 'cn-south-1', 'ru-northwest-2', 'ap-southeast-3',
                'cn-north-2', 'cn-north-9', 'ap-southeast-4', 'sa-brazil-1', 'cn-south-4'],
    'gaussdbformysql': ['tr-west-1', 'ap-southeast-1', 'ap-southeast-2', 'cn-north-11', 'me-east-1'],
    'gaussdb-mysql': ['af-south-1', 'cn-east-5', 'la-north-2', 'cn-southwest-3'],
}
REGION_SERVICE = dict((region, service) for service, regions in SERVICE_HOSTS.items() for region in regions)
RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
REDACTED = '********'
USER_AGENT = 'taurusdb.htap-ansible/0.1'
# A page of 100 tasks is about 30 KB; anything near this is not an answer but an attack or a fault.
MAX_BODY_BYTES = 8 * 1024 * 1024
# How much of a broken body an error quotes (after secrets are scrubbed from all of it).
BODY_EXCERPT = 120
SIGNATURE_RE = re.compile(r'(Signature=)[0-9A-Fa-f]+')
CONTROL_CHARS_RE = re.compile(r'[\x00-\x20\x7f]')


class ApiError(Exception):
    """A failed API call, with everything a user needs to act on it."""

    FIELDS = ('message', 'error_code', 'error_msg', 'request_id', 'hint', 'url')

    def __init__(self, message, status=None, error_code=None, error_msg=None, request_id=None,
                 hint=None, attempts=None, url=None, retryable=False):
        super(ApiError, self).__init__(message)
        self.retryable = retryable
        self.message = message
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.hint = hint
        self.attempts = attempts
        self.url = url

    def scrubbed(self, scrubber):
        """This error with every text field scrubbed of secrets (a server may echo them anywhere)."""
        for name in self.FIELDS:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, scrubber.text(value if isinstance(value, str) else str(value)))
        self.args = (self.message,)
        return self

    def __str__(self):
        text = self.message
        if self.status is not None:
            text += ': HTTP %s' % self.status
            if self.error_code and self.error_code != str(self.status):
                text += ' %s' % self.error_code
            if self.error_msg:
                text += ' "%s"' % self.error_msg
        details = []
        if self.request_id:
            details.append('request id %s' % self.request_id)
        if self.attempts and self.attempts > 1:
            details.append('after %d attempts' % self.attempts)
        if details:
            text += ' (%s)' % ', '.join(details)
        text += '.'
        return text + (' ' + self.hint if self.hint else '')

    def to_result(self):
        return {'msg': str(self), 'status': self.status, 'error_code': self.error_code,
                'error_msg': self.error_msg, 'request_id': self.request_id, 'hint': self.hint,
                'attempts': self.attempts, 'url': self.url}


class Scrubber(object):
    """Removes secrets from text and data, in every form a server or library may print them:
    as given, repr-escaped, JSON-escaped and URL-encoded; and request signatures."""

    MIN_LENGTH = 4  # shorter values are too common in ordinary text to replace safely

    def __init__(self, secrets=()):
        self._variants = set()
        self._signatures = collections.deque(maxlen=64)  # the latest ones sent; each is valid 15 minutes
        self._lock = threading.Lock()
        for secret in secrets:
            self.add(secret)

    def add(self, secret):
        if not isinstance(secret, str) or len(secret.strip()) < self.MIN_LENGTH:
            return
        forms = set([secret, secret.strip(), repr(secret)[1:-1], repr(secret.encode('utf-8'))[2:-1],
                     json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                     quote(secret, safe=''), quote_plus(secret), quote(secret)])
        with self._lock:
            self._variants.update(form for form in forms if len(form) >= self.MIN_LENGTH)

    def add_signature(self, signature):
        with self._lock:
            self._signatures.append(signature)

    def text(self, text):
        if not isinstance(text, str):
            return text
        with self._lock:
            variants = sorted(self._variants, key=len, reverse=True) + list(self._signatures)
        for variant in variants:
            if variant in text:
                text = text.replace(variant, REDACTED)
        return SIGNATURE_RE.sub(r'\1' + REDACTED, text)

    def data(self, value):
        """A copy of JSON-like data with every string (keys too) scrubbed; cheap when nothing leaks."""
        if not self._leaks(value):
            return value
        return self._walk(value)

    def _leaks(self, value):
        blob = json.dumps(value, default=str, ensure_ascii=False)
        with self._lock:
            variants = list(self._variants) + list(self._signatures)
        return 'Signature=' in blob or any(variant in blob or json.dumps(variant)[1:-1] in blob
                                           for variant in variants)

    def _walk(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return dict((self._walk(key), self._walk(item)) for key, item in value.items())
        if isinstance(value, (list, tuple)):
            return [self._walk(item) for item in value]
        return value


# --- endpoints -----------------------------------------------------------------------------
def _check_url(url, what):
    """An endpoint is scheme://host[:port] and nothing else: a user:password@ part would replace the
    signature with Basic auth, and a path, query or fragment would not be the one signed."""
    url = url.strip() if isinstance(url, str) else url
    if not isinstance(url, str) or CONTROL_CHARS_RE.search(url):
        raise OptionError('%s must be an http(s) URL such as https://host[:port] without spaces or line breaks'
                          % what)
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise OptionError('%s must be an http(s) URL such as https://host[:port], got %r' % (what, url))
    if '@' in parts.netloc:
        raise OptionError('%s must not hold a user name or password (user:password@host); credentials go in their '
                          'own options' % what)
    if parts.path not in ('', '/') or parts.query or parts.fragment or url.endswith(('?', '#')):
        raise OptionError('%s must be scheme://host[:port] only, without a path, query or fragment, got %r'
                          % (what, url))
    try:
        parts.port
    except ValueError:
        raise OptionError('%s has an invalid port: %r' % (what, url))
    return url.rstrip('/')


def resolve_endpoint(region=None, endpoint=None, environ=None):
    """An explicit endpoint wins; then the SDK's per-region override; then the region table."""
    environ = os.environ if environ is None else environ
    if endpoint:
        return _check_url(endpoint, 'endpoint')
    if not region:
        raise OptionError('set region (for example cn-north-4) or endpoint (environment: '
                          'TAURUSDB_REGION or TAURUSDB_ENDPOINT)')
    override_name = 'HUAWEICLOUD_SDK_REGION_GAUSSDB_%s' % region.upper().replace('-', '_')
    override = environ.get(override_name)
    if override:
        # The SDK accepts a comma-separated list; the first one is used here.
        return _check_url(override.split(',')[0].strip(), override_name)
    service = REGION_SERVICE.get(region)
    if service is None:
        raise OptionError('unknown region %r; known regions: %s (or set endpoint, or %s)'
                          % (region, ', '.join(sorted(REGION_SERVICE)), override_name))
    return 'https://%s.%s.%s' % (service, region, ENDPOINT_SUFFIX)


def resolve_iam_endpoint(region=None, iam_endpoint=None):
    if iam_endpoint:
        return _check_url(iam_endpoint, 'iam_endpoint')
    if not region:
        raise OptionError('IAM password authentication needs region or iam_endpoint')
    return 'https://iam.%s.%s' % (region, ENDPOINT_SUFFIX)


# --- credentials ---------------------------------------------------------------------------
def read_credentials_file(path, warn=None):
    """The SDK's credentials file: INI, section [basic], keys ak, sk, project_id, security_token.

    Read raw (a secret key may hold '%'), as UTF-8; a file others can read is used with a warning.
    """
    parser = configparser.RawConfigParser()
    try:
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8')
        mode = os.stat(path).st_mode
    except (IOError, OSError) as exc:
        raise OptionError('cannot read credentials file %s: %s' % (path, exc.strerror or type(exc).__name__))
    except UnicodeDecodeError:
        raise OptionError('credentials file %s is not UTF-8 text' % path)
    try:
        parser.read_string(text)
    except configparser.Error:
        raise OptionError('credentials file %s is not a valid INI file with a [basic] section' % path)
    if not parser.has_section('basic'):
        raise OptionError('credentials file %s has no [basic] section' % path)
    if warn and mode & (stat.S_IRWXG | stat.S_IRWXO):
        warn('credentials file %s can be read by other users (mode %s); restrict it with chmod 600'
             % (path, oct(stat.S_IMODE(mode))))
    return dict((key, parser.get('basic', key)) for key in ('ak', 'sk', 'project_id', 'security_token')
                if parser.has_option('basic', key) and parser.get('basic', key))


def resolve_auth(params, environ=None, warn=None):
    """Pick exactly one auth method: 'aksk', 'token' or 'password'; fail clearly otherwise.

    Returns a dict with 'method', the matching secrets and 'project_id'.
    """
    environ = os.environ if environ is None else environ
    has_aksk = bool(params.get('access_key') or params.get('secret_key'))
    has_token = bool(params.get('auth_token'))
    has_password = bool(params.get('iam_user') or params.get('iam_password'))
    chosen = [name for name, flag in (('access_key/secret_key', has_aksk), ('auth_token', has_token),
                                      ('iam_user/iam_password', has_password)) if flag]
    if len(chosen) > 1:
        raise OptionError('conflicting credentials: %s are all set (possibly from HUAWEICLOUD_SDK_* or '
                          'CLOUD_SDK_* environment variables); set only one auth method' % ' and '.join(chosen))
    project_id = params.get('project_id')
    auth = {'project_id': project_id}
    if not chosen:
        path = params.get('credentials_file') or os.path.expanduser('~/.huaweicloud/credentials')
        if not params.get('credentials_file') and not os.path.exists(path):
            raise OptionError('no credentials: set access_key and secret_key (or HUAWEICLOUD_SDK_AK and '
                              'HUAWEICLOUD_SDK_SK), auth_token, iam_user and iam_password, or a credentials '
                              'file (~/.huaweicloud/credentials or HUAWEICLOUD_SDK_CREDENTIALS_FILE)')
        found = read_credentials_file(path, warn)
        if not found.get('ak') or not found.get('sk'):
            raise OptionError('credentials file %s must set both ak and sk in [basic]' % path)
        auth.update(method='aksk', access_key=found['ak'], secret_key=found['sk'],
                    security_token=params.get('security_token') or found.get('security_token'),
                    project_id=project_id or found.get('project_id'))
    elif has_aksk:
        missing = [name for name, env in (('access_key', 'HUAWEICLOUD_SDK_AK'), ('secret_key', 'HUAWEICLOUD_SDK_SK'))
                   if not params.get(name)]
        if missing:
            raise OptionError('%s is missing: AK/SK authentication needs both access_key and secret_key '
                              '(environment: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK)' % missing[0])
        auth.update(method='aksk', access_key=params['access_key'], secret_key=params['secret_key'],
                    security_token=params.get('security_token'))
    elif has_token:
        auth.update(method='token', auth_token=params['auth_token'])
    else:
        missing = [name for name in ('iam_user', 'iam_password', 'iam_domain') if not params.get(name)]
        if missing:
            raise OptionError('IAM password authentication needs iam_user, iam_password and iam_domain; '
                              'missing: %s' % ', '.join(missing))
        auth.update(method='password', iam_user=params['iam_user'], iam_password=params['iam_password'],
                    iam_domain=params['iam_domain'],
                    iam_endpoint=resolve_iam_endpoint(params.get('region'), params.get('iam_endpoint')),
                    region=params.get('region'))
    clean_credentials(auth)
    if auth['method'] != 'password' and not auth.get('project_id'):
        raise OptionError('project_id is required (or HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the '
                          'credentials file)')
    if auth.get('project_id') and not PROJECT_ID_RE.match(auth['project_id']):
        raise OptionError('project_id must be 32 letters or digits')
    return auth


SECRET_OPTIONS = ('secret_key', 'security_token', 'auth_token', 'iam_password')


def secrets_of(params):
    return [value for value in (params.get(name) for name in SECRET_OPTIONS) if isinstance(value, str) and value]


# --- error bodies --------------------------------------------------------------------------
def parse_error_body(payload):
    """(error_code, error_msg) from any error shape the SDK accepts, plus IAM's nested one."""
    if not isinstance(payload, dict):
        return None, None
    nested = payload.get('error')
    if isinstance(nested, dict):
        # IAM: {"error": {"code": 401, "title": "Unauthorized", "message": ...}}; the numeric code is the status
        return _as_text(nested.get('error_code') or nested.get('title')), _as_text(nested.get('message'))
    for code_key, msg_key in (('error_code', 'error_msg'), ('errorCode', 'errorMsg'), ('code', 'message')):
        if payload.get(code_key) or payload.get(msg_key):
            return _as_text(payload.get(code_key)), _as_text(payload.get(msg_key))
    return None, None


def _as_text(value):
    """A server may send any JSON where text belongs; show it as text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def hint_for(status, error_code):
    code = error_code if isinstance(error_code, str) else ''
    if status in (401, 403) and not code.startswith('DBS'):
        if status == 401:
            return ('The credentials were rejected: check access_key/secret_key (and security_token for '
                    'temporary credentials), the token or IAM password, and that this host\'s clock is '
                    'within 15 minutes of UTC.')
        return ('The credentials are not allowed here: check project_id and that the user has the IAM '
                'permission gaussdbformysql:htapInstance:getReplication.')
    if code == 'DBS.200022':
        return 'Check instance_id and that the instance is in this project and region.'
    if status == 429:
        return 'The API is throttling requests: raise retries or retry_max_time, or lower page_concurrency.'
    if status is not None and status >= 500:
        return 'The service failed on its side; retry later.'
    if status == 400:
        return 'The request was refused as invalid; check the options given.'
    return None


# --- transport: one attempt, bounded in time and size ------------------------------------
_ATTEMPT = threading.local()


class AttemptTimedOut(requests.exceptions.Timeout if HAS_REQUESTS else Exception):
    """An attempt (connect, headers and body) took longer than connect_timeout + read_timeout."""


class BodyTooLarge(Exception):
    pass


class _AttemptWatch(object):
    """Bounds one attempt's whole time. Per-read timeouts let a server that sends a byte now and
    then hold a request for ever; when this watch runs out it shuts the attempt's socket down,
    which ends whatever read is under way."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self.connection = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        _ATTEMPT.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        _ATTEMPT.watch = None

    def _expire(self):
        self.expired = True
        self.cut()

    def cut(self):
        sock = getattr(self.connection, 'sock', None)
        if sock is not None:
            try:
                # the plain socket's shutdown: ssl.SSLSocket.shutdown would pull its state from under the reader
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except (OSError, TypeError, ValueError):
                pass


def _watched(connection_class):
    """A urllib3 connection class that tells the current attempt's watch which socket it uses."""

    class WatchedConnection(connection_class):
        def connect(self):
            super(WatchedConnection, self).connect()
            watch = getattr(_ATTEMPT, 'watch', None)
            if watch is not None:
                watch.connection = self
                if watch.expired:  # it ran out while connecting
                    watch.cut()

        def request(self, *args, **kwargs):
            watch = getattr(_ATTEMPT, 'watch', None)
            if watch is not None:
                watch.connection = self
            return super(WatchedConnection, self).request(*args, **kwargs)

    return WatchedConnection


if HAS_REQUESTS:
    class _WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = _watched(HTTPConnection)

    class _WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = _watched(HTTPSConnection)

    class WatchedAdapter(HTTPAdapter):
        """requests' adapter with connections an attempt watch can cut."""

        POOLS = {'http': _WatchedHTTPPool, 'https': _WatchedHTTPSPool}

        def init_poolmanager(self, *args, **kwargs):
            super(WatchedAdapter, self).init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = self.POOLS

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            manager = super(WatchedAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
            if not proxy.lower().startswith('socks'):
                manager.pool_classes_by_scheme = self.POOLS
            return manager


def _no_netrc(request):
    """Session auth that adds nothing: without it, requests sends ~/.netrc credentials as Basic auth."""
    return request


def read_body(response, limit=MAX_BODY_BYTES):
    """The decoded body, refusing more than ``limit`` bytes (a compressed bomb is stopped early)."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b''.join(chunks)


# --- the client ----------------------------------------------------------------------------
NOT_TRANSIENT = (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader, requests.exceptions.MissingSchema,
                 requests.exceptions.InvalidSchema, requests.exceptions.URLRequired) if HAS_REQUESTS else ()


class Client(object):
    """One configured connection: endpoint, auth, session and retry policy.

    ``deadline`` (a time.monotonic() value) bounds every attempt and retry, for callers that wait.
    """

    sleep = staticmethod(time.sleep)  # replaceable in tests to record waits

    def __init__(self, params, environ=None, scrubber=None, deadline=None):
        self.warnings = []
        self.scrubber = scrubber if scrubber is not None else Scrubber()
        for secret in secrets_of(params):
            self.scrubber.add(secret)
        self.endpoint = resolve_endpoint(params.get('region'), params.get('endpoint'), environ)
        self.auth = resolve_auth(params, environ, self.warnings.append)
        for secret in secrets_of(self.auth):
            self.scrubber.add(secret)
        self.project_id = self.auth.get('project_id')
        self.connect_timeout = params.get('connect_timeout') or 10.0
        self.read_timeout = params.get('read_timeout') or 30.0
        self.deadline = deadline
        self.retries = params.get('retries', 5)
        self.retry_max_time = params.get('retry_max_time', 120.0)
        self.retry_backoff = params.get('retry_backoff', 0.5)
        self.language = params.get('language') or 'en-us'
        verify = params.get('validate_certs', True)
        self.verify = (params.get('ca_path') or True) if verify else False
        pool = max(4, params.get('page_concurrency') or 4)
        self.session = requests.Session()
        self.session.auth = _no_netrc
        adapter = WatchedAdapter(pool_connections=2, pool_maxsize=pool, max_retries=0)
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)
        self._token = None
        self._token_lock = threading.Lock()

    def close(self):
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- auth --------------------------------------------------------------------------------
    def _auth_headers(self, method, path, query, headers):
        auth = self.auth
        if auth['method'] == 'aksk':
            headers['X-Project-Id'] = self.project_id
            if auth.get('security_token'):
                headers['X-Security-Token'] = auth['security_token']
            headers['X-Sdk-Date'] = time.strftime(signer.DATE_FORMAT, time.gmtime())
            headers['Authorization'] = signer.authorization(
                auth['access_key'], auth['secret_key'], method, path, query, headers)
            self.scrubber.add_signature(headers['Authorization'].rsplit('Signature=', 1)[-1])
        elif auth['method'] == 'token':
            headers['X-Auth-Token'] = auth['auth_token']
        else:
            headers['X-Auth-Token'] = self.iam_token()
        return headers

    def iam_token(self, refresh=False):
        """Exchange the IAM user's password for a token once per client (thread-safe)."""
        with self._token_lock:
            if self._token is None or refresh:
                self._token = self._fetch_token()
            return self._token

    def _fetch_token(self):
        auth = self.auth
        scope = {'id': self.project_id} if self.project_id else {'name': auth.get('region')}
        if not self.project_id and not auth.get('region'):
            raise OptionError('IAM password authentication needs project_id or region (to scope the token)')
        body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
            'name': auth['iam_user'], 'password': auth['iam_password'], 'domain': {'name': auth['iam_domain']}}}},
            'scope': {'project': scope}}}
        response, payload = self._call('POST', auth['iam_endpoint'], '/v3/auth/tokens', (), json.dumps(body),
                                       signed=False, what='Getting an IAM token')
        token = response.headers.get('X-Subject-Token')
        if not token or CONTROL_CHARS_RE.search(token):
            raise ApiError('Getting an IAM token failed: the answer has no usable X-Subject-Token header',
                           status=response.status_code, request_id=response.headers.get('X-Request-Id'))
        self.scrubber.add(token)
        if not self.project_id:
            try:
                project_id = payload['token']['project']['id']
            except (KeyError, TypeError):
                raise ApiError('Getting an IAM token failed: the answer names no project; set project_id')
            if not isinstance(project_id, str) or not PROJECT_ID_RE.match(project_id):
                raise ApiError('Getting an IAM token failed: the project id in the answer is not 32 letters or '
                               'digits; set project_id', request_id=response.headers.get('X-Request-Id'))
            self.project_id = project_id
        return token

    def api_project_id(self):
        """The project to put in API paths; for IAM password auth it may come from the token."""
        if self.project_id is None and self.auth['method'] == 'password':
            self.iam_token()
        return self.project_id

    # --- requests ----------------------------------------------------------------------------
    def get_json(self, path, query, what):
        """GET a signed API path; returns (decoded JSON, request id)."""
        try:
            response, payload = self._call('GET', self.endpoint, path, query, None, signed=True, what=what)
        except ApiError as exc:
            if self.auth['method'] == 'password' and exc.status == 401 and exc.error_code == 'APIGW.0307':
                self.iam_token(refresh=True)  # the cached token expired: get a new one, once
                response, payload = self._call('GET', self.endpoint, path, query, None, signed=True, what=what)
            else:
                raise
        return payload, response.headers.get('X-Request-Id')

    def _retry_policy(self):
        kwargs = dict(total=self.retries, connect=None, read=None, status=None, other=None,
                      backoff_factor=self.retry_backoff, raise_on_status=False,
                      status_forcelist=RETRY_STATUSES, respect_retry_after_header=True)
        try:
            return Retry(backoff_jitter=self.retry_backoff, **kwargs)
        except TypeError:  # urllib3 < 2 has no jitter
            return Retry(**kwargs)

    def _attempt_limit(self):
        limit = self.connect_timeout + self.read_timeout
        if self.deadline is not None:
            limit = min(limit, self.deadline - time.monotonic())
        return limit

    def _send(self, method, base, path, query, body, signed):
        """One attempt; returns (response, body bytes). Bounded by connect_timeout + read_timeout
        (and the deadline) as a whole, and by MAX_BODY_BYTES."""
        headers = {'Content-Type': 'application/json', 'X-Language': self.language,
                   'Host': urlsplit(base).netloc, 'User-Agent': USER_AGENT}
        if signed:
            self._auth_headers(method, path, query, headers)
        url = base + path + ('?' + signer.canonical_query(query) if query else '')
        limit = self._attempt_limit()
        if limit <= 0:
            raise AttemptTimedOut('no time is left before the deadline')
        with _AttemptWatch(limit) as watch:
            try:
                response = self.session.request(
                    method, url, headers=headers, data=body, verify=self.verify, allow_redirects=False, stream=True,
                    timeout=(min(self.connect_timeout, limit), min(self.read_timeout, limit)))
                try:
                    content = read_body(response)
                finally:
                    response.close()
            except requests.exceptions.RequestException:
                if watch.expired:
                    raise AttemptTimedOut('the answer took longer than %g s' % limit)
                raise
            if watch.expired:  # a body cut short by the watch
                raise AttemptTimedOut('the answer took longer than %g s' % limit)
        return response, content

    def _call(self, method, base, path, query, body, signed, what):
        """One logical call; every error it raises is scrubbed of secrets."""
        try:
            return self._call_with_retries(method, base, path, query, body, signed, what)
        except ApiError as exc:
            raise exc.scrubbed(self.scrubber)

    def _call_with_retries(self, method, base, path, query, body, signed, what):
        """Retries 429/5xx, network errors and broken 2xx bodies, bounded by ``retries`` and by
        ``retry_max_time`` from the start of the call: no attempt starts after it, so the call
        takes at most retry_max_time plus one attempt."""
        retry = self._retry_policy()
        url = base + path
        deadline = time.monotonic() + self.retry_max_time
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        attempts = 0
        while True:
            attempts += 1
            response = error = None
            try:
                response, content = self._send(method, base, path, query, body, signed)
                if response.status_code not in RETRY_STATUSES:
                    return response, self._decode(response, content, what, attempts, url)
            except NOT_TRANSIENT as exc:
                raise ApiError('%s failed: the request could not be made (%s)' % (what, _root_cause(exc)),
                               hint='Check endpoint, region and the credentials for unusual characters.',
                               attempts=attempts, url=url)
            except BodyTooLarge:
                raise ApiError('%s failed: the answer is larger than %d bytes (decoded); refused'
                               % (what, MAX_BODY_BYTES), status=response.status_code if response is not None else None,
                               hint='The service sent an answer far larger than any listing page; report it.',
                               attempts=attempts, url=url)
            except requests.exceptions.RequestException as exc:
                error = exc
            except ApiError as exc:
                if not exc.retryable:
                    raise
                error = exc
            try:
                retry = retry.increment(method, url, response=response.raw if response is not None else None,
                                        error=error)
            except MaxRetryError:
                break
            wait = self._planned_wait(retry, response)
            if time.monotonic() + wait >= deadline:
                break
            self.sleep(wait)
        if isinstance(error, ApiError):
            error.attempts = attempts
            raise error
        if error is not None:
            raise self._network_error(error, what, attempts, url)
        return response, self._decode(response, content, what, attempts, url)

    @staticmethod
    def _planned_wait(retry, response):
        if response is not None:
            try:
                after = retry.get_retry_after(response.raw)
            except InvalidHeader:  # an unparsable Retry-After falls back to backoff
                after = None
            if after is not None:
                return after
        return retry.get_backoff_time()

    def _network_error(self, error, what, attempts, url):
        if isinstance(error, AttemptTimedOut):
            hint = ('The endpoint answered too slowly: each attempt may take connect_timeout + read_timeout in all; '
                    'raise them or check the network.')
            kind = 'timed out'
        elif isinstance(error, requests.exceptions.SSLError):
            hint = ('TLS certificate verification failed: set ca_path to the CA bundle that signed the '
                    'endpoint\'s certificate (validate_certs=false turns checking off, not recommended).')
            kind = 'TLS error'
        elif isinstance(error, requests.exceptions.Timeout):
            hint = 'The endpoint did not answer in time: raise read_timeout/connect_timeout or check the network.'
            kind = 'timed out'
        elif isinstance(error, requests.exceptions.ProxyError):
            hint = 'Check the proxy settings (HTTPS_PROXY, NO_PROXY).'
            kind = 'proxy error'
        else:
            hint = 'Check endpoint/region, DNS, network and proxy settings (HTTPS_PROXY, NO_PROXY).'
            kind = 'connection failed'
        reason = error if isinstance(error, AttemptTimedOut) else _root_cause(error)
        return ApiError('%s failed: %s (%s)' % (what, kind, reason), hint=hint, attempts=attempts, url=url)

    def _decode(self, response, content, what, attempts, url):
        request_id = response.headers.get('X-Request-Id')
        content_type = response.headers.get('Content-Type', 'no content type')
        try:
            payload = json.loads(content.decode('utf-8')) if content.strip() else None
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deeply to decode
            payload = ValueError
        if 200 <= response.status_code < 300:
            if payload is ValueError or payload is None:
                raise ApiError('%s failed: the answer is not valid JSON (%s, %d bytes: %r)'
                               % (what, content_type, len(content), self._excerpt(content)),
                               status=response.status_code, request_id=request_id, attempts=attempts, url=url,
                               hint='The service sent a broken answer; retry later.', retryable=True)
            return payload
        code, message = parse_error_body(payload if payload is not ValueError else None)
        if payload is ValueError or payload is None:
            message = 'non-JSON answer (%s): %r' % (content_type, self._excerpt(content))
        raise ApiError('%s failed' % what, status=response.status_code, error_code=code,
                       error_msg=message, request_id=request_id, hint=hint_for(response.status_code, code),
                       attempts=attempts, url=url)

    def _excerpt(self, content):
        """The start of a body for an error message, scrubbed before it is cut (a cut secret would leak its prefix)."""
        return self.scrubber.text(content.decode('utf-8', 'replace'))[:BODY_EXCERPT]


def failure_result(exc, scrubber, what):
    """Any exception as a failure result, scrubbed: ours with all their fields, any other with its
    type and message (never a traceback)."""
    if isinstance(exc, (OptionError, ApiError)):
        result = exc.to_result()
    else:
        result = {'msg': '%s failed unexpectedly: %s: %s' % (what, type(exc).__name__, exc)}
    return scrubber.data(result)


def _root_cause(error):
    """The innermost reason of a requests/urllib3 exception, without the noise."""
    seen = error
    for _depth in range(6):
        args = getattr(seen, 'args', None) or (None,)
        nxt = getattr(seen, 'reason', None)
        if not isinstance(nxt, Exception):
            nxt = args[0] if isinstance(args[0], Exception) else None
        if nxt is None or nxt is seen:
            break
        seen = nxt
    return '%s: %s' % (type(seen).__name__, seen)
