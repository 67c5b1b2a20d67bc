#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action that runs on the controller:
# plugins/action/taurusdb_starrocks_replication_wait.py holds the code.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: taurusdb_starrocks_replication_wait
short_description: Wait until the StarRocks replication of one or many instances is ready, or fail fast with a report
version_added: 0.2.0
description:
  - Waits, on the controller, until every data synchronization task of every instance given is ready -
    status C(Yes) in stage C(incremental), by the same rule as M(taurusdb.htap.taurusdb_starrocks_replication_info).
  - Each round queries every instance at the same time (one IAM token for the whole wait), and the wait passes
    only when one round sees every instance ready, O(ready_polls) rounds in a row. An instance that turns bad
    while others are awaited is caught.
  - B(Fails fast) - a task with status C(No), or in stage C(cancelled) or C(paused), does not recover by itself,
    so when one is seen in O(fail_fast_polls) rounds in a row (and, with O(fail_fast_after), for that many seconds)
    the wait ends at once. Unknown values are not ready but not final.
  - >-
    B(The StarRocks instance's own state) - for every StarRocks instance of a TaurusDB instance in
    O(taurusdb_instance_ids), each round also reads the TaurusDB instance's HTAP instance list afresh (one
    request per TaurusDB instance) and judges each instance's state as
    M(taurusdb.htap.taurusdb_htap_instance_info) does (its C(state_normal)) - normal only with status
    C(normal), no creation failure, no restart pending for parameters (C(wait_restart_for_params)), not frozen
    (C(is_frozen)) and no running actions (C(current_actions)). A state that is not normal, that cannot be
    read, or an instance the list no longer has, is not ready, and the report says why (C(instance state:)
    problems). Only a failed creation (status C(createfail) or a C(create_fail_error_code)) fails fast; any
    other state may still become normal and is waited for.
  - The state of a StarRocks instance given only by O(instance_ids) is not judged (the API that gives it needs
    the TaurusDB instance) - to judge it, give its TaurusDB instance in O(taurusdb_instance_ids).
  - Prints one progress line a round at the default verbosity - elapsed time, ready instances and the tasks
    still waiting with their stage and percentage; at C(-v) a line per instance.
  - O(wait_timeout) bounds everything, requests in flight included. A failed query ends the wait at once
    (after the usual retries) - with O(on_missing=wait) except an instance not found, which is waited for.
  - B(Data freshness) - with O(heartbeat) and O(max_lag), a round where every instance is ready also measures the
    heartbeat lag end to end as M(taurusdb.htap.taurusdb_starrocks_replication_lag) does (writing a heartbeat row on
    TaurusDB and waiting, at most O(max_lag) and a second and never past the deadline, until StarRocks holds it), and
    the wait passes only when the lag is within O(max_lag). A lag beyond it keeps the wait going (it can catch
    up); a database error ends it at once (RV(reason=heartbeat failed)), naming the side and host. A round then
    starts only if O(wait_sleep) and O(max_lag) and a second are left before the deadline, so that its
    measurement can finish. In check mode it writes and creates nothing - it measures the age of what the target
    holds, as the lag module does. A heartbeat the target holds from the source's future proves nothing (not
    fresh). Needs PyMySQL on the controller.
  - When it fails it reads why tasks with status C(No) broke (their last C(ALTER TABLE) error and failing
    checks, at most 10) and quotes that in RV(report); that never changes the verdict.
  - The role C(taurusdb.htap.replication_gate) is the gate built on this action.
  - Options left out, also with C(omit), come from C(module_defaults) (C(group/taurusdb.htap.taurusdb)), then the
    task's C(environment) keyword, then the controller's environment - as for a module.
author:
  - TaurusDB HTAP collection maintainers (@taurusdb-htap)
