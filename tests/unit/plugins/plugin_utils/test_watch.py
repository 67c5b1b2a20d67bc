"""The watch's state and events without I/O: what changes make events, the backoff schedule, and flat
memory over many polls of thousands of tasks."""

import asyncio
import gc
import threading

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import ReadinessRule, verdict
from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch import (
    EVENT_TYPES, SPEC, WATCH_SPEC, DaemonThreadExecutor, Watch, WatchOptionError, run_watch, watch_options)

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, KEY

INSTANCE = '01010101010101010101010101010101in17'
TAURUSDB = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def row(name, status='Yes', stage='Incremental', percentage='100'):
    return {'task_name': name, 'source_database': name, 'target_database': name + '_sr', 'status': status,
            'stage': stage, 'percentage': percentage}


def result(rows, complete=True, problems=(), rule=None):
    listing = {'total': len(rows), 'items': rows, 'request_ids': ['r1'], 'complete': complete, 'consistent': complete,
               'problems': list(problems)}
    return verdict(INSTANCE, listing, rule or ReadinessRule())


def types(events):
    return [(event['type'], event['task_name']) for event in events]


@pytest.fixture
def clock():
    return Clock()


def test_the_first_state_then_only_changes(clock):
    watch = Watch([INSTANCE], interval=10, clock=clock)
    state = watch.instances[INSTANCE]
    first = watch.observe(state, result([row('a_db'), row('b_db', status='No'), row('c_db', stage='full', percentage='40')]))
    assert types(first) == [('initial_state', None), ('task_not_ready', 'b_db'), ('task_not_ready', 'c_db')]
    assert first[0]['not_ready_count'] == 2 and first[0]['all_ready'] is False
    assert first[1]['initial'] is True and first[1]['old'] is None and first[1]['new']['broken'] is True
    assert first[2]['new']['broken'] is False and first[2]['new']['percentage'] == 40.0
    # the same answer again, and progress alone (40% -> 60%), are not changes
    assert watch.observe(state, result([row('a_db'), row('b_db', status='No'), row('c_db', stage='full', percentage='40')])) == []
    assert watch.observe(state, result([row('a_db'), row('b_db', status='No'), row('c_db', stage='full', percentage='60')])) == []
    events = watch.observe(state, result([row('a_db', status='No'), row('b_db'), row('c_db', stage='paused', percentage='60'),
                                          row('d_db')]))
    assert types(events) == [('task_not_ready', 'a_db'), ('task_ready', 'b_db'), ('task_changed', 'c_db'),
                             ('task_appeared', 'd_db')]
    broke = events[0]
    assert broke['old']['status'] == 'yes' and broke['new']['status'] == 'no'
    assert broke['new']['reasons'] == ['status is No (abnormal)'] and broke['task']['target_database'] == 'a_db_sr'
    assert events[2]['old']['stage'] == 'full' and events[2]['new']['stage'] == 'paused' and events[2]['new']['broken']
    assert all(event['all_ready'] is False and event['initial'] is False for event in events)
    gone = watch.observe(state, result([row('a_db'), row('b_db'), row('c_db')]))
    assert types(gone) == [('task_ready', 'a_db'), ('task_ready', 'c_db'), ('task_vanished', 'd_db')]
    assert gone[2]['new'] is None and gone[2]['old']['ready'] is True and gone[2]['all_ready'] is True
    assert set(event['type'] for event in first + events + gone) <= set(EVENT_TYPES)


def test_without_initial_state_the_first_poll_says_nothing(clock):
    watch = Watch([INSTANCE], interval=10, initial_state=False, clock=clock)
    state = watch.instances[INSTANCE]
    assert watch.observe(state, result([row('a_db', status='No')])) == []
    assert types(watch.observe(state, result([row('a_db')]))) == [('task_ready', 'a_db')]


def test_two_tasks_with_one_name_are_two_tasks(clock):
    watch = Watch([INSTANCE], interval=10, initial_state=False, clock=clock)
    state = watch.instances[INSTANCE]
    twin_a, twin_b = dict(row('twin'), source_database='a'), dict(row('twin'), source_database='b')
    watch.observe(state, result([twin_a, twin_b]))
    events = watch.observe(state, result([twin_a, dict(twin_b, status='No')]))
    assert types(events) == [('task_not_ready', 'twin')] and events[0]['task']['source_database'] == 'b'


