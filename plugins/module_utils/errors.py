# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Errors and secrets: the one failure shape every entry point returns, and the scrubber that
keeps secrets out of it.

Every failure names what went wrong, the HTTP status, error code, message, request id and a
hint; ``failure_result`` turns any exception into that shape, scrubbed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import json
import re
import threading

from ansible.module_utils.six.moves.urllib.parse import quote, quote_plus

from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import TEXT_LIMIT, inert, shown

REDACTED = '********'
SIGNATURE_RE = re.compile(r'(Signature=)[0-9A-Fa-f]+')
# A request's signature as signer.py writes it: 64 lower-case hex digits.
HEX_SIGNATURE_RE = re.compile(r'[0-9a-f]{64,}\Z')
HEX_RUN = b'h' * 64
# Each byte as 'h' when it is a lower-case hex digit, else '.': a text holds a signature only if it holds HEX_RUN.
_HEX_CLASSES = bytes(bytearray(ord('h') if chr(byte) in '0123456789abcdef' else ord('.') for byte in range(256)))


class OptionError(ValueError):
    """Bad input, found before any request."""

    def to_result(self):
        return {'msg': str(self)}


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
    as given, trimmed or lower-cased (as the verdict shows status and stage), each of those
    repr-escaped, JSON-escaped and URL-encoded; and request signatures."""

    MIN_LENGTH = 4  # shorter values are too common in ordinary text to replace safely

    def __init__(self, secrets=()):
        self._variants = set()
        self._signatures = collections.deque(maxlen=64)  # the latest ones sent; each is valid 15 minutes
        # kept as they are learned, not made again on every call (each result, page and line is scrubbed):
        self._longest_first = []  # the variants: a secret inside a longer one never leaves the rest of it
        self._escaped = []  # the variants, and below the signatures, as a string of data is in its JSON text
        self._hex_signatures = collections.deque(maxlen=64)  # searched for only in a text with HEX_RUN
        self._other_signatures = collections.deque(maxlen=64)
        self._lock = threading.Lock()
        for secret in secrets:
            self.add(secret)

    def add(self, secret):
        if not isinstance(secret, str) or len(secret.strip()) < self.MIN_LENGTH:
            return
        forms = set()
        for text in set([secret, secret.strip(), secret.lower(), secret.strip().lower()]):
            forms.update([text, repr(text)[1:-1], repr(text.encode('utf-8'))[2:-1], json.dumps(text)[1:-1],
                          json.dumps(text, ensure_ascii=False)[1:-1], quote(text, safe=''), quote_plus(text), quote(text),
                          shown(text, 6 * len(text) + 64)])  # as server text is shown (escaped, never cut)
        with self._lock:
            self._variants.update(form for form in forms if len(form) >= self.MIN_LENGTH)
            self._longest_first = sorted(self._variants, key=len, reverse=True)
            self._escaped = [_json_escaped(variant) for variant in self._variants]

    def add_signature(self, signature):
        with self._lock:
            self._signatures.append(signature)
            if HEX_SIGNATURE_RE.match(signature):
                self._hex_signatures.append(signature)  # hex: as it is in JSON text
            else:
                self._other_signatures.append(_json_escaped(signature))

    def text(self, text):
        if not isinstance(text, str):
            return text
        with self._lock:
            variants = self._longest_first + list(self._signatures)
        for variant in variants:
            if variant in text:
                text = text.replace(variant, REDACTED)
        return SIGNATURE_RE.sub(r'\1' + REDACTED, text)

    def data(self, value, text=None):
        """A copy of JSON-like data with every string (keys too) scrubbed; cheap when nothing leaks.
        ``text``: the JSON text ``value`` was decoded from, searched instead of writing value's again."""
        if not self._leaks(value, text):
            return value
        return self._walk(value)

    def _leaks(self, value, text=None):
        """Whether any string of value (keys too) holds a secret. JSON escapes each character alone, so a
        string's secret, escaped as the whole is, is in the JSON text of the whole. A text with no backslash
        escapes nothing: each string is in it as it is, and so is each secret a string holds (a secret with
        a character JSON escapes cannot be in such a string, and its escaped form is not in the text)."""
        if text is not None and '\\' not in text:
            blob = text
        else:
            blob = json.dumps(value, default=str, ensure_ascii=False)
        with self._lock:
            escaped = self._escaped + list(self._other_signatures)
            signatures = list(self._hex_signatures)
        if 'Signature=' in blob or any(variant in blob for variant in escaped):
            return True
        # one pass over the text, instead of a search for each of the 64 signatures remembered (most of the time
        # a page took): a text without 64 hex digits in a row holds none of them
        return bool(signatures) and HEX_RUN in blob.encode('utf-8', 'surrogatepass').translate(_HEX_CLASSES) and \
            any(signature in blob for signature in signatures)

    def _walk(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return dict((self._walk(key), self._walk(item)) for key, item in value.items())
        if isinstance(value, (list, tuple)):
            return [self._walk(item) for item in value]
        return value


def _json_escaped(text):
    """A string as the JSON text of data holding it writes it (non-ASCII kept)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


# --- error bodies ----------------------------------------------------------------------
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


def failure_result(exc, scrubber, what):
    """Any exception as a failure result, scrubbed, then shown safely (a server may have put any text
    in it): ours with all their fields, any other with its type and message (never a traceback)."""
    if isinstance(exc, (OptionError, ApiError)):
        result = exc.to_result()
    else:
        result = {'msg': '%s failed unexpectedly: %s: %s' % (what, type(exc).__name__, exc)}
    result = scrubber.data(result)
    # the message holds the server's error message and our words around it: it may be longer
    return dict(inert(result), msg=shown(result['msg'], 4 * TEXT_LIMIT))
