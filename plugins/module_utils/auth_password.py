# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""An IAM user and password, exchanged for a token once per run (IAM asks clients to cache it)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import threading

from ansible_collections.taurusdb.htap.plugins.module_utils.auth import AuthMethod
from ansible_collections.taurusdb.htap.plugins.module_utils.control_chars import CONTROL_CHARS_OR_SPACE_RE
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import resolve_iam_endpoint
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import PROJECT_ID_RE

TOKEN_PATH = '/v3/auth/tokens'


class PasswordAuth(AuthMethod):
    NAME = 'iam_user/iam_password'
    OPTIONS = dict(
        iam_user=dict(type='str'),
        iam_password=dict(type='str', no_log=True),
        iam_domain=dict(type='str'),
    )
    SECRET_OPTIONS = ('iam_password',)
    TRIGGERS = ('iam_user', 'iam_password')

    def __init__(self, params, warn=None, environ=None):
        super(PasswordAuth, self).__init__(params, warn, environ)
        self._require(('iam_user', 'iam_password', 'iam_domain'),
                      'IAM password authentication needs iam_user, iam_password and iam_domain')
        if not self.project_id and not params.get('region'):
            raise OptionError('IAM password authentication needs project_id or region (to scope the token)')
        self.iam_endpoint = resolve_iam_endpoint(params.get('region'), params.get('iam_endpoint'), environ)
        self._token = None
        self._lock = threading.Lock()

    def finds_project(self):
        return True  # the token's project

    def api_project_id(self, client):
        if not self.project_id:
            self.token(client)  # the token's project, for the region
        return self.project_id

    def authorize(self, client, method, path, query, headers, body=None):
        headers['X-Auth-Token'] = self.token(client)

    def renew(self, client, error):
        if error.status == 401 and error.error_code == 'APIGW.0307':  # the cached token expired
            self.token(client, refresh=True)
            return True
        return False

    def token(self, client, refresh=False):
        """One token per run, shared by every thread."""
        with self._lock:
            if self._token is None or refresh:
                self._token = self._fetch(client)
            return self._token

    def _fetch(self, client):
        params = self.params
        scope = {'id': self.project_id} if self.project_id else {'name': params.get('region')}
        body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
            'name': params['iam_user'], 'password': params['iam_password'], 'domain': {'name': params['iam_domain']}}}},
            'scope': {'project': scope}}}
        response, payload = client.transport.call('POST', self.iam_endpoint, TOKEN_PATH, (), json.dumps(body),
                                                  'Getting an IAM token')
        request_id = response.headers.get('X-Request-Id')
        token = response.headers.get('X-Subject-Token')
        if not token or CONTROL_CHARS_OR_SPACE_RE.search(token):
            raise ApiError('Getting an IAM token failed: the answer has no usable X-Subject-Token header',
                           status=response.status_code, request_id=request_id)
        client.scrubber.add(token)
        if not self.project_id:
            try:
                project_id = payload['token']['project']['id']
            except (KeyError, TypeError):
                raise ApiError('Getting an IAM token failed: the answer names no project; set project_id',
                               request_id=request_id)
            if not isinstance(project_id, str) or not PROJECT_ID_RE.match(project_id):
                raise ApiError('Getting an IAM token failed: the project id in the answer is not 32 letters or '
                               'digits; set project_id', request_id=request_id)
            self.project_id = project_id
        return token
