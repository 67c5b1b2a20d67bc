#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: taurusdb_starrocks_replication_info
short_description: Query the data synchronization tasks of a TaurusDB HTAP StarRocks instance
version_added: 0.1.0
description:
  - Lists every data synchronization task of a StarRocks instance with the API
    "Querying Data Synchronization Tasks of a StarRocks Instance", following all pages, and judges
    whether the instance is ready - every judged task has status C(Yes) in stage C(incremental).
  - Status and stage are compared case-insensitively with surrounding whitespace ignored (C(YES), C( yes ) and
    C(Incremental) count; C(Y), C(true), C(Yes.) do not); any other value, or a field of the wrong type, is not ready.
  - Paging is complete and checked - distinct tasks must add up to a C(total_count) that did not move
    while paging, and every page must send the same C(ext_text) - and pages after the first are fetched
    concurrently (O(page_concurrency)).
  - Paging is proven consistent - offset paging has no snapshot, so a task deleted and another appended
    while the pages are read can hide a task with an unchanged C(total_count). A listing of several pages
    that would make the instance ready is therefore read a second time, every page at once, and counts
    only when both reads answered alike page for page (its rows are then the list as it stood between the
    two reads). A list that keeps changing is not ready, with a problem that says so. One page, or a
    listing that is not ready anyway, is read once.
  - Server text is data. Task and database names, statuses and stages in the result are shown with
    control and invisible characters (and lone surrogates) escaped (C(\n), C(\x1b), C(\u202e)), the
    C({) that would open a Jinja template (C({{), C({%), C({#)) written C(\x7b), and cut to 256 characters
    with a note of the full length; the rows as sent stay available with O(return_raw). Valid names are
    unchanged. A task or target database name outside the API's documented form (3 to 128 letters,
    digits and underscores), or a source database name outside 3 to 1024 characters, makes the task not
    ready, with the reason.
  - Every row the API returns is judged. A row is dropped only when identical in every field to another;
    two different rows for one task (its name with its databases) make the listing inconsistent, and a
    row without a task name is judged on its own and is never ready.
  - Throttling, server errors and network failures are retried with backoff; every other failure
    names the HTTP status, error code, message and request id.
author:
  - TaurusDB HTAP collection maintainers (@taurusdb-htap)
extends_documentation_fragment:
  - taurusdb.htap.starrocks_instance
  - taurusdb.htap.attributes
  - taurusdb.htap.attributes.actiongroup
  - taurusdb.htap.connection
  - taurusdb.htap.replication
seealso:
  - plugin: taurusdb.htap.taurusdb_starrocks_replication_info
    plugin_type: lookup
  - name: Querying Data Synchronization Tasks of a StarRocks Instance (API reference)
    description: The API this module calls.
    link: https://support.huaweicloud.com/intl/en-us/api-taurusdb/ListStarRocksDataReplications.html
'''

EXAMPLES = r'''
- name: Query every synchronization task of an instance (credentials from HUAWEICLOUD_SDK_* variables)
  taurusdb.htap.taurusdb_starrocks_replication_info:
    region: cn-north-4
    instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
  register: sync

- name: Fail unless every task is incremental and normal
  ansible.builtin.assert:
    that: sync.all_ready
    fail_msg: "Not ready: {{ sync.not_ready | map(attribute='task_name') | join(', ') }} {{ sync.problems | join('; ') }}"

- name: Only the order tasks, which must include orders_db, with catch-up finished
  taurusdb.htap.taurusdb_starrocks_replication_info:
    region: cn-north-4
    project_id: 0123456789abcdef0123456789abcdef
    instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    task_patterns: ['orders_*']
    expected_tasks: [orders_db]
    require_catchup: true

- name: Same settings for every task through the action group
  module_defaults:
    group/taurusdb.htap.taurusdb:
      region: cn-north-4
      access_key: "{{ vault_ak }}"
      secret_key: "{{ vault_sk }}"
      project_id: 0123456789abcdef0123456789abcdef
  block:
    - name: Query through the defaults
      taurusdb.htap.taurusdb_starrocks_replication_info:
        instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17

- name: With an IAM user instead of AK/SK (one token per run)
  taurusdb.htap.taurusdb_starrocks_replication_info:
    region: cn-north-4
    instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    iam_user: deployer
    iam_password: "{{ vault_iam_password }}"
    iam_domain: my-account
'''

RETURN = r'''
instance_id:
  description: The instance queried.
  returned: always
  type: str
  sample: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
total_count:
  description: Number of tasks the API reports for the instance (before filtering).
  returned: success
  type: int
  sample: 3
ext_text:
  description:
    - The listing's C(ext_text) (the API's "extended field", sent with every page; null when none), as server text -
      control characters and template openings escaped, at most 2048 characters. Text of another type is given as
      its JSON. Pages that sent different texts make the listing inconsistent (retried, as a moving C(total_count)
      is); this is the first page's.
  returned: success
  type: str
  sample: null
complete:
  description: Whether the listing holds every task (unique tasks fetched equal C(total_count)).
  returned: success
  type: bool
  sample: true
consistent:
  description:
    - Whether the rows are one state of the list - no task came with two different rows, and a listing of
      several pages that would be ready was read twice alike. False always comes with a problem that says why.
  returned: success
  type: bool
  sample: true
replications:
  description: The judged tasks, normalized, each with its verdict (and the row as the API sent it with O(return_raw)).
  returned: success
  type: list
  elements: dict
  contains:
    task_name:
      description: Task name.
      type: str
      sample: orders_db
    source_database:
      description: TaurusDB (source) database.
      type: str
      sample: orders
    target_database:
      description: StarRocks (target) database.
      type: str
      sample: orders_sr
    status:
      description: Lower-cased status, V(yes) (normal) or V(no) (abnormal).
      type: str
      sample: 'yes'
    stage:
      description: Lower-cased stage - V(wait), V(full), V(incremental), V(paused), V(cancelled) or what the API sent.
      type: str
      sample: incremental
    percentage:
      description: Progress as a number, or null when the API sent none.
      type: float
      sample: 100.0
    catchup_stage:
      description: Lower-cased catch-up stage, or null.
      type: str
      sample: null
    catchup_percentage:
      description: Catch-up progress as a number, or null.
      type: float
      sample: 0.0
    ready:
      description: Whether this task is ready.
      type: bool
      sample: true
    reasons:
      description: Why the task is not ready (empty when it is).
      type: list
      elements: str
      sample: []
    original:
      description: The task exactly as the API sent it.
      returned: when O(return_raw=true)
      type: dict
summary:
  description: Counts over the judged tasks.
  returned: success
  type: dict
  contains:
    total:
      description: Judged tasks.
      type: int
    ready:
      description: Ready tasks.
      type: int
    not_ready:
      description: Tasks not ready.
      type: int
    by_stage:
      description: Task count per lower-cased stage.
      type: dict
    by_status:
      description: Task count per lower-cased status.
      type: dict
  sample: {total: 3, ready: 2, not_ready: 1, by_stage: {incremental: 2, full: 1}, by_status: {'yes': 3}}
all_ready:
  description:
    - Whether the instance is ready - the listing is complete and consistent, there are at least
      O(min_tasks) judged tasks, every O(expected_tasks) and O(task_names) entry exists and every judged
      task is ready.
  returned: success
  type: bool
  sample: false
not_ready:
  description: The judged tasks that are not ready, with their reasons.
  returned: success
  type: list
  elements: dict
  sample: [{task_name: billing_db, source_database: billing, target_database: billing_sr, status: 'yes',
            stage: full, percentage: 42.0, reasons: ['stage is full (42%)']}]
missing_tasks:
  description: Entries of O(expected_tasks) and O(task_names) that do not exist.
  returned: success
  type: list
  elements: str
  sample: []
problems:
  description: Instance-level reasons why it is not ready (incomplete or inconsistent listing, too few tasks, missing tasks).
  returned: success
  type: list
  elements: str
  sample: ['only 0 tasks, at least 1 required (min_tasks)']
explanations:
  description:
    - With O(explain_failures), why the tasks with status C(No) broke (at most 10), each with C(task_name),
      C(source_database), C(target_database), C(last_error_of_alter_table) and C(failing_checks), or C(error)
      when the explanation could not be read.
  returned: when O(explain_failures=true)
  type: list
  elements: dict
  sample: [{task_name: users_db, source_database: users, target_database: users_sr,
            last_error_of_alter_table: 'ALTER TABLE users ADD COLUMN x failed', failing_checks: []}]
request_ids:
  description: The C(X-Request-Id) of every page fetched, for support cases.
  returned: success
  type: list
  elements: str
status:
  description: HTTP status of the failed request.
  returned: failure
  type: int
  sample: 400
error_code:
  description: Error code of the failed request.
  returned: failure
  type: str
  sample: DBS.200022
error_msg:
  description: Error message of the failed request.
  returned: failure
  type: str
  sample: Instance not found.
request_id:
  description: C(X-Request-Id) of the failed request.
  returned: failure
  type: str
hint:
  description: What to do about the failure.
  returned: failure
  type: str
'''

from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.module_base import TaurusDBModule
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import ReplicationQuery, query_instance
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_config import explain_results
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_SPEC


def main():
    module = TaurusDBModule(argument_spec=dict(instance_id=dict(type='str', required=True), **REPLICATION_SPEC))
    instance_id = module.params['instance_id']

    def work(client):
        query = ReplicationQuery(module.params)
        result = query_instance(client, check_instance_id(instance_id), query)
        if module.params['explain_failures']:
            explain_results(client, [result], query.page_concurrency)
        return result

    module.run('Querying instance %s' % instance_id, work, concurrency=module.params['page_concurrency'],
               instance_id=instance_id)


if __name__ == '__main__':
    main()
