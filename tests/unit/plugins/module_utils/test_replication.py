"""Paging, normalization and the readiness verdict, with scripted pages and with the simulator."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils import errors as api, paging, replication
from ansible_collections.taurusdb.htap.plugins.module_utils.paging import Page, canonical, list_all
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import (
    describe_task, judged_listing, names_option, parse_page, query_instance, query_instances, task_identity)
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    IDENTITY_FIELDS, ReadinessRule, normalize, verdict)

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    DEFAULT_PROJECT, INSTANCE, base_params, make_client, query_of)


def list_tasks(fetch, **kwargs):
    return list_all(fetch, task_identity, describe_task, 'tasks', **kwargs)


def item(name, stage='Incremental', status='Yes', **extra):
    data = {'task_name': name, 'source_database': name + '_src', 'target_database': name + '_dst',
            'status': status, 'stage': stage, 'percentage': '100', 'catchup_stage': None, 'catchup_percentage': '0'}
    data.update(extra)
    return data


class Server(object):
    """A scripted API: a list of tasks per listing attempt, pages capped like the real one."""

    def __init__(self, tasks, cap=50, totals=None, fail_at=None):
        self.tasks, self.cap, self.totals, self.fail_at = tasks, cap, totals or {}, fail_at
        self.calls = []
        self.lock = threading.Lock()

    def fetch(self, offset, limit):
        with self.lock:
            self.calls.append((offset, limit))
            number = len(self.calls)
        if self.fail_at == offset:
            raise api.ApiError('page failed', status=500, request_id='rid-fail')
        tasks = self.tasks(number) if callable(self.tasks) else self.tasks
        page = tasks[offset:offset + min(limit, self.cap)]
        return Page(offset, self.totals.get(number, len(tasks)), page, 'rid-%d' % number)


def test_50_item_pages_are_all_fetched_even_when_limit_is_100():
    server = Server([item('t%03d' % i) for i in range(120)])
    listing = list_tasks(server.fetch)
    assert listing['complete'] and listing['total'] == 120 and len(listing['items']) == 120
    # read twice: a listing that would pass is proven not to have changed while it was read
    assert sorted(server.calls) == [(0, 100), (0, 100), (50, 100), (50, 100), (100, 100), (100, 100)]
    assert listing['pages'] == 6 and len(listing['request_ids']) == 6 and listing['consistent']


def test_exactly_one_request_when_everything_fits():
    server = Server([item('task_a'), item('task_b')])
    assert list_tasks(server.fetch)['complete'] and server.calls == [(0, 100)]


def test_empty_instance_is_complete_with_zero_tasks():
    listing = list_tasks(Server([]).fetch)
    assert listing['complete'] and listing['items'] == []


def test_duplicates_across_pages_are_removed():
    tasks = [item('t%02d' % i) for i in range(60)]
    rows = tasks[:49] + tasks[48:]  # the second page repeats one row; the union is still complete
    server = Server(rows, totals=dict.fromkeys(range(1, 5), 60))
    listing = list_tasks(server.fetch, concurrency=1)
    assert listing['complete'] and len(listing['items']) == 60 and len(server.calls) == 2 + 2  # and its proof


def test_task_inserted_while_paging_triggers_a_fresh_listing():
    before = [item('t%02d' % i) for i in range(60)]
    after = [item('new')] + before  # inserted at the front between the two page requests

    def script(number):
        return before if number == 1 else after
    server = Server(script)
    listing = list_tasks(server.fetch, concurrency=1)
    assert listing['complete'] and len(listing['items']) == 61
    assert server.calls == [(0, 100), (50, 100), (0, 100), (50, 100), (0, 100), (50, 100)]


def test_same_name_different_databases_are_two_tasks():
    tasks = [item('dup', source_database='a'), item('dup', source_database='b')]
    listing = list_tasks(Server(tasks).fetch)
    assert listing['complete'] and len(listing['items']) == 2


def test_moving_total_is_retried_then_reported_incomplete():
    tasks = [item('t%02d' % i) for i in range(80)]
    server = Server(tasks, totals={n: 80 + (n % 2) for n in range(1, 100)})
    listing = list_tasks(server.fetch, attempts=3)
    assert not listing['complete']
    assert listing['problems'] == ['listing incomplete after 3 reads: total_count changed while paging (80, 81)']
    assert len(server.calls) == 6


def test_moving_total_that_settles_is_complete():
    tasks = [item('t%02d' % i) for i in range(80)]
    server = Server(tasks, totals={2: 81})
    listing = list_tasks(server.fetch, attempts=3)
    assert listing['complete'] and len(server.calls) == 6  # a read with a moving total, one that settled, its proof


def test_server_ignoring_offset_is_caught_as_incomplete():
    tasks = [item('t%02d' % i) for i in range(80)]

    class IgnoresOffset(Server):
        def fetch(self, offset, limit):
            return Server.fetch(self, 0, limit)
    listing = list_tasks(IgnoresOffset(tasks).fetch, attempts=2)
    assert not listing['complete']
    assert 'fetched 50 unique tasks but total_count is 80' in listing['problems'][0]


def test_a_failing_page_fails_the_listing():
    server = Server([item('t%03d' % i) for i in range(200)], fail_at=100)
    with pytest.raises(api.ApiError) as err:
        list_tasks(server.fetch)
    assert err.value.request_id == 'rid-fail'


def test_explicit_limit_offset_is_one_page_and_partial():
    server = Server([item('t%02d' % i) for i in range(30)])
    listing = list_tasks(server.fetch, limit=10, offset=5)
    assert server.calls == [(5, 10)] and len(listing['items']) == 10 and not listing['complete']
    assert listing['problems'] == ['partial listing: limit/offset were given, so only 10 of 30 tasks were fetched']
    whole = list_tasks(Server([item('task_a')]).fetch, limit=100)
    assert whole['complete'] and whole['problems'] == []


# --- parsing and normalization -------------------------------------------------------------
@pytest.mark.parametrize('payload, detail', [
    ([], 'expected a JSON object'),
    ({'replications': []}, 'total_count is None'),
    ({'total_count': 'many', 'replications': []}, "total_count is 'many'"),
    ({'total_count': True, 'replications': []}, 'total_count is True'),
    ({'total_count': 1, 'replications': 'x'}, 'replications is not a list'),
    ({'total_count': 1, 'replications': ['x']}, 'replications is not a list'),
])
def test_schema_errors(payload, detail):
    with pytest.raises(api.ApiError) as err:
        parse_page(payload, 0, 'rid-1')
    assert detail in str(err.value) and err.value.request_id == 'rid-1'


def test_string_and_number_types_are_both_accepted():
    assert parse_page({'total_count': '2', 'replications': None}, 0, None).total == 2
    assert parse_page({'total_count': 2, 'replications': []}, 0, None).total == 2
    strict = normalize(item('task_a', percentage='42'))
    loose = normalize(item('task_a', percentage=42))
    assert strict['percentage'] == loose['percentage'] == 42.0
    assert normalize(item('task_a', percentage=None))['percentage'] is None
    assert normalize(item('task_a', percentage='n/a'))['percentage'] is None
    assert normalize(item('task_a', percentage='12.5%'))['percentage'] == 12.5


def test_casing_is_normalized_and_originals_kept():
    task = normalize(item('task_a', stage='INCREMENTAL', status='yes', catchup_stage='Full'), return_raw=True)
    assert (task['stage'], task['status'], task['catchup_stage']) == ('incremental', 'yes', 'full')
    assert task['ready'] and task['original']['stage'] == 'INCREMENTAL'


@pytest.mark.parametrize('status, stage, ready', [
    ('Yes', 'Incremental', True), ('YES', 'incremental', True), (' yes\n', '\tINCREMENTAL ', True),
    ('Yes.', 'incremental', False), ('Y', 'incremental', False), ('true', 'incremental', False),
    ('Yes', 'incremental-ish', False), ('Yes', 'in cremental', False), ('Y es', 'incremental', False),
])
def test_the_readiness_rule_is_exactly_as_documented(status, stage, ready):
    # README and the module docs: status Yes and stage incremental, case-insensitive, surrounding whitespace
    # ignored - nothing else (a pin of the documented rule; this behaviour is not new)
    assert normalize(item('task_a', status=status, stage=stage))['ready'] is ready


@pytest.mark.parametrize('fields, reason', [
    ({'status': 'No'}, 'status is No (abnormal)'),
    ({'status': 'Maybe'}, "unknown status 'Maybe'"),
    ({'status': None}, 'unknown status None'),
    ({'stage': 'full', 'percentage': '42'}, 'stage is full (42%)'),
    ({'stage': 'Wait', 'percentage': None}, 'stage is wait'),
    ({'stage': 'paused'}, 'stage is paused (100%)'),
    ({'stage': 'cancelled'}, 'stage is cancelled (100%)'),
    ({'stage': 'rebalancing'}, "unknown stage 'rebalancing'"),
    ({'stage': ''}, 'stage is missing'),
])
def test_not_ready_reasons(fields, reason):
    task = normalize(item('task_a', **fields))
    assert not task['ready'] and task['reasons'] == [reason]


def test_catchup_is_only_required_when_asked():
    task = item('task_a', catchup_stage='full', catchup_percentage='10')
    assert normalize(task)['ready']
    strict = normalize(task, require_catchup=True)
    assert not strict['ready'] and strict['reasons'] == ['catch-up stage is full (10%)']
    assert normalize(item('task_a', catchup_stage='Incremental'), require_catchup=True)['ready']


# --- the verdict ---------------------------------------------------------------------------
def judged(items, **params):
    listing = {'total': len(items), 'items': items, 'request_ids': ['r1', None], 'complete': True, 'consistent': True,
               'problems': []}
    listing.update(params.pop('listing', {}))
    return verdict(INSTANCE, listing, ReadinessRule(**params))


def test_all_ready():
    result = judged([item('task_a'), item('task_b')])
    assert result['all_ready'] and result['summary'] == {
        'total': 2, 'ready': 2, 'not_ready': 0, 'by_stage': {'incremental': 2}, 'by_status': {'yes': 2}}
    assert result['request_ids'] == ['r1']


def test_zero_tasks_is_not_ready_unless_min_tasks_0():
    assert judged([])['problems'] == ['only 0 tasks, at least 1 required (min_tasks)']
    assert not judged([])['all_ready']
    assert judged([], min_tasks=0)['all_ready']


def test_incomplete_listing_is_never_ready():
    result = judged([item('task_a')], listing={'complete': False, 'problems': ['listing incomplete: x']})
    assert not result['all_ready'] and result['problems'] == ['listing incomplete: x']


def test_missing_expected_task():
    result = judged([item('task_a')], expected_tasks=['task_a', 'task_b'])
    assert not result['all_ready'] and result['missing_tasks'] == ['task_b']
    assert result['problems'] == ['expected task task_b is missing']


def test_filters_and_expected_tasks():
    items = [item('orders_db'), item('orders_archive', stage='full'), item('users_db', status='No')]
    by_pattern = judged(items, task_patterns=['orders_*'])
    assert [t['task_name'] for t in by_pattern['replications']] == ['orders_db', 'orders_archive']
    assert [t['task_name'] for t in by_pattern['not_ready']] == ['orders_archive']
    by_name = judged(items, task_names=['orders_db'])
    assert by_name['all_ready'] and by_name['summary']['total'] == 1
    with_expected = judged(items, task_names=['orders_db'], expected_tasks=['users_db'])
    assert [t['task_name'] for t in with_expected['not_ready']] == ['users_db']
    none_match = judged(items, task_patterns=['nothing*'])
    assert none_match['problems'] == ['only 0 matching tasks, at least 1 required (min_tasks)']


def test_one_bad_task_blocks_with_its_reasons():
    result = judged([item('task_a'), item('task_b', stage='full', percentage='42')])
    assert not result['all_ready']
    assert result['not_ready'][0]['reasons'] == ['stage is full (42%)']
    assert result['summary']['by_stage'] == {'incremental': 1, 'full': 1}


# --- against the simulator -------------------------------------------------------------------
def test_query_instance_many_tasks_counts_requests(sim):
    sim.load('many-tasks')
    with make_client(base_params(sim)) as client:
        result = query_instance(client, INSTANCE, query_of(base_params(sim)))
    assert result['all_ready'] and result['total_count'] == 2000 and len(result['replications']) == 2000
    assert sim.stats()['routes'] == {'replication': 80}  # 40 pages, read twice to prove them one state
    assert len(set(result['request_ids'])) == 80


def test_query_instances_fleet(sim):
    sim.load('fleet')
    ids = ['0%d' % n * 16 + 'in17' for n in (1, 2, 3, 4)]
    with make_client(base_params(sim)) as client:
        results = query_instances(client, ids, query_of(base_params(sim)), 4, False)
    assert [r['instance_id'] for r in results] == ids
    assert [r['all_ready'] for r in results] == [True, True, False, True]
    assert results[2]['not_ready'][0]['reasons'] == ['stage is paused (37%)']
    assert results[3]['replications'][0]['percentage'] == 100.0
    # one page is one answer; 120 ready tasks are 3 pages, read twice; a paused task needs no proof
    assert sim.stats()['routes'] == {'replication': 1 + 3 * 2 + 1 + 1}


def test_tasks_vanishing_while_paging_against_the_simulator(sim):
    sim.load({'page_size': 2, 'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'task_a'}, {'task_name': 'task_b'}, {'task_name': 'task_c', 'vanish_after': 1}]}]})
    with make_client(base_params(sim)) as client:
        result = query_instance(client, INSTANCE, query_of(base_params(sim)))
    assert result['complete'] and result['total_count'] == 2 and result['all_ready']
    # the read again asks for both pages of the first at once: the second, now past the end, is left out of
    # the read, and its request id is listed with the others (one for each request sent)
    assert sim.stats()['routes'] == {'replication': 4} and len(result['request_ids']) == 4, result['request_ids']


def test_bad_instance_id_fails_before_any_request(sim):
    from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
    with make_client(base_params(sim)) as client:
        with pytest.raises(OptionError, match='ending in "in17"'):
            query_instance(client, 'not-an-id', query_of(base_params(sim)))
    assert sim.stats()['total'] == 0


# --- what the mutation run found untested -------------------------------------------------------
def test_a_query_has_the_documented_defaults():
    query = query_of({})
    assert (query.limit, query.offset, query.page_concurrency, query.listing_attempts, query.return_raw) == (
        None, None, 4, 3, False)
    rule = query.rule
    assert (rule.task_names, rule.task_patterns, rule.expected_tasks, rule.min_tasks, rule.require_catchup) == \
        ([], [], [], 1, False)
    assert query_of({'task_names': ['a_db'], 'task_patterns': ['b*'], 'expected_tasks': ['c_db'], 'min_tasks': 0,
                     'require_catchup': True}).rule.__dict__ == {
        'task_names': ['a_db'], 'task_patterns': ['b*'], 'expected_tasks': ['c_db'], 'min_tasks': 0,
        'require_catchup': True}


@pytest.mark.parametrize('name, good, bad', [
    ('limit', [1, 100], [0, 101]), ('offset', [0, 5], [-1]), ('page_concurrency', [1, 32], [0, 33]),
    ('listing_attempts', [1, 20], [0, 21]), ('min_tasks', [0, 1000], [-1])])
def test_each_number_of_a_query_is_checked_at_its_bounds(name, good, bad):
    for value in good:
        query_of({name: value})
    for value in bad:
        with pytest.raises(api.OptionError, match='^%s must be ' % name):
            query_of({name: value})


def test_an_empty_name_list_is_none():
    assert query_of({'task_names': [''], 'expected_tasks': None}).rule.task_names == []
    assert query_of({'task_names': []}).rule.task_names == []


def test_one_explicit_page_is_one_request_in_flight():
    assert query_of({'limit': 10}).concurrency == 1 and query_of({'offset': 0}).concurrency == 1
    assert query_of({'page_concurrency': 7}).concurrency == 7


def test_two_tasks_that_differ_only_in_their_target_database_are_two_tasks():
    assert task_identity(item('task_a', target_database='x_sr')) != task_identity(item('task_a', target_database='y_sr'))


def test_rows_without_a_name_are_each_judged_alone_never_a_conflict():
    result = judged([item('task_a'), dict(item('task_b'), task_name=None, stage='full'),
                     dict(item('task_c'), task_name=None, stage='wait')])
    assert not any('inconsistent' in problem for problem in result['problems'])
    assert [task['reasons'][0] for task in result['not_ready']] == ['the task has no name'] * 2


def test_a_listing_asks_for_pages_of_100_by_offset(sim):
    sim.load('many-tasks')
    with make_client(base_params(sim, page_concurrency=1)) as client:
        query_instance(client, INSTANCE, query_of(base_params(sim, page_concurrency=1)))
    queries = [entry['query'] for entry in sim.stats()['log'] if entry.get('route') == 'replication']
    assert queries[:2] == ['limit=100&offset=0', 'limit=100&offset=50']


def test_the_listings_problems_name_tasks():
    server = Server([item('t%02d' % i) for i in range(60)], totals=dict.fromkeys(range(1, 10), 61))
    result = verdict(INSTANCE, list_tasks(server.fetch, attempts=1), ReadinessRule())
    assert result['problems'] == ['listing incomplete after 1 reads: fetched 60 unique tasks but total_count is 61']


def test_a_listing_is_judged_once(monkeypatch):
    from ansible_collections.taurusdb.htap.plugins.module_utils import replication
    calls = []
    monkeypatch.setattr(replication, 'verdict', lambda *args: calls.append(args) or verdict(*args))
    for rows, made in (([item('t%02d' % i) for i in range(60)], 1),  # would pass: judged, proven, not judged again
                       ([item('t%02d' % i, status='No') for i in range(60)], 1),  # would not pass: one read
                       ([item('task_a')], 1)):  # one page: no proof, one verdict
        del calls[:]
        listing, result = replication.judged_listing(Server(rows).fetch, INSTANCE, query_of({}))
        assert len(calls) == made and result == verdict(INSTANCE, listing, ReadinessRule())


def test_a_listings_rows_are_normalized_as_its_pages_arrive_and_once(monkeypatch):
    # before: the verdict normalized every row after the read's last page, on the way to the proof (2,000 rows:
    # 20-30 ms of a 1.1 s listing at 50 ms); now each page's rows while later pages are on the wire. Here the
    # second page is answered only once the first page's rows are normalized (a safety net of 10 s)
    from ansible_collections.taurusdb.htap.plugins.module_utils import replication_verdict
    real, normalized, first_page_done, waited = replication_verdict.normalize, [], threading.Event(), []

    def normalize(row, *args):
        normalized.append(row['task_name'])
        if len(normalized) == 50:
            first_page_done.set()
        return real(row, *args)

    monkeypatch.setattr(replication_verdict, 'normalize', normalize)
    server = Server([item('t%02d' % i) for i in range(60)])

    def fetch(offset, limit):
        if offset:
            waited.append(first_page_done.wait(10))
        return server.fetch(offset, limit)

    listing, result = judged_listing(fetch, INSTANCE, query_of({}))
    assert result['all_ready'] and listing['consistent'] and len(server.calls) == 4  # read, then its proof
    assert waited == [True, True] and sorted(normalized) == ['t%02d' % i for i in range(60)]  # each row once


def test_a_listing_that_would_not_pass_is_proven_when_asked():
    """For a caller that acts on a task's absence (replication_write): a task that paging skipped is no task absent."""
    rows = [item('t%02d' % i, status='No') for i in range(60)]  # would not pass: no proof needed by the gate
    server = Server(rows)
    judged_listing(server.fetch, INSTANCE, query_of({}))
    assert len(server.calls) == 2
    server = Server(rows)
    listing, _result = judged_listing(server.fetch, INSTANCE, query_of({}), proven=True)
    assert len(server.calls) == 4 and listing['consistent'] and len(listing['items']) == 60


