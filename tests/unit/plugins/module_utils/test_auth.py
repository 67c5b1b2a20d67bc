"""How one auth method is chosen: never two, and a clear error when none or part of one is given."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, resolve_auth


def test_conflicting_credentials_say_what_to_set():
    with pytest.raises(OptionError, match='conflicting credentials: access_key/secret_key and auth_token'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b', 'auth_token': 't', 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='secret_key is missing'):
        resolve_auth({'access_key': 'a', 'project_id': DEFAULT_PROJECT})
    with pytest.raises(OptionError, match='project_id is required'):
        resolve_auth({'access_key': 'a', 'secret_key': 'b'})
    with pytest.raises(OptionError, match='missing: iam_domain'):
        resolve_auth({'iam_user': 'u', 'iam_password': 'p', 'region': 'cn-north-4'})


def test_no_credentials_at_all(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    with pytest.raises(OptionError, match='no credentials: set access_key and secret_key'):
        resolve_auth({'project_id': DEFAULT_PROJECT})
