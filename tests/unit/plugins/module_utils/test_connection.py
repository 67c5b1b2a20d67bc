"""Where and how to connect: the shared spec, the secrets among the options, and checked settings."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.auth_methods import AUTH_SPEC
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import (
    CONNECTION_SPEC, ConnectionSettings, check_client_cert, secrets_of)
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import CONNECTION_BASE_SPEC

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, KEY


def given(**extra):
    params = dict(endpoint=['https://127.0.0.1:1'], project_id=DEFAULT_PROJECT, access_key=KEY['ak'],
                  secret_key=KEY['sk'])
    params.update(extra)
    return params


def test_the_spec_is_the_base_and_every_auth_methods_options():
    assert CONNECTION_SPEC == dict(CONNECTION_BASE_SPEC, **AUTH_SPEC)


def test_secrets_are_the_secret_options_given_as_text_and_the_proxys_password():
    secrets = secrets_of(dict(secret_key='sk-1', auth_token='', iam_password=None, security_token=5,
                              access_key='not-secret', proxy='http://user:pa%3Ass@proxy:3128'))
    assert 'sk-1' in secrets and 'not-secret' not in secrets and 5 not in secrets and '' not in secrets
    assert 'pa:ss' in secrets  # the proxy's password, decoded as it is sent
    assert secrets_of({}) == []


def test_settings_take_the_specs_defaults_for_what_is_not_given():
    settings = ConnectionSettings(given(), environ={})
    assert (settings.connect_timeout, settings.read_timeout, settings.retries, settings.retry_max_time,
            settings.retry_backoff, settings.language, settings.verify) == (10.0, 30.0, 5, 120.0, 0.5, 'en-us', True)
    assert settings.endpoint == 'https://127.0.0.1:1' and settings.proxy is None and settings.warnings == []


def test_certificates_are_verified_with_the_ca_given_unless_turned_off(tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('x')
    assert ConnectionSettings(given(ca_path=str(ca)), environ={}).verify == str(ca)
    assert ConnectionSettings(given(ca_path=str(ca), validate_certs=False), environ={}).verify is False


@pytest.mark.parametrize('name, value, message', [
    ('read_timeout', 0.05, 'read_timeout must be between 0.1 and 600'),
    ('retries', 51, 'retries must be between 0 and 50'),
    ('retry_max_time', 601, 'retry_max_time must be between 0 and 600'),
    ('project_id', 'not a project', 'project_id'),
])
def test_settings_are_checked_before_any_request(name, value, message):
    with pytest.raises(OptionError, match=message):
        ConnectionSettings(given(**{name: value}), environ={})


def test_a_client_key_needs_its_certificate_and_files_must_be_readable(tmp_path):
    assert check_client_cert(None, None) == (None, None)
    with pytest.raises(OptionError, match='client_key needs client_cert'):
        check_client_cert(None, 'key.pem')
    with pytest.raises(OptionError, match='client_cert %s is not a readable file' % (tmp_path / 'none.pem')):
        check_client_cert(str(tmp_path / 'none.pem'), None)


def test_a_client_certificate_that_is_not_pem_is_refused_with_why(tmp_path):
    cert = tmp_path / 'cert.pem'
    cert.write_text('not a certificate')
    with pytest.raises(OptionError, match='cannot be used for TLS .*: it must be PEM'):
        check_client_cert(str(cert), None)
