# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gate's verdict as reports CI systems read: JUnit XML (a test suite per instance, a test case
per task, a failure per task that is not ready, an error per failed query) and the same as JSON.

``gate_model`` turns the wait's outcome into one plain structure (with the gate's own verdict as a test
case, so a gate that did not pass is never a report without failures); ``junit_xml`` and ``json_report``
are two renderings of it; ``write_reports`` writes both as a pair. Standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    IDENTITY_FIELDS, all_passed, query_failed, task_key)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import heartbeat_line, heartbeat_passed
from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate_text import explanation_lines, shown_status
from ansible_collections.taurusdb.htap.plugins.plugin_utils.waiter import REASONS, is_not_there

NAME = 'taurusdb.htap replication gate'
HEARTBEAT_SUITE = 'heartbeat'  # with max_lag: the data-freshness check, one case
HEARTBEAT_FIELDS = ('lag_seconds', 'seen', 'written_at', 'target_holds', 'measured_at', 'table')
GATE_SUITE, GATE_CASE = 'replication_gate', 'gate'  # the gate's own verdict: the last suite, one case
# Characters XML 1.0 cannot hold at all (a server may send any of them in a task name).
_NOT_XML = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
# Lone surrogates: valid in a JSON answer (an escape), but no UTF-8 file can hold them.
_SURROGATE = re.compile(u'[\ud800-\udfff]')
ERROR_FIELDS = ('status', 'error_code', 'error_msg', 'request_id', 'hint', 'attempts', 'url')


def report_paths(path):
    """(JUnit XML file, JSON file): the JSON file is the XML file's name with .json for .xml (or added)."""
    path = os.path.abspath(os.path.expanduser(path))
    base = path[:-4] if path.lower().endswith('.xml') else path
    return path, base + '.json'


def _task_name(task):
    return '%s (%s -> %s)' % task_key(task)


def _case(instance_id, name, status='passed', message=None, details=None, task=None, kind=None):
    """One test case; ``kind`` is the JUnit type of its failure or error."""
    case = {'name': name, 'classname': instance_id, 'status': status}
    if task is not None:
        case['task'] = dict(zip(IDENTITY_FIELDS, task_key(task)))
    if status != 'passed':
        case.update(message=message, details=details,
                    type=kind or ('NotReady' if status == 'failed' else 'QueryFailed'))
    return case


def _task_details(task, explanations):
    pct = task.get('percentage')
    lines = ['status %s, stage %s, %s' % (shown_status(task), task.get('stage'),
                                          'no percentage' if pct is None else '%g%%' % pct)]
    lines.extend('reason: %s' % reason for reason in task.get('reasons') or [])
    lines.extend('why: %s' % why for why in explanation_lines(task, explanations))
    return '\n'.join(lines)


def _suite(result):
    """One instance's result (or failed query) as a suite."""
    instance_id = result.get('instance_id', '?') if isinstance(result, dict) else '?'
    suite = {'name': instance_id, 'instance_id': instance_id, 'properties': {}, 'cases': []}
    if query_failed(result):
        error = result if isinstance(result, dict) else {'msg': repr(result)}
        details = '\n'.join('%s: %s' % (name, error[name]) for name in ERROR_FIELDS if error.get(name) is not None)
        suite['properties'] = dict((name, error[name]) for name in ('request_id', 'error_code') if error.get(name))
        suite['cases'].append(_case(instance_id, 'query', 'error', error.get('msg') or 'the query failed', details))
        return suite
    suite['properties'] = {'all_ready': bool(result.get('all_ready')), 'total_count': result.get('total_count'),
                           'request_ids': ' '.join(result.get('request_ids') or [])}
    broken = dict((_task_name(task), task) for task in result.get('not_ready') or [])
    explanations = result.get('explanations')
    for task in result.get('replications') or []:
        name = _task_name(task)
        if task.get('ready') and name not in broken:
            suite['cases'].append(_case(instance_id, name, task=task))
        else:
            brief = broken.get(name, task)
            why = explanation_lines(brief, explanations)
            message = '; '.join((brief.get('reasons') or ['not ready']) + why[:1])
            suite['cases'].append(_case(instance_id, name, 'failed', message, _task_details(brief, explanations),
                                        task=brief))
    kind = 'NotFound' if is_not_there(result) else None  # on_missing=wait: an instance not there (yet)
    for problem in result.get('problems') or []:
        suite['cases'].append(_case(instance_id, problem, 'failed', problem, problem, kind=kind))
    return suite


