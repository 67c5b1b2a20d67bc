# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AK/SK: every request signed with SDK-HMAC-SHA256, from options, environment or the SDK's credentials file."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves import configparser

from ansible_collections.taurusdb.htap.plugins.module_utils import signer
from ansible_collections.taurusdb.htap.plugins.module_utils.auth import AuthMethod, clean_credentials
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

DEFAULT_CREDENTIALS_FILE = '~/.huaweicloud/credentials'
FILE_KEYS = ('ak', 'sk', 'project_id', 'security_token')


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
    return dict((key, parser.get('basic', key)) for key in FILE_KEYS
                if parser.has_option('basic', key) and parser.get('basic', key))


class AkSkAuth(AuthMethod):
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

    def __init__(self, params, warn=None):
        super(AkSkAuth, self).__init__(params, warn)
        if not self.selected_by(params):
            params = self._from_file(params, warn)
        for name, env in (('access_key', 'HUAWEICLOUD_SDK_AK'), ('secret_key', 'HUAWEICLOUD_SDK_SK')):
            if not params.get(name):
                raise OptionError('%s is missing: AK/SK authentication needs both access_key and secret_key '
                                  '(environment: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK)' % name)
        self.params = params
        self.access_key = params['access_key']
        self.secret_key = params['secret_key']
        self.security_token = params.get('security_token')
        self.project_id = params.get('project_id')

    @staticmethod
    def _from_file(params, warn):
        path = params.get('credentials_file') or os.path.expanduser(DEFAULT_CREDENTIALS_FILE)
        if not params.get('credentials_file') and not os.path.exists(path):
            raise OptionError('no credentials: set access_key and secret_key (or HUAWEICLOUD_SDK_AK and '
                              'HUAWEICLOUD_SDK_SK), auth_token, iam_user and iam_password, or a credentials '
                              'file (~/.huaweicloud/credentials or HUAWEICLOUD_SDK_CREDENTIALS_FILE)')
        found = read_credentials_file(path, warn)
        if not found.get('ak') or not found.get('sk'):
            raise OptionError('credentials file %s must set both ak and sk in [basic]' % path)
        merged = dict(params, access_key=found['ak'], secret_key=found['sk'],
                      security_token=params.get('security_token') or found.get('security_token'),
                      project_id=params.get('project_id') or found.get('project_id'))
        return clean_credentials(merged, ('access_key', 'secret_key', 'security_token', 'project_id'))

    def authorize(self, client, method, path, query, headers):
        headers['X-Project-Id'] = client.api_project_id()
        if self.security_token:
            headers['X-Security-Token'] = self.security_token
        headers['X-Sdk-Date'] = time.strftime(signer.DATE_FORMAT, time.gmtime())
        headers['Authorization'] = signer.authorization(self.access_key, self.secret_key, method, path, query, headers)
        client.scrubber.add_signature(headers['Authorization'].rsplit('Signature=', 1)[-1])