options:
  instance_ids:
    description:
      - StarRocks instance IDs to wait for (36 letters or digits ending in C(in17)); one ID as a string or a list.
    type: list
    elements: str
    default: []
  taurusdb_instance_ids:
    description:
      - TaurusDB instance IDs whose StarRocks (HTAP) instances are all waited for, found with the API behind
        M(taurusdb.htap.taurusdb_htap_instance_info). A TaurusDB instance without any, or whose list does not
        add up, fails the wait (with O(on_missing=wait), one not found or without any is waited for).
      - The own state of each of those StarRocks instances is judged every round too (see the description).
    type: list
    elements: str
    default: []
  wait_timeout:
    description:
      - Seconds to wait in all. V(0) checks once. A round starts only if O(wait_sleep) seconds are left.
    type: float
    default: 600
  wait_sleep:
    description:
      - Seconds between rounds (0.1 to 86400).
    type: float
    default: 10
  ready_polls:
    description:
      - How many rounds in a row must see every instance ready for the wait to pass.
    type: int
    default: 1
  fail_fast:
    description:
      - End the wait at once when a task with status C(No), or paused or cancelled, is seen in O(fail_fast_polls)
        rounds in a row. With V(false) the wait lasts until every instance is ready or O(wait_timeout).
    type: bool
    default: true
  fail_fast_polls:
    description:
      - In how many rounds in a row such a task must be seen to end the wait.
    type: int
    default: 2
  fail_fast_after:
    description:
      - How many seconds such a task must stay broken to end the wait, for users who think in time rather than
        rounds - from the end of the first round that saw it to the end of the latest, in rounds in a row (a round
        that sees it mended starts the count again).
      - Both thresholds must be reached - O(fail_fast_polls) rounds in a row B(and) O(fail_fast_after) seconds - so
        each one set is a minimum that holds; V(0) leaves it to O(fail_fast_polls) alone. To decide by time only,
        set O(fail_fast_polls=1). A value beyond O(wait_timeout) lets the wait run to its deadline.
    type: float
    default: 0
  on_missing:
    description:
      - What an instance that is not there yet does to the wait - a StarRocks instance not found (C(DBS.200022)), a
        TaurusDB instance of O(taurusdb_instance_ids) not found or without StarRocks instances.
      - V(fail) - it fails the wait at once, as a failed query (a TaurusDB instance without StarRocks instances
        as invalid settings).
      - V(wait) - it is not ready, and the wait goes on until it appears or O(wait_timeout) (as AWS waiters retry
        on NotFound), for a deployment that creates instances and then gates on them. Each round says it is not
        there yet; a wait that times out says in RV(report), on its last line, and in RV(never_appeared) what never
        appeared. The StarRocks instances of O(taurusdb_instance_ids) are then looked up again each round, and one
        found stays in the gate also when a later list leaves it out. The gate passes only when every instance was
        found and ready.
      - Named or expected tasks (O(task_names), O(expected_tasks)) not yet listed, and fewer tasks than
        O(min_tasks), are waited for either way - they are not ready, never a failure that ends the wait - and
        the report says which never appeared.
    type: str
    choices: [fail, wait]
    default: fail
  instance_concurrency:
    description:
      - How many instances are queried at the same time (1 to 32).
    type: int
    default: 8
  explain_failures:
    description:
      - When the wait fails, read why tasks with status C(No) broke (at most 10 in all) and quote it in the report.
    type: bool
    default: true
  report_file:
    description:
      - Also write the verdict, whether the wait passed or failed, as a JUnit XML file at this path for CI systems
        (GitLab C(artifacts:reports:junit), Jenkins C(junit)) - a test suite per instance, a test case per judged
        task, a failure for each task that is not ready (its status, stage, percentage, reasons and, where read,
        its last C(ALTER TABLE) error and failing checks), a failure for each instance-level problem (of type
        C(NotFound) for an instance not there, with O(on_missing=wait)), and an error for each instance whose query
        failed (with its HTTP status, error code, message and request id).
      - The last test suite, C(replication_gate), holds the gate's own verdict as one test case, C(gate) - passed,
        or a failure (an error when the gate could not judge - a query failed, invalid options) that says why, with
        RV(report) as its text, and the property C(never_appeared) when something never appeared (see
        RV(never_appeared)). So a wait that did not pass always counts a failed test, also when its last round
        was ready (the deadline came before O(ready_polls) ready rounds in a row).
      - The same report as JSON (with C(never_appeared)) is written beside it, named like the XML file with C(.json)
        instead of C(.xml) (or with C(.json) added), for example C(reports/replication.xml) and
        C(reports/replication.json).
      - Missing directories are created. Both files are written to new temporary files in their directory
        first (created exclusively, never through an existing file or link), then put in place; their mode is
        what the umask gives a new file. A relative path is relative to the directory C(ansible-playbook) runs in.
      - Failing to write them fails the task (also a wait that passed, then with RV(passed=false)) and removes
        both files, so an earlier run's report never stands for this one.
    type: path
  return_all_tasks:
    description:
      - With V(false), each entry of RV(instances) leaves out C(replications) (every judged task) and keeps
        C(not_ready) (the tasks that are not ready), C(summary), C(problems) and the rest - what a gate's user reads -
        so that the result, and whatever copies it, stays small however many tasks an instance has.
      - With V(true), C(replications) is returned too, as M(taurusdb.htap.taurusdb_starrocks_replication_info) returns it.
      - The files of O(report_file) always list every judged task.
    type: bool
    default: false
    version_added: 0.3.0
  max_lag:
    description:
      - The heartbeat lag allowed, in seconds; with O(heartbeat), which measures it. The wait then passes only in a
        round where every instance is ready and the lag measured is within O(max_lag).
    type: float