def test_a_listing_that_changed_is_judged_again():
    def rows(number):
        return [item('t%02d' % i, catchup_percentage=str(number)) for i in range(60)]  # every request new rows
    listing, result = judged_listing(Server(rows).fetch, INSTANCE, query_of({}))
    assert not result['all_ready'] and not result['consistent'] and result['problems'] == listing['problems']
    assert result['problems'][0].startswith('listing inconsistent after 4 reads: the listing changed')


def test_a_query_never_reads_why_tasks_broke(sim):
    sim.load('broken-with-explanation')
    params = base_params(sim, explain_failures=True)
    with make_client(params) as client:
        assert 'explanations' not in query_instance(client, INSTANCE, query_of(params))
    assert 'replication_config' not in sim.stats()['routes']


def test_a_bad_instance_id_among_several_fails_before_any_request(sim):
    ids = [INSTANCE] * 3 + ['not-an-id']
    with make_client(base_params(sim)) as client:
        with pytest.raises(api.OptionError):
            query_instances(client, ids, query_of(base_params(sim)), 4, False)
    assert sim.stats()['total'] == 0


@pytest.mark.parametrize('count, concurrency, most', [(1, 4, 1), (2, 2, 2), (6, 2, 2), (3, 8, 3)])
def test_instances_are_queried_at_most_concurrency_at_once(monkeypatch, count, concurrency, most):
    from ansible_collections.taurusdb.htap.plugins.module_utils import replication
    changed, state = threading.Condition(), {'now': 0, 'most': 0}

    def one(client, instance_id, query):
        with changed:
            state['now'] += 1
            state['most'] = max(state['most'], state['now'])
            changed.notify_all()
            # hold until as many are in flight as may be (a safety net, not a timing: the wait ends at once then)
            changed.wait_for(lambda: state['most'] >= most, timeout=30)
            state['now'] -= 1
        return {'instance_id': instance_id}
    monkeypatch.setattr(replication, 'query_instance', one)
    pools = []

    def pool(max_workers):
        pools.append(max_workers)
        return ThreadPoolExecutor(max_workers=max_workers)
    monkeypatch.setattr(replication, 'ThreadPoolExecutor', pool)
    ids = ['%032din17' % number for number in range(count)]
    assert replication.query_instances(None, ids, None, concurrency, False) == [{'instance_id': i} for i in ids]
    assert state['most'] == most and pools == ([] if count == 1 else [most])  # one instance: no thread at all


