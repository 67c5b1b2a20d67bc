# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where and how to connect: the options every entry point shares, and the settings they make.

``CONNECTION_SPEC`` is the one argument spec for that: the base options (``specs``) plus each auth
method's own (``auth_methods``). ``ConnectionSettings`` checks them (before any request) and is what
a ``Client`` is built from.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import ssl

from ansible_collections.taurusdb.htap.plugins.module_utils.auth import clean_credentials, select_auth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_methods import (
    AUTH_METHODS, AUTH_SPEC, CREDENTIAL_OPTIONS, SECRET_OPTIONS)
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import (
    Endpoints, check_proxy, proxy_secrets, resolve_endpoints)
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_project_id
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import check_ranges
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import CONNECTION_BASE_SPEC

CONNECTION_SPEC = dict(CONNECTION_BASE_SPEC, **AUTH_SPEC)


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


class ConnectionSettings(object):
    """Where and how to connect, checked: built from options (module params, lookup options, action args)."""

    def __init__(self, params, environ=None, warn=None):
        params = dict((name, _given_or_default(params, name)) for name in CONNECTION_SPEC)
        clean_credentials(params, CREDENTIAL_OPTIONS + ['proxy'])
        check_ranges(params, CONNECTION_SPEC)
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
