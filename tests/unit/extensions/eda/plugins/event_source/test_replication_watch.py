"""The event source taurusdb.htap.replication_watch, loaded as ansible-rulebook loads it (by file path,
as a fresh module) and driven through ``main(queue, args)`` against the simulator over real HTTP.

Every test is driven by events and by what the simulator answers, never by how fast the machine is:
a change is made, then the next event is awaited (with a generous timeout as a safety net only).
"""

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.taurusdb.htap.tests.unit.helpers import EVENT_SOURCE, INSTANCE, KEY, run_event_source
from htapsim import DEFAULT_PROJECT
from htapsim.pytest_plugin import _adv_http, adversary  # noqa: F401  pylint: disable=unused-import

SAFETY = 60  # seconds: only a test that is broken ever waits this long
OTHER = '02020202020202020202020202020202in17'
TAURUSDB = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
SECRET_TOKEN = 'tok-SECRET-0123456789abcdef'


@pytest.fixture(scope='module')
def main():
    module = run_event_source()
    assert asyncio.iscoroutinefunction(module['main'])
    assert module['DOCUMENTATION'] and module['EXAMPLES']
    return module['main']


def args_for(server, **extra):
    args = dict(instance_ids=INSTANCE, endpoint=server.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'],
                secret_key=KEY['sk'], interval=0.1, retries=0, retry_backoff=0.01, connect_timeout=5, read_timeout=10)
    args.update(extra)
    return args


