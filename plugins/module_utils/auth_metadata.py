# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Temporary AK/SK from the cloud-server metadata service, as the official SDK's MetadataAccessor gets them.

Opt-in only (``metadata_credentials``, or TAURUSDB_METADATA_CREDENTIALS): never tried by default, so a
run off the cloud never waits on the metadata address. Credentials are fetched on first use and again
before they expire - once for every thread that needs them - and their secret key and security token
are scrubbed from all output from the moment they arrive.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import datetime
import re
import threading
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.taurusdb.htap.plugins.module_utils.auth_aksk import SigningAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.control_chars import CONTROL_CHARS_OR_SPACE_RE
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import check_url
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.transport import Transport

DEFAULT_METADATA_URL = 'http://169.254.169.254'
TOKEN_PATH = '/meta-data/latest/api/token'
SECURITY_KEY_PATH = '/openstack/latest/securitykey'
TOKEN_TTL_SECONDS = 6 * 60 * 60  # the SDK's
AGENCY_ERROR = 'Please configure Cloud Service Agency first'
# Short, as the SDK's (3, 3): off the cloud the address does not answer, and nothing else should wait on it.
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
# Refresh this long before expires_at (the SDK's threshold), or at half the lifetime if that is shorter.
REFRESH_BEFORE = 40 * 60
EXPIRES_RE = re.compile(r'(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?\Z')
OFF_CLOUD_HINT = ('Metadata credentials exist only on a Huawei Cloud server (ECS/BMS) with an agency; off the cloud '
                  'give access_key/secret_key, an auth_token, an IAM user or a credentials file instead, and leave '
                  'metadata_credentials (and TAURUSDB_METADATA_CREDENTIALS) unset.')
AGENCY_HINT = ('The cloud server has no agency: attach one (an IAM agency for ECS with the permission '
               'gaussdbformysql:htapInstance:getReplication) to the server, or use other credentials.')


def parse_expires_at(text):
    """Seconds since the epoch of an ISO-8601 UTC time such as 2026-01-01T00:00:00.000000Z, else None."""
    match = EXPIRES_RE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    try:
        moment = datetime.datetime(*[int(value) for value in match.groups()[:6]])
    except (ValueError, OverflowError):
        return None
    seconds = calendar.timegm(moment.utctimetuple())
    zone = match.group(7)
    if zone and zone != 'Z':
        sign = 1 if zone[0] == '+' else -1
        digits = zone[1:].replace(':', '')
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds


def parse_credential(payload):
    """(access, secret, security token, expires_at seconds) from the securitykey answer, with the field names
    the SDK accepts; None when it is not usable."""
    if not isinstance(payload, dict):
        return None
    found = payload.get('credential') if 'credential' in payload else payload.get('credentials', payload)
    if not isinstance(found, dict):
        return None

    def first(*names):
        for name in names:
            value = found.get(name)
            if value:
                return value
        return None

    values = (first('access', 'accessKeyId', 'access_key_id'), first('secret', 'secretAccessKey', 'secret_access_key'),
              first('securitytoken', 'securityToken', 'security_token'))
    if not all(isinstance(value, str) and value.strip() and not CONTROL_CHARS_OR_SPACE_RE.search(value.strip())
               for value in values):
        return None
    expires_at = parse_expires_at(first('expires_at', 'expiration'))
    if expires_at is None:
        return None
    return tuple(value.strip() for value in values) + (expires_at,)


class _DirectSettings(object):
    """What the metadata transport needs: short timeouts, no retries (as the SDK), the run's TLS settings."""

    def __init__(self, settings):
        self.connect_timeout = min(CONNECT_TIMEOUT, settings.connect_timeout)
        self.read_timeout = min(READ_TIMEOUT, settings.read_timeout)
        self.retries = 0
        self.retry_max_time = settings.retry_max_time
        self.retry_backoff = settings.retry_backoff
        self.language = settings.language
        self.verify = settings.verify


