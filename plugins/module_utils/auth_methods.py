# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The registry of auth methods: which exist, in which order, and the options they bring.

A new method is a class in ``auth_<name>.py`` (see ``auth.AuthMethod``), an entry here and its
documentation in the connection doc fragment.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.taurusdb.htap.plugins.module_utils.auth_aksk import AkSkAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_metadata import MetadataAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_password import PasswordAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_token import TokenAuth

# The order is the order of the "conflicting credentials" message; AK/SK also reads the credentials file.
# Metadata credentials are opt-in: selected only by their option (or its environment variable).
AUTH_METHODS = (AkSkAuth, TokenAuth, PasswordAuth, MetadataAuth)

AUTH_SPEC = {}
for _method in AUTH_METHODS:
    AUTH_SPEC.update(_method.OPTIONS)
# Text options that hold credentials (cleaned of stray whitespace), and options whose values are secret.
CREDENTIAL_OPTIONS = ['project_id'] + [name for name, option in AUTH_SPEC.items() if option['type'] == 'str']
SECRET_OPTIONS = [name for method in AUTH_METHODS for name in method.SECRET_OPTIONS]
