"""The registry of auth methods: the order, the options they bring, which are secret."""

from ansible_collections.taurusdb.htap.plugins.module_utils.auth_aksk import AkSkAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_metadata import MetadataAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_methods import (
    AUTH_METHODS, AUTH_SPEC, CREDENTIAL_OPTIONS, SECRET_OPTIONS)
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_password import PasswordAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_token import TokenAuth


def test_the_order_is_the_order_of_the_conflict_message_and_metadata_comes_last():
    assert AUTH_METHODS == (AkSkAuth, TokenAuth, PasswordAuth, MetadataAuth)


def test_every_method_brings_its_options_and_no_two_share_one():
    names = [name for method in AUTH_METHODS for name in method.OPTIONS]
    assert len(names) == len(set(names)) and set(names) == set(AUTH_SPEC)


def test_the_secrets_are_secret_in_the_spec_and_are_credentials():
    assert set(SECRET_OPTIONS) == set(['secret_key', 'security_token', 'auth_token', 'iam_password'])
    for name in SECRET_OPTIONS:
        assert AUTH_SPEC[name].get('no_log') is True, name
        assert name in CREDENTIAL_OPTIONS
    assert CREDENTIAL_OPTIONS[0] == 'project_id'
    assert all(AUTH_SPEC[name]['type'] == 'str' for name in CREDENTIAL_OPTIONS[1:])
