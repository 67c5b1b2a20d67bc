#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action that runs on the controller:
# plugins/action/taurusdb_starrocks_replication.py holds the code.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: taurusdb_starrocks_replication
short_description: Create, change, pause, resume or delete a StarRocks data synchronization task, idempotently
version_added: 0.3.0
description:
  - Declares one data synchronization task of a TaurusDB HTAP StarRocks instance, keyed by O(task_name), and
    changes only what differs - with the APIs behind the official SDK's C(CreateStarRocksDataReplication),
    C(ModifyDataSync), C(PauseStarRocksDataReplication), C(ResumeStarRocksDataReplication) and
    C(DeleteStarRocksDataReplication).
  - It first reads what is there - the instance's complete, consistent task list (as
    M(taurusdb.htap.taurusdb_starrocks_replication_info) reads it, but a list of several pages is always read twice
    to prove it one state of the list, since a task that paging skipped is no task absent; a list that cannot be
    trusted changes nothing)
    and the task's configuration (as M(taurusdb.htap.taurusdb_starrocks_replication_config_info) reads it) - then
    sends, in this order, what is needed - a create, a change of what was declared and differs, a pause or a resume,
    or a delete. RV(changed) is true only when something was sent.
  - Only what is declared is compared; an option left out is left as it is. Two tables lists with the same names in
    another order are the same.
  - Each write answers a job; the action waits for it (C(GET /v3/{project_id}/jobs?id=)) every O(wait_sleep)
    seconds, bounded by O(wait_timeout). A job that fails fails the task with its C(fail_reason). After the jobs the
    task is read again, and if it still does not read as declared the task fails rather than say it does.
  - B(Writes are not retried blindly.) A write is sent again at once only when it surely was not done - throttled
    (HTTP 429) or its connection never opened. After a 5xx, a timeout, a cut connection or an answer that cannot be
    read it may have been done, so the task is read first, and the write is sent again (O(retries) times at most)
    only if its effect is not there. A create sent again and refused because the name is taken is a create whose
    first job is still running - its task is waited for, never created twice. A delete sent again and refused because
    the task does not exist, when the task reads gone, was done by the first one.
  - With O(wait=true) and O(state=present), after the changes it waits until the task is ready through the gate
    of M(taurusdb.htap.taurusdb_starrocks_replication_wait) (the same rounds, verdict, fail fast and report), in
    the time O(wait_timeout) leaves.
  - Check mode sends no write; it reads, and says in RV(planned) what it would send. Diff mode shows the task
    before and after.
  - Options left out, also with C(omit), come from C(module_defaults) (C(group/taurusdb.htap.taurusdb)), then the
    task's C(environment) keyword, then the controller's environment - as for a module.
author:
  - TaurusDB HTAP collection maintainers (@taurusdb-htap)
