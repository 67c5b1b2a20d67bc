# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport: one logical call made of attempts - retries, endpoint fail-over and error decoding - over
one HTTP session, with the proxy and client certificate it sends requests with.

Each attempt is bounded in size here (MAX_BODY_BYTES) and in time by the attempt watchdog
(attempt_watchdog.py); what a failure's hint says is hints.py's. It knows nothing of credentials or
APIs: a caller passes how to authorize a request and what the API adds to error hints.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import socket
import ssl
import time
import traceback

from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.taurusdb.htap.plugins.module_utils import signer
from ansible_collections.taurusdb.htap.plugins.module_utils.attempt_watchdog import (
    AttemptTimedOut, AttemptWatch, DeadlineReached, WatchedAdapter, timed_out)
from ansible_collections.taurusdb.htap.plugins.module_utils.control_chars import CONTROL_CHARS_RE
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import Endpoints
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, parse_error_body
from ansible_collections.taurusdb.htap.plugins.module_utils.hints import hint_for, network_failure, root_cause

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.structures import CaseInsensitiveDict
    from urllib3.exceptions import InvalidHeader, LocationValueError, MaxRetryError, NewConnectionError
    from urllib3.util.retry import Retry
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

# Throttling and server-side failures are worth another attempt; other answers are final.
RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
# A write (POST, PUT, DELETE) is sent again only when it surely was not done: throttled before it was
# handled, or its connection never opened. After a 5xx, a timeout or a cut connection it may have been
# done: the caller reads the state before anything is sent again (WriteOutcomeUnknown).
WRITE_RETRY_STATUSES = frozenset([429])
USER_AGENT = 'taurusdb.htap-ansible/0.2'
# A page of 100 tasks is about 30 KB; anything near this is not an answer but an attack or a fault.
MAX_BODY_BYTES = 8 * 1024 * 1024
# How much of a broken body an error quotes (after secrets are scrubbed from all of it).
BODY_EXCERPT = 120
# Transport.call's ``decode`` for JSON scrubbed of secrets.
SCRUBBED = 'scrubbed'
# A TLS error that only the handshake raises, before any request is sent.
CERTIFICATE_REFUSED = getattr(ssl, 'SSLCertVerificationError', ssl.CertificateError)


class BodyTooLarge(Exception):
    pass


def read_body(response, limit=MAX_BODY_BYTES):
    """The decoded body, refusing more than ``limit`` bytes (a compressed bomb is stopped early)."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b''.join(chunks)


# LocationValueError: urllib3 refuses a host name no host can have (a label over 63 characters) itself
NOT_TRANSIENT = (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader, requests.exceptions.MissingSchema,
                 requests.exceptions.InvalidSchema, requests.exceptions.URLRequired,
                 LocationValueError) if HAS_REQUESTS else ()


class _Session(requests.Session if HAS_REQUESTS else object):
    """A requests session that sends a request straight through its adapter (send_streamed), and reads the
    environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE...) once per endpoint instead of once per
    request: requests scans all of os.environ twice a request for it, a fifth of a request's own CPU. The
    settings come from requests itself, so they are what it would use; the environment does not change
    while a session lives (one module run, one wait)."""

    def __init__(self):
        super(_Session, self).__init__()
        self._environment = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, repr(sorted((proxies or {}).items())), stream, repr(verify), repr(cert))
        settings = self._environment.get(key)
        if settings is None:
            settings = super(_Session, self).merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment[key] = settings
        # a copy: requests passes the proxies on and may change them (on a redirect, which we never follow)
        return dict(settings, proxies=dict(settings['proxies']))

    def send_streamed(self, method, url, headers, body, timeout, verify, cert, proxies):
        """One request, its body left to stream, sent by the adapter without what Session.request adds and
        we never use: cookies (a server's are not sent back), auth (Session.request would send ~/.netrc
        credentials as Basic auth), hooks and redirects (none is followed). Those cost half of what requests
        adds to a request's CPU. The request is prepared by requests, with the session's default headers
        under ours, and the environment's proxies and CA bundle still apply (merge_environment_settings)."""
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        prepared.prepare_url(url, None)
        merged = CaseInsensitiveDict(self.headers)
        merged.update(headers)
        prepared.prepare_headers(merged)
        prepared.prepare_body(body, None)
        # a new dict, as Session.request makes: requests adds the environment's proxies to it
        settings = self.merge_environment_settings(prepared.url, dict(proxies or {}), True, verify, cert)
        return self.get_adapter(prepared.url).send(prepared, timeout=timeout, **settings)


class EndpointsFailed(requests.exceptions.ConnectionError if HAS_REQUESTS else Exception):
    """No endpoint of several could be connected to; ``failures`` holds (endpoint, error) for each."""

    def __init__(self, failures):
        super(EndpointsFailed, self).__init__('none of the %d endpoints could be connected to' % len(failures))
        self.failures = failures


