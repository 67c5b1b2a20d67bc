# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The controller-side wait: every instance at once each round, live progress, fail fast.

Its documentation is in plugins/modules/taurusdb_starrocks_replication_wait.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.taurusdb.htap.plugins.module_utils.client import HAS_REQUESTS
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.heartbeat import HAS_PYMYSQL
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import check_ranges
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import ReplicationQuery
from ansible_collections.taurusdb.htap.plugins.module_utils.session import Session
from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import (
    freshness_problem, heartbeat_secrets)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate import GATE_SPEC, Gate
from ansible_collections.taurusdb.htap.plugins.plugin_utils.options import (
    action_args, action_environment, validate_options)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.report_files import ReportError, write_reports

display = Display()

SPEC = GATE_SPEC


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True  # it only reads
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        result['changed'] = False
        environ = action_environment(self)
        params, error = self._params(environ)
        # the databases' passwords, also as given (before validation, which may have failed)
        session = Session(params, display.warning, environ,
                          also_secret=heartbeat_secrets(params) + heartbeat_secrets(self._task.args))
        scrubber = session.scrubber
        if error:
            result.update(failed=True, msg=scrubber.text(error))
            return self._reports(params, scrubber.data(result), dict(passed=False, reason='invalid options',
                                                                     msg=result['msg']))
        start = time.monotonic()
        try:
            outcome = Gate(self._task.check_mode).run(params, session, start)
        except Exception as exc:  # pylint: disable=broad-except  # every failure is a result, never a traceback
            failure = session.failure(exc, 'Waiting for replication')
            outcome = dict(passed=False, reason='query failed', instances=[], report=failure.pop('msg'), rounds=0,
                           elapsed=round(time.monotonic() - start, 3), **failure)
        result.update(outcome)
        if not outcome['passed']:
            result.update(failed=True, msg=outcome['report'])
        result = scrubber.data(result)
        return self._without_all_tasks(params, self._reports(params, result, result))

    @staticmethod
    def _without_all_tasks(params, result):
        """Every judged task (``replications``) only with return_all_tasks: the reports have them all already."""
        if (params or {}).get('return_all_tasks') is not False:
            return result
        result['instances'] = [dict((key, value) for key, value in item.items() if key != 'replications')
                               if isinstance(item, dict) else item for item in result.get('instances') or []]
        return result

    @staticmethod
    def _reports(params, result, outcome):
        """With report_file, the verdict as JUnit XML and JSON, whether the wait passed or failed."""
        path = (params or {}).get('report_file')
        if not path or not isinstance(path, str):
            return result
        try:
            junit, json_file = write_reports(path, outcome)
        except ReportError as exc:  # no report is left: the gate did not pass
            problem = str(exc)
            if result.get('passed'):
                result.update(passed=False, reason='report not written',
                              report='Replication gate failed: every instance was ready, but %s.' % problem)
            result.update(failed=True, report_error=problem,
                          msg='%s\n%s' % (result['msg'], problem) if result.get('msg') else result.get('report'))
            return result
        result['report_files'] = dict(junit=junit, json=json_file)
        return result

    # --- options -------------------------------------------------------------------------------
    def _params(self, environ):
        """Validated options: the task's args, module_defaults (also for omitted ones), then the
        environment (the task's environment: keyword over the controller's), as a module would see them."""
        params, error = validate_options(SPEC, action_args(self), environ)
        if error:
            return params, error
        if not HAS_REQUESTS:
            return params, 'the taurusdb_starrocks_replication_wait action needs the Python library requests on the controller'
        try:  # every number in range, and the query's options, before any request
            check_ranges(params, SPEC)
            ReplicationQuery(params)
        except OptionError as exc:
            return params, str(exc)
        if not params['instance_ids'] and not params['taurusdb_instance_ids']:
            return params, 'give instance_ids (StarRocks instances) or taurusdb_instance_ids (to gate on their StarRocks instances)'
        return params, freshness_problem(params, HAS_PYMYSQL, 'the wait (the controller)')
