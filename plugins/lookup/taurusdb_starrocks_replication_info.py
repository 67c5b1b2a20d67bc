# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: taurusdb_starrocks_replication_info
short_description: Data synchronization tasks and readiness of TaurusDB HTAP StarRocks instances
version_added: 0.1.0
author:
  - TaurusDB HTAP collection maintainers (@taurusdb-htap)
description:
  - Returns one result per instance ID in the same shape as the module
    M(taurusdb.htap.taurusdb_starrocks_replication_info) - tasks, summary, C(all_ready), C(not_ready)
    and C(problems) - using the same paging, retries and readiness rule.
  - Instances are queried concurrently from the controller; an IAM password is exchanged for a
    token once per lookup call.
  - Connection options can also come from environment variables, variables (C(taurusdb_<option>))
    and C(ansible.cfg) (section C([taurusdb_htap]), not for secrets).
  - With a single instance ID, C(lookup) returns the result itself; use C(query) (or C(wantlist=true))
    to always get a list.
options:
  _terms:
    description: StarRocks instance IDs (36 letters or digits ending in C(in17)).
    type: list
    elements: str
    required: true
  on_missing:
    description:
      - What to do with an instance that does not exist (error C(DBS.200022)).
      - V(error) fails the lookup, V(warn) leaves the instance out with a warning, V(skip) leaves it out silently.
    type: str
    choices: [error, warn, skip]
    default: error
  instance_concurrency:
    description: How many instances are queried at the same time (1 to 32).
    type: int
    default: 4
extends_documentation_fragment:
  - taurusdb.htap.connection
  - taurusdb.htap.connection.plugins
  - taurusdb.htap.replication
seealso:
  - module: taurusdb.htap.taurusdb_starrocks_replication_info
'''

EXAMPLES = r'''
- name: Stop unless both instances are fully synchronized (credentials from HUAWEICLOUD_SDK_* variables)
  ansible.builtin.assert:
    that: results is taurusdb.htap.replication_ready
    fail_msg: "{{ results | taurusdb.htap.replication_report }}"
  vars:
    results: "{{ query('taurusdb.htap.taurusdb_starrocks_replication_info', inst_a, inst_b, region='cn-north-4') }}"

- name: Count incremental tasks of one instance
  ansible.builtin.debug:
    msg: "{{ info.summary.by_stage.incremental | default(0) }} of {{ info.total_count }} tasks are incremental"
  vars:
    info: "{{ lookup('taurusdb.htap.taurusdb_starrocks_replication_info', inst_a, expected_tasks=['orders_db']) }}"

- name: Skip instances that were deleted
  ansible.builtin.debug:
    msg: "{{ query('taurusdb.htap.taurusdb_starrocks_replication_info', *instance_ids, on_missing='warn') | length }} instances found"
'''

RETURN = r'''
_raw:
  description:
    - One result per instance found, in the order given, each shaped like the module's return values
      (C(instance_id), C(total_count), C(ext_text), C(complete), C(replications), C(summary), C(all_ready),
      C(not_ready), C(missing_tasks), C(problems), C(request_ids)).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native
from ansible.utils.display import Display

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import check_ranges
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import ReplicationQuery, query_instances
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_config import explain_results
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.lookup_base import TaurusDBLookupBase

display = Display()


class LookupModule(TaurusDBLookupBase):

    def run(self, terms, variables=None, **kwargs):
        options = self.options_from(variables, kwargs, REPLICATION_SPEC)
        on_missing = self.get_option('on_missing')
        concurrency = self.get_option('instance_concurrency')
        instance_ids = [to_native(term) for term in terms]
        if not instance_ids:
            raise AnsibleLookupError('give at least one instance ID')
        try:
            check_ranges(dict(instance_concurrency=concurrency), ['instance_concurrency'])
        except OptionError as exc:
            raise AnsibleLookupError(str(exc)) from None

        def work(client):
            query = ReplicationQuery(options)
            results = query_instances(client, instance_ids, query, concurrency, missing_ok=on_missing != 'error')
            if options['explain_failures']:
                explain_results(client, results, query.page_concurrency)
            return results

        pool = concurrency * options['page_concurrency']
        results = self.run_with_client(options, 'The replication lookup', work, concurrency=pool)
        found = []
        for instance_id, result in zip(instance_ids, results):
            if result is None:
                if on_missing == 'warn':
                    display.warning('StarRocks instance %s was not found (DBS.200022); it is left out' % instance_id)
                continue
            found.append(result)
        return found