def _causes(error):
    """The error and every reason it holds (its reason, exceptions among its args, its cause), outermost first."""
    chain, queue = [], [error]
    while queue and len(chain) < 16:
        seen = queue.pop(0)
        if any(seen is known for known in chain):
            continue
        chain.append(seen)
        reason = getattr(seen, 'reason', None)
        queue.extend(item for item in [reason] + list(getattr(seen, 'args', None) or ()) + [seen.__cause__]
                     if isinstance(item, BaseException))
    return chain


def connection_failed(error):
    """Whether a request failed before any HTTP answer because the endpoint could not be reached: DNS,
    connection refused or reset, connect timeout, or a TLS handshake that failed. These move on to the
    next endpoint; an HTTP error, a read timeout or a proxy failure does not."""
    if isinstance(error, (requests.exceptions.ProxyError, AttemptTimedOut, requests.exceptions.ReadTimeout)):
        return False
    if isinstance(error, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    if not isinstance(error, requests.exceptions.ConnectionError):
        return False
    # http.client's RemoteDisconnected (a keep-alive connection the server closed) is a ConnectionResetError
    return any(isinstance(cause, (NewConnectionError, ConnectionResetError, ConnectionAbortedError,
                                  ConnectionRefusedError, socket.gaierror)) for cause in _causes(error))


class Transport(object):
    """One HTTP session with its retry policy. ``deadline`` (a time.monotonic() value) bounds every
    attempt and retry, for callers that wait."""

    sleep = staticmethod(time.sleep)  # replaceable in tests to record waits

    def __init__(self, settings, scrubber, pool_size, deadline=None, direct=False):
        """``pool_size``: how many requests the caller has in flight at once (each keeps its connection).
        ``direct``: for link-local services (cloud-server metadata): no proxy - neither the ``proxy``
        option nor the environment's - and no client certificate."""
        self.scrubber = scrubber
        self.connect_timeout = settings.connect_timeout
        self.read_timeout = settings.read_timeout
        self.retries = settings.retries
        self.retry_max_time = settings.retry_max_time
        self.retry_backoff = settings.retry_backoff
        self.language = settings.language
        self.verify = settings.verify
        self.deadline = deadline
        proxy = None if direct else getattr(settings, 'proxy', None)
        # without the option, requests uses HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment
        self.proxies = {'http': proxy, 'https': proxy} if proxy else None
        client_cert = None if direct else getattr(settings, 'client_cert', None)
        client_key = getattr(settings, 'client_key', None)
        self.cert = (client_cert, client_key) if client_cert and client_key else client_cert
        self.session = _Session()
        if direct:
            self.session.trust_env = False
        adapter = WatchedAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)

    def close(self):
        self.session.close()

    def call(self, method, base, path, query, body, what, authorize=None, hints=None, decode=True, write=False):
        """One logical call; returns (response, decoded JSON), or (response, body bytes) without ``decode``;
        ``decode=SCRUBBED``: the decoded JSON scrubbed of secrets (searched for in the answer as it came).
        ``base`` is an endpoint URL or ``Endpoints`` (tried in order when a connection fails). Every error it
        raises is scrubbed of secrets. A ``write`` is retried only when it surely was not done; when it may
        have been, WriteOutcomeUnknown is raised."""
        endpoints = base if isinstance(base, Endpoints) else Endpoints([base])
        try:
            return self._call_with_retries(method, endpoints, path, query, body, what, authorize, hints, decode,
                                           write)
        except ApiError as exc:
            raise exc.scrubbed(self.scrubber)

    def _retry_policy(self):
        """urllib3's Retry, for its count of attempts and its backoff only: what is retried, and the wait a
        Retry-After asks for, are decided in _call_with_retries."""
        try:
            return Retry(total=self.retries, backoff_factor=self.retry_backoff, backoff_jitter=self.retry_backoff)
        except TypeError:  # urllib3 < 2 has no jitter
            return Retry(total=self.retries, backoff_factor=self.retry_backoff)

    def _attempt_limit(self):
        """(seconds, by_deadline): how long the next attempt may take, connect_timeout + read_timeout or
        the time left before the deadline when that is shorter."""
        limit = self.connect_timeout + self.read_timeout
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left < limit:
                return left, True
        return limit, False

    def _send(self, method, base, path, query, body, authorize):
        """One attempt; returns (response, body bytes). Bounded by connect_timeout + read_timeout
        (and the deadline) as a whole, and by MAX_BODY_BYTES."""
        headers = {'Content-Type': 'application/json', 'X-Language': self.language,
                   'Host': urlsplit(base).netloc, 'User-Agent': USER_AGENT}
        if authorize is not None:
            authorize(method, path, query, headers, body)
        _check_headers(headers)
        url = base + path + ('?' + signer.canonical_query(query) if query else '')
        limit, by_deadline = self._attempt_limit()
        if limit <= 0:
            raise DeadlineReached('the deadline had passed before the attempt')
        with AttemptWatch(limit) as watch:
            try:
                response = self.session.send_streamed(
                    method, url, headers, body, timeout=(min(self.connect_timeout, limit), min(self.read_timeout, limit)),
                    verify=self.verify, cert=self.cert, proxies=self.proxies)
                try:
                    content = read_body(response)
                finally:
                    response.close()
            except requests.exceptions.RequestException:
                if watch.ran_out():
                    raise timed_out(limit, by_deadline)
                raise
            if watch.expired:  # a body cut short by the watch
                raise timed_out(limit, by_deadline)
        return response, content

    def _send_any(self, method, endpoints, path, query, body, authorize, write=False):
        """One attempt on the endpoints in order: a connection that fails moves on to the next endpoint
        at once (a ``write`` only when it surely was not received: a reset may follow one that was); the
        first that connects is kept for later calls. Returns (response, body)."""
        failures = []
        for base in endpoints.in_order():
            try:
                response, content = self._send(method, base, path, query, body, authorize)
            except requests.exceptions.RequestException as exc:
                if len(endpoints) > 1 and connection_failed(exc) and (not write or never_sent(exc)):
                    failures.append((base, exc))
                    continue
                endpoints.keep(base)  # it could be connected to
                raise
            endpoints.keep(base)
            return response, content
        raise EndpointsFailed(failures)

    def _call_with_retries(self, method, endpoints, path, query, body, what, authorize, hints, decode, write=False):
        """Retries 429/5xx, network errors and broken 2xx bodies, bounded by ``retries``, by
        ``retry_max_time`` from the start of the call and by the deadline: no attempt starts after
        either, so the call takes at most retry_max_time plus one attempt (on each endpoint, when
        several are given), and never goes past the deadline. A ``write`` retries only 429 and a
        connection that never opened (see WRITE_RETRY_STATUSES)."""
        retry = self._retry_policy()
        retry_end = time.monotonic() + self.retry_max_time
        attempts, too_late = 0, None
        while True:
            attempts += 1
            response = error = None
            url = endpoints.current + path  # the endpoint in use (_send_any keeps the one it could reach)
            try:
                response, content = self._send_any(method, endpoints, path, query, body, authorize, write)
                url = endpoints.current + path
                if response.status_code not in RETRY_STATUSES:
                    return response, self._decode(response, content, what, attempts, url, hints, decode)
                if write and response.status_code not in WRITE_RETRY_STATUSES:
                    raise _outcome_unknown(self._api_error(response, content, what, attempts, url, hints))
            except HeaderRefused as exc:
                raise ApiError('%s failed: %s' % (what, exc), attempts=attempts, url=url)
            except NOT_TRANSIENT as exc:
                raise ApiError('%s failed: the request could not be made (%s)' % (what, root_cause(exc)),
                               hint='Check endpoint, region and the credentials for unusual characters.',
                               attempts=attempts, url=url)
            except BodyTooLarge:
                raise ApiError('%s failed: the answer is larger than %d bytes (decoded); refused' % (what, MAX_BODY_BYTES),
                               hint='The service sent an answer far larger than any API page; report it.',
                               attempts=attempts, url=url)
            except requests.exceptions.RequestException as exc:
                error = exc
                url = endpoints.current + path
                if write and not never_sent(exc):
                    raise _outcome_unknown(_network_error(exc, what, attempts, url))
            except ApiError as exc:  # a broken 2xx body, decoded again below if it is not retried
                if write and exc.retryable:  # done, but its answer (the job id) was lost
                    raise _outcome_unknown(exc)
                if not exc.retryable:
                    raise
            try:
                retry = retry.increment(method, url, response=response.raw if response is not None else None,
                                        error=error)
            except MaxRetryError:
                break
            wait = self._planned_wait(retry, response)
            too_late = self._too_late(wait, retry_end)
            if too_late:
                break
            self.sleep(wait)
        try:
            if error is not None:
                raise _network_error(error, what, attempts, url)
            return response, self._decode(response, content, what, attempts, url, hints, decode)
        except ApiError as exc:
            if too_late and not isinstance(error, DeadlineReached):  # that error says it already
                exc.hint = ' '.join(text for text in (exc.hint, too_late) if text)
            raise

    def _too_late(self, wait, retry_end):
        """Why no attempt follows a wait of ``wait`` seconds: it would begin after the deadline or past
        retry_max_time. None when it may."""
        now = time.monotonic()
        if self.deadline is not None and now + wait >= self.deadline:
            return 'No further attempt: it would begin in %.1f s, after the deadline.' % wait
        if now + wait >= retry_end:
            return ('No further attempt: it would begin in %.1f s, past retry_max_time (%g s from the first).'
                    % (wait, self.retry_max_time))
        return None

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

    def _decode(self, response, content, what, attempts, url, hints, decode):
        request_id = response.headers.get('X-Request-Id') or response.headers.get('X-IAM-Trace-Id')
        content_type = response.headers.get('Content-Type', 'no content type')
        if not decode and 200 <= response.status_code < 300:
            return content
        text = None
        try:
            text = content.decode('utf-8')
            payload = json.loads(text) if content.strip() else None
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deeply to decode
            payload = ValueError
        if 200 <= response.status_code < 300:
            if payload is ValueError or payload is None:
                raise ApiError('%s failed: the answer is not valid JSON (%s, %d bytes: %r)'
                               % (what, content_type, len(content), self._excerpt(content)),
                               status=response.status_code, request_id=request_id, attempts=attempts, url=url,
                               hint='The service sent a broken answer; retry later.', retryable=True)
            return self.scrubber.data(payload, text) if decode == SCRUBBED else payload
        raise self._api_error(response, content, what, attempts, url, hints, payload)

    def _api_error(self, response, content, what, attempts, url, hints, payload=None):
        """The ApiError of an answer that is not 2xx."""
        if payload is None:
            try:
                payload = json.loads(content.decode('utf-8')) if content.strip() else None
            except (ValueError, RecursionError):
                payload = ValueError
        request_id = response.headers.get('X-Request-Id') or response.headers.get('X-IAM-Trace-Id')
        code, message = parse_error_body(payload if payload is not ValueError else None)
        if payload is ValueError or payload is None:
            message = 'non-JSON answer (%s): %r' % (response.headers.get('Content-Type', 'no content type'),
                                                    self._excerpt(content))
        return ApiError('%s failed' % what, status=response.status_code, error_code=code,
                        error_msg=message, request_id=request_id, hint=hint_for(response.status_code, code, hints),
                        attempts=attempts, url=url)

    def _excerpt(self, content):
        """The start of a body for an error message, scrubbed before it is cut (a cut secret would leak its prefix)."""
        return self.scrubber.text(content.decode('utf-8', 'replace'))[:BODY_EXCERPT]


