"""The gate's wait, driven round by round with a fake clock: no test here depends on time."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.specs import WAIT_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.waiter import REASONS, Waiter, broken_tasks


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
                wait(Script([result(tasks=[{}])]), wait_timeout=0)]
    assert [outcome.reason for outcome in outcomes] == ['passed', 'fail fast', 'query failed', 'timed out']
    assert sorted(REASONS) == sorted(outcome.reason for outcome in outcomes) and all(REASONS.values())


def test_each_round_is_reported_with_its_number_time_and_results():
    rounds = []
    script = Script([result(tasks=[{}])], [result()])
    wait(script, on_round=lambda number, elapsed, results: rounds.append((number, elapsed, results)))
    assert rounds == [(1, 0.0, [result(tasks=[{}])]), (2, 10.0, [result()])]


def test_the_waiter_defaults_are_the_options_defaults():
    waiter = Waiter(None, 1, 1)
    assert (waiter.ready_polls, waiter.fail_fast, waiter.fail_fast_polls) == tuple(
        WAIT_SPEC[name]['default'] for name in ('ready_polls', 'fail_fast', 'fail_fast_polls'))


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
