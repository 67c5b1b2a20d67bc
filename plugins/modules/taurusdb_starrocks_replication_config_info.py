#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: taurusdb_starrocks_replication_config_info
short_description: Read why a StarRocks data synchronization task broke - its configuration and checks
version_added: 0.2.0
description:
  - Reads the configuration of one data synchronization task of a TaurusDB HTAP StarRocks instance
    (the API behind the official SDK's C(ListStarRocksDataReplicationConfig)) and returns it normalized
    under RV(replication_config) - the last C(ALTER TABLE) error, every database and table check with
    whether it passed, and the tables replicated.
  - Use it when M(taurusdb.htap.taurusdb_starrocks_replication_info) reports a task with status C(No).
author:
  - TaurusDB HTAP collection maintainers (@taurusdb-htap)
options:
  task_name:
    description:
      - Name of the data synchronization task.
    type: str
    required: true
extends_documentation_fragment:
  - taurusdb.htap.starrocks_instance
  - taurusdb.htap.attributes
  - taurusdb.htap.attributes.actiongroup
  - taurusdb.htap.connection
seealso:
  - module: taurusdb.htap.taurusdb_starrocks_replication_info
'''

EXAMPLES = r'''
- name: Why did orders_db break?
  taurusdb.htap.taurusdb_starrocks_replication_config_info:
    region: cn-north-4
    instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    task_name: orders_db
  register: why

- name: Show the last ALTER TABLE error and the failing checks
  ansible.builtin.debug:
    msg: "{{ why.replication_config.last_error_of_alter_table }} {{ why.replication_config.failing_checks }}"
'''

RETURN = r'''
replication_config:
  description: The task's configuration, normalized.
  returned: success
  type: dict
  contains:
    instance_id:
      description: The StarRocks instance.
      type: str
    task_name:
      description: The task.
      type: str
    source_instance_id:
      description: The TaurusDB instance replicated from.
      type: str
    source_node_id:
      description: The TaurusDB node replicated from.
      type: str
    source_database:
      description: The TaurusDB database (C(database_info.database_name)).
      type: str
    target_database:
      description: The StarRocks database (C(target_database_name)).
      type: str
    database_checks:
      description: The database setting checks, each with C(name), C(value), C(check_result) and C(passed).
      type: list
      elements: dict
    table_checks:
      description: The per-table checks, each with C(name) (the table), C(value) (its configuration), C(check_result) and C(passed).
      type: list
      elements: dict
    failing_checks:
      description:
        - Every check that did not pass, in words. A check passes when C(check_result) is C(success), C(pass),
          C(ok) or similar; any other value (an error text, an unknown word) is a failure.
      type: list
      elements: str
      sample: ['table orders: failed: no primary key']
    table_repl_config:
      description: What is replicated - C(repl_type), C(repl_scope) and C(tables).
      type: dict
    new_table_repl_config:
      description: A pending change of RV(replication_config.table_repl_config), if any.
      type: dict
    is_tables_change:
      description: Whether the replicated tables are being changed.
      type: bool
    last_error_of_alter_table:
      description: The error of the last C(ALTER TABLE) replicated, or null when there was none.
      type: str
      sample: "ALTER TABLE orders ADD COLUMN note TEXT failed: unsupported type"
  sample:
    instance_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
    task_name: orders_db
    last_error_of_alter_table: null
    failing_checks: []
request_id:
  description: C(X-Request-Id) of the request.
  returned: success
  type: str
msg:
  description: What failed, with the HTTP status, error code, message, request id and a hint.
  returned: failure
  type: str
'''

from ansible_collections.taurusdb.htap.plugins.module_utils.module_base import TaurusDBModule
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_config import get_config


def main():
    module = TaurusDBModule(argument_spec=dict(instance_id=dict(type='str', required=True),
                                               task_name=dict(type='str', required=True)))
    instance_id, task_name = module.params['instance_id'], module.params['task_name']

    def work(client):
        config, request_id = get_config(client, instance_id, task_name)
        return {'replication_config': config, 'request_id': request_id}

    module.run('Reading the configuration of task %s' % task_name, work, instance_id=instance_id, task_name=task_name)


if __name__ == '__main__':
    main()