@pytest.mark.parametrize('status, body, hint', [
    (403, {'error_code': 'APIGW.0302', 'error_msg': 'no'}, 'gaussdbformysql:htapInstance:getReplication'),
    (400, {'error_code': 'DBS.200022', 'error_msg': 'Instance not found.'}, 'Check instance_id and that the instance'),
])
def test_listing_errors_say_what_to_do(adversary, status, body, hint):
    adversary.play([{'path': 'replication$', 'status': status, 'json': body}])
    params = dict(endpoint=adversary.url, project_id=DEFAULT_PROJECT, access_key='AK' * 10, secret_key='sk' * 20,
                  retries=0)
    with make_client(params) as client:
        with pytest.raises(api.ApiError) as error:
            query_instance(client, INSTANCE, query_of(params))
    assert hint in error.value.hint


@pytest.mark.parametrize('payload, hint', [
    ([], 'did not match its documented schema'), ({'total_count': 'x'}, 'did not match its documented schema'),
    ({'total_count': 10 ** 9}, 'No real instance has that many tasks')])
def test_odd_answers_say_what_to_do(payload, hint):
    with pytest.raises(api.ApiError) as error:
        parse_page(payload, 0, 'rid')
    assert hint in error.value.hint and error.value.request_id == 'rid'


def test_an_empty_name_list_is_none_and_a_stray_comma_is_refused():
    assert names_option({'task_names': ['']}, 'task_names') == []
    assert names_option({'task_names': None}, 'task_names') == []
    assert names_option({'task_names': ['a_db', 'b_db']}, 'task_names') == ['a_db', 'b_db']
    with pytest.raises(api.OptionError, match='task_names must not contain empty entries'):
        names_option({'task_names': ['a_db', ' ']}, 'task_names')


