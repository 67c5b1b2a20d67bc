# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""An IAM token given by the user, sent as X-Auth-Token."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.taurusdb.htap.plugins.module_utils.auth import AuthMethod


class TokenAuth(AuthMethod):
    NAME = 'auth_token'
    OPTIONS = dict(auth_token=dict(type='str', no_log=True, fallback=(env_fallback, ['TAURUSDB_AUTH_TOKEN'])))
    SECRET_OPTIONS = ('auth_token',)
    TRIGGERS = ('auth_token',)

    def authorize(self, client, method, path, query, headers, body=None):
        headers['X-Auth-Token'] = self.params['auth_token']
