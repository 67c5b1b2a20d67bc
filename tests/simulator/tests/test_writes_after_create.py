"""A task changed right after its creation, as taurusdb_starrocks_replication does when it creates a task with a
table scope (a create, then a change, in one run): found by the integration target taurusdb_starrocks_replication.
Before, the change froze the new task in its first stage (full 0%), so a gate on it never passed; in the cloud a
change of the table scope does not stop the full copy.
"""

from test_writes import BASE, create, finish, signed, tasks

SCOPE = {'repl_type': 'include_tables', 'repl_scope': 'part', 'tables': ['ledger']}


def test_a_task_changed_right_after_its_creation_still_becomes_incremental(simulator):
    finish(simulator, create(simulator).json()['job_id'])
    changed = signed(simulator, 'PUT', BASE, {'task_name': 'ledger_db', 'table_repl_config': SCOPE})
    assert changed.status_code == 200, changed.text
    finish(simulator, changed.json()['job_id'])
    stages = [tasks(simulator)['ledger_db'][0] for _listing in range(5)]
    assert stages[-1] == 'Incremental', stages