def _heartbeat_suite(heartbeat, max_lag):
    """The heartbeat lag as a suite of one case: passed only for a lag measured within max_lag."""
    line = heartbeat_line(heartbeat, max_lag)
    heartbeat = heartbeat if isinstance(heartbeat, dict) else {}
    properties = dict((name, heartbeat[name]) for name in HEARTBEAT_FIELDS if heartbeat.get(name) is not None)
    properties['max_lag'] = max_lag
    if heartbeat_passed(heartbeat, max_lag):
        case = _case(HEARTBEAT_SUITE, 'lag')
    elif heartbeat.get('failed'):
        case = _case(HEARTBEAT_SUITE, 'lag', 'error', line, line, kind='HeartbeatFailed')
    else:
        case = _case(HEARTBEAT_SUITE, 'lag', 'failed', line, line, kind='LagExceeded')
    return {'name': HEARTBEAT_SUITE, 'instance_id': None, 'cases': [case], 'properties': properties}


def _gate_case(outcome, results, cases_passed):
    """The gate's own verdict as a test case, so a CI system counts every failed gate as failed - also one
    whose last round was ready (the deadline came before ready_polls ready rounds in a row). An error when
    the gate could not judge (a query failed, invalid options, nothing checked), a failure otherwise."""
    reason, details = outcome.get('reason'), outcome.get('report') or outcome.get('msg')
    if outcome.get('passed') and all_passed(results) and cases_passed:
        return _case(GATE_SUITE, GATE_CASE)
    if not results:
        message = details or 'no instances were checked'
        message = '%s: %s' % (reason, message) if reason else message
    elif outcome.get('passed'):  # a wait that says it passed over results that do not: not ready
        message = 'the gate failed: its last round was not all ready'
    elif outcome.get('max_lag') is not None and not heartbeat_passed(outcome.get('heartbeat'), outcome['max_lag']) \
            and all_passed(results):
        message = 'the gate failed: %s: %s' % (REASONS.get(reason, reason),
                                               heartbeat_line(outcome.get('heartbeat'), outcome['max_lag']))
    elif reason == 'timed out' and all_passed(results):
        message = 'the gate failed: %s after a ready round, before ready_polls ready rounds in a row' % REASONS[reason]
    else:
        message = 'the gate failed: %s' % (REASONS[reason] if reason in REASONS and reason != 'passed'
                                           else reason or 'it did not pass')
    if not results or reason in ('query failed', 'heartbeat failed', 'invalid options'):
        return _case(GATE_SUITE, GATE_CASE, 'error', message, details, kind='GateError')
    return _case(GATE_SUITE, GATE_CASE, 'failed', message, details, kind='GateFailed')


def gate_model(outcome, timestamp=None):
    """The wait's outcome (passed, reason, instances, report, rounds, elapsed) as one structure: suites of
    cases with their counts - a suite per instance, and the gate's own verdict as the last suite. It passes
    only when the wait passed and no case failed; a gate that did not pass has a failed or erroring case."""
    timestamp = timestamp or datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')
    results = outcome.get('instances') or []
    suites = [_suite(result) for result in results]
    if outcome.get('max_lag') is not None:
        suites.append(_heartbeat_suite(outcome.get('heartbeat'), outcome['max_lag']))
    cases_passed = all(case['status'] == 'passed' for suite in suites for case in suite['cases'])
    gate = _gate_case(outcome, results, cases_passed)
    never_appeared = list(outcome.get('never_appeared') or [])
    properties = dict({'rounds': outcome.get('rounds', 0)},
                      **({'never_appeared': '; '.join(never_appeared)} if never_appeared else {}))
    suites.append({'name': GATE_SUITE, 'instance_id': None, 'cases': [gate], 'properties': properties})
    elapsed = float(outcome.get('elapsed') or 0)
    for suite in suites:
        statuses = [case['status'] for case in suite['cases']]
        suite.update(tests=len(statuses), failures=statuses.count('failed'), errors=statuses.count('error'),
                     time=elapsed, timestamp=timestamp)
    return {
        'name': NAME, 'passed': gate['status'] == 'passed', 'reason': outcome.get('reason'),
        'rounds': outcome.get('rounds', 0), 'elapsed': elapsed, 'timestamp': timestamp,
        'tests': sum(suite['tests'] for suite in suites), 'failures': sum(suite['failures'] for suite in suites),
        'errors': sum(suite['errors'] for suite in suites), 'report': outcome.get('report'),
        'never_appeared': never_appeared, 'suites': suites,
    }