def test_an_incomplete_listing_changes_no_task_but_says_so(clock):
    watch = Watch([INSTANCE], interval=10, initial_state=False, clock=clock)
    state = watch.instances[INSTANCE]
    watch.observe(state, result([row('a_db'), row('b_db')]))
    problem = 'listing incomplete after 3 attempts: total_count changed while paging (2, 3)'
    events = watch.observe(state, result([row('a_db')], complete=False, problems=[problem]))
    assert types(events) == [('problems_changed', None)]  # b_db did not vanish: the listing lacks it
    assert events[0]['new'] == [problem] and events[0]['old'] == []
    assert watch.observe(state, result([row('a_db')], complete=False, problems=[problem])) == []
    events = watch.observe(state, result([row('a_db'), row('b_db')]))
    assert types(events) == [('problems_changed', None)] and events[0]['new'] == []


def test_expected_tasks_missing_is_a_problem_change(clock):
    rule = ReadinessRule(expected_tasks=['ledger_db'])
    watch = Watch([INSTANCE], interval=10, initial_state=False, clock=clock)
    state = watch.instances[INSTANCE]
    watch.observe(state, result([row('a_db'), row('ledger_db')], rule=rule))
    events = watch.observe(state, result([row('a_db')], rule=rule))
    assert types(events) == [('task_vanished', 'ledger_db'), ('problems_changed', None)]
    assert events[1]['new'] == ['expected task ledger_db is missing']


def test_failures_back_off_within_limits_and_recover(clock):
    watch = Watch([INSTANCE, '02020202020202020202020202020202in17'], interval=10, max_backoff=75, clock=clock)
    state, other = watch.instances[INSTANCE], watch.instances['02020202020202020202020202020202in17']
    busy = {'msg': 'Querying failed: HTTP 503 SYS.0503 "busy"', 'status': 503, 'error_code': 'SYS.0503',
            'error_msg': 'busy', 'request_id': 'req-1'}
    waits, events = [], []
    for attempt in range(6):
        events += watch.failed(state, dict(busy, request_id='req-%d' % attempt))  # another request id: the same error
        waits.append(state.next_due - clock.now)
        clock.now = state.next_due
    assert waits == [20, 40, 75, 75, 75, 75]  # doubled, then at most max_backoff
    assert types(events) == [('query_failed', None)]  # said once, not every poll
    assert events[0]['error']['error_code'] == 'SYS.0503' and events[0]['retry_in'] == 20
    assert events[0]['consecutive_failures'] == 1
    # the other instance keeps its own pace
    assert other.next_due <= clock.now and other in watch.due(clock.now)[1]
    changed = watch.failed(state, {'msg': 'HTTP 401 APIGW.0301', 'status': 401, 'error_code': 'APIGW.0301'})
    assert types(changed) == [('query_failed', None)] and changed[0]['consecutive_failures'] == 7
    clock.now += 75
    back = watch.observe(state, result([row('a_db')]))
    assert types(back) == [('query_recovered', None), ('initial_state', None)]
    assert back[0]['failures'] == 7 and back[0]['error']['error_code'] == 'APIGW.0301'
    assert back[0]['failed_for'] == 10 * 0 + sum(waits) + 75
    assert state.next_due - clock.now == 10


def test_discovery_adds_and_drops_instances(clock):
    second, third = '02020202020202020202020202020202in17', '03030303030303030303030303030303in17'
    watch = Watch([INSTANCE], [TAURUSDB], interval=10, initial_state=False, clock=clock)
    discovery = watch.discoveries[TAURUSDB]
    assert watch.discovered(discovery, [INSTANCE, second]) == []  # the first list is the initial state
    assert list(watch.instances) == [INSTANCE, second]
    assert watch.instances[second].report_first is False
    events = watch.discovered(discovery, [INSTANCE, third])
    assert types(events) == [('instance_appeared', None), ('instance_vanished', None)]
    assert [e['instance_id'] for e in events] == [third, second]
    assert watch.instances[third].report_first is True  # found later: its first state is news
    # an instance also given by ID stays watched when the TaurusDB instance no longer lists it
    assert types(watch.discovered(discovery, [third])) == []
    assert list(watch.instances) == [INSTANCE, third]
    failed = watch.discovery_failed(discovery, {'msg': 'boom', 'status': 500, 'error_code': 'X'})
    assert types(failed) == [('discovery_failed', None)] and failed[0]['watching'] == [third]
    assert watch.discovery_failed(discovery, {'msg': 'boom', 'status': 500, 'error_code': 'X'}) == []
    assert types(watch.discovered(discovery, [third])) == [('discovery_recovered', None)]


