# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP client for the TaurusDB API: endpoints, credentials, signing, retries and errors.

Every failure becomes an ``ApiError`` that names the HTTP status, error code, message,
request id and a hint; secrets never appear in it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import threading
import time
import traceback

from ansible.module_utils.six.moves import configparser
from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.taurusdb.htap.plugins.module_utils import signer
from ansible_collections.taurusdb.htap.plugins.module_utils.options import OptionError, PROJECT_ID_RE

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
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


class ApiError(Exception):
    """A failed API call, with everything a user needs to act on it."""

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

    def __str__(self):
        text = self.message
        if self.status is not None:
            text += ': HTTP %s' % self.status
            if self.error_code:
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


# --- endpoints -----------------------------------------------------------------------------
def _check_url(url, what):
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        raise OptionError('%s must be an http(s) URL such as https://host[:port], got %r' % (what, url))
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
def read_credentials_file(path):
    """The SDK's credentials file: INI, section [basic], keys ak, sk, project_id, security_token."""
    parser = configparser.ConfigParser()
    try:
        with open(path) as handle:
            parser.read_file(handle)
    except (IOError, OSError) as exc:
        raise OptionError('cannot read credentials file %s: %s' % (path, exc.strerror or exc))
    except configparser.Error:
        raise OptionError('credentials file %s is not a valid INI file with a [basic] section' % path)
    if not parser.has_section('basic'):
        raise OptionError('credentials file %s has no [basic] section' % path)
    return dict((key, parser.get('basic', key)) for key in ('ak', 'sk', 'project_id', 'security_token')
                if parser.has_option('basic', key) and parser.get('basic', key))


def resolve_auth(params, environ=None):
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
        found = read_credentials_file(path)
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
    if auth['method'] != 'password' and not auth.get('project_id'):
        raise OptionError('project_id is required (or HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the '
                          'credentials file)')
    if auth.get('project_id') and not PROJECT_ID_RE.match(auth['project_id']):
        raise OptionError('project_id must be 32 letters or digits')
    return auth


def secrets_of(params):
    return [value for value in (params.get(name) for name in ('secret_key', 'security_token', 'auth_token',
                                                              'iam_password')) if value]


def scrub(text, secrets):
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


# --- error bodies --------------------------------------------------------------------------
def parse_error_body(payload):
    """(error_code, error_msg) from any error shape the SDK accepts, plus IAM's nested one."""
    if not isinstance(payload, dict):
        return None, None
    nested = payload.get('error')
    if isinstance(nested, dict):
        return (nested.get('error_code') or (str(nested['code']) if 'code' in nested else None),
                nested.get('message'))
    for code_key, msg_key in (('error_code', 'error_msg'), ('errorCode', 'errorMsg'), ('code', 'message')):
        if payload.get(code_key) or payload.get(msg_key):
            return payload.get(code_key), payload.get(msg_key)
    return None, None


def hint_for(status, error_code):
    code = error_code or ''
    if status in (401, 403) and (code.startswith('APIGW') or code.startswith('IAM') or not code):
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


