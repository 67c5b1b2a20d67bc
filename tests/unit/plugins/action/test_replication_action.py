"""The replication action in-process against the simulator's write APIs: create, change, pause, resume and
delete one task by its name, idempotently, with check mode and diff; a failing job; a write whose answer is
lost is never sent again blindly. Jobs move by polls of the job (the simulator's default), never by time;
what each case sent is read from the simulator's write counters."""

import pytest
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT

from ansible_collections.taurusdb.htap.plugins.plugin_utils import options
from ansible_collections.taurusdb.htap.tests.unit.helpers import run_action

TAURUS = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07'
SR = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
LEDGER = dict(task_name='ledger_db', source_instance_id=TAURUS, source_database='ledger', target_database='ledger_sr')


@pytest.fixture(autouse=True)
def without_module_defaults(monkeypatch):
    monkeypatch.setattr(options, '_apply_action_arg_defaults', None)


@pytest.fixture
def family(sim):
    sim.load({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}],
              'instances': [{'id': SR, 'tasks': [{'task_name': 'orders_db', 'source_database': 'orders',
                                                  'target_database': 'orders_sr'}]}]})
    return sim


def declare(sim, check_mode=False, diff=False, **args):
    base = dict(instance_id=SR, endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'],
                secret_key=KEY['sk'], retry_backoff=0.01, wait_sleep=0.1, wait_timeout=60)
    return run_action('taurusdb_starrocks_replication', dict(base, **args), check_mode, diff)


def writes(sim):
    return sim.stats()['writes']


def listed(sim):
    """task name -> stage, as the gate's info module reads it."""
    result = run_action('taurusdb_starrocks_replication_wait', dict(
        instance_ids=[SR], endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
        wait_timeout=0, fail_fast=False, min_tasks=0, return_all_tasks=True))
    return dict((task['task_name'], task['stage']) for task in result['instances'][0]['replications'])


def test_create_then_again_changes_nothing(family):
    first = declare(family, **LEDGER)
    assert not first.get('failed'), first.get('msg')
    assert first['changed'] is True and [step['action'] for step in first['actions']] == ['create']
    assert first['actions'][0]['job_status'] == 'Completed' and first['actions'][0]['sent'] == 1
    assert first['task']['source_database'] == 'ledger' and first['task']['state'] == 'present'
    assert writes(family)['create'] == 1 and writes(family)['total'] == 1
    again = declare(family, **LEDGER)
    assert again['changed'] is False and again['actions'] == [] and writes(family)['total'] == 1
    assert 'ledger_db' in listed(family)


def test_check_mode_sends_nothing_and_says_what_it_would_do(family):
    result = declare(family, check_mode=True, diff=True, **LEDGER)
    assert result['changed'] is True and result['planned'] == ['create'] and result['actions'] == []
    assert result['diff']['before'] == {'state': 'absent'}
    assert result['diff']['after']['state'] == 'present' and result['diff']['after']['target_database'] == 'ledger_sr'
    assert writes(family)['total'] == 0 and 'ledger_db' not in listed(family)


def test_a_change_of_what_is_declared_is_one_change_then_nothing(family):
    scope = {'repl_type': 'include_tables', 'repl_scope': 'part', 'tables': ['orders', 'customers']}
    result = declare(family, diff=True, task_name='orders_db', target_database='orders_v2', table_repl_config=scope)
    assert not result.get('failed'), result.get('msg')
    assert [step['action'] for step in result['actions']] == ['change'] and writes(family)['change'] == 1
    assert result['diff']['before']['target_database'] == 'orders_sr'
    assert result['diff']['after']['target_database'] == 'orders_v2'
    assert result['task']['table_repl_config'] == {'repl_type': 'include_tables', 'repl_scope': 'part',
                                                   'tables': ['customers', 'orders']}
    # the same scope in another order is the same scope
    again = declare(family, task_name='orders_db', target_database='orders_v2',
                    table_repl_config=dict(scope, tables=['customers', 'orders']))
    assert again['changed'] is False and writes(family)['total'] == 1