def test_nameless_rows_each_stand_for_themselves():
    rows = [item('task_a'), dict(item('x_1'), task_name=None), dict(item('x_2'), task_name='  ')]
    listing, result = judged_listing(Server(rows).fetch, INSTANCE, query_of({}))
    assert len(listing['items']) == 3 and listing['complete'] and listing['consistent']
    assert result['summary']['total'] == 3 and not result['all_ready']
    assert len(set(task_identity(row) for row in rows)) == 3


def test_a_listing_that_does_not_add_up_says_it_in_tasks():
    listing, result = judged_listing(Server([item('task_a')], totals={1: 2, 2: 2}).fetch, INSTANCE,
                                     query_of({'listing_attempts': 1}))
    assert result['problems'] == ['listing incomplete after 1 reads: fetched 1 unique tasks but total_count is 2']


def listing_with_ext_text(adversary, ext_text):
    """The verdict of a one-task listing whose answer holds this ext_text."""
    adversary.play([{'path': 'replication$', 'status': 200, 'json': {
        'total_count': '1', 'ext_text': ext_text, 'replications': [
            {'task_name': 'orders_db', 'source_database': 'orders', 'target_database': 'orders_sr',
             'status': 'Yes', 'stage': 'incremental', 'percentage': '100'}]}}])
    params = dict(endpoint=adversary.url, project_id=DEFAULT_PROJECT, access_key='AK' * 10, secret_key='sk' * 20,
                  retries=0)
    with make_client(params) as client:
        return query_instance(client, INSTANCE, query_of(params))


