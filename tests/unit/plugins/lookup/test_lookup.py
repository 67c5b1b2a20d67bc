"""The lookup in-process, through Ansible's plugin loader, against the simulator."""

import pytest
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

from ansible_collections.taurusdb.htap.plugins.test.replication import replication_ready

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, KEY

NAME = 'taurusdb.htap.taurusdb_starrocks_replication_info'
MISSING = 'f' * 32 + 'in17'


@pytest.fixture
def lookup():
    return lookup_loader.get(NAME, loader=DataLoader(), templar=Templar(loader=DataLoader()))


def options(sim, **extra):
    values = dict(endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
                  retry_backoff=0.01)
    values.update(extra)
    return values


def test_results_are_plain_data_in_the_order_asked(sim, lookup):
    sim.load('fleet')
    ids = ['0%d' % n * 16 + 'in17' for n in (3, 1)]
    results = lookup.run(ids, {}, **options(sim))
    assert [r['instance_id'] for r in results] == ids and [r['all_ready'] for r in results] == [False, True]
    assert all(r.__class__ is dict for r in results) and 'original' not in results[1]['replications'][0]


def test_each_result_has_the_listings_ext_text_as_server_text(sim, lookup):
    sim.load({'ext_text': 'note {{ x }}', 'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}]})
    assert lookup.run([INSTANCE], {}, **options(sim))[0]['ext_text'] == 'note \\x7b{ x }}'


def test_every_instance_skipped_is_an_empty_list_that_never_passes(sim, lookup):
    # before: [] and "map(attribute='all_ready') is all" was true
    results = lookup.run([MISSING], {}, **options(sim, on_missing='skip'))
    assert results == [] and not replication_ready(results)


@pytest.mark.parametrize('on_missing', ['skip', 'warn'])
def test_only_an_instance_that_does_not_exist_is_skipped_any_other_failure_fails(sim, lookup, on_missing):
    # a lookup that dropped every failed instance would pass the gate on the healthy rest
    broken = '02020202020202020202020202020202in17'
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]},
                            {'id': broken, 'tasks': [{'task_name': 'b_db'}],
                             'faults': [{'kind': 'error', 'status': 403, 'code': 'APIGW.0302', 'message': 'no'}]}]})
    results = lookup.run([INSTANCE, MISSING], {}, **options(sim, on_missing=on_missing))
    assert [result['instance_id'] for result in results] == [INSTANCE]
    with pytest.raises(AnsibleLookupError, match='HTTP 403 APIGW.0302'):
        lookup.run([INSTANCE, broken], {}, **options(sim, on_missing=on_missing, retries=0))


def test_taurusdb_variables_set_options(sim, lookup):
    variables = dict(('taurusdb_' + name, value) for name, value in options(sim).items())
    assert lookup.run([INSTANCE], variables)[0]['all_ready']


def test_errors_are_lookup_errors_without_secrets(sim, lookup):
    with pytest.raises(AnsibleLookupError) as err:
        lookup.run([INSTANCE], {}, **options(sim, secret_key='wrong-secret-key-123'))
    assert 'HTTP 401' in str(err.value) and 'wrong-secret-key-123' not in str(err.value)
    assert err.value.__cause__ is None and err.value.__context__ is None
    with pytest.raises(AnsibleLookupError, match='give at least one instance ID'):
        lookup.run([], {}, **options(sim))


def test_fifty_instances_without_a_project_id_ask_iam_once(sim, lookup):
    ids = ['%032din17' % number for number in range(1, 51)]
    sim.load({'instances': [{'id': instance_id, 'tasks': [{'task_name': 'a_db'}]} for instance_id in ids]})
    results = lookup.run(ids, {}, **options(sim, project_id=None, region='cn-north-4', iam_endpoint=sim.url,
                                            instance_concurrency=8))
    assert [r['instance_id'] for r in results] == ids and all(r['all_ready'] for r in results)
    assert sim.stats()['routes'] == {'iam_projects': 1, 'replication': 50}


def test_connection_variables_for_proxy_endpoints_and_metadata(sim, lookup):
    sim.load({'proxy': {'user': 'u', 'password': 'proxy-secret-2'},
              'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}]})
    variables = {'taurusdb_endpoint': 'http://gaussdb.example.invalid,http://other.example.invalid',
                 'taurusdb_proxy': 'http://u:proxy-secret-2@%s' % sim.url.split('://', 1)[1],
                 'taurusdb_metadata_credentials': True, 'taurusdb_metadata_url': sim.url,
                 'taurusdb_project_id': DEFAULT_PROJECT, 'taurusdb_retry_backoff': 0.01}
    assert lookup.run([INSTANCE], variables)[0]['all_ready']
    stats = sim.stats()
    assert stats['auth']['aksk-metadata'] == 1 and stats['routes']['metadata_securitykey'] == 1
    # the API went through the proxy (to the first of the two endpoints); the metadata service never does
    assert stats['proxied'] == 1 and stats['log'][-1]['target'] == 'http://gaussdb.example.invalid'
    with pytest.raises(AnsibleLookupError) as err:
        lookup.run([INSTANCE], dict(variables, taurusdb_proxy='http://u:wrong-proxy-pw@%s' % sim.url.split('://', 1)[1],
                                    taurusdb_retries=0))
    assert 'HTTP 407' in str(err.value) and 'wrong-proxy-pw' not in str(err.value)


def number_options():
    found = lookup_loader.get(NAME, loader=DataLoader(), templar=Templar(loader=DataLoader())).option_definitions
    return sorted(name for name, option in found.items() if option.get('type') in ('int', 'float'))


@pytest.mark.parametrize('name', number_options())
@pytest.mark.parametrize('value', [float('nan'), float('inf'), float('-inf'), 'nan'])
def test_a_number_option_that_is_not_finite_is_refused_before_any_request(sim, lookup, name, value):
    # before: nan passed every range check (a nan timeout failed every query "unexpectedly"), and an
    # infinite whole number was ansible-core's OverflowError
    assert {'instance_concurrency', 'read_timeout', 'limit'} <= set(number_options())
    with pytest.raises(AnsibleLookupError) as err:
        lookup.run([INSTANCE], {}, **options(sim, **{name: value}))
    assert str(err.value).startswith('%s must be a finite number, got ' % name)
    assert sim.stats()['total'] == 0


@pytest.mark.parametrize('variable, value', [('taurusdb_read_timeout', 'nan'), ('taurusdb_retries', 'inf'),
                                             ('taurusdb_retry_backoff', '-inf')])
def test_a_number_from_a_variable_that_is_not_finite_is_refused(sim, lookup, variable, value):
    with pytest.raises(AnsibleLookupError, match='^%s must be a finite number, got %s$' % (variable, value)):
        lookup.run([INSTANCE], {variable: value}, **options(sim))
    assert sim.stats()['total'] == 0


def test_expected_tasks_given_as_an_empty_string_are_none(sim, lookup):
    # before: "" became [''], a nameless expected task that never exists
    result = lookup.run([INSTANCE], {}, **options(sim, expected_tasks='', task_names=''))[0]
    assert result['all_ready'] and result['missing_tasks'] == []
