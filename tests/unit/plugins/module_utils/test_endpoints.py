"""Where requests go: the service host of each region and the SDK's per-region override."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.endpoints import resolve_endpoints
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError


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
