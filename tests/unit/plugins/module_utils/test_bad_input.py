"""Bad input found by attacking the options: refused before any request, clearly, without echoing secrets."""

import os

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import resolve_endpoints
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, INSTANCE, KEY, base_params, make_client, resolve_auth)

SIM_URL = 'http://127.0.0.1:1'


def validate(params):
    """The settings a client would be built from (credentials checked and cleaned)."""
    return ConnectionSettings(dict(dict(endpoint=SIM_URL, access_key='AK', secret_key='SK-value',
                                        project_id=DEFAULT_PROJECT), **params))


@pytest.mark.parametrize('instance_id', [INSTANCE + '\n', INSTANCE + '\r\n', ' ' + INSTANCE, INSTANCE[:-4] + 'in18'])
def test_an_instance_id_with_a_trailing_newline_is_refused(instance_id):
    # before: '$' matched before a trailing newline, which then went into the URL path
    with pytest.raises(OptionError, match='not a StarRocks instance id'):
        check_instance_id(instance_id)


def test_a_project_id_with_a_trailing_newline_is_refused():
    with pytest.raises(OptionError, match='project_id contains a line break'):
        validate({'project_id': DEFAULT_PROJECT + '\nX'})
    with pytest.raises(OptionError, match='project_id must be 32 letters or digits'):
        validate({'project_id': DEFAULT_PROJECT + 'X'})
    # surrounding whitespace alone is stripped, as for every credential
    assert validate({'project_id': DEFAULT_PROJECT + '\n'}).auth.project_id == DEFAULT_PROJECT


@pytest.mark.parametrize('endpoint, message', [
    ('https://user:pw@gaussdb.example', 'must not hold a user name or password'),
    ('https://gaussdb.example/?x=1', 'without a path, query or fragment'),
    ('https://gaussdb.example?', 'without a path, query or fragment'),
    ('https://gaussdb.example#top', 'without a path, query or fragment'),
    ('https://gaussdb.example/prefix', 'without a path, query or fragment'),
    ('https://gaussdb.example:99999', 'invalid port'),
    ('https://gaussdb .example', 'without spaces or line breaks'),
    ('https://gaussdb.example\n/x', 'without spaces or line breaks'),
    ('https://', 'must be an http(s) URL'),
])
def test_an_endpoint_that_is_not_scheme_host_port_is_refused(endpoint, message):
    # before: user:pw@ made requests send Basic auth instead of the signature; ?q and #f went to '/'
    with pytest.raises(OptionError) as err:
        resolve_endpoints(endpoint=endpoint, environ={})
    assert message in str(err.value)
    if 'pw@' in endpoint:
        assert 'pw' not in str(err.value)


def test_an_endpoint_with_surrounding_whitespace_or_a_slash_is_fine():
    assert resolve_endpoints(endpoint=' https://gaussdb.example:8443/\n', environ={}) == ['https://gaussdb.example:8443']


@pytest.mark.parametrize('name', ['secret_key', 'security_token', 'auth_token', 'iam_password', 'access_key'])
def test_a_credential_with_a_line_break_inside_is_refused_without_echoing_it(name):
    secret = 'abc-secret-\n-value'
    with pytest.raises(OptionError) as err:
        validate({name: secret, 'access_key': None, 'secret_key': None} if name in ('auth_token', 'iam_password')
                 else {name: secret})
    assert name in str(err.value) and 'secret' not in str(err.value).replace(name, '')


def test_a_credential_from_a_yaml_block_is_stripped_and_works(sim):
    # before: a token ending in a newline was printed in clear by requests' InvalidHeader message
    params = base_params(sim, access_key=KEY['ak'] + '\n', secret_key='  ' + KEY['sk'] + '\n')
    with make_client(params) as client:
        payload, _rid = client.get_json('/v3/%s/instances/%s/starrocks/databases/replication' % (DEFAULT_PROJECT, INSTANCE),
                                        [('limit', '100'), ('offset', '0')], 'Querying')
    assert payload['total_count'] == '3'


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