def test_the_listings_ext_text_is_returned_as_server_text(adversary):
    assert listing_with_ext_text(adversary, 'synchronized from node-1')['ext_text'] == 'synchronized from node-1'
    assert listing_with_ext_text(adversary, None)['ext_text'] is None
    result = listing_with_ext_text(adversary, '\x1b[2K\rgate passed {{ lookup("pipe", "id") }}' + 'x' * 5000)
    assert result['ext_text'].startswith('\\x1b[2K\\rgate passed \\x7b{ lookup(')  # no control, no template
    assert len(result['ext_text']) <= 2048 and result['ext_text'].endswith('[... 5043 characters in all]')
    assert result['all_ready']  # it says nothing about readiness


def test_an_ext_text_that_is_not_text_is_kept_as_its_json_text():
    assert parse_page({'total_count': '0', 'ext_text': {'b': 1, 'a': [None]}}, 0, 'rid').ext_text == \
        '{"a": [null], "b": 1}'
    assert parse_page({'total_count': '0', 'ext_text': 7}, 0, 'rid').ext_text == '7'
    assert parse_page({'total_count': '0'}, 0, 'rid').ext_text is None


# --- one canonical form a row (issue 21) -------------------------------------------------------------
def count_dumps(monkeypatch):
    """The rows and keys (dicts, lists) given to canonical(): by paging (a row's text), by replication (identity)."""
    dumped = []

    def counting(value):
        if isinstance(value, (dict, list)):
            dumped.append(value)
        return real(value)
    real = paging.canonical
    monkeypatch.setattr(paging, 'canonical', counting)
    monkeypatch.setattr(replication, 'canonical', counting)
    return dumped


