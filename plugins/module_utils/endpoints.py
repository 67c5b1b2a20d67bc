# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where requests go: the service host of each region, the SDK's per-region override (several endpoints,
tried in order), the IAM endpoint as the SDK finds it, and checked URLs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import os
import threading

from ansible.module_utils.six.moves.urllib.parse import unquote, urlsplit

from ansible_collections.taurusdb.htap.plugins.module_utils.control_chars import CONTROL_CHARS_OR_SPACE_RE
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

ENDPOINT_SUFFIX = 'myhuaweicloud.com'
SERVICE_HOSTS = {
    'gaussdb': ['cn-north-4', 'cn-southwest-2', 'cn-east-3', 'cn-south-1', 'ru-northwest-2', 'ap-southeast-3',
                'cn-north-2', 'cn-north-9', 'ap-southeast-4', 'sa-brazil-1', 'cn-south-4'],
    'gaussdbformysql': ['tr-west-1', 'ap-southeast-1', 'ap-southeast-2', 'cn-north-11', 'me-east-1'],
    'gaussdb-mysql': ['af-south-1', 'cn-east-5', 'la-north-2', 'cn-southwest-3'],
}
REGION_SERVICE = dict((region, service) for service, regions in SERVICE_HOSTS.items() for region in regions)

IAM_ENDPOINT_ENV = 'HUAWEICLOUD_SDK_IAM_ENDPOINT'
DEFAULT_IAM_ENDPOINT = 'https://iam.myhuaweicloud.com'
# IAM endpoints per region: copied from the official SDK, huaweicloudsdkcore 3.1.219,
# huaweicloudsdkcore/auth/endpoint.py (__IAM_ENDPOINT_DICT), as IamHelper.get_iam_endpoint uses it.
# A region not listed uses DEFAULT_IAM_ENDPOINT, as there.
IAM_ENDPOINTS = {
    "cn-north-2": "https://iam.cn-north-2.myhuaweicloud.com",
    "cn-north-4": "https://iam.cn-north-4.myhuaweicloud.com",
    "cn-north-1": "https://iam.cn-north-1.myhuaweicloud.com",
    "cn-east-2": "https://iam.cn-east-2.myhuaweicloud.com",
    "cn-east-3": "https://iam.cn-east-3.myhuaweicloud.com",
    "cn-south-1": "https://iam.cn-south-1.myhuaweicloud.com",
    "cn-south-2": "https://iam.cn-south-2.myhuaweicloud.com",
    "cn-southwest-2": "https://iam.cn-southwest-2.myhuaweicloud.com",
    "ap-southeast-1": "https://iam.ap-southeast-1.myhuaweicloud.com",
    "ap-southeast-2": "https://iam.ap-southeast-2.myhuaweicloud.com",
    "ap-southeast-3": "https://iam.ap-southeast-3.myhuaweicloud.com",
    "af-south-1": "https://iam.af-south-1.myhuaweicloud.com",
    "sa-brazil-1": "https://iam.sa-brazil-1.myhuaweicloud.com",
    "la-south-2": "https://iam.la-south-2.myhuaweicloud.com",
    "na-mexico-1": "https://iam.na-mexico-1.myhuaweicloud.com",
    "la-north-2": "https://iam.la-north-2.myhuaweicloud.com",
    "cn-north-9": "https://iam.cn-north-9.myhuaweicloud.com",
    "eu-west-0": "https://iam.eu-west-0.myhuaweicloud.com",
    "my-kualalumpur-1": "https://iam.my-kualalumpur-1.myhuaweicloud.com",
    "ru-moscow-1": "https://iam.ru-moscow-1.myhuaweicloud.com",
    "me-east-1": "https://iam.me-east-1.myhuaweicloud.com",
    "ap-southeast-4": "https://iam.ap-southeast-4.myhuaweicloud.com",
    "ae-ad-1": "https://iam.ae-ad-1.myhuaweicloud.com",
    "cn-east-4": "https://iam.cn-east-4.myhuaweicloud.com",
    "cn-east-5": "https://iam.cn-east-5.myhuaweicloud.com",
    "tr-west-1": "https://iam.tr-west-1.myhuaweicloud.com",
    "cn-north-12": "https://iam.cn-north-12.myhuaweicloud.com",
}


