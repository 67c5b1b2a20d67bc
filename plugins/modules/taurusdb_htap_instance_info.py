#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: taurusdb_htap_instance_info
short_description: List the StarRocks (HTAP) instances of a TaurusDB instance
version_added: 0.2.0
description:
  - Lists the HTAP (StarRocks) instances that hang off a TaurusDB instance (the API behind the official
    SDK's C(ListHtapInstanceInfo)), normalized under RV(htap_instances) - id, name, engine, version,
    status and failure message first, every other field as the API sent it, typed - with the verdict on
    each instance's own state that M(taurusdb.htap.taurusdb_starrocks_replication_wait) judges
    (RV(htap_instances[].state_normal), RV(htap_instances[].state_reasons)).
  - The answer is checked - as many instances as its C(total), no two different entries for one id -
    and anything else is named in RV(problems), with RV(complete) false.
author:
  - TaurusDB HTAP collection maintainers (@taurusdb-htap)
options:
  taurusdb_instance_id:
    description:
      - ID of the TaurusDB instance (32 letters or digits, then C(in) and two digits, such as C(...in07)).
      - Its alias O(instance_id) is deprecated (in the replication modules C(instance_id) is a StarRocks instance)
        and will be removed in 1.0.0.
    type: str
    required: true
    aliases: [instance_id]
extends_documentation_fragment:
  - taurusdb.htap.attributes
  - taurusdb.htap.attributes.actiongroup
  - taurusdb.htap.connection
seealso:
  - module: taurusdb.htap.taurusdb_starrocks_replication_info
  - module: taurusdb.htap.taurusdb_starrocks_replication_wait
    description: >-
      Waits for every StarRocks instance of the TaurusDB instances in its
      O(taurusdb.htap.taurusdb_starrocks_replication_wait#module:taurusdb_instance_ids).
'''

EXAMPLES = r'''
- name: Which StarRocks instances does this TaurusDB instance have?
  taurusdb.htap.taurusdb_htap_instance_info:
    region: cn-north-4
    taurusdb_instance_id: 0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07
  register: htap

- name: Query the replication of each of them
  taurusdb.htap.taurusdb_starrocks_replication_info:
    region: cn-north-4
    instance_id: "{{ item.id }}"
  loop: "{{ htap.htap_instances }}"
  loop_control:
    label: "{{ item.name }} ({{ item.status }})"
'''

RETURN = r'''
taurusdb_instance_id:
  description: The TaurusDB instance.
  returned: always
  type: str
instance_id:
  description: The TaurusDB instance, as RV(taurusdb_instance_id); kept for playbooks that read it, removed in 1.0.0.
  returned: always
  type: str
total:
  description: The number of HTAP instances the API reports.
  returned: success
  type: int
  sample: 1
htap_instances:
  description: The HTAP instances.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The StarRocks instance id (use it as C(instance_id) of the replication modules).
      type: str
    name:
      description: Instance name.
      type: str
    engine:
      description: Engine name (C(engine_name)).
      type: str
    version:
      description: Engine version (C(engine_version)).
      type: str
    status:
      description: Lower-cased C(instance_state.instance_status), such as V(normal), or null.
      type: str
    fail_message:
      description: Why creating or running the instance failed (C(instance_state.fail_message)), or null.
      type: str
    create_fail_error_code:
      description: C(instance_state.create_fail_error_code), or null.
      type: str
    wait_restart_for_params:
      description: Whether a restart is pending for parameter changes.
      type: bool
    create_at:
      description: Creation time in milliseconds since the epoch.
      type: int
    port:
      description: Port.
      type: int
    node_num:
      description: Number of nodes.
      type: int
    is_frozen:
      description: Whether the instance is frozen (C(is_frozen)); null when the API sent something else.
      type: bool
    current_actions:
      description:
        - The actions the instance is running (C(current_actions), items of the SDK's C(QueryAction) -
          C(id), C(action), C(object_id), C(type), C(job_id), C(status), C(created_at), C(updated_at)),
          as the API sent them.
      type: list
      elements: dict
    state_normal:
      description:
        - Whether the instance's own state is normal, as the wait judges it - C(instance_state.instance_status)
          is C(normal) (in any case), no C(create_fail_error_code), no restart pending for parameters
          (C(wait_restart_for_params)), not frozen (C(is_frozen)) and no C(current_actions). A missing
          status or a flag that is not a boolean is not normal.
      type: bool
    state_failed:
      description: Whether the instance's creation failed (status C(createfail) or a C(create_fail_error_code)).
      type: bool
    state_reasons:
      description: Why the instance's state is not normal (empty when it is).
      type: list
      elements: str
  sample:
    - id: 01010101010101010101010101010101in17
      name: analytics
      engine: star-rocks
      version: "3.1"
      status: normal
      fail_message: null
      state_normal: true
      state_failed: false
      state_reasons: []
max_htap_instance_num_of_taurus:
  description: How many HTAP instances the TaurusDB instance may have.
  returned: success
  type: int
complete:
  description: Whether the answer is whole and consistent (see RV(problems)).
  returned: success
  type: bool
problems:
  description: What is wrong with the answer (fewer instances than its total, two different entries for one id, ...).
  returned: success
  type: list
  elements: str
request_id:
  description: C(X-Request-Id) of the request.
  returned: success
  type: str
msg:
  description: What failed, with the HTTP status, error code, message, request id and a hint.
  returned: failure
  type: str
'''

from ansible_collections.taurusdb.htap.plugins.module_utils.htap_instances import list_htap_instances
from ansible_collections.taurusdb.htap.plugins.module_utils.module_base import TaurusDBModule

ARGUMENT_SPEC = dict(taurusdb_instance_id=dict(
    type='str', required=True, aliases=['instance_id'],
    deprecated_aliases=[dict(name='instance_id', version='1.0.0', collection_name='taurusdb.htap')]))


def main():
    module = TaurusDBModule(argument_spec=ARGUMENT_SPEC)
    taurusdb_instance_id = module.params['taurusdb_instance_id']
    module.run('Listing the HTAP instances of %s' % taurusdb_instance_id,
               lambda client: list_htap_instances(client, taurusdb_instance_id),
               taurusdb_instance_id=taurusdb_instance_id, instance_id=taurusdb_instance_id)


if __name__ == '__main__':
    main()
