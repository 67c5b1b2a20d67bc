"""Access key and secret key auth: the SDK's credentials file."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, KEY, PATH, QUERY, base_params, make_client, resolve_auth)


def test_credentials_file(tmp_path, sim):
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = %s\nsk = %s\nproject_id = %s\n' % (KEY['ak'], KEY['sk'], DEFAULT_PROJECT))
    params = base_params(sim, access_key=None, secret_key=None, project_id=None, credentials_file=str(path))
    with make_client(params) as client:
        payload, request_id = client.get_json(PATH, QUERY, 'Querying')
    assert payload['total_count'] == '3' and request_id
    path.write_text('[other]\nak = x\n')
    with pytest.raises(OptionError, match='no \\[basic\\] section'):
        resolve_auth({'credentials_file': str(path)})
    with pytest.raises(OptionError, match='cannot read credentials file'):
        resolve_auth({'credentials_file': str(tmp_path / 'absent')})
