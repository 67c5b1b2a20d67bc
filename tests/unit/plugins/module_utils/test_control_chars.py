"""The one rule for control characters in what we send, and which of its two sets each check uses."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils import transport
from ansible_collections.taurusdb.htap.plugins.module_utils.auth import clean_credentials
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_metadata import parse_credential
from ansible_collections.taurusdb.htap.plugins.module_utils.control_chars import (
    CONTROL_CHARS_OR_SPACE_RE, CONTROL_CHARS_RE)
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import check_proxy, check_url
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, make_client

CONTROLS = [chr(code) for code in range(0x20)] + ['\x7f']
# what neither set holds: printable ASCII, C1 controls and the rest of Unicode (headers refuse non-Latin-1 apart)
ALLOWED = [chr(code) for code in range(0x21, 0x7f)] + ['\x80', '\x85', '\x9f', '\xa0', '\xff', '\u2028', '\u5bc6']


@pytest.mark.parametrize('char', CONTROLS)
def test_every_c0_control_and_del_is_refused_by_both_sets(char):
    assert CONTROL_CHARS_RE.search('a%sb' % char) and CONTROL_CHARS_OR_SPACE_RE.search('a%sb' % char)


def test_a_space_is_refused_only_where_a_value_is_one_word():
    assert not CONTROL_CHARS_RE.search('a b') and CONTROL_CHARS_OR_SPACE_RE.search('a b')


@pytest.mark.parametrize('char', ALLOWED)
def test_nothing_else_is_refused(char):
    assert not CONTROL_CHARS_RE.search(char) and not CONTROL_CHARS_OR_SPACE_RE.search(char)


# --- which set each check uses ----------------------------------------------------------------
def test_a_credential_a_user_gives_may_hold_a_space_but_no_control_character():
    assert clean_credentials({'iam_password': ' pass word\n'}, ['iam_password']) == {'iam_password': 'pass word'}
    with pytest.raises(OptionError, match='iam_password contains a line break or another control character'):
        clean_credentials({'iam_password': 'pass\x7fword'}, ['iam_password'])


def test_a_header_may_hold_a_space_but_no_control_character():
    transport._check_headers({'Authorization': 'SDK-HMAC-SHA256 Access=a, Signature=b'})
    with pytest.raises(transport.HeaderRefused, match='the X-Auth-Token header'):
        transport._check_headers({'X-Auth-Token': 'tok\ten'})


@pytest.mark.parametrize('check', [lambda url: check_url(url, 'endpoint'), check_proxy])
def test_a_url_may_hold_neither_a_space_nor_a_control_character(check):
    check('http://proxy.example:3128')
    for url in ('http://proxy .example:3128', 'http://proxy.example:3128\x00', 'http://proxy.example\x7f:3128'):
        with pytest.raises(OptionError, match='without spaces or line breaks'):
            check(url)


@pytest.mark.parametrize('bad', ['ak with space', 'ak\x01', 'ak\x7f'])
def test_keys_from_the_metadata_service_may_hold_neither_a_space_nor_a_control_character(bad):
    answer = {'credential': {'access': 'AK', 'secret': 'SK', 'securitytoken': 'TOKEN',
                             'expires_at': '2030-01-01T00:00:00Z'}}
    assert parse_credential(answer)[:3] == ('AK', 'SK', 'TOKEN')
    for field in ('access', 'secret', 'securitytoken'):
        broken = dict(answer['credential'], **{field: bad})
        assert parse_credential({'credential': broken}) is None


def test_an_iam_token_may_hold_neither_a_space_nor_a_control_character(adversary):
    adversary.play([{'path': 'v3/auth/tokens', 'status': 201, 'headers': {'X-Subject-Token': 'tok en'},
                     'json': {'token': {'project': {'id': DEFAULT_PROJECT}}}}])
    params = dict(endpoint=adversary.url, iam_endpoint=adversary.url, project_id=DEFAULT_PROJECT, iam_user='u',
                  iam_password='p', iam_domain='d', retries=0)
    with make_client(params) as client:
        with pytest.raises(ApiError, match='the answer has no usable X-Subject-Token header'):
            client.auth.token(client)


def test_a_metadata_session_token_may_hold_neither_a_space_nor_a_control_character(adversary):
    adversary.play([{'method': 'PUT', 'body': 'tok en'}])
    params = dict(endpoint=adversary.url, metadata_credentials=True, metadata_url=adversary.url,
                  project_id=DEFAULT_PROJECT, retries=0)
    with make_client(params) as client:
        with pytest.raises(ApiError, match='the answer is not a usable token'):
            client.auth.credentials(client)
