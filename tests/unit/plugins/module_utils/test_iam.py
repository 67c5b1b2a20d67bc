"""iam.py: the project id of a region, found from IAM as the official SDK finds it: once per client for every
thread, signed without a project header, and a clear error naming the region for no project, several or a
bad id."""

import threading

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import API_PATH, query_instances

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_CREDENTIALS, DEFAULT_PROJECT, INSTANCE, KEY, PATH, QUERY, base_params, client_for, discovering, fleet,
    instances, query_of)


def test_one_iam_request_for_fifty_instances_and_their_pages(sim):
    fleet(sim, 50)
    params = discovering(sim)
    with client_for(params, concurrency=32) as client:
        results = query_instances(client, instances(50), query_of(params), concurrency=8, missing_ok=False)
        assert client.api_project_id() == DEFAULT_PROJECT
    assert [result['all_ready'] for result in results] == [True] * 50
    stats = sim.stats()
    assert stats['routes'] == {'iam_projects': 1, 'replication': 50}
    iam = [entry for entry in stats['log'] if entry['route'] == 'iam_projects'][0]
    assert iam['query'] == 'name=cn-north-4' and iam['status'] == 200 and iam['auth'] == 'aksk'


def test_discovery_with_the_environments_iam_endpoint(sim):
    params = base_params(sim, project_id=None, region='cn-north-4')
    with client_for(params, {'HUAWEICLOUD_SDK_IAM_ENDPOINT': sim.url}) as client:
        assert client.get_json(API_PATH % (client.api_project_id(), INSTANCE), QUERY, 'Querying')[0]
    assert sim.stats()['routes'] == {'iam_projects': 1, 'replication': 1}


def test_the_iam_request_carries_no_project_header(adversary):
    adversary.play([{'path': '^/v3/projects$', 'json': {'projects': [{'id': DEFAULT_PROJECT, 'name': 'cn-north-4'}]}}])
    params = base_params(adversary, project_id=None, region='cn-north-4', iam_endpoint=adversary.url)
    with client_for(params) as client:
        assert client.api_project_id() == DEFAULT_PROJECT
    request = adversary.log()[0]
    headers = dict((name.lower(), value) for name, value in request['headers'].items())
    assert request['method'] == 'GET' and request['query'] == {'name': 'cn-north-4'}
    assert 'x-project-id' not in headers and headers['authorization'].startswith('SDK-HMAC-SHA256 Access=' + KEY['ak'])
    assert 'x-project-id' not in headers['authorization'].split('SignedHeaders=')[1].split(',')[0]


@pytest.mark.parametrize('projects, message', [
    ([], 'IAM has no project named cn-north-4'),
    ([{'id': 'e3' * 16, 'name': 'cn-east-3'}], 'IAM has no project named cn-north-4'),
    ([{'id': 'a' * 32, 'name': 'cn-north-4'}, {'id': 'b' * 32, 'name': 'cn-north-4'}],
     'IAM has 2 projects named cn-north-4 (%s, %s)' % ('a' * 32, 'b' * 32)),
    ([{'id': 'short', 'name': 'cn-north-4'}], 'the project id IAM gave for cn-north-4 is not 32 letters or digits'),
    ([{'id': 'a' * 31 + '\n', 'name': 'cn-north-4'}], 'is not 32 letters or digits'),
])
def test_no_project_several_or_a_bad_id_is_a_clear_error_naming_the_region(sim, projects, message):
    sim.load({'instances': [], 'credentials': dict(DEFAULT_CREDENTIALS, projects=projects)})
    with client_for(discovering(sim)) as client:
        with pytest.raises(ApiError) as err:
            client.api_project_id()
        with pytest.raises(ApiError):
            client.api_project_id()  # the failure is kept: IAM is not asked again
    text = str(err.value)
    assert message in text and 'Finding the project id of region cn-north-4 from IAM' in text
    assert 'project_id' in text and err.value.request_id
    assert sim.stats()['routes'] == {'iam_projects': 1}


def test_iam_refusing_the_listing_says_to_set_the_project(sim):
    with client_for(discovering(sim, secret_key='wrong-secret-key-value')) as client:
        with pytest.raises(ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
    assert err.value.status == 401 and 'credentials were rejected' in str(err.value)
    assert 'wrong-secret-key-value' not in str(err.value)
    assert sim.stats()['routes'] == {'iam_projects': 1}  # the API itself was never asked
    forbidden = [{'kind': 'error', 'status': 403, 'code': 'IAM.0003', 'message': 'Forbidden', 'route': 'iam'}]
    sim.load({'instances': [], 'faults': forbidden})
    with client_for(discovering(sim)) as client:
        with pytest.raises(ApiError, match='iam:projects:listProjects'):
            client.api_project_id()


def test_concurrent_threads_wait_for_the_one_iam_request(sim):
    sim.load({'instances': [], 'faults': [{'kind': 'latency', 'seconds': 0.3, 'route': 'iam'}]})
    found, start = [], threading.Event()
    with client_for(discovering(sim)) as client:
        def one():
            start.wait()
            found.append(client.api_project_id())
        threads = [threading.Thread(target=one) for _number in range(8)]
        for thread in threads:
            thread.start()
        start.set()
        for thread in threads:
            thread.join(30)
    assert found == [DEFAULT_PROJECT] * 8 and sim.stats()['routes'] == {'iam_projects': 1}
