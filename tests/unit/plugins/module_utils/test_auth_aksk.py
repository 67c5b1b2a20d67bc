"""Access key and secret key auth: the SDK's credentials file - read raw and as UTF-8, used with a warning
when others can read it, its iam_endpoint used for its own credentials only."""

import os

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, KEY, PATH, QUERY, base_params, client_for, closed_port, discovering, make_client, resolve_auth)


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


def test_the_credentials_files_iam_endpoint_is_used_for_its_credentials(tmp_path, sim):
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = %s\nsk = %s\niam_endpoint = %s\n' % (KEY['ak'], KEY['sk'], sim.url))
    path.chmod(0o600)
    params = base_params(sim, access_key=None, secret_key=None, project_id=None, region='cn-north-4',
                         credentials_file=str(path))
    with client_for(params, {'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'http://127.0.0.1:%d' % closed_port()}) as client:
        assert client.auth.finder.iam_endpoint == sim.url
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '3'
    assert sim.stats()['routes'] == {'iam_projects': 1, 'replication': 1}
    # credentials given otherwise: the file is not read, so neither is its iam_endpoint
    with client_for(discovering(sim, iam_endpoint=None, credentials_file=str(path)),
                    {'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'https://iam.env.example'}) as client:
        assert client.auth.finder.iam_endpoint == 'https://iam.env.example'


def test_a_credentials_file_with_percent_signs_and_unicode_is_read_raw(tmp_path):
    # before: '%' broke ConfigParser interpolation and the error printed the rest of the secret
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = AK1\nsk = s%%3kr%%(e)t-äö\nproject_id = %s\n' % DEFAULT_PROJECT, encoding='utf-8')
    path.chmod(0o600)
    warnings = []
    auth = resolve_auth({'credentials_file': str(path)}, warn=warnings.append)
    assert auth.secret_key == 's%3kr%(e)t-äö' and warnings == []


def test_a_credentials_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    # before: UnicodeDecodeError ended the module with a traceback
    path = tmp_path / 'credentials'
    path.write_bytes(b'[basic]\nak = AK1\nsk = \xff\xfe-secret\n')
    with pytest.raises(OptionError, match='is not UTF-8 text') as err:
        resolve_auth({'credentials_file': str(path)})
    assert 'secret' not in str(err.value)


def test_a_credentials_file_others_can_read_is_used_with_a_warning(tmp_path):
    # before: accepted silently
    path = tmp_path / 'credentials'
    path.write_text('[basic]\nak = AK1\nsk = SK1-secret\nproject_id = %s\n' % DEFAULT_PROJECT)
    os.chmod(str(path), 0o644)
    warnings = []
    resolve_auth({'credentials_file': str(path)}, warn=warnings.append)
    assert len(warnings) == 1 and 'can be read by other users (mode 0o644)' in warnings[0] and 'chmod 600' in warnings[0]
