"""auth_token.py: an IAM token given by the user, sent as X-Auth-Token on every request, never signed, never
shown; a token's project is not asked from IAM, so project_id is required."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.auth import PROJECT_REQUIRED
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_token import TokenAuth
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, EMPTY, LISTING, PATH, QUERY, base_params, client_for, resolve_auth)

TOKEN = 'user-token-0001'


def test_the_token_is_sent_as_given_and_nothing_is_signed(adversary):
    adversary.play([{'path': LISTING, 'json': EMPTY}])
    with client_for(base_params(adversary, access_key=None, secret_key=None, auth_token=TOKEN)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        client.get_json(PATH, QUERY, 'Querying')
    for request in adversary.log():
        headers = dict((name.lower(), value) for name, value in request['headers'].items())
        assert headers['x-auth-token'] == TOKEN and request['path'] == PATH
        assert not {'authorization', 'x-sdk-date', 'x-security-token', 'x-project-id'} & set(headers)


def test_the_token_is_a_secret_from_the_option_or_taurusdb_auth_token():
    option = TokenAuth.OPTIONS['auth_token']
    assert option['no_log'] is True and option['fallback'][1] == ['TAURUSDB_AUTH_TOKEN']
    auth = resolve_auth({'auth_token': TOKEN, 'project_id': DEFAULT_PROJECT})
    assert isinstance(auth, TokenAuth) and auth.secrets() == [TOKEN]


def test_a_token_needs_a_project_id_even_with_a_region():
    with pytest.raises(OptionError) as err:
        resolve_auth({'auth_token': TOKEN, 'region': 'cn-north-4'})
    assert str(err.value) == PROJECT_REQUIRED and TOKEN not in str(err.value)