class Watcher(object):
    """``main`` running as a task; ``await watcher.next()`` is its next event (or its error)."""

    def __init__(self, main, args):  # pylint: disable=redefined-outer-name
        self.queue = asyncio.Queue()
        self.task = asyncio.ensure_future(main(self.queue, args))
        self.seen = []

    async def next(self, timeout=SAFETY):
        getter = asyncio.ensure_future(self.queue.get())
        done, _pending = await asyncio.wait([getter, self.task], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            self.seen.append(getter.result())
            return self.seen[-1]
        getter.cancel()
        if self.task in done:
            self.task.result()  # raises what ended the watch
            raise AssertionError('the watch ended by itself')
        raise AssertionError('no event within %ss; seen: %s' % (timeout, self.seen))

    async def until(self, kind, **match):
        """Events up to and including the first of this type (matching ``match``)."""
        events = []
        while True:
            event = await self.next()
            events.append(event)
            if event['type'] == kind and all(event.get(key) == value for key, value in match.items()):
                return events

    async def stop(self):
        self.task.cancel()
        try:
            await asyncio.wait_for(self.task, SAFETY)
        except asyncio.CancelledError:
            pass


def drive(main, args, script):  # pylint: disable=redefined-outer-name
    async def runner():
        watcher = Watcher(main, args)
        try:
            return await script(watcher)
        finally:
            await watcher.stop()
    return asyncio.run(runner())


def kinds(events):
    return [(event['type'], event['task_name']) for event in events]


def test_it_finds_the_collection_without_ansibles_collection_loader(tmp_path):
    """ansible-rulebook runs the file with runpy, in a Python where ansible_collections is not importable:
    the source puts the directory holding ansible_collections/ on sys.path itself."""
    code = ('import runpy, sys\n'
            'assert not any(p.endswith("ansible_collections") for p in sys.path)\n'
            'try:\n    import ansible_collections.taurusdb.htap\nexcept ImportError:\n    pass\n'
            'else:\n    raise SystemExit("ansible_collections was importable already")\n'
            'source = runpy.run_path(sys.argv[1])\n'
            'print(source["main"].__module__, source["run_watch"].__module__)\n')
    env = dict((name, value) for name, value in os.environ.items() if not name.startswith(('PYTHON', 'ANSIBLE_')))
    proc = subprocess.run([sys.executable, '-I', '-c', code, EVENT_SOURCE], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ['<run_path>', 'ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_loop']


# --- the initial state --------------------------------------------------------------------------
def test_initial_state_once_then_a_break_and_a_recovery(main, sim):
    async def script(watcher):
        first = await watcher.next()
        assert first['type'] == 'initial_state' and first['instance_id'] == INSTANCE and first['task_name'] is None
        assert first['all_ready'] is True and first['summary']['ready'] == 3 and first['total_count'] == 3
        sim.change_task(INSTANCE, 'users_db', set={'status': 'No', 'config': {
            'last_error_of_alter_table': 'ALTER TABLE users ADD COLUMN x failed: lock wait timeout'}})
        broke = await watcher.next()  # the very next event: nothing was emitted for the polls in between
        assert kinds([broke]) == [('task_not_ready', 'users_db')]
        assert broke['instance_id'] == INSTANCE and broke['all_ready'] is False and broke['initial'] is False
        assert broke['task'] == {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr'}
        assert (broke['old']['status'], broke['old']['stage'], broke['old']['ready']) == ('yes', 'incremental', True)
        assert (broke['new']['status'], broke['new']['broken'], broke['new']['percentage']) == ('no', True, 100.0)
        assert broke['new']['reasons'] == ['status is No (abnormal)']
        assert broke['explanation']['last_error_of_alter_table'].endswith('lock wait timeout')
        sim.change_task(INSTANCE, 'users_db', set={'status': 'Yes'})
        recovered = await watcher.next()
        assert kinds([recovered]) == [('task_ready', 'users_db')] and recovered['all_ready'] is True
        assert recovered['old']['status'] == 'no' and recovered['new']['ready'] is True
        assert 'explanation' not in recovered
    drive(main, args_for(sim), script)
    # the explanation was read once, when the task broke - not on every poll while it was broken
    assert sim.stats()['routes'].get('replication_config') == 1


def test_initial_state_reports_every_task_not_ready_then(main, sim):
    sim.load('one-broken')

    async def script(watcher):
        events = [await watcher.next(), await watcher.next()]
        assert kinds(events) == [('initial_state', None), ('task_not_ready', 'users_db')]
        assert events[0]['not_ready_count'] == 1 and events[0]['not_ready'][0]['task']['task_name'] == 'users_db'
        assert events[1]['initial'] is True and events[1]['old'] is None and events[1]['new']['broken'] is True
    drive(main, args_for(sim), script)


def test_without_initial_state_only_changes_are_emitted(main, sim):
    sim.load('one-broken')  # users_db is broken from the start

    async def script(watcher):
        while sim.stats()['routes'].get('replication', 0) < 2:  # two polls: the first state is known
            await asyncio.sleep(0.05)
        sim.change_task(INSTANCE, 'orders_db', set={'stage': 'paused'})
        first = await watcher.next()
        # neither the initial state nor the task broken from the start: the change is the first event
        assert kinds([first]) == [('task_not_ready', 'orders_db')], first
        assert first['initial'] is False and first['old']['ready'] is True and first['new']['stage'] == 'paused'
    drive(main, args_for(sim, initial_state=False), script)


# --- changes ------------------------------------------------------------------------------------
def test_a_task_that_changes_appears_and_vanishes(main, sim):
    async def script(watcher):
        await watcher.until('initial_state')
        sim.change_task(INSTANCE, 'orders_db', set={'stage': 'full', 'percentage': 30})
        assert kinds([await watcher.next()]) == [('task_not_ready', 'orders_db')]
        sim.change_task(INSTANCE, 'orders_db', set={'stage': 'full', 'percentage': 70})  # progress alone: no event
        sim.change_task(INSTANCE, 'orders_db', set={'stage': 'paused', 'percentage': 70})
        changed = await watcher.next()
        assert kinds([changed]) == [('task_changed', 'orders_db')]
        assert changed['old']['stage'] == 'full' and changed['new']['stage'] == 'paused' and changed['new']['broken']
        sim.change_task(INSTANCE, 'ledger_db', add=True, source_database='ledger', target_database='ledger_sr')
        appeared = await watcher.next()
        assert kinds([appeared]) == [('task_appeared', 'ledger_db')] and appeared['old'] is None
        assert appeared['new']['ready'] is True and appeared['task']['source_database'] == 'ledger'
        sim.change_task(INSTANCE, 'ledger_db', delete=True)
        vanished = await watcher.next()
        assert kinds([vanished]) == [('task_vanished', 'ledger_db')] and vanished['new'] is None
    drive(main, args_for(sim), script)


# --- failures, backoff, recovery ----------------------------------------------------------------
def test_a_failing_query_is_an_event_with_the_error_and_the_watch_recovers(main, sim):
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}], 'faults': [
        {'kind': 'error', 'status': 503, 'code': 'SYS.0503', 'message': 'Service busy', 'first': 2},
        {'kind': 'error', 'status': 500, 'code': 'SYS.0500', 'message': 'Internal error', 'first': 4}]}]})

    async def script(watcher):
        events = await watcher.until('initial_state')
        assert kinds(events) == [('query_failed', None), ('query_failed', None), ('query_recovered', None),
                                 ('initial_state', None)]
        busy, internal, recovered = events[:3]
        assert busy['error']['status'] == 503 and busy['error']['error_code'] == 'SYS.0503'
        assert busy['error']['error_msg'] == 'Service busy' and len(busy['error']['request_id']) == 32
        assert 'HTTP 503 SYS.0503 "Service busy"' in busy['error']['msg']
        assert busy['consecutive_failures'] == 1 and busy['retry_in'] == pytest.approx(0.2)
        # the same error again was not said again; a different one was, with the backoff grown
        assert internal['error']['error_code'] == 'SYS.0500' and internal['consecutive_failures'] == 3
        assert internal['retry_in'] == pytest.approx(0.8)
        assert recovered['failures'] == 4 and recovered['error']['error_code'] == 'SYS.0500'
        assert recovered['failed_for'] > 0
    drive(main, args_for(sim), script)