# --- the client ----------------------------------------------------------------------------
class Client(object):
    """One configured connection: endpoint, auth, session and retry policy."""

    sleep = staticmethod(time.sleep)  # replaceable in tests to record waits

    def __init__(self, params, environ=None):
        self.endpoint = resolve_endpoint(params.get('region'), params.get('endpoint'), environ)
        self.auth = resolve_auth(params, environ)
        self.secrets = secrets_of(params) + secrets_of(self.auth)
        self.project_id = self.auth.get('project_id')
        self.timeout = (params.get('connect_timeout') or 10.0, params.get('read_timeout') or 30.0)
        self.retries = params.get('retries', 5)
        self.retry_max_time = params.get('retry_max_time', 120.0)
        self.retry_backoff = params.get('retry_backoff', 0.5)
        self.language = params.get('language') or 'en-us'
        verify = params.get('validate_certs', True)
        self.verify = (params.get('ca_path') or True) if verify else False
        pool = max(4, params.get('page_concurrency') or 4)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool, max_retries=0)
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
        if not token:
            raise ApiError('Getting an IAM token failed: the answer has no X-Subject-Token header',
                           status=response.status_code, request_id=response.headers.get('X-Request-Id'))
        if not self.project_id:
            try:
                self.project_id = payload['token']['project']['id']
            except (KeyError, TypeError):
                raise ApiError('Getting an IAM token failed: the answer names no project; set project_id')
        self.secrets.append(token)
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

    def _send(self, method, base, path, query, body, signed):
        headers = {'Content-Type': 'application/json', 'X-Language': self.language,
                   'Host': urlsplit(base).netloc, 'User-Agent': USER_AGENT}
        if signed:
            self._auth_headers(method, path, query, headers)
        url = base + path + ('?' + signer.canonical_query(query) if query else '')
        response = self.session.request(method, url, headers=headers, data=body, timeout=self.timeout,
                                        verify=self.verify, allow_redirects=False)
        _body = response.content  # read it here: a slow or cut body is a failed attempt, retried
        return response

    def _call(self, method, base, path, query, body, signed, what):
        """One logical call with retries on 429/5xx, network errors and broken 2xx bodies,
        bounded by ``retries`` and by ``retry_max_time`` (counted from the first failure)."""
        retry = self._retry_policy()
        url = base + path
        deadline = None
        attempts = 0
        while True:
            attempts += 1
            response = error = None
            try:
                response = self._send(method, base, path, query, body, signed)
                if response.status_code not in RETRY_STATUSES:
                    return response, self._decode(response, what, attempts, url)
            except requests.exceptions.RequestException as exc:
                error = exc
            except ApiError as exc:
                if not exc.retryable:
                    raise
                error = exc
            deadline = deadline or time.monotonic() + self.retry_max_time
            try:
                retry = retry.increment(method, url, response=response.raw if response is not None else None,
                                        error=error)
            except MaxRetryError:
                break
            wait = self._planned_wait(retry, response)
            if time.monotonic() + wait > deadline:
                break
            self.sleep(wait)
        if isinstance(error, ApiError):
            error.attempts = attempts
            raise error
        if error is not None:
            raise self._network_error(error, what, attempts, url)
        return response, self._decode(response, what, attempts, url)

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
        if isinstance(error, requests.exceptions.SSLError):
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
        reason = scrub(_root_cause(error), self.secrets)
        return ApiError('%s failed: %s (%s)' % (what, kind, reason), hint=hint, attempts=attempts, url=url)

    def _decode(self, response, what, attempts, url):
        request_id = response.headers.get('X-Request-Id')
        text = response.text or ''
        try:
            payload = json.loads(text) if text.strip() else None
        except ValueError:
            payload = ValueError
        if 200 <= response.status_code < 300:
            if payload is ValueError or payload is None:
                raise ApiError('%s failed: the answer is not valid JSON (%s, %d bytes: %r)'
                               % (what, response.headers.get('Content-Type', 'no content type'), len(text),
                                  scrub(text[:120], self.secrets)),
                               status=response.status_code, request_id=request_id, attempts=attempts, url=url,
                               hint='The service sent a broken answer; retry later.', retryable=True)
            return payload
        code, message = parse_error_body(payload if payload is not ValueError else None)
        if payload is ValueError or payload is None:
            content_type = response.headers.get('Content-Type', 'no content type')
            message = 'non-JSON answer (%s): %r' % (content_type, scrub(text[:120], self.secrets))
        raise ApiError('%s failed' % what, status=response.status_code, error_code=code,
                       error_msg=scrub(str(message), self.secrets) if message else None,
                       request_id=request_id, hint=hint_for(response.status_code, code),
                       attempts=attempts, url=url)


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