def check_url(url, what):
    """An endpoint is scheme://host[:port] and nothing else: a user:password@ part would replace the
    signature with Basic auth, and a path, query or fragment would not be the one signed."""
    url = url.strip() if isinstance(url, str) else url
    if not isinstance(url, str) or CONTROL_CHARS_OR_SPACE_RE.search(url):
        raise OptionError('%s must be an http(s) URL such as https://host[:port] without spaces or line breaks'
                          % what)
    parts = _split(url)
    if parts is None or parts.scheme not in ('http', 'https') or not parts.hostname:
        raise OptionError('%s must be an http(s) URL such as https://host[:port], got %r' % (what, url))
    if '@' in parts.netloc:
        raise OptionError('%s must not hold a user name or password (user:password@host); credentials go in their '
                          'own options' % what)
    if parts.path not in ('', '/') or parts.query or parts.fragment or url.endswith(('?', '#')):
        raise OptionError('%s must be scheme://host[:port] only, without a path, query or fragment, got %r'
                          % (what, url))
    try:
        parts.port
    except ValueError:
        raise OptionError('%s has an invalid port: %r' % (what, url))
    return _with_ascii_host(url, parts, what)


def _split(url):
    """urlsplit(url), or None for a URL it refuses with a ValueError that would show it whole: an unclosed
    IPv6 bracket, or a netloc whose NFKC form holds another '@', ':', '/', '?' or '#' (a fullwidth '\uff20')."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _with_ascii_host(url, parts, what):
    """``url`` (checked, split into ``parts``) with its host name as it goes on the wire (``ascii_host``)."""
    host = ascii_host(parts.hostname, what)
    if host == parts.hostname:
        return url.rstrip('/')
    userinfo, at, _host_port = parts.netloc.rpartition('@')
    return '%s://%s%s%s%s' % (parts.scheme, userinfo, at, host, '' if parts.port is None else ':%d' % parts.port)


def ascii_host(host, what):
    """A host name as it goes on the wire: an internationalized one in its ASCII (punycode) form, encoded as
    requests encodes it for the request line (the idna library, which requests depends on), so that the Host
    header and the signature name the host the request line does. A header cannot carry the name itself."""
    try:
        host.encode('ascii')
        return host
    except UnicodeEncodeError:
        pass
    try:
        try:
            import idna  # pylint: disable=import-outside-toplevel  # requests' own dependency
            return idna.encode(host, uts46=True).decode('ascii')
        except ImportError:
            return host.encode('idna').decode('ascii')  # the standard library's IDNA 2003
    except UnicodeError:  # idna.IDNAError is one
        raise OptionError('%s has a host name that is not a valid internationalized domain name: %r' % (what, host))


def split_endpoints(value):
    """A list of endpoints from a list, or from text with comma-separated URLs; empty items are dropped."""
    items = value if isinstance(value, (list, tuple)) else [value]
    found = []
    for item in items:
        if item is None:
            continue
        for part in (item.split(',') if isinstance(item, str) else [item]):
            if not isinstance(part, str) or part.strip():
                found.append(part)
    return found


def check_urls(urls, what):
    """Every endpoint checked like one (``check_url``), duplicates dropped, order kept."""
    checked = []
    for url in urls:
        url = check_url(url, what)
        if url not in checked:
            checked.append(url)
    return checked


def resolve_endpoints(region=None, endpoint=None, environ=None):
    """The endpoints to try in order: the explicit ones (a list, or comma-separated), else the SDK's
    per-region override HUAWEICLOUD_SDK_REGION_GAUSSDB_<REGION> (comma-separated, as the SDK reads it),
    else the region table."""
    environ = os.environ if environ is None else environ
    given = split_endpoints(endpoint)
    if given:
        return check_urls(given, 'endpoint')
    if not region:
        raise OptionError('set region (for example cn-north-4) or endpoint (environment: '
                          'TAURUSDB_REGION or TAURUSDB_ENDPOINT)')
    override_name = region_override_name(region)
    override = split_endpoints(environ.get(override_name))
    if override:
        return check_urls(override, override_name)
    service = REGION_SERVICE.get(region)
    if service is None:
        raise OptionError('unknown region %r; known regions: %s (or set endpoint, or %s)'
                          % (region, ', '.join(sorted(REGION_SERVICE)), override_name))
    return ['https://%s.%s.%s' % (service, region, ENDPOINT_SUFFIX)]


def region_override_name(region):
    return 'HUAWEICLOUD_SDK_REGION_GAUSSDB_%s' % region.upper().replace('-', '_')


def resolve_iam_endpoint(region=None, iam_endpoint=None, environ=None, file_iam_endpoint=None, file_path=None):
    """The IAM endpoint as the official SDK finds it: the option; then ``iam_endpoint`` of the credentials
    file the credentials came from; then HUAWEICLOUD_SDK_IAM_ENDPOINT; then the SDK's per-region table;
    then the global endpoint."""
    environ = os.environ if environ is None else environ
    if iam_endpoint:
        return check_url(iam_endpoint, 'iam_endpoint')
    if file_iam_endpoint:
        return check_url(file_iam_endpoint, 'iam_endpoint in credentials file %s' % file_path)
    if environ.get(IAM_ENDPOINT_ENV):
        return check_url(environ[IAM_ENDPOINT_ENV], IAM_ENDPOINT_ENV)
    return IAM_ENDPOINTS.get(region or '', DEFAULT_IAM_ENDPOINT)


class Endpoints(object):
    """The endpoints of one run, tried in order when a connection fails; the first one that connects is
    kept (tried first) for the rest of the run. Shared by every thread of a client."""

    def __init__(self, urls):
        if isinstance(urls, str):
            urls = [urls]
        if not urls:
            raise OptionError('no endpoint to connect to')
        self.urls = list(urls)
        self._current = 0
        self._lock = threading.Lock()

    def __len__(self):
        return len(self.urls)

    def __iter__(self):
        return iter(self.urls)

    @property
    def current(self):
        return self.urls[self._current]

    def in_order(self):
        """The kept endpoint first, then the others in their given order."""
        with self._lock:
            current = self._current
        return [self.urls[current]] + [url for index, url in enumerate(self.urls) if index != current]

    def keep(self, url):
        with self._lock:
            self._current = self.urls.index(url)


def check_proxy(url):
    """A proxy is http(s)://[user[:password]@]host[:port]. Errors never show it: it may hold a password."""
    url = url.strip() if isinstance(url, str) else url
    if not isinstance(url, str) or CONTROL_CHARS_OR_SPACE_RE.search(url):
        raise OptionError('proxy must be a URL such as http://[user:password@]host:port without spaces or line '
                          'breaks (its value is not shown)')
    parts = _split(url)
    if parts is None or parts.scheme not in ('http', 'https') or not parts.hostname:
        raise OptionError('proxy must be an http:// or https:// URL such as http://[user:password@]host:port '
                          '(its value is not shown)')
    if parts.path not in ('', '/') or parts.query or parts.fragment or url.endswith(('?', '#')):
        raise OptionError('proxy must be scheme://[user:password@]host[:port] only, without a path, query or fragment '
                          '(its value is not shown)')
    try:
        parts.port
    except ValueError:
        raise OptionError('proxy has an invalid port (its value is not shown)')
    try:  # as an endpoint's: urllib3 would encode the host without the UTS 46 mapping, or refuse it
        return _with_ascii_host(url, parts, 'proxy')
    except OptionError:
        raise OptionError('proxy has a host name that is not a valid internationalized domain name (its value is not '
                          'shown)')


def proxy_secrets(url):
    """Every form a proxy's password can take in output: the URL itself, the password as written and
    decoded, the user:password pair, and the Basic credentials of a Proxy-Authorization header."""
    if not isinstance(url, str) or not url.strip():
        return []
    url = url.strip()
    parts = _split(url)
    if parts is None:  # refused by check_proxy; its parts unknown, the whole URL is the secret
        return [url, url.rstrip('/')]
    netloc = parts.netloc
    if '@' not in netloc:
        return []
    userinfo = netloc.rsplit('@', 1)[0]
    if ':' not in userinfo:
        return []
    user, password = userinfo.split(':', 1)
    forms = [url, url.rstrip('/'), userinfo, password, unquote(password), '%s:%s' % (unquote(user), unquote(password))]
    pair = ('%s:%s' % (unquote(user), unquote(password))).encode('utf-8')
    forms.append(base64.b64encode(pair).decode('ascii'))
    try:
        forms.append(base64.b64encode(pair.decode('utf-8').encode('latin-1')).decode('ascii'))
    except UnicodeEncodeError:
        pass
    return [form for form in forms if form]
