"""The event source's options: one ID as a string, what a watch cannot use refused, no secret in an error."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.specs import WATCH_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_options import (
    SPEC, WatchOptionError, watch_options)

from ansible_collections.taurusdb.htap.tests.unit.helpers import INSTANCE


def test_options_accept_one_id_and_refuse_what_a_watch_cannot_use():
    params, _session = watch_options({'instance_ids': INSTANCE, 'interval': '5'}, {})
    assert params['instance_ids'] == [INSTANCE] and params['interval'] == 5.0 and params['initial_state'] is True
    assert set(WATCH_SPEC) <= set(SPEC) and 'limit' not in SPEC and 'return_raw' not in SPEC
    for args, words in [({}, 'give instance_ids'),
                        ({'instance_ids': [INSTANCE], 'interval': 0}, 'interval must be between 0.1'),
                        ({'instance_ids': [INSTANCE], 'limit': 10}, 'limit'),
                        ({'instance_ids': ['nope']}, 'is not a StarRocks instance id'),
                        ({'taurusdb_instance_ids': ['0a0a']}, 'is not a TaurusDB instance id'),
                        ({'instance_ids': [INSTANCE], 'instance_concurrency': 99}, 'instance_concurrency')]:
        with pytest.raises(WatchOptionError) as caught:
            watch_options(args, {})
        assert words in str(caught.value), (args, str(caught.value))


def test_option_errors_never_show_a_secret():
    secret = 'SECRET-sk-0123456789'
    with pytest.raises(WatchOptionError) as caught:
        watch_options({'instance_ids': [secret], 'secret_key': secret, 'access_key': 'AK'}, {})
    assert secret not in str(caught.value) and '********' in str(caught.value)
    with pytest.raises(WatchOptionError) as caught:  # a secret from the environment, too
        watch_options({'instance_ids': [secret]}, {'HUAWEICLOUD_SDK_SK': secret, 'HUAWEICLOUD_SDK_AK': 'AK'})
    assert secret not in str(caught.value)
