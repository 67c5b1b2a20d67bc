"""How one auth method is chosen: never two, and a clear error when none or part of one is given; a project
id is required unless the method can find it; credentials are cleaned - surrounding whitespace stripped, a
control character inside refused without showing the value."""

import itertools

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.auth_methods import AUTH_METHODS
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, INSTANCE, KEY, base_params, make_client, resolve_auth, settings_with)


def test_conflicting_credentials_say_what_to_set():
    with pytest.raises(OptionError, match='conflicting credentials: access_key/secret_key and auth_token'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b', 'auth_token': 't', 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='secret_key is missing'):
        resolve_auth({'access_key': 'a', 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='project_id is required'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b'})
    with pytest.raises(OptionError, match='missing: iam_domain'):
        resolve_auth({'iam_user': 'u', 'iam_password': 'p', 'region': 'cn-north-4'})


# Options that select each method (by its NAME), and every pair of methods in the registry's order
TRIGGERED = {'access_key/secret_key': {'access_key': 'AK', 'secret_key': 'SK-value'}, 'auth_token': {'auth_token': 'T'},
             'iam_user/iam_password': {'iam_user': 'u', 'iam_password': 'p'},
             'metadata_credentials': {'metadata_credentials': True}}
PAIRS = list(itertools.combinations(AUTH_METHODS, 2))


@pytest.mark.parametrize('first, second', PAIRS, ids=lambda method: method.NAME)
def test_two_methods_given_conflict_naming_both_in_the_order_of_the_registry(first, second):
    params = dict(TRIGGERED[first.NAME], **TRIGGERED[second.NAME])
    with pytest.raises(OptionError) as err:
        resolve_auth(dict(params, project_id=DEFAULT_PROJECT))
    assert str(err.value).startswith('conflicting credentials: %s and %s are all set' % (first.NAME, second.NAME))
    assert 'SK-value' not in str(err.value)


def test_no_credentials_at_all(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    with pytest.raises(OptionError, match='no credentials: set access_key and secret_key'):
        resolve_auth({'project_id': DEFAULT_PROJECT})


def test_without_region_or_project_it_says_what_to_set():
    with pytest.raises(OptionError, match='project_id is required .*, or region to find it from IAM'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b'})
    with pytest.raises(OptionError, match='project_id is required'):
        resolve_auth({'auth_token': 'token-value'})


@pytest.mark.parametrize('name', ['secret_key', 'security_token', 'auth_token', 'iam_password', 'access_key'])
def test_a_credential_with_a_line_break_inside_is_refused_without_echoing_it(name):
    secret = 'abc-secret-\n-value'
    with pytest.raises(OptionError) as err:
        settings_with({name: secret, 'access_key': None, 'secret_key': None}
                      if name in ('auth_token', 'iam_password') else {name: secret})
    assert name in str(err.value) and 'secret' not in str(err.value).replace(name, '')


def test_a_credential_from_a_yaml_block_is_stripped_and_works(sim):
    # before: a token ending in a newline was printed in clear by requests' InvalidHeader message
    params = base_params(sim, access_key=KEY['ak'] + '\n', secret_key='  ' + KEY['sk'] + '\n')
    with make_client(params) as client:
        payload, _rid = client.get_json('/v3/%s/instances/%s/starrocks/databases/replication' % (DEFAULT_PROJECT, INSTANCE),
                                        [('limit', '100'), ('offset', '0')], 'Querying')
    assert payload['total_count'] == '3'