def test_pause_resume_and_delete(family):
    paused = declare(family, task_name='orders_db', state='paused')
    assert [step['action'] for step in paused['actions']] == ['pause'] and listed(family)['orders_db'] == 'paused'
    assert declare(family, task_name='orders_db', state='paused')['changed'] is False
    resumed = declare(family, task_name='orders_db')
    assert [step['action'] for step in resumed['actions']] == ['resume']
    assert listed(family)['orders_db'] != 'paused'
    gone = declare(family, task_name='orders_db', state='absent')
    assert [step['action'] for step in gone['actions']] == ['delete'] and 'orders_db' not in listed(family)
    assert declare(family, task_name='orders_db', state='absent')['changed'] is False
    assert writes(family) == dict(create=0, change=0, delete=1, pause=1, resume=1, total=3)


def test_a_failing_job_fails_the_task_with_its_reason(family):
    family.write_failures({'route': 'create', 'fail_job': 'Insufficient resources in the target cluster'})
    result = declare(family, **LEDGER)
    assert result['failed'] is True
    assert 'ended Failed: Insufficient resources in the target cluster' in result['msg']
    assert result['actions'][0]['job_status'] == 'Failed' and 'ledger_db' not in listed(family)


def test_a_create_whose_answer_was_lost_is_read_not_sent_again(family):
    family.write_failures({'route': 'create', 'error_after_apply': 503})
    result = declare(family, **LEDGER)
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True and result['actions'][0]['answer_lost'] is True
    assert result['actions'][0]['sent'] == 1 and writes(family)['create'] == 1
    assert 'was not sent again' in result['warnings'][0]
    assert list(listed(family)).count('ledger_db') == 1


def test_a_create_needs_its_databases_and_nothing_is_sent_without_them(family):
    result = declare(family, task_name='ledger_db', source_instance_id=TAURUS)
    assert result['failed'] is True and 'to create it give source_database, target_database' in result['msg']
    assert writes(family)['total'] == 0


@pytest.mark.parametrize('args, message', [
    (dict(task_name='a-b'), 'task_name must be 3 to 128 letters, digits or underscores'),
    (dict(task_name='ab'), 'task_name must be 3 to 128'),
    (dict(task_name='abc', source_instance_id=SR), 'source_instance_id must be 32 letters or digits followed by "in07"'),
    (dict(task_name='abc', source_node_id='x'), 'source_node_id must be'),
    (dict(task_name='abc', table_repl_config={'repl_scope': 'all', 'tables': ['t']}), 'repl_scope all'),
    (dict(task_name='abc', instance_id='nope'), 'is not a StarRocks instance id'),
    (dict(task_name='abc', wait_timeout=-1), 'wait_timeout'),
])
def test_bad_declarations_are_refused_before_any_request(family, args, message):
    result = declare(family, **args)
    assert result['failed'] is True and message in result['msg']
    assert family.stats()['total'] == 0


def test_wait_gates_on_the_created_task(family):
    family.load({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}], 'instances': [{'id': SR, 'tasks': []}],
                 'writes': {'created': {'sync': {'full': 6}}}})  # full for 6 listings after it is created
    result = declare(family, wait=True, **LEDGER)
    assert not result.get('failed'), result.get('msg')
    assert result['task']['stage'] == 'full'
    assert result['wait']['passed'] is True and result['wait']['rounds'] >= 2  # full first, then incremental


def test_wait_fails_with_the_gates_report_when_the_task_is_broken(family):
    family.load({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}],
                 'instances': [{'id': SR, 'tasks': [{'task_name': 'orders_db', 'status': 'No'}]}]})
    result = declare(family, wait=True, task_name='orders_db')
    assert result['failed'] is True and result['changed'] is False
    assert result['wait']['reason'] == 'fail fast' and 'orders_db' in result['msg']


def test_wait_timeout_0_reads_each_job_once(family):
    family.load({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}], 'instances': [{'id': SR, 'tasks': []}],
                 'writes': {'job': {'pending': 0, 'running': 0}}})  # a job completes at its first read
    created = declare(family, wait_timeout=0, **LEDGER)
    assert not created.get('failed'), created.get('msg')
    assert created['actions'][0]['job_status'] == 'Completed'
    family.load({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}], 'instances': [{'id': SR, 'tasks': []}]})
    slow = declare(family, wait_timeout=0, **LEDGER)
    assert slow['failed'] is True and 'did not end before wait_timeout: job' in slow['msg'] and 'is Pending' in slow['msg']
    assert family.stats()['routes'].get('jobs') == 1