def test_each_row_of_a_listing_is_serialized_once_named_or_not(monkeypatch):
    dumped = count_dumps(monkeypatch)
    rows = [item('task_%03d' % number) for number in range(60)] + [dict(item('x'), task_name=None)]
    listing = list_tasks(Server(rows).fetch, concurrency=1)
    assert listing['complete'] and listing['pages'] == 4  # two pages, read twice (the proof)
    assert len(dumped) == 2 * len(rows)  # once a row a read: its canonical text, identity included


def test_a_task_key_of_text_needs_no_dump_and_keys_are_told_apart_as_their_canonical_texts_are(monkeypatch):
    values = ['a_db', 'A_db', '1', 'true', 'null', '', None, 1, 1.0, True, ['a_db'], {'a': 1}]
    rows = [item('task_a', source_database=source, target_database=target) for source in values for target in values]
    for first in rows:
        for second in rows:
            same_key = canonical([first[name] for name in IDENTITY_FIELDS]) == canonical(
                [second[name] for name in IDENTITY_FIELDS])
            assert (task_identity(first) == task_identity(second)) == same_key
    calls = []
    monkeypatch.setattr(replication, 'canonical', lambda value: calls.append(value) or 'x')
    task_identity(item('task_a', source_database='s_db', target_database=None))
    assert calls == []


