# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection options every module, lookup and action shares, and the settings they make.

``CONNECTION_SPEC`` is the one argument spec for where and how to connect: the base options
below plus each auth method's own. ``ConnectionSettings`` checks them (before any request) and
is what a ``Client`` is built from.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import os
import ssl

from ansible.module_utils.basic import env_fallback

from ansible_collections.taurusdb.htap.plugins.module_utils.auth import clean_credentials, select_auth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_aksk import AkSkAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_metadata import MetadataAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_password import PasswordAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_token import TokenAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import (
    Endpoints, check_proxy, proxy_secrets, resolve_endpoints)
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_project_id

# The order is the order of the "conflicting credentials" message; AK/SK also reads the credentials file.
# Metadata credentials are opt-in: selected only by their option (or its environment variable).
AUTH_METHODS = (AkSkAuth, TokenAuth, PasswordAuth, MetadataAuth)
LANGUAGES = ['en-us', 'zh-cn']
# Signed requests are valid for 15 minutes; keep the retry budget well inside that.
MAX_RETRY_TIME = 600

BASE_SPEC = dict(
    region=dict(type='str', fallback=(env_fallback, ['TAURUSDB_REGION'])),
    endpoint=dict(type='list', elements='str', fallback=(env_fallback, ['TAURUSDB_ENDPOINT'])),
    project_id=dict(type='str', fallback=(env_fallback, ['HUAWEICLOUD_SDK_PROJECT_ID'])),
    iam_endpoint=dict(type='str'),
    language=dict(type='str', default='en-us', choices=LANGUAGES),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    client_cert=dict(type='path'),
    client_key=dict(type='path', no_log=False),
    proxy=dict(type='str', no_log=True),
    connect_timeout=dict(type='float', default=10.0),
    read_timeout=dict(type='float', default=30.0),
    retries=dict(type='int', default=5),
    retry_max_time=dict(type='float', default=120.0),
    retry_backoff=dict(type='float', default=0.5),
)
CONNECTION_SPEC = dict(BASE_SPEC)
for _method in AUTH_METHODS:
    CONNECTION_SPEC.update(_method.OPTIONS)
CREDENTIAL_OPTIONS = ['project_id'] + [name for method in AUTH_METHODS for name, option in method.OPTIONS.items()
                                       if option['type'] == 'str']
SECRET_OPTIONS = [name for method in AUTH_METHODS for name in method.SECRET_OPTIONS]


def _given_or_default(params, name):
    value = params.get(name)
    return CONNECTION_SPEC[name].get('default') if value is None else value


def secrets_of(params):
    """The secret values among options (what no output may show), the proxy's password in all its forms too."""
    return ([params[name] for name in SECRET_OPTIONS if isinstance(params.get(name), str) and params[name]]
            + proxy_secrets(params.get('proxy')))


def _no_password():
    return b''  # an encrypted key fails at once instead of OpenSSL asking for a password on the terminal


def check_client_cert(cert, key):
    """A client certificate (and its key, unless the certificate file holds it) that TLS can load."""
    if key and not cert:
        raise OptionError('client_key needs client_cert')
    if not cert:
        return None, None
    for name, path in (('client_cert', cert), ('client_key', key)):
        if path and not (os.path.isfile(path) and os.access(path, os.R_OK)):
            raise OptionError('%s %s is not a readable file' % (name, path))
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(cert, key, password=_no_password)
    except ssl.SSLError as exc:
        raise OptionError('client_cert %s%s cannot be used for TLS (%s): it must be PEM, the key must match the '
                          'certificate and must not be encrypted'
                          % (cert, ' with client_key %s' % key if key else '', exc.reason or exc.__class__.__name__))
    except (IOError, OSError) as exc:
        raise OptionError('cannot read client_cert/client_key: %s' % (exc.strerror or exc.__class__.__name__))
    return cert, key


def _non_finite(value):
    """Whether ``value`` is NaN or an infinity, also as text ('nan', '-inf', '1e999')."""
    if isinstance(value, (str, bytes)):
        try:
            value = float(value)
        except ValueError:
            return False
    return isinstance(value, float) and not math.isfinite(value)


def _finite_problem(name, value):
    return '%s must be a finite number, got %s' % (name, float(value))


def non_finite_numbers(spec, params):
    """{option: message} for each number option of ``spec`` (by its name or an alias) that ``params``
    gives as NaN or an infinity. NaN passes every range check, and ansible-core cannot convert an
    infinite whole number (OverflowError), so this runs on the values as given, before the spec's types."""
    found = {}
    for name, option in spec.items():
        if option.get('type') in ('int', 'float'):
            for given in [name] + list(option.get('aliases') or []):
                if _non_finite(params.get(given)):
                    found[given] = _finite_problem(given, params[given])
    return found


def check_range(params, name, low, high=None):
    """``params[name]`` (unless None) finite and between ``low`` and ``high`` (no upper bound when None)."""
    value = params.get(name)
    if value is None:
        return
    if _non_finite(value):
        raise OptionError(_finite_problem(name, value))
    if value < low or (high is not None and value > high):
        bound = 'between %s and %s' % (low, high) if high is not None else 'at least %s' % low
        raise OptionError('%s must be %s, got %s' % (name, bound, value))


def check_connection_ranges(params):
    """The connection's numbers in range (``ConnectionSettings`` checks them; the wait checks them first)."""
    check_range(params, 'retries', 0, 50)
    check_range(params, 'retry_max_time', 0, MAX_RETRY_TIME)
    check_range(params, 'retry_backoff', 0, 60)
    check_range(params, 'connect_timeout', 0.1, 600)
    check_range(params, 'read_timeout', 0.1, 600)


class ConnectionSettings(object):
    """Where and how to connect, checked: built from options (module params, lookup options, action args)."""

    def __init__(self, params, environ=None, warn=None):
        params = dict((name, _given_or_default(params, name)) for name in CONNECTION_SPEC)
        clean_credentials(params, CREDENTIAL_OPTIONS + ['proxy'])
        check_connection_ranges(params)
        if params.get('project_id'):
            check_project_id(params['project_id'])
        environ = os.environ if environ is None else environ
        self.region = params.get('region')
        self.endpoints = Endpoints(resolve_endpoints(params.get('region'), params.get('endpoint'), environ))
        self.endpoint = self.endpoints.current
        self.proxy = check_proxy(params['proxy']) if params.get('proxy') else None
        self.client_cert, self.client_key = check_client_cert(params.get('client_cert'), params.get('client_key'))
        self.warnings = []  # found while reading the settings (a credentials file others can read)
        self.auth = select_auth(params, AUTH_METHODS, warn or self.warnings.append, environ)
        self.language = params['language'] or 'en-us'
        self.verify = (params.get('ca_path') or True) if params['validate_certs'] else False
        self.connect_timeout = params['connect_timeout']
        self.read_timeout = params['read_timeout']
        self.retries = params['retries']
        self.retry_max_time = params['retry_max_time']
        self.retry_backoff = params['retry_backoff']

    def secrets(self):
        return self.auth.secrets() + proxy_secrets(self.proxy)
