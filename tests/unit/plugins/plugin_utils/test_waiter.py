"""The gate's wait, driven round by round with a fake clock: no test here depends on time."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import all_passed, query_failed
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import WAIT_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.waiter import (
    REASONS, Appearances, Waiter, broken_tasks, not_there_yet)

from ansible_collections.taurusdb.htap.tests.unit.helpers import CountedName, counted_names


def result(instance='i-1', ready=True, tasks=()):
    not_ready = [dict({'task_name': 't', 'source_database': 's', 'target_database': 'd', 'status': 'yes',
                       'stage': 'full'}, **task) for task in tasks]
    return {'instance_id': instance, 'all_ready': ready and not not_ready, 'not_ready': not_ready, 'problems': [],
            'summary': {'ready': 1, 'total': 1 + len(not_ready)}}


class Script(object):
    """Rounds of results played in order (the last one repeats), with a clock that sleeping moves."""

    def __init__(self, *rounds):
        self.rounds, self.polls, self.now, self.slept = list(rounds), 0, 0.0, []

    def poll(self):
        self.polls += 1
        return self.rounds[min(self.polls, len(self.rounds)) - 1]

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def wait(script, **options):
    settings = dict(wait_timeout=100, wait_sleep=10, clock=script.clock, sleep=script.sleep)
    settings.update(options)
    return Waiter(script.poll, **settings).run()


def test_passes_on_the_first_round_all_are_ready():
    script = Script([result('a'), result('b')])
    outcome = wait(script)
    assert outcome.passed and outcome.reason == 'passed' and outcome.rounds == 1 and script.slept == []


def test_waits_until_one_round_sees_every_instance_ready():
    # b turns ready in round 3, but a turned bad in round 2 and back: only a round with both passes
    script = Script([result('a'), result('b', tasks=[{}])], [result('a', tasks=[{}]), result('b')],
                    [result('a'), result('b')])
    outcome = wait(script)
    assert outcome.passed and outcome.rounds == 3 and script.slept == [10, 10]


def test_stability_needs_ready_polls_rounds_in_a_row():
    script = Script([result()], [result(tasks=[{}])], [result()], [result()])
    outcome = wait(script, ready_polls=2)
    assert outcome.passed and outcome.rounds == 4


def test_status_no_fails_fast_after_fail_fast_polls_rounds():
    script = Script([result(tasks=[{'status': 'no', 'stage': 'incremental'}])])
    outcome = wait(script, fail_fast_polls=2)
    assert not outcome.passed and outcome.reason == 'fail fast' and outcome.rounds == 2


def test_paused_and_cancelled_are_terminal_unknown_values_are_not():
    assert broken_tasks(result(tasks=[{'stage': 'paused'}]))
    assert broken_tasks(result(tasks=[{'stage': 'cancelled'}]))
    assert not broken_tasks(result(tasks=[{'stage': 'rebalancing'}, {'status': None}]))
    outcome = wait(Script([result(tasks=[{'stage': 'rebalancing'}])]), wait_timeout=35)
    assert outcome.reason == 'timed out' and outcome.rounds == 4  # rounds at 0, 10, 20, 30 s


@pytest.mark.parametrize('field', ['instance_id', 'task_name', 'source_database', 'target_database'])
def test_a_task_is_its_instance_name_and_databases(field):
    # two different broken tasks, each seen in one round only, are not one task seen in two rounds
    first = result(tasks=[{'status': 'no'}])
    second = result(tasks=[{'status': 'no'}])
    (second if field == 'instance_id' else second['not_ready'][0])[field] = 'other'
    outcome = wait(Script([first], [second], [result()]), fail_fast_polls=2)
    assert outcome.passed and outcome.rounds == 3


def test_a_terminal_task_must_be_seen_in_consecutive_rounds():
    broken, recovered = result(tasks=[{'status': 'no'}]), result(tasks=[{}])
    script = Script([broken], [recovered], [broken], [recovered], [result()])
    outcome = wait(script, fail_fast_polls=2)
    assert outcome.passed and outcome.rounds == 5


def test_fail_fast_off_waits_to_the_deadline():
    outcome = wait(Script([result(tasks=[{'status': 'no'}])]), fail_fast=False, wait_timeout=25)
    assert outcome.reason == 'timed out' and outcome.rounds == 3  # rounds at 0, 10, 20 s


def test_a_failed_query_ends_the_wait_at_once():
    outcome = wait(Script([result('a', tasks=[{}]), {'instance_id': 'b', 'failed': True, 'msg': 'HTTP 503'}]))
    assert not outcome.passed and outcome.reason == 'query failed' and outcome.rounds == 1


def test_a_round_starts_only_if_wait_sleep_is_left_before_the_deadline():
    script = Script([result(tasks=[{}])])
    outcome = wait(script, wait_timeout=0)
    assert outcome.reason == 'timed out' and outcome.rounds == 1 and script.slept == []
    script = Script([result(tasks=[{}])])
    assert wait(script, wait_timeout=20).rounds == 2 and script.now == 10


def test_nothing_to_wait_for_never_passes():
    outcome = wait(Script([]), wait_timeout=0)
    assert not outcome.passed


@pytest.mark.parametrize('field', ['instance_id', 'task_name', 'source_database', 'target_database'])
def test_two_tasks_broken_in_turn_are_not_one_task_broken_twice(field):
    # a task is its instance, name and databases: tasks that differ in any of them are counted apart
    first, second = ({'status': 'no', field: 'one'}, {'status': 'no', field: 'two'})
    if field == 'instance_id':
        rounds = [[result('one', tasks=[{'status': 'no'}])], [result('two', tasks=[{'status': 'no'}])]]
    else:
        rounds = [[result(tasks=[first])], [result(tasks=[second])]]
    script = Script(*(rounds + [[result()]]))
    outcome = wait(script, fail_fast_polls=2)
    assert outcome.passed and outcome.rounds == 3


def test_by_default_one_ready_round_passes_and_a_broken_task_fails_fast_in_the_second_round():
    script = Script([result(tasks=[{'status': 'no'}])])
    outcome = Waiter(script.poll, 100, 10, clock=script.clock, sleep=script.sleep).run()
    assert outcome.reason == 'fail fast' and outcome.rounds == 2
    script = Script([result()])
    assert Waiter(script.poll, 100, 10, clock=script.clock, sleep=script.sleep).run().passed


def test_every_round_is_reported_with_the_seconds_since_the_start():
    rounds = []
    script = Script([result(tasks=[{}])], [result(tasks=[{}])], [result()])
    script.now = 1000.0
    outcome = wait(script, on_round=lambda number, elapsed, results: rounds.append((number, elapsed, results)))
    assert [(number, elapsed) for number, elapsed, _results in rounds] == [(1, 0), (2, 10), (3, 20)]
    assert rounds[-1][2] is outcome.results and outcome.elapsed == 20


def test_the_deadline_counts_from_the_start_given():
    # the wait action starts the clock before it finds the instances: that time counts too
    script = Script([result(tasks=[{}])])
    script.now = 1000.0
    outcome = Waiter(script.poll, 35, 10, clock=script.clock, sleep=script.sleep).run(start=985.0)
    assert outcome.reason == 'timed out' and outcome.rounds == 2 and outcome.elapsed == 25


@pytest.mark.parametrize('rounds, options, reason, says', [
    ([[result()]], {}, 'passed', 'ready'),
    ([[result(tasks=[{'status': 'no'}])]], {}, 'fail fast', 'cannot recover'),
    ([[{'instance_id': 'a', 'failed': True, 'msg': 'HTTP 503'}]], {}, 'query failed', 'query failed'),
    ([[result(tasks=[{}])]], {'wait_timeout': 0}, 'timed out', 'wait_timeout'),
])
def test_every_way_a_wait_ends_has_an_explanation(rounds, options, reason, says):
    outcome = wait(Script(*rounds), **options)
    assert outcome.reason == reason and says in REASONS[outcome.reason]


def test_the_deadline_counts_from_the_start_the_action_gives():
    # the action starts the clock before it finds the instances (30 s here): wait_timeout counts from there
    script = Script([result(tasks=[{}])])
    script.now = 130.0
    waiter = Waiter(script.poll, wait_timeout=45, wait_sleep=10, clock=script.clock, sleep=script.sleep)
    outcome = waiter.run(start=100.0)
    assert outcome.reason == 'timed out' and outcome.rounds == 2 and script.slept == [10]  # rounds at 30 and 40 s
    assert outcome.elapsed == 40.0


def test_every_way_a_wait_ends_has_its_words_for_the_report():
    outcomes = [wait(Script([result()])), wait(Script([result(tasks=[{'status': 'no'}])])),
                wait(Script([{'instance_id': 'b', 'failed': True, 'msg': 'HTTP 503'}])),
                wait(Script([result(tasks=[{}])]), wait_timeout=0),
                wait(Script([result()]), freshness=Fresh({'measured': False, 'failed': True, 'msg': 'denied'}))]
    assert [outcome.reason for outcome in outcomes] == ['passed', 'fail fast', 'query failed', 'timed out',
                                                        'heartbeat failed']
    assert sorted(REASONS) == sorted(outcome.reason for outcome in outcomes) and all(REASONS.values())


def test_each_round_is_reported_with_its_number_time_and_results():
    rounds = []
    script = Script([result(tasks=[{}])], [result()])
    wait(script, on_round=lambda number, elapsed, results: rounds.append((number, elapsed, results)))
    assert rounds == [(1, 0.0, [result(tasks=[{}])]), (2, 10.0, [result()])]


def test_the_waiter_defaults_are_the_options_defaults():
    waiter = Waiter(None, 1, 1)
    names = ('ready_polls', 'fail_fast', 'fail_fast_polls', 'fail_fast_after')
    assert tuple(getattr(waiter, name) for name in names) == tuple(WAIT_SPEC[name]['default'] for name in names)


class SlowRound(Script):
    """A round whose queries take ``seconds`` of the clock (a query the deadline cut fails)."""

    def __init__(self, seconds, *rounds):
        super(SlowRound, self).__init__(*rounds)
        self.seconds = seconds

    def poll(self):
        self.now += self.seconds
        return super(SlowRound, self).poll()


FAILED = [{'instance_id': 'i-1', 'failed': True, 'msg': 'the deadline came 0.4 s into the attempt'}]


def test_a_query_cut_by_the_deadline_is_a_timeout_not_a_failed_query():
    # the client is bounded by the deadline: a round that runs into it fails its queries
    outcome = wait(SlowRound(60, [result(ready=False)], FAILED), wait_timeout=100, wait_sleep=10)
    assert not outcome.passed and outcome.reason == 'timed out' and outcome.rounds == 2


def test_a_query_that_fails_before_the_deadline_is_a_failed_query():
    outcome = wait(SlowRound(1, FAILED), wait_timeout=100)
    assert outcome.reason == 'query failed'
    outcome = wait(SlowRound(1, FAILED), wait_timeout=0)  # no deadline: nothing can have cut it
    assert outcome.reason == 'query failed'


class Fresh(object):
    """A freshness check that plays heartbeats in order (the last one repeats) for the rounds that were ready."""
    max_lag = 5

    def __init__(self, *heartbeats):
        self.heartbeats, self.calls = list(heartbeats), []

    def check(self, ready, deadline=None):
        self.calls.append((ready, deadline))
        if not ready:
            return {'measured': False}
        return self.heartbeats.pop(0) if len(self.heartbeats) > 1 else self.heartbeats[0]


FRESH = {'measured': True, 'lag_seconds': 0.5, 'seen': True, 'within_max_lag': True}
STALE = {'measured': True, 'lag_seconds': 50.0, 'seen': True, 'within_max_lag': False}


def test_with_freshness_a_round_passes_only_when_the_heartbeat_is_within_max_lag():
    fresh = Fresh(STALE, STALE, FRESH)
    outcome = wait(Script([result()]), freshness=fresh)
    assert outcome.passed and outcome.rounds == 3 and outcome.heartbeat == FRESH
    assert [call[1] for call in fresh.calls] == [100.0] * 3  # bounded by the wait's deadline


def test_a_heartbeat_that_stays_late_times_out_with_the_last_measurement():
    outcome = wait(Script([result()]), freshness=Fresh(STALE))
    assert not outcome.passed and outcome.reason == 'timed out' and outcome.heartbeat == STALE


def test_a_heartbeat_flag_alone_never_passes_a_round():
    lying = dict(FRESH, lag_seconds=float('nan'))
    outcome = wait(Script([result()]), freshness=Fresh(lying), wait_timeout=30)
    assert not outcome.passed and outcome.reason == 'timed out'


def test_the_heartbeat_is_measured_only_in_rounds_where_every_instance_is_ready():
    fresh = Fresh(FRESH)
    outcome = wait(Script([result(tasks=[{}])], [result()]), freshness=fresh)
    assert outcome.passed and outcome.rounds == 2 and [call[0] for call in fresh.calls] == [False, True]


def test_a_heartbeat_failure_ends_the_wait_unless_the_deadline_did():
    failed = {'measured': False, 'failed': True, 'msg': 'source db:3306: Access denied'}
    outcome = wait(Script([result()]), freshness=Fresh(failed))
    assert outcome.reason == 'heartbeat failed' and outcome.rounds == 1 and outcome.heartbeat == failed
    script = Script([result()])
    script.now = 200.0  # the measurement ran into the deadline
    outcome = Waiter(script.poll, 100, 10, clock=script.clock, sleep=script.sleep, freshness=Fresh(failed)).run(
        start=100.0)
    assert outcome.reason == 'timed out'


def test_ready_polls_count_fresh_rounds_only():
    outcome = wait(Script([result()]), freshness=Fresh(FRESH, STALE, FRESH, FRESH), ready_polls=2)
    assert outcome.passed and outcome.rounds == 4


def test_with_freshness_a_round_starts_only_if_its_measurement_can_finish_before_the_deadline():
    script = Script([result()])
    outcome = wait(script, wait_timeout=30, freshness=Fresh(STALE))  # max_lag 5: a round needs 10 + 6 s left
    assert outcome.reason == "timed out" and outcome.rounds == 3 and script.slept == [10, 10]  # at 20: 20 + 16 > 30
    assert outcome.heartbeat == STALE  # the last round measured: its lag is what the report says


BROKEN = [result(tasks=[{'status': 'no'}])]


def test_fail_fast_after_is_how_long_a_task_must_stay_broken():
    # broken from round 1 (0 s): 2 rounds are seen at 10 s, but 25 s of being broken only at round 4 (30 s)
    script = Script(BROKEN)
    outcome = wait(script, fail_fast_polls=2, fail_fast_after=25)
    assert outcome.reason == 'fail fast' and outcome.rounds == 4 and outcome.elapsed == 30


def test_fail_fast_after_and_fail_fast_polls_must_both_be_reached():
    # 5 s are reached in round 2, but 5 rounds in a row only in round 5: each threshold is a minimum
    outcome = wait(Script(BROKEN), fail_fast_polls=5, fail_fast_after=5)
    assert outcome.reason == 'fail fast' and outcome.rounds == 5
    outcome = wait(Script(BROKEN), fail_fast_polls=1, fail_fast_after=0)
    assert outcome.reason == 'fail fast' and outcome.rounds == 1


def test_fail_fast_after_counts_from_the_first_round_of_an_unbroken_run():
    # broken at 0 s, mended at 10 s, broken again from 20 s: 25 s of being broken are reached at 50 s, not 30 s
    script = Script(BROKEN, [result(tasks=[{}])], BROKEN)
    outcome = wait(script, fail_fast_polls=1, fail_fast_after=25)
    assert outcome.reason == 'fail fast' and outcome.rounds == 6 and outcome.elapsed == 50


def test_fail_fast_after_beyond_the_deadline_waits_to_the_deadline():
    outcome = wait(Script(BROKEN), wait_timeout=35, fail_fast_after=60)
    assert outcome.reason == 'timed out' and outcome.rounds == 4


def test_fail_fast_after_is_measured_with_the_waiters_clock_queries_included():
    # each round's queries take 4 s of the clock: rounds end at 4, 18, 32 s; broken for 28 s at round 3
    outcome = wait(SlowRound(4, BROKEN), fail_fast_polls=1, fail_fast_after=20)
    assert outcome.reason == 'fail fast' and outcome.rounds == 3


def test_fail_fast_after_does_nothing_without_fail_fast():
    outcome = wait(Script(BROKEN), wait_timeout=25, fail_fast=False, fail_fast_after=0)
    assert outcome.reason == 'timed out'


def test_an_instance_not_there_yet_is_waited_for_and_never_ready():
    # on_missing=wait: neither a failed query (that would end the wait) nor ready (that would pass it)
    absent = not_there_yet('i-2', 'instance not found (DBS.200022)')
    assert not query_failed(absent) and not all_passed([absent]) and not all_passed([result('i-1'), absent])
    outcome = wait(Script([result('i-1'), absent]), wait_timeout=35)
    assert outcome.reason == 'timed out' and outcome.rounds == 4
    outcome = wait(Script([result('i-1'), absent], [result('i-1'), absent], [result('i-1'), result('i-2')]))
    assert outcome.passed and outcome.rounds == 3


def test_appearances_tell_what_never_appeared_from_what_went_missing_again():
    seen = Appearances(['t1', 't2'])
    absent = not_there_yet('i-2', 'instance not found (DBS.200022)')
    first = [dict(result('i-1'), missing_tasks=['t2']), absent]
    seen.see(first, looked_for=['tdb-1'])  # tdb-1 has no result: its StarRocks instances were found
    last = [dict(result('i-1'), missing_tasks=['t1', 't2']), absent,
            not_there_yet('tdb-1', 'TaurusDB instance not found (DBS.200022)', 'TaurusDB instance'),
            {'instance_id': 'i-3', 'failed': True, 'msg': 'HTTP 503'}]
    seen.see(last, looked_for=['tdb-1'])
    assert seen.missing(last) == [('task t1 of instance i-1', False), ('task t2 of instance i-1', True),
                                  ('instance i-2', True), ('TaurusDB instance tdb-1', False)]
    assert seen.missing([result('i-1')]) == []


def test_appearances_of_many_names_cost_comparisons_in_proportion_to_them():
    # before: each name was searched for in the list of missing tasks, every round (2,000 * 2,000 comparisons here)
    names = counted_names('task', 2000)
    seen = Appearances(names)
    seen.see([dict(result('i-1'), missing_tasks=list(reversed(names[1:])))])
    assert CountedName.comparisons[0] <= 4 * len(names)
    assert seen.missing([dict(result('i-1'), missing_tasks=names[:2])]) == [
        ('task task_0000 of instance i-1', False), ('task task_0001 of instance i-1', True)]


def with_state(item, **state):
    """A result whose StarRocks instance's own state is not normal (as with_instance_state leaves it)."""
    state = dict({'normal': False, 'failed': False, 'reasons': ['status is rebooting']}, **state)
    return dict(item, all_ready=False, instance_state=state, problems=['instance state: %s' % state['reasons'][0]])


def test_an_instance_state_that_is_not_normal_is_waited_for_and_a_failed_creation_fails_fast():
    # rebooting twice, then normal: the wait waits (a state that is not normal may pass)
    script = Script([with_state(result('a'))], [with_state(result('a'))], [result('a')])
    outcome = wait(script)
    assert outcome.passed and outcome.rounds == 3
    assert not broken_tasks(with_state(result('a')))
    # a creation that failed does not recover by itself: fail_fast_polls rounds, then the wait stops
    failed = with_state(result('a'), failed=True, reasons=['creation failed'])
    assert broken_tasks(failed) == {('a', 'instance state')}
    outcome = wait(Script([failed]), fail_fast_polls=2)
    assert (outcome.passed, outcome.reason, outcome.rounds) == (False, 'fail fast', 2)
    assert 'a StarRocks instance whose creation failed' in REASONS['fail fast']