def test_a_client_asks_for_every_page_it_read_before_at_once(sim, monkeypatch):
    """The next round of a wait reads a list with the pages its last read had (paging.list_all's
    known_offsets); a new client knows nothing, and another instance's pages are its own."""
    sim.load({'instances': [{'id': INSTANCE, 'generate': {'count': 120}},
                            {'id': INSTANCE.replace('01', '02', 1), 'tasks': [{'task_name': 'a_db'}]}]})
    known = []
    real = replication.list_all
    monkeypatch.setattr(replication, 'list_all', lambda *args, **kwargs: (known.append(args[-1]), real(*args))[1])
    params = base_params(sim)
    with make_client(params) as client:
        for instance_id in (INSTANCE, INSTANCE, INSTANCE.replace('01', '02', 1), INSTANCE):
            assert query_instance(client, instance_id, query_of(params))['all_ready']
    with make_client(params) as client:
        query_instance(client, INSTANCE, query_of(params))
    assert known == [None, [0, 50, 100], None, [0, 50, 100], None]


def test_a_read_that_fails_is_forgotten_and_the_next_starts_from_the_first_page(sim, monkeypatch):
    """An API that refuses an offset past the end of a list that shrank would fail every round of a wait
    that asked for the pages of the last read again: a failed read leaves nothing remembered."""
    sim.load({'instances': [{'id': INSTANCE, 'generate': {'count': 120}}]})
    known = []
    real = replication.list_all
    monkeypatch.setattr(replication, 'list_all', lambda *args, **kwargs: (known.append(args[-1]), real(*args))[1])
    params = base_params(sim)
    with make_client(params) as client:
        query_instance(client, INSTANCE, query_of(params))
        sim.load({'instances': [{'id': INSTANCE, 'generate': {'count': 20}}],
                  'faults': [{'kind': 'error', 'status': 400}]})
        with pytest.raises(api.ApiError):
            query_instance(client, INSTANCE, query_of(params))
        assert client.page_offsets == {}
        sim.load({'instances': [{'id': INSTANCE, 'generate': {'count': 20}}]})
        assert query_instance(client, INSTANCE, query_of(params))['all_ready']
    assert known == [None, [0, 50, 100], None]
