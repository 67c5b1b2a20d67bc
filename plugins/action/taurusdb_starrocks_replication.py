# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Replication as code, on the controller: one task brought to the state declared, then (``wait``) the gate.

Its documentation is in plugins/modules/taurusdb_starrocks_replication.py; the reading, planning and
sending are module_utils/replication_write.py's, the wait is the gate's (plugin_utils/gate.py).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.taurusdb.htap.plugins.module_utils.client import HAS_REQUESTS
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import check_ranges
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_write import (
    Applier, check_declared, diff_view, expected_after, plan, read_task)
from ansible_collections.taurusdb.htap.plugins.module_utils.session import Session
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_TASK_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate import GATE_SPEC, Gate
from ansible_collections.taurusdb.htap.plugins.plugin_utils.options import (
    action_args, action_environment, validate_options)

display = Display()

SPEC = dict(CONNECTION_SPEC, **REPLICATION_TASK_SPEC)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        result['changed'] = False
        environ = action_environment(self)
        params, error = self._params(environ)
        session = Session(params, display.warning, environ)
        if error:
            result.update(failed=True, msg=session.scrubber.text(error))
            return session.scrubber.data(result)
        result.update(instance_id=params['instance_id'], task_name=params['task_name'], actions=[])
        start = time.monotonic()
        deadline = start + params['wait_timeout']
        applier = None
        try:  # wait_timeout 0: no deadline for the requests, and a job must end at its first read
            with session.client(concurrency=4, deadline=deadline if params['wait_timeout'] > 0 else None) as client:
                applier = Applier(client, params['instance_id'], deadline, params['wait_sleep'])
                self._converge(client, params, applier, result)
            if params['wait'] and not self._task.check_mode and params['state'] == 'present':
                self._wait(params, session, start, result)
        except Exception as exc:  # pylint: disable=broad-except  # every failure is a result, never a traceback
            result.update(failed=True, **session.failure(exc, 'Declaring task %s' % params['task_name']))
        if applier is not None:
            result['actions'] = applier.done
            if applier.warnings:
                result['warnings'] = list(applier.warnings)
        return session.scrubber.data(result)

    def _params(self, environ):
        params, error = validate_options(SPEC, action_args(self), environ)
        if error:
            return params, error
        if not HAS_REQUESTS:
            return params, 'the taurusdb_starrocks_replication action needs the Python library requests on the controller'
        try:  # every value as the API allows it, before any request
            check_ranges(params, SPEC)
            check_declared(params)
        except OptionError as exc:
            return params, str(exc)
        return params, None

    def _converge(self, client, params, applier, result):
        """Read, plan, and (not in check mode) send; ``result`` says what was (or would be) sent."""
        current = read_task(client, params['instance_id'], params['task_name'])
        steps = plan(params, current)
        expected = expected_after(params, current)
        result['changed'] = bool(steps)
        if self._task.diff:
            result['diff'] = dict(before=diff_view(current), after=diff_view(expected))
        if self._task.check_mode or not steps:
            result.update(task=expected, planned=[action for action, _body in steps])
            return
        result['planned'] = [action for action, _body in steps]
        applier.apply(steps)
        after = read_task(client, params['instance_id'], params['task_name'])
        result['task'] = after
        left = plan(params, after)
        if left:  # every job completed, yet the task does not read as declared: never say it does
            raise OptionError('every job completed, but task %s does not read as declared: it would still need %s. '
                              'The API may not show (or not apply) a field that was declared.'
                              % (params['task_name'], ', '.join(action for action, _body in left)))

    def _wait(self, params, session, start, result):
        """The gate on this task, by the time wait_timeout leaves."""
        gate_args = dict((name, params[name]) for name in CONNECTION_SPEC if params.get(name) is not None)
        gate_args.update(instance_ids=[params['instance_id']], task_names=[params['task_name']],
                         wait_sleep=params['wait_sleep'],
                         wait_timeout=max(0.0, params['wait_timeout'] - (time.monotonic() - start)))
        gate_params, error = validate_options(GATE_SPEC, gate_args, {})
        if error:  # pragma: no cover - built from checked options
            raise OptionError(error)
        outcome = Gate().run(gate_params, session, time.monotonic())
        result['wait'] = dict((key, outcome[key]) for key in ('passed', 'reason', 'report', 'rounds', 'elapsed'))
        if not outcome['passed']:
            result.update(failed=True, msg=outcome['report'])
