# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The interface every auth method implements, and how one is chosen.

A method owns its options (argument spec entries, with the SDK's environment variables), says
which of them are secret and which select it, and authorizes requests. Adding a method is a new
``auth_<name>.py``, an entry in ``auth_methods.AUTH_METHODS`` and its documentation. ``environ`` is
the environment the options came from (the task's for the wait action), for what the SDK reads
from it directly (HUAWEICLOUD_SDK_IAM_ENDPOINT).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.taurusdb.htap.plugins.module_utils.control_chars import CONTROL_CHARS_RE
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_project_id


def clean_credentials(params, names):
    """Strip surrounding whitespace from credentials (a YAML block scalar ends in a newline) and
    refuse control characters left inside, which would break or forge HTTP headers, without
    echoing the value."""
    for name in names:
        value = params.get(name)
        if isinstance(value, str):
            value = value.strip()
            if CONTROL_CHARS_RE.search(value):
                raise OptionError('%s contains a line break or another control character (its value is not shown)'
                                  % name)
            params[name] = value
    return params


class AuthMethod(object):
    NAME = ''             # how errors name the method, e.g. 'access_key/secret_key'
    OPTIONS = {}          # argument spec entries it owns
    SECRET_OPTIONS = ()   # options whose values never appear in output
    TRIGGERS = ()         # options whose presence selects the method
    FALLBACK = False      # tried when no method was selected (at most one method)
    FINDS_PROJECT_BY_REGION = False  # asks IAM for the project of the region when no project id is given

    def __init__(self, params, warn=None, environ=None):
        self.params = params
        self.project_id = params.get('project_id')

    @classmethod
    def selected_by(cls, params):
        return any(params.get(name) for name in cls.TRIGGERS)

    def finds_project(self):
        """Whether it can find the project id itself when none is given (an IAM token names its project;
        signed credentials ask IAM for the project of the region)."""
        return False

    def secrets(self):
        return [self.params.get(name) for name in self.SECRET_OPTIONS if self.params.get(name)]

    def api_project_id(self, client):
        """The project id for API paths."""
        if not self.project_id:
            raise OptionError(PROJECT_REQUIRED)
        return self.project_id

    def authorize(self, client, method, path, query, headers, body=None):
        """Add what authorizes this request (its JSON ``body`` bytes, if any) to ``headers``."""
        raise NotImplementedError

    def renew(self, client, error):
        """Whether a rejected request is worth one more try after renewing credentials (expired token)."""
        return False

    def close(self):
        """Release what the method holds (a session of its own)."""

    def _require(self, names, message):
        missing = [name for name in names if not self.params.get(name)]
        if missing:
            raise OptionError('%s; missing: %s' % (message, ', '.join(missing)))


PROJECT_REQUIRED = 'project_id is required (or HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the credentials file)'


def select_auth(params, methods, warn=None, environ=None):
    """Exactly one auth method: the one whose options are given, else the fallback; never two."""
    chosen = [method for method in methods if method.selected_by(params)]
    if len(chosen) > 1:
        raise OptionError('conflicting credentials: %s are all set (possibly from HUAWEICLOUD_SDK_*, CLOUD_SDK_* or '
                          'TAURUSDB_* environment variables); set only one auth method'
                          % ' and '.join(method.NAME for method in chosen))
    if not chosen:
        chosen = [method for method in methods if method.FALLBACK]
    auth = chosen[0](params, warn, environ)
    if auth.project_id:
        check_project_id(auth.project_id)
    elif not auth.finds_project():
        raise OptionError(PROJECT_REQUIRED + (', or region to find it from IAM' if auth.FINDS_PROJECT_BY_REGION
                                              else ''))
    return auth