def test_a_failing_instance_backs_off_while_the_others_keep_their_pace(main, sim):
    sim.load({'instances': [
        {'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]},
        {'id': OTHER, 'tasks': [{'task_name': 'b_db'}],
         'faults': [{'kind': 'error', 'status': 503, 'code': 'SYS.0503', 'message': 'Service busy'}]}]})

    async def script(watcher):
        first = sorted((event['type'], event['instance_id']) for event in [await watcher.next(), await watcher.next()])
        assert first == [('initial_state', INSTANCE), ('query_failed', OTHER)]
        # the failing instance is asked less and less often (0.2, 0.4 ... at most max_backoff=3600 s);
        # the healthy one keeps being polled every 0.1 s, so its changes still come through
        for round_ in range(12):
            sim.change_task(INSTANCE, 'a_db', set={'status': 'No' if round_ % 2 == 0 else 'Yes'})
            event = await watcher.next()
            assert event['instance_id'] == INSTANCE and event['type'] in ('task_not_ready', 'task_ready')
        return sim.stats()['instances']
    asked = drive(main, args_for(sim, instance_ids=[INSTANCE, OTHER], max_backoff=3600), script)
    # 12 changes took at least 13 polls of the healthy instance; the failing one, backing off from 0.2 s,
    # would need over 200 s to be asked 12 times
    assert asked[INSTANCE] >= 13 and asked[OTHER] < asked[INSTANCE], asked


def test_an_instance_that_does_not_exist_fails_alone(main, sim):
    missing = 'ffffffffffffffffffffffffffffffffin17'

    async def script(watcher):
        events = dict((event['instance_id'], event) for event in [await watcher.next(), await watcher.next()])
        assert events[missing]['type'] == 'query_failed' and events[missing]['error']['error_code'] == 'DBS.200022'
        assert 'Check instance_id' in events[missing]['error']['hint']
        assert events[INSTANCE]['type'] == 'initial_state'
    drive(main, args_for(sim, instance_ids=[missing, INSTANCE]), script)


# --- discovery ----------------------------------------------------------------------------------
def test_discovery_watches_the_starrocks_instances_of_a_taurusdb_instance(main, sim):
    sim.load('htap-family')
    members = sim.state.world.taurusdb[TAURUSDB]['htap']

    async def script(watcher):
        events = [await watcher.next() for _event in range(3)]
        initial = [event for event in events if event['type'] == 'initial_state']
        assert sorted(event['instance_id'] for event in initial) == [INSTANCE, OTHER]
        assert [(e['type'], e['instance_id'], e['task_name']) for e in events if e['type'] == 'task_not_ready'] == [
            ('task_not_ready', OTHER, 'clicks_db')]
        members.remove(OTHER)
        gone = await watcher.next()
        assert (gone['type'], gone['instance_id'], gone['taurusdb_instance_id']) == ('instance_vanished', OTHER, TAURUSDB)
        members.append(OTHER)
        back = [await watcher.next() for _event in range(3)]
        assert kinds(back) == [('instance_appeared', None), ('initial_state', None), ('task_not_ready', 'clicks_db')]
        assert all(event['instance_id'] == OTHER for event in back)
    drive(main, args_for(sim, instance_ids=[], taurusdb_instance_ids=TAURUSDB, initial_state=True), script)


def test_discovery_failure_keeps_the_last_instances_watched(main, sim):
    scenario = {'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}],
                'taurusdb_instances': [{'id': TAURUSDB, 'htap': [INSTANCE], 'faults': [
                    {'kind': 'error', 'status': 500, 'code': 'SYS.0500', 'message': 'Internal error', 'first': 1}]}]}
    sim.load(scenario)

    async def script(watcher):
        failed = await watcher.next()
        assert (failed['type'], failed['instance_id']) == ('discovery_failed', TAURUSDB)
        assert failed['error']['error_code'] == 'SYS.0500' and failed['watching'] == []
        events = await watcher.until('initial_state')
        assert kinds(events) == [('discovery_recovered', None), ('initial_state', None)]
    drive(main, args_for(sim, instance_ids=[], taurusdb_instance_ids=[TAURUSDB]), script)


def test_a_discovered_instance_is_judged_by_its_own_state_too(main, sim):
    # rebooting until the simulator's (manual) clock moves, then normal: its ready task waits for it, as in the wait
    sim.load({'clock': 'manual',
              'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}], 'status': 'rebooting',
                             'state_steps': [{'at': 1, 'by': 'seconds', 'status': 'normal'}]}],
              'taurusdb_instances': [{'id': TAURUSDB, 'htap': [INSTANCE]}]})

    async def script(watcher):
        initial = await watcher.next()
        assert (initial['type'], initial['all_ready']) == ('initial_state', False)
        assert initial['problems'] == ["instance state: status is 'rebooting'"] and initial['not_ready'] == []
        sim.advance_clock(1)
        changed = await watcher.next()
        assert (changed['type'], changed['old'], changed['new'], changed['all_ready']) == (
            'problems_changed', ["instance state: status is 'rebooting'"], [], True)
    drive(main, args_for(sim, instance_ids=[], taurusdb_instance_ids=[TAURUSDB]), script)


