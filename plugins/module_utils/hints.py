# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a user can do about a failed call: the one place for the advice every failure ends with.

Two kinds of failure, one home: an HTTP answer that is an error (by its status, and by error code
for what an API adds in its ``ApiHints``), and a request that got no answer (a network failure, by
its kind: timed out, TLS, proxy, connection). The transport decides when a call has failed; this
file only words what to check.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.taurusdb.htap.plugins.module_utils.attempt_watchdog import AttemptTimedOut, DeadlineReached

try:
    from requests.exceptions import ProxyError, SSLError, Timeout
except ImportError:  # the transport reports it (REQUESTS_IMPORT_ERROR): without requests, no request fails
    ProxyError = SSLError = Timeout = None


# --- an HTTP answer that is an error -------------------------------------------------------
class ApiHints(object):
    """What one API adds to the generic hints: the IAM permission it needs, and advice per error code."""

    def __init__(self, permission=None, codes=None):
        self.permission = permission
        self.codes = codes or {}


# Error codes of the TaurusDB HTAP APIs users meet (those the Terraform provider handles for them), with
# what to do; an API's own advice for a code (``ApiHints.codes``) comes first. DBS.200022 (instance not
# found) means a different instance per API, so each API words it.
_BUSY = ('Another operation is running on the instance (or it is faulty): wait until it ends (the console\'s '
         'task center shows it), then run again.')
CODES = {
    'DBS.270022': ('The data synchronization task does not exist on this StarRocks instance: check the task name; '
                   'a new task appears once its creation job has finished, and a deleted one is gone.'),
    'DBS.05000091': 'The data synchronization task does not exist (deleted already?): check the task name.',
    'DBS.05000044': ('The StarRocks instance does not exist under this TaurusDB instance (deleted, or not created '
                     'yet): check both instance IDs, the project and the region.'),
    'DBS.2000044': ('The instance cannot be reached by this request; it is most likely deleted or being deleted: '
                    'check that it still exists in this project and region.'),
    'DBS.200044': ('The instance cannot be reached by this request; it is most likely deleted or being deleted: '
                   'check that it still exists in this project and region.'),
    'DBS.200019': _BUSY,
    'DBS.201014': _BUSY,
    'DBS.201015': _BUSY,
    'DBS.200047': _BUSY,
    'DBS.05000084': _BUSY,
    'DBS.212033': _BUSY,
}


def hint_for(status, error_code, hints=None):
    """What the user can do about a failed call."""
    code = error_code if isinstance(error_code, str) else ''
    hints = hints or ApiHints()
    if code in hints.codes:
        return hints.codes[code]
    if code in CODES:
        return CODES[code]
    if status in (401, 403) and not code.startswith('DBS'):
        if status == 401:
            return ('The credentials were rejected: check access_key/secret_key (and security_token for '
                    'temporary credentials), the token or IAM password, and that this host\'s clock is '
                    'within 15 minutes of UTC.')
        return ('The credentials are not allowed here: check project_id and that the user has the IAM '
                'permission %s.' % (hints.permission or 'for this API'))
    if status == 407:
        return ('The proxy refused the request (proxy authentication required): check the user and password in the '
                'proxy option (or HTTPS_PROXY/HTTP_PROXY).')
    if status == 429:
        return 'The API is throttling requests: raise retries or retry_max_time, or lower the concurrency.'
    if status is not None and status >= 500:
        return 'The service failed on its side; retry later.'
    if status == 400:
        return 'The request was refused as invalid; check the options given.'
    return None


# --- a request that got no answer ----------------------------------------------------------
def network_failure(error):
    """What kind of network failure this is, and what the user can do about it: (kind, hint)."""
    if isinstance(error, DeadlineReached):
        return 'timed out', ("The call's deadline came before the answer (the wait action's queries end at "
                             "wait_timeout).")
    if isinstance(error, AttemptTimedOut):
        return 'timed out', ('The endpoint answered too slowly: each attempt may take connect_timeout + read_timeout '
                             'in all; raise them or check the network.')
    if isinstance(error, SSLError):
        reason = str(root_cause(error))
        if 'CERTIFICATE_VERIFY_FAILED' in reason:
            return 'TLS error', ('TLS certificate verification failed: set ca_path to the CA bundle that signed the '
                                 'endpoint\'s certificate (validate_certs=false turns checking off, not recommended).')
        if 'certificate' in reason.lower() or 'alert' in reason.lower():
            return 'TLS error', ('The endpoint refused the TLS handshake: if it requires mutual TLS, set client_cert '
                                 'and client_key to a client certificate it trusts; check ca_path.')
        return 'TLS error', ('The TLS handshake failed: check ca_path, and client_cert/client_key if the endpoint '
                             'requires mutual TLS.')
    if isinstance(error, ProxyError):
        return 'proxy error', 'Check the proxy option (or HTTPS_PROXY, HTTP_PROXY and NO_PROXY in the environment).'
    if isinstance(error, Timeout):
        return 'timed out', ('The endpoint did not answer in time: raise read_timeout/connect_timeout or check the '
                             'network.')
    return 'connection failed', ('Check endpoint/region, DNS, network and proxy settings (the proxy option, or '
                                 'HTTPS_PROXY and NO_PROXY); with mutual TLS, client_cert and client_key.')


CONNECTION_REPR_RE = re.compile(r"\w*Connection(?:Pool)?\(host='[^']*', port=\d+\): ")


def root_cause(error):
    """The innermost reason of a requests/urllib3 exception, without the noise: what a network failure's
    message quotes, and what tells one TLS failure from another."""
    seen = error
    for _depth in range(6):
        args = getattr(seen, 'args', None) or (None,)
        nxt = getattr(seen, 'reason', None)
        if not isinstance(nxt, Exception):
            nxt = args[0] if isinstance(args[0], Exception) else None
        if nxt is None or nxt is seen:
            break
        seen = nxt
    # urllib3 names the connection's host and port, which the URL in the message already says
    return '%s: %s' % (type(seen).__name__, CONNECTION_REPR_RE.sub('', str(seen)))
