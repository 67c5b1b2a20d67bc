"""Where requests go: the service host of each region and the SDK's per-region override, the IAM endpoint
as the SDK finds it, and the proxy option - every URL checked before any request, a proxy's password never
shown."""

import base64
from urllib.parse import quote

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings, secrets_of
from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import (
    DEFAULT_IAM_ENDPOINT, IAM_ENDPOINTS, check_proxy, proxy_secrets, resolve_endpoints, resolve_iam_endpoint)
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError, Scrubber

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, INSTANCE, PATH, QUERY, base_params, client_for, closed_port, proxy_url)


# --- API endpoints ---------------------------------------------------------------------------
def test_region_table_and_sdk_override():
    assert resolve_endpoints('cn-north-4', environ={}) == ['https://gaussdb.cn-north-4.myhuaweicloud.com']
    assert resolve_endpoints('tr-west-1', environ={}) == ['https://gaussdbformysql.tr-west-1.myhuaweicloud.com']
    assert resolve_endpoints('af-south-1', environ={}) == ['https://gaussdb-mysql.af-south-1.myhuaweicloud.com']
    env = {'HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4': 'https://a.example:8443/, https://b.example'}
    assert resolve_endpoints('cn-north-4', environ=env) == ['https://a.example:8443', 'https://b.example']
    assert resolve_endpoints('cn-north-4', 'http://127.0.0.1:1/', environ=env) == ['http://127.0.0.1:1']


def test_unknown_region_lists_the_known_ones():
    with pytest.raises(OptionError) as err:
        resolve_endpoints('mars-1', environ={})
    assert 'mars-1' in str(err.value) and 'cn-north-4' in str(err.value) and 'ap-southeast-1' in str(err.value)
    with pytest.raises(OptionError, match='http'):
        resolve_endpoints(endpoint='ftp://x', environ={})
    with pytest.raises(OptionError, match='region'):
        resolve_endpoints(environ={})


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
    ('https://[::1', 'must be an http(s) URL'),  # urlsplit: "Invalid IPv6 URL"
    ('https://bücher.example\uff1a8443', 'must be an http(s) URL'),  # a fullwidth colon: urlsplit's NFKC check
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


@pytest.mark.parametrize('endpoint, sent', [
    ('https://bücher.example:8443/', 'https://xn--bcher-kva.example:8443'),
    ('https://数据库.Example.invalid', 'https://xn--dxty1ibyb.example.invalid'),
    ('https://GaussDB.example', 'https://GaussDB.example'),  # an ASCII name is left as given
])
def test_an_internationalized_host_is_sent_in_its_ascii_form(endpoint, sent):
    # as requests writes the request line: the Host header and the signature must name that same host
    assert resolve_endpoints(endpoint=endpoint, environ={}) == [sent]


def test_a_host_name_that_is_not_a_valid_internationalized_name_is_refused():
    with pytest.raises(OptionError, match="endpoint has a host name that is not a valid internationalized domain name: "
                                          "'-bad-ü.example'"):
        resolve_endpoints(endpoint='https://-bad-ü.example', environ={})


@pytest.mark.parametrize('endpoints, message', [
    (['https://gaussdb.example', 'https://u:p@other.example'], 'endpoint must not hold a user name'),
    ('https://gaussdb.example, ftp://other.example', 'endpoint must be an http(s) URL'),
    (['https://gaussdb.example/path'], 'without a path'),
])
def test_every_endpoint_is_checked(endpoints, message):
    with pytest.raises(OptionError, match=message.replace('(', '\\(').replace(')', '\\)')):
        resolve_endpoints(endpoint=endpoints, environ={})
    env = {'HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4': 'https://ok.example,http://bad.example/x'}
    with pytest.raises(OptionError, match='HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4 must be scheme://host'):
        resolve_endpoints('cn-north-4', environ=env)