def _check_headers(headers):
    """HTTP headers carry Latin-1 text without line breaks; anything else (a token pasted with a Chinese
    character or a newline) is refused here, naming the header only, before it reaches http.client."""
    for name, value in headers.items():
        try:
            value.encode('latin-1')
        except UnicodeEncodeError:
            bad = True
        else:
            bad = bool(CONTROL_CHARS_RE.search(value))
        if bad:
            raise HeaderRefused('the %s header would hold characters HTTP headers cannot carry (its value is not shown); '
                                'check the credentials' % name)


class HeaderRefused(ValueError):
    pass


class WriteOutcomeUnknown(ApiError):
    """A write that may have been done: a 5xx, a timeout, a connection cut after it was sent, or a 2xx
    answer that could not be read. It is never sent again blindly: read the state first."""


def _outcome_unknown(error):
    unknown = WriteOutcomeUnknown(error.message, status=error.status, error_code=error.error_code,
                                  error_msg=error.error_msg, request_id=error.request_id, hint=error.hint,
                                  attempts=error.attempts, url=error.url)
    return unknown


def never_sent(error):
    """Whether a request that failed was surely never received: the connection did not open (DNS, refused,
    connect timeout, a certificate refused in the TLS handshake). A reset, a read timeout, a cut answer or
    another TLS error (a broken record may come after the request) may follow a request the server got."""
    if isinstance(error, (requests.exceptions.ProxyError, AttemptTimedOut, requests.exceptions.ReadTimeout)):
        return False
    if isinstance(error, (requests.exceptions.ConnectTimeout, EndpointsFailed)):
        return True
    if isinstance(error, requests.exceptions.SSLError):
        return any(isinstance(cause, CERTIFICATE_REFUSED) for cause in _causes(error))
    return any(isinstance(cause, (NewConnectionError, ConnectionRefusedError, socket.gaierror))
               for cause in _causes(error))


def _network_error(error, what, attempts, url):
    if isinstance(error, EndpointsFailed):
        tried = '; '.join('%s: %s (%s)' % (base, network_failure(exc)[0], _reason(exc)) for base, exc in error.failures)
        hints = []
        for _base, exc in error.failures:
            hint = network_failure(exc)[1]
            if hint not in hints:
                hints.append(hint)
        return ApiError('%s failed: %s - %s' % (what, error, tried), hint=' '.join(hints), attempts=attempts, url=url)
    kind, hint = network_failure(error)
    return ApiError('%s failed: %s (%s)' % (what, kind, _reason(error)), hint=hint, attempts=attempts, url=url)


def _reason(error):
    return error if isinstance(error, AttemptTimedOut) else root_cause(error)
