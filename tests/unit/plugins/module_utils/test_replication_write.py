"""Replication as code without a server: what is compared, what is planned, and how a write whose outcome is
unknown is followed by a read before anything is sent again (the client and the reads replaced; the real
round trips are tests/unit/plugins/action/test_replication_action.py's)."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils import replication_write as rw
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.transport import WriteOutcomeUnknown

TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
SR = '01010101010101010101010101010101in17'
DECLARED = dict(instance_id=SR, task_name='ledger_db', state='present', source_instance_id=TAURUS,
                source_node_id=None, source_database='ledger', target_database='ledger_sr', table_repl_config=None)
THERE = dict(task_name='ledger_db', state='present', stage='incremental', status='Yes', source_instance_id=TAURUS,
             source_node_id='0a' * 16 + 'no07', source_database='ledger', target_database='ledger_sr',
             table_repl_config={'repl_type': 'exclude_tables', 'repl_scope': 'all', 'tables': []})


def declared(**changes):
    return dict(DECLARED, **changes)


def test_a_missing_task_is_created_then_scoped_then_paused():
    scope = {'repl_type': 'include_tables', 'repl_scope': 'part', 'tables': ['b', 'a', 'a']}
    steps = rw.plan(declared(state='paused', table_repl_config=scope), None)
    assert [action for action, _body in steps] == ['create', 'change', 'pause']
    assert steps[0][1] == dict(task_name='ledger_db', source_instance_id=TAURUS, source_database='ledger',
                               target_database='ledger_sr')
    assert steps[1][1] == {'task_name': 'ledger_db', 'table_repl_config': dict(scope, tables=['a', 'b'])}


def test_only_what_is_declared_and_differs_is_changed():
    assert rw.plan(declared(), THERE) == []
    assert rw.plan(declared(source_database=None, target_database=None, source_instance_id=None), THERE) == []
    assert rw.plan(declared(target_database='other_sr'), THERE) == [
        ('change', {'task_name': 'ledger_db', 'target_database_name': 'other_sr'})]
    # a scope key left out is left as it is; the others are sent with it, as they are
    assert rw.plan(declared(table_repl_config={'repl_scope': 'all', 'repl_type': None, 'tables': None}), THERE) == []
    assert rw.plan(declared(table_repl_config={'repl_type': 'include_tables'}), THERE)[0][1]['table_repl_config'] == {
        'repl_type': 'include_tables', 'repl_scope': 'all', 'tables': []}


def test_an_empty_node_is_the_primary_and_is_not_compared():
    assert rw.plan(declared(source_node_id=''), THERE) == []
    assert rw.plan(declared(source_node_id='0b' * 16 + 'no07'), THERE)[0][1]['source_node_id'] == '0b' * 16 + 'no07'


@pytest.mark.parametrize('state, there, steps', [
    ('present', dict(THERE, state='paused'), ['resume']),
    ('paused', THERE, ['pause']),
    ('paused', dict(THERE, state='paused'), []),
    ('absent', THERE, ['delete']),
    ('absent', None, []),
])
def test_state(state, there, steps):
    assert [action for action, _body in rw.plan(declared(state=state), there)] == steps


def test_a_create_needs_its_source_and_databases():
    with pytest.raises(OptionError, match='to create it give source_instance_id, target_database'):
        rw.plan(declared(source_instance_id=None, target_database=None), None)


def test_diff_and_the_expected_task():
    after = rw.expected_after(declared(state='paused', target_database='other_sr'), THERE)
    assert rw.diff_view(after)['state'] == 'paused' and after['target_database'] == 'other_sr'
    assert rw.diff_view(None) == {'state': 'absent'} and rw.expected_after(declared(state='absent'), THERE) is None


class Settings(object):
    retries = 2
    retry_backoff = 0.0


class FakeClient(object):
    """Answers writes from a script: each entry is an answer dict or an exception to raise."""

    def __init__(self, answers, jobs=()):
        self.settings = Settings()
        self.answers, self.jobs = list(answers), list(jobs)
        self.sent = []

    def api_project_id(self):
        return 'p' * 32

    def write_json(self, method, path, body, what, hints=None):
        self.sent.append((method, path, body))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer, 'rid-%d' % len(self.sent)

    def get_json(self, path, query, what, hints=None):
        return {'job': self.jobs.pop(0)}, 'rid-job'


def applier(client, reads, monkeypatch, deadline=100.0):
    """An Applier over ``client`` whose reads of the task come from ``reads`` in order; a clock that moves
    only when it sleeps."""
    now = [0.0]
    monkeypatch.setattr(rw, 'read_task', lambda _client, _instance, _name: reads.pop(0))
    return rw.Applier(client, SR, deadline, 1.0, clock=lambda: now[0],
                      sleep=lambda seconds: now.__setitem__(0, now[0] + seconds))


def lost():
    return WriteOutcomeUnknown('Creating failed', status=503, error_code='DBS.200000', request_id='rid-lost',
                               hint='The service is unavailable; retry later.')


CREATE = ('create', dict(task_name='ledger_db', source_instance_id=TAURUS, source_database='ledger',
                         target_database='ledger_sr'))


def test_a_lost_answer_whose_effect_is_there_is_not_sent_again(monkeypatch):
    client = FakeClient([lost()])
    sender = applier(client, [THERE], monkeypatch)
    done = sender.apply([CREATE])
    assert len(client.sent) == 1 and done[0]['answer_lost'] is True and done[0]['job_id'] is None
    assert 'HTTP 503' in sender.warnings[0] and 'retry' not in sender.warnings[0]  # not the error's advice


def test_a_lost_answer_whose_effect_is_not_there_is_sent_again_once(monkeypatch):
    client = FakeClient([lost(), {'job_id': 'j1'}], jobs=[{'id': 'j1', 'status': 'Completed'}])
    done = applier(client, [None], monkeypatch).apply([CREATE])
    assert len(client.sent) == 2 and done[0]['sent'] == 2 and done[0]['job_status'] == 'Completed'


def test_a_create_sent_again_and_refused_waits_for_the_first_ones_task(monkeypatch):
    taken = ApiError('Creating failed', status=400, error_code='DBS.200001', error_msg='exists')
    client = FakeClient([lost(), taken])
    rounds = [None, None, None, THERE]  # read after the loss, then while the first create's job runs
    done = applier(client, rounds, monkeypatch).apply([CREATE])
    assert len(client.sent) == 2 and done[0]['answer_lost'] is True and rounds == []


def test_a_create_sent_again_and_refused_whose_task_never_appears_fails_at_the_deadline(monkeypatch):
    taken = ApiError('Creating failed', status=400, error_code='DBS.200001', error_msg='exists')
    client = FakeClient([lost(), taken])
    with pytest.raises(rw.JobFailed, match='did not appear before wait_timeout'):
        applier(client, [None] * 10, monkeypatch, deadline=3.0).apply([CREATE])
    assert len(client.sent) == 2  # never a third create


def test_losses_past_the_retries_end_with_the_loss(monkeypatch):
    client = FakeClient([lost(), lost(), lost()])
    with pytest.raises(WriteOutcomeUnknown):
        applier(client, [None, None, None], monkeypatch).apply([CREATE])
    assert len(client.sent) == 3  # retries=2: sent again twice, each after a read


@pytest.mark.parametrize('job, message', [
    ({'id': 'j1', 'status': 'Failed', 'fail_reason': 'no space\x1b[2J left'}, r'ended Failed: no space\\x1b\[2J left'),
    ({'id': 'j1', 'status': 'Running', 'process': '60%'}, r'did not end before wait_timeout: job j1 is Running \(60%\)'),
    ({'id': 'j1', 'status': 'Bogus'}, "job j1 is unknown status 'Bogus'"),
])
def test_a_job_that_fails_or_does_not_end_fails_the_step(monkeypatch, job, message):
    client = FakeClient([{'job_id': 'j1'}], jobs=[job] * 5)
    with pytest.raises(rw.JobFailed, match=message):
        applier(client, [], monkeypatch, deadline=2.0).apply([CREATE])


def test_an_answer_about_another_job_is_refused(monkeypatch):
    client = FakeClient([{'job_id': 'j1'}], jobs=[{'id': 'j2', 'status': 'Completed'}])
    with pytest.raises(ApiError, match='unexpected shape'):
        applier(client, [], monkeypatch).apply([CREATE])


def test_a_write_accepted_without_a_job_id_fails():
    client = FakeClient([{'nothing': True}])
    with pytest.raises(ApiError, match='accepted without a job id'):
        rw.Applier(client, SR, 100.0, 1.0).apply([CREATE])


@pytest.mark.parametrize('changes, message', [
    (dict(task_name='a b c'), 'task_name must be'),
    (dict(target_database='x' * 129), 'target_database must be'),
    (dict(source_database='a;b'), 'source_database must be'),
    (dict(table_repl_config={'tables': ['']}), 'table_repl_config.tables must be table names'),
])
def test_declarations_are_checked(changes, message):
    with pytest.raises(OptionError, match=message):
        rw.check_declared(declared(**changes))


def test_the_diff_leaves_out_what_is_not_known():
    created = rw.diff_view(rw.expected_after(declared(), None))
    assert 'table_repl_config' not in created and 'source_node_id' not in created and created['state'] == 'present'


def test_the_refusal_of_a_create_sent_again_is_shown_safely_in_the_warning(monkeypatch):
    taken = ApiError('Creating failed', status=400, error_code='DBS.200001',
                     error_msg='exists\x1b[2J{{ x }}' + 'y' * 9000)
    runner = applier(FakeClient([lost(), taken]), [None, THERE], monkeypatch)
    runner.apply([CREATE])
    assert 'exists\\x1b[2J\\x7b{ x }}' in runner.warnings[0] and len(runner.warnings[0]) < 3000


def test_a_null_among_the_tables_read_is_compared_not_a_crash():
    """A server may put null among the tables (the read keeps it); the scope still compares, and is sent sorted."""
    there = dict(THERE, table_repl_config={'repl_type': 'include_tables', 'repl_scope': 'part', 'tables': [None, 'a']})
    step = rw.plan(declared(table_repl_config={'tables': ['a']}), there)[0][1]
    assert step['table_repl_config']['tables'] == ['a']
    kept = rw.plan(declared(table_repl_config={'repl_type': 'exclude_tables'}), there)[0][1]['table_repl_config']
    assert kept == {'repl_type': 'exclude_tables', 'repl_scope': 'part', 'tables': [None, 'a']}


def test_a_delete_sent_again_and_refused_as_not_found_is_a_delete_done(monkeypatch):
    """Its answer lost, the task still read (the first delete's job running), the delete sent again refused: the
    first one's job ended meanwhile. The task is absent as declared; that is no failure."""
    gone = ApiError('Deleting failed', status=400, error_code=rw.TASK_NOT_FOUND, error_msg='does not exist')
    client = FakeClient([lost(), gone])
    runner = applier(client, [THERE, None], monkeypatch)
    done = runner.apply([('delete', {'task_name': 'ledger_db'})])
    assert len(client.sent) == 2 and done[0]['answer_lost'] is True and 'the task is gone' in runner.warnings[0]


def test_a_delete_sent_again_and_refused_while_the_task_is_there_fails(monkeypatch):
    gone = ApiError('Deleting failed', status=400, error_code=rw.TASK_NOT_FOUND, error_msg='does not exist')
    with pytest.raises(ApiError, match='does not exist'):
        applier(FakeClient([lost(), gone]), [THERE, THERE], monkeypatch).apply([('delete', {'task_name': 'ledger_db'})])


def test_every_table_declared_over_some_sends_no_list():
    there = dict(THERE, table_repl_config={'repl_type': 'include_tables', 'repl_scope': 'part', 'tables': ['a', 'b']})
    step = rw.plan(declared(table_repl_config={'repl_scope': 'all'}), there)[0][1]
    assert step['table_repl_config'] == {'repl_type': 'include_tables', 'repl_scope': 'all', 'tables': []}