# --- the worst answers (the adversary) ------------------------------------------------------------
LISTING = 'starrocks/databases/replication$'
ROW = {'task_name': 'ledger_db', 'source_database': 'ledger', 'target_database': 'ledger_sr', 'status': 'Yes',
       'stage': 'incremental', 'percentage': 100}
CONFIG = {'source_instance_id': TAURUS, 'source_node_id': '', 'database_info': {'database_name': 'ledger'},
          'target_database_name': 'ledger_sr',
          'table_repl_config': {'repl_type': 'exclude_tables', 'repl_scope': 'all', 'tables': []}}


def listing(rows, **rule):
    return dict({'method': 'GET', 'path': LISTING, 'json': {'total_count': len(rows), 'replications': rows}}, **rule)


def test_a_lost_answers_text_is_shown_safely_in_the_warning_and_actions(adversary):
    """The 5xx that lost a create's answer is server text: escaped and cut, never a template or a terminal code."""
    adversary.play([
        listing([], times=1),
        {'method': 'POST', 'path': LISTING, 'status': 503, 'headers': {'X-Request-Id': 'r\x1b[31m' + 'y' * 5000},
         'json': {'error_code': 'DBS.200000', 'error_msg': 'lost\x1b[2J{{ lookup("pipe", "id") }}' + 'x' * 100000}},
        listing([ROW]),
        {'method': 'GET', 'path': 'configuration', 'json': CONFIG},
    ])
    result = declare(adversary, **LEDGER)
    assert not result.get('failed'), result.get('msg')
    assert result['actions'][0]['answer_lost'] is True
    assert [entry['method'] for entry in adversary.log()].count('POST') == 1
    warning, request_id = result['warnings'][0], result['actions'][0]['request_id']
    assert 'lost\\x1b[2J\\x7b{ lookup' in warning and '\x1b' not in warning and len(warning) < 3000
    assert '\x1b' not in request_id and len(request_id) <= 256


@pytest.mark.parametrize('field', ['stage', 'status'])
def test_a_stage_or_status_that_is_not_text_is_shown_as_text(adversary, field):
    """A server may send any JSON where text belongs: in the task returned it is text, escaped, never raw data."""
    adversary.play([listing([dict(ROW, **{field: {'x': ['\x1b[2J', '{{ lookup("pipe", "id") }}']}})]),
                    {'method': 'GET', 'path': 'configuration', 'json': CONFIG}])
    result = declare(adversary, check_mode=True, task_name='ledger_db')
    assert not result.get('failed'), result.get('msg')
    value = result['task'][field]
    assert isinstance(value, str) and '\\x1b[2J' in value and '\x1b' not in value and '{{' not in value


def test_a_task_the_paging_skipped_is_not_taken_for_absent(family):
    """Offset paging has no snapshot: a task deleted on page 1 after it was read shifts the task on page 2 into
    page 1, and one added keeps the total. That read is complete but not the list's state; the gate needs no
    proof of a listing that would not pass (one task here is paused), but a task missed is no task absent."""
    tasks = [{'task_name': 'gone_db', 'vanish_after': 1}]  # in the 1st listing request only
    tasks += [{'task_name': 'task_%02d' % number, 'stage': 'paused' if number == 5 else 'Incremental'}
              for number in range(1, 10)]
    tasks += [{'task_name': 'orders_db', 'source_database': 'orders', 'target_database': 'orders_sr'}]
    tasks += [{'task_name': 'task_%02d' % number} for number in range(11, 19)]
    tasks += [{'task_name': 'late_db', 'appear_after': 1}]  # from the 2nd listing request on
    family.load({'taurusdb_instances': [{'id': TAURUS, 'htap': [SR]}],
                 'instances': [{'id': SR, 'page_size': 10, 'tasks': tasks}]})
    result = declare(family, task_name='orders_db', state='absent')
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True and [step['action'] for step in result['actions']] == ['delete']
    assert writes(family)['delete'] == 1
