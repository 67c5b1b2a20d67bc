# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where requests go: the service host of each region, the SDK's per-region override, and checked URLs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

ENDPOINT_SUFFIX = 'myhuaweicloud.com'
SERVICE_HOSTS = {
    'gaussdb': ['cn-north-4', 'cn-southwest-2', 'cn-east-3', 'cn-south-1', 'ru-northwest-2', 'ap-southeast-3',
                'cn-north-2', 'cn-north-9', 'ap-southeast-4', 'sa-brazil-1', 'cn-south-4'],
    'gaussdbformysql': ['tr-west-1', 'ap-southeast-1', 'ap-southeast-2', 'cn-north-11', 'me-east-1'],
    'gaussdb-mysql': ['af-south-1', 'cn-east-5', 'la-north-2', 'cn-southwest-3'],
}
REGION_SERVICE = dict((region, service) for service, regions in SERVICE_HOSTS.items() for region in regions)
CONTROL_CHARS_RE = re.compile(r'[\x00-\x20\x7f]')


def check_url(url, what):
    """An endpoint is scheme://host[:port] and nothing else: a user:password@ part would replace the
    signature with Basic auth, and a path, query or fragment would not be the one signed."""
    url = url.strip() if isinstance(url, str) else url
    if not isinstance(url, str) or CONTROL_CHARS_RE.search(url):
        raise OptionError('%s must be an http(s) URL such as https://host[:port] without spaces or line breaks'
                          % what)
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
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
    return url.rstrip('/')


def resolve_endpoint(region=None, endpoint=None, environ=None):
    """An explicit endpoint wins; then the SDK's per-region override; then the region table."""
    environ = os.environ if environ is None else environ
    if endpoint:
        return check_url(endpoint, 'endpoint')
    if not region:
        raise OptionError('set region (for example cn-north-4) or endpoint (environment: '
                          'TAURUSDB_REGION or TAURUSDB_ENDPOINT)')
    override_name = 'HUAWEICLOUD_SDK_REGION_GAUSSDB_%s' % region.upper().replace('-', '_')
    override = environ.get(override_name)
    if override:
        # The SDK accepts a comma-separated list; the first one is used here.
        return check_url(override.split(',')[0].strip(), override_name)
    service = REGION_SERVICE.get(region)
    if service is None:
        raise OptionError('unknown region %r; known regions: %s (or set endpoint, or %s)'
                          % (region, ', '.join(sorted(REGION_SERVICE)), override_name))
    return 'https://%s.%s.%s' % (service, region, ENDPOINT_SUFFIX)


def resolve_iam_endpoint(region=None, iam_endpoint=None):
    if iam_endpoint:
        return check_url(iam_endpoint, 'iam_endpoint')
    if not region:
        raise OptionError('IAM password authentication needs region or iam_endpoint')
    return 'https://iam.%s.%s' % (region, ENDPOINT_SUFFIX)