extends_documentation_fragment:
  - taurusdb.htap.heartbeat.gate
  - taurusdb.htap.attributes
  - taurusdb.htap.attributes.actiongroup
  - taurusdb.htap.attributes.controller
  - taurusdb.htap.connection
  - taurusdb.htap.replication
notes:
  - The O(limit) and O(offset) options give a partial listing, which is never ready; leave them out for a gate.
seealso:
  - module: taurusdb.htap.taurusdb_starrocks_replication_info
  - module: taurusdb.htap.taurusdb_htap_instance_info
'''

EXAMPLES = r'''
- name: Wait up to 15 minutes for two instances, failing fast on a broken task
  taurusdb.htap.taurusdb_starrocks_replication_wait:
    region: cn-north-4
    instance_ids:
      - 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
      - 1b2c3d4e5f60718293a4b5c6d7e8f90ain17
    wait_timeout: 900
    wait_sleep: 15
  register: gate

- name: Gate a CI job and leave a JUnit report for it (and reports/replication.json beside it)
  taurusdb.htap.taurusdb_starrocks_replication_wait:
    instance_ids: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    report_file: reports/replication.xml

- name: Every StarRocks instance of a TaurusDB instance, stable for two rounds
  taurusdb.htap.taurusdb_starrocks_replication_wait:
    taurusdb_instance_ids: 0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07
    ready_polls: 2
    expected_tasks: [orders_db]

- name: Ready and fresh - the heartbeat written on TaurusDB must reach StarRocks within 5 seconds
  taurusdb.htap.taurusdb_starrocks_replication_wait:
    instance_ids: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    max_lag: 5
    heartbeat:
      source:
        login_host: taurusdb.example.com
        login_user: heartbeat
        login_password: "{{ vault_heartbeat_password }}"
        database: orders
      target:
        login_host: starrocks.example.com
        login_port: 9030
        login_user: heartbeat
        login_password: "{{ vault_starrocks_password }}"
        database: orders_sr

- name: Right after creating the StarRocks instance and its tasks - wait for them to appear
  taurusdb.htap.taurusdb_starrocks_replication_wait:
    taurusdb_instance_ids: 0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07
    expected_tasks: [orders_db]
    on_missing: wait
    wait_timeout: 1800
'''

RETURN = r'''
passed:
  description: Whether the gate passed - the wait passed and, with O(report_file), its reports were written.
  returned: always
  type: bool