def test_an_instance_whose_state_cannot_be_read_any_more_is_not_ready(main, sim):
    # the first discovery answers, every later one fails: the instance stays watched, its state unknown
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [{'task_name': 'a_db'}]}],
              'taurusdb_instances': [{'id': TAURUSDB, 'htap': [INSTANCE], 'faults': [
                  {'kind': 'error', 'status': 500, 'code': 'SYS.0500', 'message': 'Internal error', 'after': 1}]}]})
    why = ('instance state: it could not be read: listing the HTAP instances of TaurusDB instance %s failed'
           % TAURUSDB)

    async def script(watcher):
        # the polls and the discoveries read the same failing list, in either order under load: wait for both
        # the failed discovery and the unknown state, whichever comes first
        events, unknown = [], []
        while not unknown or 'discovery_failed' not in [event['type'] for event in events]:
            events.append(await watcher.next())
            if why in (events[-1].get('new') or events[-1].get('problems') or []):
                unknown.append(events[-1])
        assert all(event['all_ready'] is False for event in unknown)
    drive(main, args_for(sim, instance_ids=[], taurusdb_instance_ids=[TAURUSDB]), script)


# --- server text -----------------------------------------------------------------------------------
TEMPLATE = "{{ lookup('pipe', 'touch /tmp/pwned') }}{% set x = lookup('pipe', 'id') %}{# c #}"
CONTROL = '\x1b[2J\x1b[1;1Hgate passed\r\n\x07\u202e'
UNSAFE = re.compile('\\{[{%#]|[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]')


def shown_here(text):
    """``text`` as events show it (for the characters used here)."""
    named = {'\x1b': '\\x1b', '\r': '\\r', '\n': '\\n', '\x07': '\\x07', '\u202e': '\\u202e'}
    return re.sub(r'\{(?=[{%#])', lambda _match: '\\x7b', ''.join(named.get(char, char) for char in text))