class MetadataAuth(SigningAuth):
    NAME = 'metadata_credentials'
    OPTIONS = dict(
        metadata_credentials=dict(type='bool', default=False,
                                  fallback=(env_fallback, ['TAURUSDB_METADATA_CREDENTIALS'])),
        metadata_url=dict(type='str', default=DEFAULT_METADATA_URL, fallback=(env_fallback, ['TAURUSDB_METADATA_URL'])),
    )
    TRIGGERS = ('metadata_credentials',)
    clock = staticmethod(time.time)  # replaceable in tests

    def __init__(self, params, warn=None, environ=None):
        super(MetadataAuth, self).__init__(params, warn, environ)
        self.metadata_url = check_url(params.get('metadata_url') or DEFAULT_METADATA_URL, 'metadata_url')
        self._init_project(params, environ)
        self._credential = None  # (access, secret, security token)
        self._refresh_at = 0
        self._session_token = None
        self._token_asked = False
        self._transport = None
        self._lock = threading.Lock()
        self.fetches = 0

    def credentials(self, client):
        """The current temporary credentials, fetched first and again before they expire (one fetch for all
        threads: the others wait for it and use its result)."""
        with self._lock:
            if self._credential is None or self.clock() >= self._refresh_at:
                self._fetch(client)
            return self._credential

    def close(self):
        if self._transport is not None:
            self._transport.close()

    # --- the metadata service ----------------------------------------------------------------
    def _transport_for(self, client):
        if self._transport is None:
            self._transport = Transport(_DirectSettings(client.settings), client.scrubber, pool_size=1, direct=True)
        self._transport.deadline = client.transport.deadline
        return self._transport

    def _fetch(self, client):
        transport = self._transport_for(client)
        what = 'Getting temporary credentials from the cloud-server metadata service (%s)' % self.metadata_url
        try:
            if not self._token_asked:
                self._session_token = self._get_session_token(transport)
            try:
                response, payload = self._security_key(transport, what)
            except ApiError as exc:
                if exc.status != 401 or self._agency_missing(exc):
                    raise
                self._session_token = self._get_session_token(transport, required=True)
                response, payload = self._security_key(transport, what)
        except ApiError as exc:
            if exc.status is None:
                exc.hint = OFF_CLOUD_HINT
            elif self._agency_missing(exc):
                exc.hint = AGENCY_HINT
            raise
        request_id = response.headers.get('X-Request-Id')
        found = parse_credential(payload)
        if found is None:
            raise ApiError('%s failed: the answer has no usable credential (access, secret, securitytoken and '
                           'expires_at)' % what, status=response.status_code, request_id=request_id,
                           hint='Check metadata_url: it should be the metadata service of a Huawei Cloud server.')
        access, secret, security_token, expires_at = found
        client.scrubber.add(secret)
        client.scrubber.add(security_token)
        now = self.clock()
        lifetime = expires_at - now
        if lifetime <= 0:
            raise ApiError('%s failed: the credentials it gave expired %d s ago (expires_at %s)'
                           % (what, -lifetime, time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(expires_at))),
                           status=response.status_code, request_id=request_id,
                           hint="Check this host's clock (it must be within minutes of UTC).")
        self._credential = (access, secret, security_token)
        self._refresh_at = expires_at - min(REFRESH_BEFORE, lifetime / 2.0)
        self.fetches += 1

    def _security_key(self, transport, what):
        def add_token(method, path, query, headers, body=None):
            if self._session_token:
                headers['X-Metadata-Token'] = self._session_token
        return transport.call('GET', self.metadata_url, SECURITY_KEY_PATH, (), None, what, add_token)

    def _get_session_token(self, transport, required=False):
        """The metadata session token (X-Metadata-Token), as the SDK asks for it; a service without tokens
        (404, 405 or 503) is used without one unless a 401 said one is needed."""
        self._token_asked = True
        what = 'Getting temporary credentials from the cloud-server metadata service (%s): its session token' \
            % self.metadata_url

        def add_ttl(method, path, query, headers, body=None):
            headers['X-Metadata-Token-Ttl-Seconds'] = str(TOKEN_TTL_SECONDS)
        try:
            _response, content = transport.call('PUT', self.metadata_url, TOKEN_PATH, (), None, what, add_ttl,
                                                decode=False)
        except ApiError as exc:
            if exc.status in (404, 405, 503) and not required:
                return None
            raise
        token = content.decode('utf-8', 'replace').strip()
        if not token or CONTROL_CHARS_OR_SPACE_RE.search(token):
            raise ApiError('%s failed: the answer is not a usable token' % what,
                           hint='Check metadata_url: it should be the metadata service of a Huawei Cloud server.')
        transport.scrubber.add(token)
        return token

    @staticmethod
    def _agency_missing(error):
        return any(AGENCY_ERROR in (text or '') for text in (error.error_msg, error.message))
