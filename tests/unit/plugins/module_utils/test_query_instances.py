"""Several instances at once: only an instance that does not exist (DBS.200022) may be left out when
the caller allows it; every other failed query fails, whatever the caller allows."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import (
    NOT_FOUND, is_missing_instance, query_instances)

from ansible_collections.taurusdb.htap.tests.unit.helpers import INSTANCE, base_params, make_client, query_of

BROKEN = '02020202020202020202020202020202in17'
MISSING = 'f' * 32 + 'in17'


def fleet(sim, fault):
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]},
                            {'id': BROKEN, 'tasks': [{'task_name': 'b_db'}], 'faults': [fault]}]})


def query(sim, ids, missing_ok):
    params = base_params(sim, retries=0)
    with make_client(params) as client:
        return query_instances(client, ids, query_of(params), 4, missing_ok)


def test_an_instance_that_does_not_exist_is_none_when_allowed_and_an_error_when_not(sim):
    fleet(sim, {'kind': 'latency', 'seconds': 0})
    results = query(sim, [INSTANCE, MISSING], missing_ok=True)
    assert results[0]['all_ready'] and results[1] is None
    with pytest.raises(ApiError) as err:
        query(sim, [MISSING], missing_ok=False)
    assert err.value.error_code == NOT_FOUND


@pytest.mark.parametrize('fault', [
    {'kind': 'error', 'status': 403, 'code': 'APIGW.0302', 'message': 'not allowed'},
    {'kind': 'error', 'status': 400, 'code': 'DBS.280001', 'message': 'something else'},
    {'kind': 'error', 'status': 404, 'code': 'APIGW.0101', 'message': 'The API does not exist'},
    {'kind': 'error', 'status': 503, 'code': 'SYS.503', 'message': 'busy'},
    {'kind': 'html_error', 'status': 502},
])
@pytest.mark.parametrize('count', [1, 2])
def test_any_other_failed_query_is_never_left_out(sim, fault, count):
    # before nothing failed if is_missing_instance said "missing" for every error: the lookup with
    # on_missing=skip would have dropped the broken instance and passed on the healthy rest
    fleet(sim, fault)
    ids = [INSTANCE, BROKEN][-count:]
    with pytest.raises(ApiError) as err:
        query(sim, ids, missing_ok=True)
    assert err.value.error_code != NOT_FOUND and err.value.status == fault['status']


def test_only_an_api_error_with_the_not_found_code_is_a_missing_instance():
    assert is_missing_instance(ApiError('x', status=400, error_code=NOT_FOUND))
    assert not is_missing_instance(ApiError('x', status=404, error_code='DBS.200023'))
    assert not is_missing_instance(ApiError('x', status=400))
    error = ValueError('x')
    error.error_code = NOT_FOUND
    assert not is_missing_instance(error)
