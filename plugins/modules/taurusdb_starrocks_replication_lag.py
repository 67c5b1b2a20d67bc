#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: taurusdb_starrocks_replication_lag
short_description: Measure the replication lag from TaurusDB to StarRocks with a heartbeat
version_added: 0.3.0
description:
  - Measures how far the StarRocks (analytical) replica is behind TaurusDB, end to end, as Percona's
    C(pt-heartbeat) does between MySQL servers - by writing a heartbeat row (C(id) 1, C(ts) a time) on the
    source (TaurusDB) and reading it on the target (the StarRocks frontend), both over the MySQL protocol.
  - With O(write=true) it writes a new heartbeat with the source's clock (the SQL function UTC_TIMESTAMP, to the
    microsecond) and reads the target (every 0.1 seconds, up to O(wait_timeout)) until the target holds it;
    RV(lag_seconds) is then the source's clock when it was seen, less the time written - how long that write took
    to arrive, plus at most one poll interval and a few round trips. A target that keeps whole seconds only holds
    the time written cut to the second, and that counts as holding it. Once more than O(max_lag) has passed
    without it arriving, the answer is known and the module stops waiting (RV(gave_up_after)).
  - With O(write=false) it only reads; RV(lag_seconds) is the source's clock less the time the target holds,
    the age of a heartbeat written elsewhere (by a scheduled job, as C(pt-heartbeat --update) does).
  - The lag is measured with the source's clock only, so the controller's and the target's clocks never
    matter. Heartbeat times are UTC; one written elsewhere must be UTC too (UTC_TIMESTAMP, not NOW).
  - The table must be in a database the synchronization task copies, and among its tables (see the
    freshness guide below). Its columns are C(id), an INT primary key, and C(ts), a DATETIME with microseconds
    (DATETIME(6)), both NOT NULL.
  - A lag beyond O(max_lag), or a target that holds no row yet, is a result (RV(within_max_lag) false), not a
    failure. The module fails only on errors - bad options (refused before connecting), a connection or SQL
    error (naming the side, its host and port and the server's error code and message), a missing table.
  - It talks only SQL, to the two databases; it does not call the cloud API (and has none of its options).
author:
  - TaurusDB HTAP collection maintainers (@taurusdb-htap)
requirements:
  - PyMySQL (on the host that runs the module; only this module needs it)
options:
  max_lag:
    description:
      - The largest lag, in seconds, that RV(within_max_lag) accepts (more than 0).
    type: float
    default: 10.0
  wait_timeout:
    description:
      - With O(write=true), seconds to wait for the heartbeat to arrive on the target (less when more than
        O(max_lag) passes first). V(0) reads the target once.
    type: float
    default: 60.0
extends_documentation_fragment:
  - taurusdb.htap.heartbeat
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - In check mode nothing is written or created - O(write) and O(create) count as false - and the module
        measures the age of what the target holds.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - C(changed) is true when the module wrote a heartbeat or created the table (the heartbeat row changes with
    every write); use C(changed_when) to report otherwise.
  - The driver is PyMySQL, a pure-Python MySQL client (no C library or compiler needed, on any platform), the
    one community.mysql uses; TaurusDB and the StarRocks frontend both speak the MySQL protocol.
  - "Privileges: on the source C(INSERT) and C(DELETE) (C(REPLACE) needs both) and C(SELECT) on the table, and
    C(CREATE) on the database with O(create=true); on the target C(SELECT) on the table."
seealso:
  - module: taurusdb.htap.taurusdb_starrocks_replication_info
  - ref: ansible_collections.taurusdb.htap.docsite.guide_freshness
    description: The heartbeat table, the synchronization task's tables, grants and a gate with max_lag.
'''

EXAMPLES = r'''
- name: How far behind is StarRocks?
  taurusdb.htap.taurusdb_starrocks_replication_lag:
    source:
      login_host: taurusdb.example.internal
      login_user: heartbeat
      login_password: "{{ vault_heartbeat_source_password }}"
      database: app
      ca_cert: /etc/ssl/taurusdb-ca.pem
    target:
      login_host: starrocks-fe.example.internal
      login_port: 9030
      login_user: heartbeat_reader
      login_password: "{{ vault_heartbeat_target_password }}"
      database: app
    create: true
    max_lag: 5
  register: heartbeat

- name: Deploy only on fresh data
  ansible.builtin.assert:
    that: heartbeat.within_max_lag
    fail_msg: "StarRocks lags: {{ heartbeat.problem }}"

- name: Only read the age of a heartbeat a scheduled job writes
  taurusdb.htap.taurusdb_starrocks_replication_lag:
    source: "{{ heartbeat_source }}"
    target: "{{ heartbeat_target }}"
    write: false
    max_lag: 30
'''

RETURN = r'''
lag_seconds:
  description:
    - The lag in seconds, by the source's clock - with a write that arrived, how long it took to arrive;
      otherwise the age of what the target holds. Null when the target holds no row.
    - Negative only when a heartbeat written elsewhere is in the source's future (not UTC?).
  returned: success
  type: float
  sample: 0.412733
within_max_lag:
  description:
    - Whether the lag is known to be within O(max_lag) - false when it is beyond, unknown (no row), negative, or
      when the heartbeat written did not arrive.
  returned: success
  type: bool
  sample: true
max_lag:
  description: O(max_lag).
  returned: success
  type: float
  sample: 10.0
wrote:
  description: Whether a heartbeat was written (false with O(write=false) and in check mode).
  returned: success
  type: bool
created:
  description: Whether the table was created on the source (O(create=true), and it was not there).
  returned: success
  type: bool
seen:
  description:
    - With a write, whether it arrived on the target; without, whether the target holds a row.
  returned: success
  type: bool
written_at:
  description: The time written on the source (UTC, ISO 8601), or null without a write.
  returned: success
  type: str
  sample: "2026-11-28T00:10:00.123456+00:00"
target_holds:
  description: The time the target holds (UTC, ISO 8601), or null when it holds no row.
  returned: success
  type: str
  sample: "2026-11-28T00:10:00.123456+00:00"
measured_at:
  description: The source's clock when the lag was measured (UTC, ISO 8601).
  returned: success
  type: str
  sample: "2026-11-28T00:10:00.536189+00:00"
gave_up_after:
  description:
    - Seconds after the write when the module stopped waiting because more than O(max_lag) had passed (the
      answer could no longer be true); null otherwise.
  returned: success
  type: float
polls:
  description: How many times the target was read.
  returned: success
  type: int
  sample: 5
problem:
  description: Why RV(within_max_lag) is false, in words; null when it is true.
  returned: success
  type: str
  sample: the lag, 42.1 s, is more than max_lag, 10.0 s
table:
  description: The heartbeat table.
  returned: success
  type: str
  sample: taurusdb_htap_heartbeat
msg:
  description:
    - What failed - the side, its address and database, the step, the server's error code and message - and a hint.
  returned: failure
  type: str
side:
  description: Where a database error happened, V(source) or V(target).
  returned: failure
  type: str
host:
  description: The host of that side.
  returned: failure
  type: str
port:
  description: Its port (null with a Unix socket).
  returned: failure
  type: int
error_code:
  description: The server's (or PyMySQL's) error number, such as V(1045) for a rejected password.
  returned: failure
  type: int
