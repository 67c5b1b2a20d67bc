# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AK/SK: every request signed with SDK-HMAC-SHA256, from options, environment or the SDK's credentials file.

``SigningAuth`` is what every signing method shares (this one and cloud-server metadata credentials):
the signature, and the project id of the region found from IAM when none is given.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves import configparser

from ansible_collections.taurusdb.htap.plugins.module_utils import signer
from ansible_collections.taurusdb.htap.plugins.module_utils.auth import PROJECT_REQUIRED, AuthMethod, clean_credentials
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import resolve_iam_endpoint
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.iam import ProjectFinder

DEFAULT_CREDENTIALS_FILE = '~/.huaweicloud/credentials'
FILE_KEYS = ('ak', 'sk', 'project_id', 'security_token', 'iam_endpoint')


def read_credentials_file(path, warn=None):
    """The SDK's credentials file: INI, section [basic], keys ak, sk, project_id, security_token, iam_endpoint.

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
    return dict((key, parser.get('basic', key)) for key in FILE_KEYS
                if parser.has_option('basic', key) and parser.get('basic', key))


class SigningAuth(AuthMethod):
    """Signs every request with SDK-HMAC-SHA256. Without a project id but with a region, the project of the
    region is asked from IAM once (signed, without X-Project-Id), as the official SDK does."""

    FINDS_PROJECT_BY_REGION = True

    def _init_project(self, params, environ, file_iam_endpoint=None, file_path=None):
        self.region = params.get('region')
        self.finder = None
        if not self.project_id and self.region:
            iam_endpoint = resolve_iam_endpoint(self.region, params.get('iam_endpoint'), environ, file_iam_endpoint,
                                                file_path)
            self.finder = ProjectFinder(self.region, iam_endpoint)

    def finds_project(self):
        return self.finder is not None

    def api_project_id(self, client):
        if self.project_id:
            return self.project_id
        if self.finder is None:
            raise OptionError(PROJECT_REQUIRED + ', or region to find it from IAM')

        def sign_for_iam(method, path, query, headers, body=None):
            self.sign(client, method, path, query, headers, project_id=None, body=body)

        self.project_id = self.finder.find(client, sign_for_iam)
        return self.project_id

    def credentials(self, client):
        """(access key, secret key, security token or None) to sign with now."""
        raise NotImplementedError

    def sign(self, client, method, path, query, headers, project_id, body=None):
        access_key, secret_key, security_token = self.credentials(client)
        if project_id:
            headers['X-Project-Id'] = project_id
        if security_token:
            headers['X-Security-Token'] = security_token
        headers['X-Sdk-Date'] = time.strftime(signer.DATE_FORMAT, time.gmtime())
        headers['Authorization'] = signer.authorization(access_key, secret_key, method, path, query, headers,
                                                        body or b'')
        client.scrubber.add_signature(headers['Authorization'].rsplit('Signature=', 1)[-1])

    def authorize(self, client, method, path, query, headers, body=None):
        self.sign(client, method, path, query, headers, client.api_project_id(), body)


class AkSkAuth(SigningAuth):
    NAME = 'access_key/secret_key'
    OPTIONS = dict(
        access_key=dict(type='str', aliases=['ak'], no_log=False,
                        fallback=(env_fallback, ['HUAWEICLOUD_SDK_AK', 'CLOUD_SDK_AK'])),
        secret_key=dict(type='str', aliases=['sk'], no_log=True,
                        fallback=(env_fallback, ['HUAWEICLOUD_SDK_SK', 'CLOUD_SDK_SK'])),
        security_token=dict(type='str', no_log=True, fallback=(env_fallback, ['HUAWEICLOUD_SDK_SECURITY_TOKEN'])),
        credentials_file=dict(type='path', fallback=(env_fallback, ['HUAWEICLOUD_SDK_CREDENTIALS_FILE'])),
    )
    SECRET_OPTIONS = ('secret_key', 'security_token')
    TRIGGERS = ('access_key', 'secret_key')
    FALLBACK = True  # with nothing given, the SDK's credentials file

    def __init__(self, params, warn=None, environ=None):
        super(AkSkAuth, self).__init__(params, warn, environ)
        file_path = file_iam_endpoint = None
        if not self.selected_by(params):
            params, file_path, file_iam_endpoint = self._from_file(params, warn)
        for name, env in (('access_key', 'HUAWEICLOUD_SDK_AK'), ('secret_key', 'HUAWEICLOUD_SDK_SK')):
            if not params.get(name):
                raise OptionError('%s is missing: AK/SK authentication needs both access_key and secret_key '
                                  '(environment: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK)' % name)
        self.params = params
        self.access_key = params['access_key']
        self.secret_key = params['secret_key']
        self.security_token = params.get('security_token')
        self.project_id = params.get('project_id')
        self._init_project(params, environ, file_iam_endpoint, file_path)

    @staticmethod
    def _from_file(params, warn):
        """The options with the credentials file's; its path and its iam_endpoint (the SDK attaches that to the
        credentials it reads from the file, so it counts only for them)."""
        path = params.get('credentials_file') or os.path.expanduser(DEFAULT_CREDENTIALS_FILE)
        if not params.get('credentials_file') and not os.path.exists(path):
            raise OptionError('no credentials: set access_key and secret_key (or HUAWEICLOUD_SDK_AK and '
                              'HUAWEICLOUD_SDK_SK), auth_token, iam_user and iam_password, a credentials '
                              'file (~/.huaweicloud/credentials or HUAWEICLOUD_SDK_CREDENTIALS_FILE), or on a cloud '
                              'server metadata_credentials=true (or TAURUSDB_METADATA_CREDENTIALS=true)')
        found = read_credentials_file(path, warn)
        if not found.get('ak') or not found.get('sk'):
            raise OptionError('credentials file %s must set both ak and sk in [basic]' % path)
        merged = dict(params, access_key=found['ak'], secret_key=found['sk'],
                      security_token=params.get('security_token') or found.get('security_token'),
                      project_id=params.get('project_id') or found.get('project_id'))
        merged = clean_credentials(merged, ('access_key', 'secret_key', 'security_token', 'project_id'))
        return merged, path, (found.get('iam_endpoint') or '').strip() or None

    def credentials(self, client):
        return self.access_key, self.secret_key, self.security_token
