# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""SDK-HMAC-SHA256 request signing, as the official Huawei Cloud SDK does it.

Pure functions, no I/O: proven against vectors made by the official SDK's own signer and,
in the unit tests, differentially against that signer on random inputs.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import hmac

try:
    from urllib.parse import quote, unquote
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for the import sanity test
    from urllib import quote, unquote  # type: ignore

ALGORITHM = 'SDK-HMAC-SHA256'
DATE_FORMAT = '%Y%m%dT%H%M%SZ'
EMPTY_BODY_SHA256 = hashlib.sha256(b'').hexdigest()


def _quote(value):
    return quote(value, safe='~')


def canonical_uri(path):
    """Each segment quoted; always ends in '/' (the request itself is sent without it)."""
    uri = '/'.join(_quote(segment) for segment in unquote(path).split('/'))
    return uri if uri.endswith('/') else uri + '/'


def canonical_query(pairs):
    """Sorted (key, value) pairs, quoted; the same string is sent as the query."""
    return '&'.join('%s=%s' % (_quote(key), _quote(value)) for key, value in sorted(pairs))


def signed_header_names(headers):
    """Lower-cased names of every header without '_' in its name, sorted."""
    return sorted(name.lower() for name in headers if '_' not in name)


def canonical_request(method, path, query_pairs, headers, body=b''):
    names = signed_header_names(headers)
    values = dict((name.lower(), str(value).strip()) for name, value in headers.items())
    header_block = ''.join('%s:%s\n' % (name, values[name]) for name in names)
    body_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_SHA256
    return '\n'.join([
        method.upper(), canonical_uri(path), canonical_query(query_pairs),
        header_block, ';'.join(names), body_hash,
    ])


def string_to_sign(canonical, sdk_date):
    digest = hashlib.sha256(canonical.encode('utf-8')).hexdigest()
    return '%s\n%s\n%s' % (ALGORITHM, sdk_date, digest)


def signature(secret_key, text):
    return hmac.new(secret_key.encode('utf-8'), text.encode('utf-8'), hashlib.sha256).hexdigest()


def authorization(access_key, secret_key, method, path, query_pairs, headers, body=b''):
    """The Authorization header value for a request whose headers already hold X-Sdk-Date and Host.

    ``headers`` must include every header that will be sent and signed (Host, X-Sdk-Date,
    X-Project-Id, X-Security-Token, Content-Type...).
    """
    sdk_date = next(value for name, value in headers.items() if name.lower() == 'x-sdk-date')
    canonical = canonical_request(method, path, query_pairs, headers, body)
    sig = signature(secret_key, string_to_sign(canonical, sdk_date))
    return '%s Access=%s, SignedHeaders=%s, Signature=%s' % (
        ALGORITHM, access_key, ';'.join(signed_header_names(headers)), sig)