def unsafe_strings(value):
    """Every string (keys too) in JSON-like data that could open a template or drive a terminal."""
    if isinstance(value, str):
        return [value] if UNSAFE.search(value) else []
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in unsafe_strings(key) + unsafe_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in unsafe_strings(item)]
    return []


def test_templates_and_control_characters_from_the_server_leave_as_escaped_text(main, sim):
    config = {'last_error_of_alter_table': 'ALTER TABLE t failed: ' + TEMPLATE + CONTROL,
              'database_info': {'db_config_check_results': [
                  {'param_name': 'binlog_format' + TEMPLATE, 'value': CONTROL, 'check_result': 'failed'}]}}
    # a name the API cannot have (its configuration is not asked for), and a good name with bad text around it
    named = {'task_name': 'x_' + TEMPLATE + CONTROL, 'source_database': 'src_' + TEMPLATE + CONTROL,
             'target_database': 'dst_' + TEMPLATE, 'status': 'No', 'stage': 'incremental', 'percentage': 100,
             'config': config}
    good = dict(named, task_name='good_db', target_database='good_sr')
    sim.load({'instances': [{'id': INSTANCE, 'tasks': [named, good]}]})

    async def script(watcher):
        return [await watcher.next(), await watcher.next(), await watcher.next()]
    events = drive(main, args_for(sim), script)
    assert kinds(events) == [('initial_state', None), ('task_not_ready', shown_here(named['task_name'])),
                             ('task_not_ready', 'good_db')]
    assert unsafe_strings(events) == []
    broke, other = events[1], events[2]
    assert broke['task'] == {'task_name': shown_here(named['task_name']),
                             'source_database': shown_here(named['source_database']),
                             'target_database': shown_here(named['target_database'])}
    assert events[0]['not_ready'][0]['task'] == broke['task']
    assert broke['new']['reasons'][0].startswith("task_name is '%s': the API allows" % shown_here(named['task_name']))
    assert broke['explanation'] == {'error': 'not read: the task name is not one the API allows, so no configuration '
                                             'can be asked for'}
    # the explanation was read for the task the server named, and reads as the server wrote it
    assert other['task']['source_database'] == shown_here(good['source_database'])
    assert other['explanation']['last_error_of_alter_table'] == shown_here(config['last_error_of_alter_table'])
    assert other['explanation']['failing_checks'] == [shown_here('database setting binlog_format%s = %s: failed'
                                                                 % (TEMPLATE, CONTROL))]


def test_a_failing_query_says_the_servers_error_as_escaped_text(main, adversary):  # pylint: disable=redefined-outer-name
    adversary.play([{'path': 'replication', 'status': 500,
                     'json': {'error_code': 'SYS.0500' + CONTROL, 'error_msg': 'busy ' + TEMPLATE + CONTROL}}])

    async def script(watcher):
        return await watcher.next()
    failed = drive(main, args_for(adversary), script)
    assert failed['type'] == 'query_failed' and unsafe_strings(failed) == []
    assert failed['error']['error_msg'] == shown_here('busy ' + TEMPLATE + CONTROL)
    assert shown_here(TEMPLATE) in failed['error']['msg']


def test_an_inconsistent_listing_never_makes_a_task_ready_again(main, adversary):  # pylint: disable=redefined-outer-name
    """The task a_db is No, then the API sends two different rows for it (No and Yes, total 1): a
    listing that contradicts itself says nothing sure about a_db, so it is not "ready again"."""
    def listing(*statuses):
        return {'total_count': '1', 'replications': [
            {'task_name': 'a_db', 'source_database': 'src_a', 'target_database': 'a_sr', 'status': status,
             'stage': 'incremental', 'percentage': '100'} for status in statuses]}
    adversary.play([
        {'path': 'configuration', 'status': 400, 'json': {'error_code': 'DBS.280001', 'error_msg': 'no config'}},
        {'path': 'replication', 'times': 1, 'json': listing('No')},
        {'path': 'replication', 'times': 3, 'json': listing('No', 'Yes')},  # one poll: three attempts
        {'path': 'replication', 'json': listing('Yes')},
    ])

    async def script(watcher):
        return await watcher.until('problems_changed', new=[])
    events = drive(main, args_for(adversary), script)
    assert kinds(events) == [('initial_state', None), ('task_not_ready', 'a_db'), ('problems_changed', None),
                             ('task_ready', 'a_db'), ('problems_changed', None)]
    inconsistent = events[2]
    assert inconsistent['new'][0].startswith('listing inconsistent') and inconsistent['all_ready'] is False
    assert events[3]['all_ready'] is True  # ready again only from the listing that added up