def test_memory_stays_flat_over_many_polls_of_thousands_of_tasks(clock):
    """2,500 tasks, 250 polls, hundreds of them changing or coming and going every poll: after poll 250
    the watch holds what it held after poll 50 - the last state of each present task, nothing else."""
    watch = Watch([INSTANCE], interval=1, clock=clock)
    state = watch.instances[INSTANCE]

    def poll(number):  # a judged listing, as query_instance returns it (built directly: verdict is slow)
        tasks = []
        for i in range(2500):
            if (i + number) % 50 == 7:
                continue  # comes and goes
            broken = (i + number) % 10 == 0
            tasks.append({'task_name': 'task_%05d' % i, 'source_database': 'src_%05d' % i,
                          'target_database': 'dst_%05d' % i, 'status': 'no' if broken else 'yes',
                          'stage': 'incremental', 'percentage': float((i * number) % 100), 'ready': not broken,
                          'reasons': ['status is No (abnormal)'] if broken else []})
        return len(watch.observe(state, {'complete': True, 'all_ready': False, 'problems': [], 'replications': tasks}))

    # Every leak needs a container (a dict, list or tuple) to hold it, and the garbage collector sees
    # them all: their number must not grow. (tracemalloc would say the same, seven times slower;
    # tests/benchmarks/bench_watch.py measures bytes.)
    counts, objects = [], {}
    for number in range(250):
        counts.append(poll(number))
        if number in (50, 249):
            gc.collect()
            objects[number] = len(gc.get_objects())
    assert len(state.tasks) == 2500 - 50
    assert min(counts[1:]) > 500  # every poll changed hundreds of tasks
    assert objects[249] - objects[50] < 50, objects


def test_options_accept_one_id_and_refuse_what_a_watch_cannot_use():
    params, _scrubber = watch_options({'instance_ids': INSTANCE, 'interval': '5'}, {})
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


def test_the_executor_runs_calls_in_daemon_threads_at_most_n_at_once():
    executor = DaemonThreadExecutor(2, 'replication_watch')
    release, lock, running, most = threading.Event(), threading.Lock(), [0], [0]

    def call(number):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(60)
        with lock:
            running[0] -= 1
        if number == 3:
            raise RuntimeError('boom')
        return number * 10

    futures = [executor.submit(call, number) for number in range(6)]
    for _wait in range(1200):  # until two calls hold the two slots (a safety bound of 60 s)
        if sum(future.running() for future in futures) == 2:
            break
        release.wait(0.05)
    waiting = [number for number, future in enumerate(futures) if not future.running() and number != 3][0]
    assert futures[waiting].cancel()  # not started yet: it never runs
    names = [thread for thread in threading.enumerate() if thread.name == 'replication_watch']
    assert names and all(thread.daemon for thread in names)
    release.set()
    for number, future in enumerate(futures):
        if number == waiting:
            assert future.cancelled()
        elif number == 3:
            assert str(future.exception(60)) == 'boom'
        else:
            assert future.result(60) == number * 10
    assert most[0] == 2
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(call, 9)


@pytest.mark.parametrize('name', sorted(name for name, option in SPEC.items() if option['type'] in ('int', 'float')))
@pytest.mark.parametrize('value', [float('nan'), float('inf'), float('-inf'), 'nan'])
def test_a_number_option_that_is_not_finite_is_refused_before_any_request(sim, name, value):
    # before: interval nan polled once and then spun the CPU, silent; a nan timeout made every poll fail
    # "unexpectedly"; an infinite whole number was ansible-core's OverflowError
    args = {'instance_ids': [INSTANCE], 'endpoint': sim.url, 'project_id': DEFAULT_PROJECT, 'access_key': KEY['ak'],
            'secret_key': KEY['sk'], name: value}

    async def watch():
        await asyncio.wait_for(run_watch(asyncio.Queue(), args, environ={}), 10)  # a safety net only

    with pytest.raises(WatchOptionError) as caught:
        asyncio.run(watch())
    assert str(caught.value) == 'replication_watch: %s must be a finite number, got %s' % (name, float(value))
    assert sim.stats()['total'] == 0