options:
  task_name:
    description:
      - The task, 3 to 128 letters, digits or underscores. It names the task in every request; a task list with two
        tasks of this name is refused (nothing is changed).
    type: str
    required: true
  state:
    description:
      - V(present) - the task exists and runs; a paused task is resumed.
      - V(paused) - the task exists and is paused (created first if it is missing).
      - V(absent) - the task does not exist.
      - A task with status C(No) or in stage C(cancelled) is not changed by V(present) beyond what is declared; with
        O(wait=true) the gate then fails fast and says why.
    type: str
    choices: [present, absent, paused]
    default: present
  source_instance_id:
    description:
      - The TaurusDB instance replicated from (32 letters or digits followed by C(in07)). Needed to create the task.
    type: str
  source_node_id:
    description:
      - A read-only TaurusDB node to replicate from (32 letters or digits followed by C(no07)). Left out or empty,
        the API uses the primary node when it creates the task, and the node is not compared.
    type: str
  source_database:
    description:
      - The TaurusDB database (3 to 1024 letters, digits or underscores). Needed to create the task.
    type: str
  target_database:
    description:
      - The StarRocks database (3 to 128 letters, digits or underscores). Needed to create the task.
    type: str
  table_repl_config:
    description:
      - The table scope (the API's C(table_repl_config)), set with a change after the task is created. Only the keys
        given are compared.
    type: dict
    suboptions:
      repl_type:
        description:
          - V(include_tables) - O(table_repl_config.tables) is an allow list; V(exclude_tables) - a deny list.
        type: str
        choices: [include_tables, exclude_tables]
      repl_scope:
        description:
          - V(all) - every table; V(part) - some tables.
        type: str
        choices: [all, part]
      tables:
        description:
          - The allow or deny list. Order and repeats do not matter. Must be empty with O(table_repl_config.repl_scope=all).
        type: list
        elements: str
  wait:
    description:
      - With O(state=present), after the changes wait until the task is ready (status C(Yes), stage
        C(incremental)), through the gate. Not in check mode.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds for everything - the jobs, and with O(wait=true) the gate. With V(0) a job must end at its first read
        and the gate checks once.
    type: float
    default: 600
  wait_sleep:
    description:
      - Seconds between reads of a job, and between the gate's rounds (0.1 to 86400).
    type: float
    default: 5
extends_documentation_fragment:
  - taurusdb.htap.starrocks_instance
  - taurusdb.htap.attributes.actiongroup
  - taurusdb.htap.attributes.controller
  - taurusdb.htap.connection
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: It reads and sends no write; RV(planned) says what it would send.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
notes:
  - The change API has more fields (C(db_configs), C(tables_configs), C(is_instance_level_sync),
    C(database_repl_scope), C(is_support_reg_exp)); no read API shows them, so they cannot be compared and are not
    options here.
seealso:
  - module: taurusdb.htap.taurusdb_starrocks_replication_info
  - module: taurusdb.htap.taurusdb_starrocks_replication_config_info
  - module: taurusdb.htap.taurusdb_starrocks_replication_wait
'''

EXAMPLES = r'''
- name: Replicate the orders database, and wait until it is ready
  taurusdb.htap.taurusdb_starrocks_replication:
    region: cn-north-4
    instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    task_name: orders_db
    source_instance_id: 1b2c3d4e5f60718293a4b5c6d7e8f90ain07
    source_database: orders
    target_database: orders_sr
    table_repl_config:
      repl_type: include_tables
      repl_scope: part
      tables: [orders, order_lines]
    wait: true

- name: Pause it for a maintenance window
  taurusdb.htap.taurusdb_starrocks_replication:
    region: cn-north-4
    instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    task_name: orders_db
    state: paused

- name: Remove a task no longer needed
  taurusdb.htap.taurusdb_starrocks_replication:
    region: cn-north-4
    instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    task_name: legacy_db
    state: absent
'''

RETURN = r'''
changed:
  description: Whether a write was sent (in check mode - would be).
  returned: always
  type: bool
planned:
  description: The writes needed, in order - V(create), V(change), V(pause), V(resume), V(delete).
  returned: when the task was read
  type: list
  elements: str
  sample: [create, change]
actions:
  description: The writes sent, one entry each, also when a later one failed (empty in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description: V(create), V(change), V(pause), V(resume) or V(delete).
      type: str
    job_id:
      description: The job the write started (null when its answer was lost).
      type: str
    job_status:
      description: The job's last status read - C(Completed), or C(Failed), C(Pending), C(Running) when it failed.
      type: str
    fail_reason:
      description: The job's C(fail_reason).
      type: str
    request_id:
      description: C(X-Request-Id) of the write.
      type: str
    sent:
      description: How many times the write was sent (more than 1 only after a lost answer whose effect was not there).
      type: int
    answer_lost:
      description: The write's answer was lost (a 5xx, a timeout) but the task read afterwards shows it done.
      type: bool
  sample: [{action: create, job_id: 5d5f1a4e-1b6a-4e0c-9b7e-3f1d2c4b5a69, job_status: Completed, sent: 1,
            answer_lost: false, request_id: 0b1c2d3e4f}]
task:
  description:
    - The task as read after the writes (or, in check mode or with nothing to send, as it will be) - C(task_name),
      C(state) (V(present) or V(paused)), C(stage), C(status), C(source_instance_id), C(source_node_id),
      C(source_database), C(target_database), C(table_repl_config). Null when absent.
  returned: when the task was read
  type: dict
  sample: {task_name: orders_db, state: present, stage: full, status: 'Yes', source_database: orders,
           target_database: orders_sr, table_repl_config: {repl_type: include_tables, repl_scope: part,
           tables: [order_lines, orders]}}
wait:
  description: With O(wait=true) - the gate's C(passed), C(reason), C(report), C(rounds) and C(elapsed).
  returned: with O(wait=true) and O(state=present), not in check mode
  type: dict
instance_id:
  description: The StarRocks instance.
  returned: when the options were valid
  type: str
task_name:
  description: The task.
  returned: when the options were valid
  type: str
msg:
  description: What failed, with the HTTP status, error code, message, request id and a hint; or the gate's report.
  returned: failure
  type: str
'''