# --- secrets, options, cancellation --------------------------------------------------------------
def test_no_event_carries_a_secret_even_when_the_server_echoes_it(main, adversary):  # pylint: disable=redefined-outer-name
    echo = '{{header:X-Auth-Token}}'
    listing = {'total_count': '1', 'replications': [{'task_name': 'db_task', 'source_database': 'db_' + echo,
                                                     'target_database': 'tgt', 'status': 'No', 'stage': 'incremental',
                                                     'percentage': '100'}]}
    adversary.play([
        {'path': 'configuration', 'status': 400, 'json': {'error_code': 'DBS.280001', 'error_msg': 'no task ' + echo}},
        {'path': 'replication', 'times': 1, 'json': listing},
        {'path': 'replication', 'times': 1, 'status': 500,
         'json': {'error_code': 'SYS.0500', 'error_msg': 'token ' + echo + ' refused'},
         'headers': {'X-Request-Id': 'rid-' + echo}},
        {'path': 'replication', 'json': listing},
    ])
    args = args_for(adversary, auth_token=SECRET_TOKEN, access_key=None, secret_key=None)

    async def script(watcher):
        return await watcher.until('query_recovered')
    events = drive(main, args, script)
    assert kinds(events) == [('initial_state', None), ('task_not_ready', 'db_task'), ('query_failed', None),
                             ('query_recovered', None)]
    assert adversary.count('replication') >= 3  # the token really was sent and echoed
    text = json.dumps(events)
    assert SECRET_TOKEN not in text and SECRET_TOKEN[4:] not in text
    assert events[1]['task']['source_database'] == 'db_********'
    assert events[1]['explanation']['error'] and '********' in events[1]['explanation']['error']
    assert events[2]['error']['error_msg'] == 'token ******** refused'
    assert events[2]['error']['request_id'] == 'rid-********'


@pytest.mark.parametrize('args, words', [
    ({'instance_ids': []}, 'give instance_ids'),
    ({'interval': 'often'}, 'interval'),
    ({'limit': 5}, 'limit'),
    ({'instance_ids': 'not-an-id'}, 'is not a StarRocks instance id'),
    ({'auth_token': 'tok-1234567890'}, 'conflicting credentials'),
])
def test_bad_options_stop_the_watch_before_any_request(main, sim, args, words):
    async def script(watcher):
        await watcher.next()
    with pytest.raises(ValueError) as caught:
        drive(main, args_for(sim, **args), script)
    assert words in str(caught.value).lower() or words in str(caught.value)
    assert str(caught.value).startswith('replication_watch: ')
    assert KEY['sk'] not in str(caught.value)
    assert sim.stats()['total'] == 0


def test_cancelling_stops_at_once_even_with_a_request_in_flight(main, adversary):  # pylint: disable=redefined-outer-name
    adversary.play([{'path': 'replication', 'sleep': 30, 'json': {'total_count': '0', 'replications': []}}])
    before = set(threading.enumerate())

    async def script():
        watcher = Watcher(main, args_for(adversary, read_timeout=120))
        while adversary.count('replication') == 0:  # the first request is in flight, its answer 30 s away
            await asyncio.sleep(0.05)
            assert not watcher.task.done()
        started = time.monotonic()
        watcher.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(watcher.task, SAFETY)
        return time.monotonic() - started
    took = asyncio.run(script())
    assert took < 15  # it did not wait for the answer (30 s away); this bound is only a safety net
    assert adversary.count('replication') == 1  # and nothing more was asked
    # the worker thread is left to end by itself after its one attempt, with no retry; it is a daemon
    # thread, so it cannot hold the rulebook's process when it exits
    leftover = [thread for thread in set(threading.enumerate()) - before if thread.name == 'replication_watch']
    assert len(leftover) <= 1 and all(thread.daemon for thread in leftover)
