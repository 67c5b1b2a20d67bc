"""The watch's state and events without I/O: what changes make events, the backoff schedule, flat
memory over many polls of thousands of tasks, and server text that leaves in events only as data."""

import gc
import json
import re

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import Scrubber
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import ReadinessRule, verdict
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import NAME_LIMIT, TEXT_LIMIT, shown
from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_state import (
    EVENT_ITEMS, EVENT_TYPES, Watch, event_out)

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


def result(rows, complete=True, problems=(), rule=None, consistent=None, total=None):
    listing = {'total': len(rows) if total is None else total, 'items': rows, 'request_ids': ['r1'],
               'complete': complete, 'consistent': complete if consistent is None else consistent,
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
    twin_a, twin_b = dict(row('twin'), source_database='src_a'), dict(row('twin'), source_database='src_b')
    watch.observe(state, result([twin_a, twin_b]))
    events = watch.observe(state, result([twin_a, dict(twin_b, status='No')]))
    assert types(events) == [('task_not_ready', 'twin')] and events[0]['task']['source_database'] == 'src_b'


def test_an_incomplete_listing_changes_no_task_but_says_so(clock):
    watch = Watch([INSTANCE], interval=10, initial_state=False, clock=clock)
    state = watch.instances[INSTANCE]
    watch.observe(state, result([row('a_db'), row('b_db')]))
    problem = 'listing incomplete after 3 reads: total_count changed while paging (2, 3)'
    events = watch.observe(state, result([row('a_db')], complete=False, problems=[problem]))
    assert types(events) == [('problems_changed', None)]  # b_db did not vanish: the listing lacks it
    assert events[0]['new'] == [problem] and events[0]['old'] == []
    assert watch.observe(state, result([row('a_db')], complete=False, problems=[problem])) == []
    events = watch.observe(state, result([row('a_db'), row('b_db')]))
    assert types(events) == [('problems_changed', None)] and events[0]['new'] == []


def test_an_inconsistent_listing_changes_no_task_but_says_so(clock):
    """Two different rows for one task (No, then No and Yes, total 1): the listing is complete but says
    nothing sure about that task, so it is not "ready again" - the module's rule too."""
    watch = Watch([INSTANCE], interval=10, clock=clock)
    state = watch.instances[INSTANCE]
    first = watch.observe(state, result([row('a_db', status='No')]))
    assert types(first) == [('initial_state', None), ('task_not_ready', 'a_db')]
    problem = 'listing inconsistent after 3 reads: the API sent different rows for the same task: a_db'
    twins = [row('a_db', status='No'), row('a_db')]
    events = watch.observe(state, result(twins, consistent=False, total=1, problems=[problem]))
    assert types(events) == [('problems_changed', None)]  # no task_ready
    assert events[0]['new'] == [problem] and events[0]['all_ready'] is False
    assert watch.observe(state, result(twins[::-1], consistent=False, total=1, problems=[problem])) == []
    assert state.tasks[('a_db', 'a_db', 'a_db_sr')].status == 'no'  # the last sure state
    events = watch.observe(state, result([row('a_db')]))
    assert types(events) == [('task_ready', 'a_db'), ('problems_changed', None)]
    assert events[0]['all_ready'] is True and events[1]['new'] == []


def test_expected_tasks_missing_is_a_problem_change(clock):
    rule = ReadinessRule(expected_tasks=['ledger_db'])
    watch = Watch([INSTANCE], interval=10, initial_state=False, clock=clock)
    state = watch.instances[INSTANCE]
    watch.observe(state, result([row('a_db'), row('ledger_db')], rule=rule))
    events = watch.observe(state, result([row('a_db')], rule=rule))
    assert types(events) == [('task_vanished', 'ledger_db'), ('problems_changed', None)]
    assert events[1]['new'] == ['expected task ledger_db is missing']


# --- server text leaves as data ---------------------------------------------------------------------
TEMPLATE = "{{ lookup('pipe', 'touch /tmp/pwned') }}"
STATEMENT = "{% set x = lookup('pipe', 'id') %}"
COMMENT = '{# hidden #}'
CONTROL = '\x1b[2J\x1b[1;1Hgate passed\r\n\x00\x07\u202e\u200b\ufeff\x9b'
# anything that could open a template, and any character a terminal acts on
UNSAFE = re.compile('\\{[{%#]|[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff'
                    '\ud800-\udfff]')


def strings(value):
    """Every string in JSON-like data, keys too."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


def assert_inert(events):
    for event in events:
        for text in strings(event):
            assert not UNSAFE.search(text) and len(text) <= TEXT_LIMIT, (event['type'], text)


def nasty(what):
    return '%s_%s%s%s%s' % (what, TEMPLATE, STATEMENT, COMMENT, CONTROL)


def test_every_string_in_every_event_is_inert_and_still_says_what_the_server_sent(clock):
    """Templates, control characters, a lone surrogate and megabytes in every field the server fills:
    whatever the verdict made of them, what leaves the watch cannot render, move a terminal's cursor
    or grow without bound - and a reader still sees what was sent."""
    watch = Watch([INSTANCE], interval=10, clock=clock)
    state = watch.instances[INSTANCE]
    bad = {'task_name': nasty('task'), 'source_database': nasty('src') + '\ud800', 'target_database': nasty('dst'),
           'status': nasty('No'), 'stage': nasty('stage') * 1000, 'percentage': '40'}
    problem = 'listing inconsistent: %s' % nasty('problem')
    events = watch.observe(state, result([bad, row('a_db')], problems=[problem]))
    assert types(events) == [('initial_state', None), ('task_not_ready', shown(bad['task_name'], NAME_LIMIT))]
    events[1]['explanation'] = {'last_error_of_alter_table': nasty('ALTER TABLE t failed') * 1000,
                                'failing_checks': ['table %d: %s' % (number, nasty('check')) for number in range(5000)]}
    events += watch.observe(state, result([dict(bad, stage='paused'), row('a_db', status='No')]))
    busy = {'msg': 'Querying failed: HTTP 503 %s' % nasty('msg'), 'status': 503, 'error_code': nasty('code'),
            'error_msg': nasty('error_msg'), 'request_id': nasty('rid'), 'hint': nasty('hint'), nasty('key'): 1}
    events += watch.failed(state, busy)
    events += watch.observe(state, result([row('a_db')]))
    assert [event['type'] for event in events] == [
        'initial_state', 'task_not_ready', 'task_changed', 'task_not_ready', 'problems_changed', 'query_failed',
        'query_recovered', 'task_ready', 'task_vanished']
    with pytest.raises(AssertionError):
        assert_inert(events)  # as the watch made them
    out = [event_out(event, Scrubber()) for event in events]
    assert_inert(out)
    assert json.loads(json.dumps(out)) == out  # plain JSON data, as ansible-rulebook needs it
    assert len(json.dumps(out[1])) < 250000  # 5,000 checks and megabytes of text became a few hundred kB at most
    broke = out[1]
    # a reader sees what was sent: the opener of each template and each control character, escaped
    name = 'task_\\x7b{ lookup(\'pipe\', \'touch /tmp/pwned\') }}\\x7b% set x = lookup(\'pipe\', \'id\') %}' \
           '\\x7b# hidden #}\\x1b[2J\\x1b[1;1Hgate passed\\r\\n\\x00\\x07\\u202e\\u200b\\ufeff\\x9b'
    assert broke['task_name'] == broke['task']['task_name'] == name
    assert broke['task']['source_database'].endswith('\\x9b\\ud800')
    assert broke['explanation']['last_error_of_alter_table'].startswith('ALTER TABLE t failed_\\x7b{ lookup(')
    assert broke['explanation']['last_error_of_alter_table'].endswith('characters in all]')
    checks = broke['explanation']['failing_checks']
    assert len(checks) == EVENT_ITEMS + 1 and checks[-1] == '(%d more)' % (5000 - EVENT_ITEMS)
    failed = out[5]
    assert failed['error']['error_msg'].startswith('error_msg_\\x7b{ lookup(')
    assert [key for key in failed['error'] if key.startswith('key_')] == ['key_' + name[len('task_'):]]


def test_an_event_keeps_at_most_event_items_of_any_list_or_mapping():
    event = {'type': 'initial_state', 'problems': ['p%d' % n for n in range(EVENT_ITEMS + 7)],
             'summary': {'by_stage': dict(('stage_%d' % n, 1) for n in range(EVENT_ITEMS + 3))},
             'not_ready': [{'task': {'task_name': 't%d' % n}} for n in range(EVENT_ITEMS)]}
    out = event_out(event, Scrubber())
    assert out['problems'] == ['p%d' % n for n in range(EVENT_ITEMS)] + ['(7 more)']
    assert len(out['summary']['by_stage']) == EVENT_ITEMS + 1 and out['summary']['by_stage']['(3 more)'] is None
    assert out['not_ready'] == event['not_ready']  # already at most EVENT_ITEMS: as it was


def test_an_event_is_scrubbed_before_it_is_cut():
    secret = 'SECRET-sk-0123456789'
    text = 'x' * (TEXT_LIMIT - 48) + secret + 'y' * 100  # the cut (at TEXT_LIMIT - 40) is in the secret
    out = event_out({'type': 'query_failed', 'error': {'msg': text}}, Scrubber([secret]))
    assert secret[:8] not in out['error']['msg'] and len(out['error']['msg']) <= TEXT_LIMIT


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
        return len(watch.observe(state, {'complete': True, 'consistent': True, 'all_ready': False, 'problems': [],
                                         'replications': tasks}))

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