reason:
  description:
    - Why it ended - V(passed), V(fail fast), V(query failed), V(heartbeat failed) or V(timed out); V(report not
      written) when the wait passed but the files for O(report_file) could not be written.
    - V(timed out) also when O(wait_timeout) cut the queries of the last round (they show as failed queries in
      RV(instances)); V(query failed) is a query that failed before the deadline.
  returned: always
  type: str
  sample: fail fast
report:
  description:
    - The gate's report - per instance, every blocking task with its status, stage, percentage, reasons and why it broke.
    - It begins with C(Replication gate passed) only when the gate passed. A wait that failed after its rounds
      begins with C(Replication gate failed), also when its last round was ready, and its last line says why it
      stopped (for example, that the deadline came after a ready round, before O(ready_polls) ready rounds in a row).
  returned: always
  type: str
instances:
  description:
    - The last round's result per instance, in the shape of M(taurusdb.htap.taurusdb_starrocks_replication_info)'s
      return values (C(ext_text) too; or C(failed), C(msg) and the error's fields for a query that failed), with
      C(explanations) when they were read; without C(replications) unless O(return_all_tasks=true).
    - >-
      For an instance found through O(taurusdb_instance_ids), C(instance_state) - its own state this round -
      C(taurusdb_instance_id), C(status) (lower-case), C(create_fail_error_code), C(fail_message),
      C(wait_restart_for_params), C(is_frozen), C(current_actions) (the action names), C(normal), C(failed)
      (its creation failed) and C(reasons) (each also a C(problems) entry C(instance state: ...)); every field
      but C(normal), C(failed) and C(reasons) is null when the state could not be read.
  returned: always
  type: list
  elements: dict
instance_ids:
  description: The StarRocks instances waited for (given and found; with O(on_missing=wait), found in any round).
  returned: success
  type: list
  elements: str
never_appeared:
  description:
    - What the last round did not find and no round ever did - instances (with O(on_missing=wait)) and named or
      expected tasks, for example C(instance 0101...in17) or C(task orders_db of instance 0101...in17). What was
      found in an earlier round but not in the last one is said in RV(report) as missing again.
  returned: when the wait made its rounds
  type: list
  elements: str
rounds:
  description: How many rounds were made.
  returned: always
  type: int
elapsed:
  description: Seconds the wait took.
  returned: always
  type: float
report_files:
  description: The files written for O(report_file).
  returned: when O(report_file) is set and the files were written
  type: dict
  contains:
    junit:
      description: The JUnit XML file (absolute path).
      type: str
      sample: /builds/app/reports/replication.xml
    json:
      description: The same report as JSON (absolute path).
      type: str
      sample: /builds/app/reports/replication.json
heartbeat:
  description:
    - The last round's heartbeat measurement, with O(heartbeat) - the return values of
      M(taurusdb.htap.taurusdb_starrocks_replication_lag) (RV(taurusdb.htap.taurusdb_starrocks_replication_lag#module:lag_seconds),
      C(within_max_lag), C(seen), C(wrote), C(written_at), C(target_holds), C(measured_at), C(table)) and
      C(measured) (V(false) in a round whose tasks were not all ready - it is measured only then); or C(failed),
      C(msg), C(side) and C(host) when it could not be measured. C(within_max_lag) is the gate's own judgement - a
      finite lag, seen on the target, within O(max_lag).
  returned: with O(heartbeat)
  type: dict
  sample: {measured: true, lag_seconds: 0.412, within_max_lag: true, seen: true, wrote: true, max_lag: 5.0}
max_lag:
  description: The heartbeat lag allowed (O(max_lag)).
  returned: with O(heartbeat)
  type: float
report_error:
  description: Why the files for O(report_file) could not be written (the task then fails, also when the wait passed).
  returned: when the report could not be written
  type: str
msg:
  description: The report, when the wait failed.
  returned: failure
  type: str
'''