def test_the_sdks_comma_separated_override_is_tried_in_order(sim):
    dead = 'http://127.0.0.1:%d' % closed_port()
    env = {'HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4': '%s, %s,' % (dead, sim.url)}
    params = base_params(sim, endpoint=None, region='cn-north-4')
    with client_for(params, env) as client:
        assert client.endpoints.urls == [dead, sim.url]
        assert client.get_json(PATH, QUERY, 'Querying')[0]['total_count'] == '3'


# --- the IAM endpoint, as the SDK finds it ---------------------------------------------------
def test_iam_endpoint_option_then_file_then_environment_then_table_then_global():
    env = {'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'https://iam.env.example'}
    assert resolve_iam_endpoint('cn-north-4', 'https://iam.option.example/', env, 'https://iam.file.example') == \
        'https://iam.option.example'
    assert resolve_iam_endpoint('cn-north-4', None, env, 'https://iam.file.example') == 'https://iam.file.example'
    assert resolve_iam_endpoint('cn-north-4', None, env) == 'https://iam.env.example'
    assert resolve_iam_endpoint('cn-north-4', None, {}) == 'https://iam.cn-north-4.myhuaweicloud.com'
    assert resolve_iam_endpoint('ap-southeast-1', None, {}) == IAM_ENDPOINTS['ap-southeast-1']
    # a region the SDK's table does not list (the API has it) goes to the global endpoint, as in the SDK
    assert 'cn-southwest-3' not in IAM_ENDPOINTS
    assert resolve_iam_endpoint('cn-southwest-3', None, {}) == DEFAULT_IAM_ENDPOINT == 'https://iam.myhuaweicloud.com'
    assert resolve_iam_endpoint(None, None, {}) == DEFAULT_IAM_ENDPOINT


def test_the_iam_table_is_the_sdks():
    from huaweicloudsdkcore.auth import endpoint as sdk_endpoint
    for region, url in IAM_ENDPOINTS.items():
        assert sdk_endpoint.get_iam_endpoint_by_id(region) == url
    assert len(IAM_ENDPOINTS) == len(getattr(sdk_endpoint, '__IAM_ENDPOINT_DICT'))


def test_a_bad_iam_endpoint_names_where_it_came_from():
    with pytest.raises(OptionError, match='HUAWEICLOUD_SDK_IAM_ENDPOINT must be an http'):
        resolve_iam_endpoint('cn-north-4', None, {'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'iam.example'})
    with pytest.raises(OptionError, match='iam_endpoint in credentials file /x/credentials must not hold a user'):
        resolve_iam_endpoint('cn-north-4', None, {}, 'https://u:p@iam.example', '/x/credentials')
    # checked before any request, only when it is needed (no project id)
    with pytest.raises(OptionError, match='HUAWEICLOUD_SDK_IAM_ENDPOINT'):
        ConnectionSettings(dict(region='cn-north-4', access_key='AK', secret_key='SK-value'),
                           environ={'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'ftp://iam.example'})
    assert ConnectionSettings(dict(region='cn-north-4', access_key='AK', secret_key='SK-value', project_id=DEFAULT_PROJECT),
                              environ={'HUAWEICLOUD_SDK_IAM_ENDPOINT': 'ftp://iam.example'}).auth.finder is None


# --- the proxy option ------------------------------------------------------------------------
@pytest.mark.parametrize('proxy, message', [
    ('socks5://u:secret-pw@proxy.example:1080', 'must be an http:// or https:// URL'),
    ('http://u:secret-pw@proxy.example:1080/path', 'without a path, query or fragment'),
    ('http://u:secret-pw@proxy.example:99999', 'invalid port'),
    ('http://u:secret-pw@proxy .example', 'without spaces or line breaks'),
    ('http://u:secret-pw@[::1', 'must be an http:// or https:// URL'),
    ('http://u:secret-pw\uff20x@proxy.example:1080', 'must be an http:// or https:// URL'),  # fullwidth '@'
    ('http://u:secret-pw@-bad-\u00fc.proxy.example:1080', 'proxy has a host name that is not a valid internationalized'),
])
def test_a_bad_proxy_is_refused_without_showing_it(proxy, message):
    with pytest.raises(OptionError) as err:
        check_proxy(proxy)
    assert message in str(err.value) and 'secret-pw' not in str(err.value) and 'proxy.example' not in str(err.value)


@pytest.mark.parametrize('proxy, sent', [
    ('http://u:secret-pw@b\u00fccher.example:3128/', 'http://u:secret-pw@xn--bcher-kva.example:3128'),
    ('http://\uff30\uff32\uff2f\uff38\uff39.example', 'http://proxy.example'),  # fullwidth letters
    ('http://Proxy.example:3128', 'http://Proxy.example:3128'),  # an ASCII name is left as given
])
def test_an_internationalized_proxy_host_is_used_in_its_ascii_form(proxy, sent):
    # as the endpoint's: urllib3 encodes the name itself without the UTS 46 mapping, and refused fullwidth letters
    # only when the request was made ("could not be made ... check endpoint, region and the credentials")
    assert check_proxy(proxy) == sent


def test_a_proxy_named_in_fullwidth_letters_is_used(sim):
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}],
              'proxy': {'user': 'proxy-user', 'password': 'right-password'}})
    proxy = proxy_url(sim, password='right-password').replace('127.0.0.1', '\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54')
    assert 'localhost' not in proxy
    params = base_params(sim, endpoint='http://gaussdb.example.invalid', ca_path=None, proxy=proxy, retries=0)
    with client_for(params) as client:
        client.get_json(PATH, QUERY, 'Querying')
    assert sim.stats()['total'] == 1  # through the proxy: gaussdb.example.invalid has no address


def test_proxy_secrets_cover_every_form():
    forms = proxy_secrets('http://us%40er:p%3Ass@proxy.example:3128')
    assert 'p%3Ass' in forms and 'p:ss' in forms and base64.b64encode(b'us@er:p:ss').decode() in forms
    assert 'http://us%40er:p%3Ass@proxy.example:3128' in forms
    assert proxy_secrets('http://proxy.example:3128') == [] and proxy_secrets('http://user@proxy.example') == []
    # a URL urlsplit refuses (its ValueError would show it whole): the URL itself is the secret
    assert proxy_secrets(' http://u:secret-pw\uff20x@proxy.example:1080/ ') == [
        'http://u:secret-pw\uff20x@proxy.example:1080/', 'http://u:secret-pw\uff20x@proxy.example:1080']


def test_the_proxy_password_never_shows(sim, adversary):
    sim.load({'instances': [], 'proxy': {'user': 'proxy-user', 'password': 'right-password'}})
    password = 'pr0xy:p@ss w0rd'
    params = base_params(sim, endpoint='http://gaussdb.example.invalid', ca_path=None, proxy=proxy_url(sim, password=password),
                         retries=0)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert err.value.status == 407 and 'proxy authentication required' in str(err.value)
    # a proxy that echoes what it was sent, in every header
    adversary.play([{'status': 502, 'json': {'error_code': 'PROXY.0502', 'error_msg': 'refused {{header:Proxy-Authorization}}'},
                     'headers': {'X-Echo': '{{header:Proxy-Authorization}}'}}])
    params = base_params(sim, endpoint='http://gaussdb.example.invalid', ca_path=None,
                         proxy=proxy_url(adversary, password=password), retries=0)
    with client_for(params) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    echoed = adversary.log()[0]['headers']['Proxy-Authorization']
    assert echoed.startswith('Basic ') and err.value.status == 502
    text = str(err.value) + repr(err.value.to_result())
    basic = base64.b64encode(('proxy-user:' + password).encode()).decode()
    for form in (password, quote(password, safe=''), basic, echoed, params['proxy']):
        assert form not in text
    scrubber = Scrubber(secrets_of(params))
    for form in (password, quote(password, safe=''), quote(password), basic, params['proxy'], 'proxy-user:' + password):
        assert form not in scrubber.text('x %s y' % form), form