error_msg:
  description: The server's error message.
  returned: failure
  type: str
hint:
  description: What to do, for the errors that have one (a missing table).
  returned: failure
  type: str
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import Scrubber, failure_result
from ansible_collections.taurusdb.htap.plugins.module_utils.heartbeat import (
    HAS_PYMYSQL, HEARTBEAT_OPTIONS, PYMYSQL_IMPORT_ERROR, HeartbeatError, measure_lag, secrets_of)
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import TEXT_LIMIT, inert, shown

ARGUMENT_SPEC = dict(HEARTBEAT_OPTIONS, max_lag=dict(type='float', default=10.0),
                     wait_timeout=dict(type='float', default=60.0))


def measure(module, scrubber):
    """(result, None) or (None, failure): every failure a scrubbed result, never a traceback."""
    settings = dict((name, module.params[name]) for name in HEARTBEAT_OPTIONS)
    if module.check_mode:
        settings.update(write=False, create=False)
    try:
        return scrubber.data(measure_lag(settings, module.params['max_lag'], module.params['wait_timeout'])), None
    except HeartbeatError as exc:
        failure = inert(scrubber.data(exc.to_result()))
        return None, dict(failure, msg=shown(failure['msg'], 4 * TEXT_LIMIT))
    except Exception as exc:  # pylint: disable=broad-except  # an option error, or anything unexpected
        return None, failure_result(exc, scrubber, 'Measuring the heartbeat lag')


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_PYMYSQL:
        module.fail_json(msg=missing_required_lib('PyMySQL'), exception=PYMYSQL_IMPORT_ERROR)
    result, failure = measure(module, Scrubber(secrets_of(module.params)))
    if failure:
        module.fail_json(**failure)
    module.exit_json(changed=result['wrote'] or result['created'], **result)


if __name__ == '__main__':
    main()
