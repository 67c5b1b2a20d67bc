"""The base of every lookup: a session's result, or an AnsibleLookupError with the secrets scrubbed."""

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import REDACTED, ApiError
from ansible_collections.taurusdb.htap.plugins.plugin_utils.lookup_base import TaurusDBLookupBase

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, KEY


class Lookup(TaurusDBLookupBase):
    def run(self, terms, variables=None, **kwargs):
        raise NotImplementedError


def options(sim):
    return dict(endpoint=[sim.url], project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'])


def test_the_result_is_scrubbed(sim):
    result = Lookup().run_with_client(options(sim), 'Looking', lambda client: [{'echo': KEY['sk']}])
    assert result == [{'echo': REDACTED}]


def test_a_failure_is_a_lookup_error_scrubbed_with_no_chained_exception(sim):
    def work(client):
        raise ApiError('Querying failed: ' + KEY['sk'], status=500, error_code='X.1', request_id='rid-1')
    with pytest.raises(AnsibleLookupError) as error:
        Lookup().run_with_client(options(sim), 'Looking', work)
    assert KEY['sk'] not in str(error.value) and 'X.1' in str(error.value) and 'rid-1' in str(error.value)
    # raised outside any handler: no context that could carry the unscrubbed message to a traceback
    assert error.value.__context__ is None and error.value.__cause__ is None


def test_bad_settings_fail_before_any_request(sim):
    with pytest.raises(AnsibleLookupError, match='retries must be between 0 and 50'):
        Lookup().run_with_client(dict(options(sim), retries=99), 'Looking', lambda client: [])
    assert sim.stats()['total'] == 0


def test_numbers_that_are_not_finite_are_refused_naming_the_option_or_its_variable():
    lookup = Lookup()
    lookup._load_name = 'taurusdb.htap.example'
    lookup._options = {}
    type(lookup).option_definitions = {'retries': {'type': 'int', 'vars': [{'name': 'taurusdb_retries'}]},
                                       'region': {'type': 'str'}}
    with pytest.raises(AnsibleLookupError, match='taurusdb_retries must be a finite number, got inf'):
        lookup._check_numbers({'taurusdb_retries': 'inf', 'region': 'nan'})
    lookup._check_numbers({'retries': 3, 'region': 'nan'})