def _text(value):
    return _NOT_XML.sub(u'\ufffd', u'%s' % ('' if value is None else value))


def _seconds(value):
    return '%.3f' % float(value or 0)


def junit_xml(model):
    """The model as JUnit XML (bytes, UTF-8)."""
    root = ET.Element('testsuites', name=NAME, tests=str(model['tests']), failures=str(model['failures']),
                      errors=str(model['errors']), time=_seconds(model['elapsed']))
    for suite in model['suites']:
        node = ET.SubElement(root, 'testsuite', name=_text(suite['name']), tests=str(suite['tests']),
                             failures=str(suite['failures']), errors=str(suite['errors']), skipped='0',
                             time=_seconds(suite['time']), timestamp=suite['timestamp'])
        properties = dict(suite['properties'], passed=model['passed'], reason=model['reason'])
        props = ET.SubElement(node, 'properties')
        for name in sorted(properties):
            value = properties[name]
            ET.SubElement(props, 'property', name=name,
                          value=_text(json.dumps(value) if isinstance(value, bool) else value))
        for case in suite['cases']:
            element = ET.SubElement(node, 'testcase', name=_text(case['name']), classname=_text(case['classname']),
                                    time='0')
            if case['status'] != 'passed':
                tag = 'failure' if case['status'] == 'failed' else 'error'
                ET.SubElement(element, tag, message=_text(case['message']), type=case['type']).text = \
                    _text(case['details'])
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='utf-8') + b'\n'


def json_report(model):
    """The model as JSON (bytes, UTF-8). A lone surrogate (which a server may send as a JSON escape, but
    UTF-8 cannot hold) becomes U+FFFD, as in the XML."""
    text = json.dumps(model, indent=2, ensure_ascii=False) + '\n'
    return _SURROGATE.sub(u'\ufffd', text).encode('utf-8')


class ReportError(Exception):
    """The reports could not be written; no file at their paths is left to claim anything."""


def _umask():
    mask = os.umask(0o022)  # reading the umask means setting it: put it back at once
    os.umask(mask)
    return mask


def _temporary(path, data):
    """A new file holding ``data`` beside ``path``, for os.replace: created exclusively under a name no one
    can plant a symlink at beforehand (mkstemp), with the mode the umask gives a new file (CI reads it)."""
    directory, name = os.path.split(path)
    handle, temporary = tempfile.mkstemp(prefix='.%s.' % name, suffix='.tmp', dir=directory)
    try:
        with os.fdopen(handle, 'wb') as stream:
            os.fchmod(stream.fileno(), 0o666 & ~_umask())
            stream.write(data)
    except BaseException:
        os.remove(temporary)
        raise
    return temporary


def _removed(path):
    """Whether nothing is left at ``path`` (removing what is there)."""
    try:
        os.remove(path)
    except OSError:
        return not os.path.lexists(path)
    return True


def write_reports(path, outcome, timestamp=None):
    """Write the wait's outcome as the JUnit XML file and the JSON file beside it (creating missing
    directories), as a pair: both are rendered and written to temporary files first, then put in place;
    returns their paths. When anything fails, both report files are removed (an earlier run's report
    must not speak for this one) and ReportError says why."""
    xml_path, json_path = report_paths(path)
    ready = []  # (temporary, target) not yet in place
    try:
        model = gate_model(outcome, timestamp)
        contents = ((xml_path, junit_xml(model)), (json_path, json_report(model)))
        if not os.path.isdir(os.path.dirname(xml_path)):
            os.makedirs(os.path.dirname(xml_path))
        for target, data in contents:
            ready.append((_temporary(target, data), target))
        while ready:
            temporary, target = ready[0]
            os.replace(temporary, target)
            ready.pop(0)
    except Exception as exc:  # pylint: disable=broad-except  # whatever failed, no report is left half-done
        for temporary, _target in ready:
            _removed(temporary)
        left = [target for target in (xml_path, json_path) if not _removed(target)]
        problem = 'the report could not be written to %s: %s' % (path, exc)
        if left:
            problem += '; the earlier %s could not be removed and is not from this run' % ' and '.join(left)
        raise ReportError(problem)
    return xml_path, json_path
