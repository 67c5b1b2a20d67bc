# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gate's verdict as reports CI systems read: JUnit XML (a test suite per instance, a test case
per task, a failure per task that is not ready, an error per failed query) and the same as JSON.

``gate_model`` turns the wait's outcome into one plain structure; ``junit_xml`` and JSON are two
renderings of it; ``write_reports`` writes both, each atomically. Standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.taurusdb.htap.plugins.plugin_utils.report import explanation_lines, query_failed

NAME = 'taurusdb.htap replication gate'
# Characters XML 1.0 cannot hold at all (a server may send any of them in a task name).
_NOT_XML = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
ERROR_FIELDS = ('status', 'error_code', 'error_msg', 'request_id', 'hint', 'attempts', 'url')


def report_paths(path):
    """(JUnit XML file, JSON file): the JSON file is the XML file's name with .json for .xml (or added)."""
    path = os.path.abspath(os.path.expanduser(path))
    base = path[:-4] if path.lower().endswith('.xml') else path
    return path, base + '.json'


def _task_name(task):
    return '%s (%s -> %s)' % (task.get('task_name'), task.get('source_database'), task.get('target_database'))


def _case(instance_id, name, status='passed', message=None, details=None, task=None):
    case = {'name': name, 'classname': instance_id, 'status': status}
    if task is not None:
        case['task'] = dict((key, task.get(key)) for key in ('task_name', 'source_database', 'target_database'))
    if status != 'passed':
        case.update(message=message, details=details)
    return case


def _task_details(task, explanations):
    pct = task.get('percentage')
    lines = ['status %s, stage %s, %s' % (task.get('status'), task.get('stage'),
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
    for problem in result.get('problems') or []:
        suite['cases'].append(_case(instance_id, problem, 'failed', problem, problem))
    return suite


def gate_model(outcome, timestamp=None):
    """The wait's outcome (passed, reason, instances, report, rounds, elapsed) as one structure: suites of
    cases with their counts. A wait that failed before any instance was queried is one error."""
    timestamp = timestamp or datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')
    results = outcome.get('instances') or []
    suites = [_suite(result) for result in results]
    if not suites:
        message = outcome.get('report') or outcome.get('msg') or 'no instances were checked'
        suites = [{'name': 'replication_gate', 'instance_id': None, 'properties': {},
                   'cases': [_case('replication_gate', 'gate', 'error', message, outcome.get('msg'))]}]
    elapsed = float(outcome.get('elapsed') or 0)
    for suite in suites:
        statuses = [case['status'] for case in suite['cases']]
        suite.update(tests=len(statuses), failures=statuses.count('failed'), errors=statuses.count('error'),
                     time=elapsed, timestamp=timestamp)
    return {
        'name': NAME, 'passed': bool(outcome.get('passed')), 'reason': outcome.get('reason'),
        'rounds': outcome.get('rounds', 0), 'elapsed': elapsed, 'timestamp': timestamp,
        'tests': sum(suite['tests'] for suite in suites), 'failures': sum(suite['failures'] for suite in suites),
        'errors': sum(suite['errors'] for suite in suites), 'report': outcome.get('report'), 'suites': suites,
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
            if case['status'] == 'failed':
                ET.SubElement(element, 'failure', message=_text(case['message']), type='NotReady').text = \
                    _text(case['details'])
            elif case['status'] == 'error':
                ET.SubElement(element, 'error', message=_text(case['message']), type='QueryFailed').text = \
                    _text(case['details'])
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='utf-8') + b'\n'


def _write(path, data):
    """Write a file whole or not at all (a CI job never reads half a report)."""
    temporary = '%s.tmp-%d' % (path, os.getpid())
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)  # the umask decides
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def write_reports(path, model):
    """Write the JUnit XML file and the JSON file beside it (creating missing directories); returns their paths."""
    xml_path, json_path = report_paths(path)
    directory = os.path.dirname(xml_path)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    _write(xml_path, junit_xml(model))
    _write(json_path, (json.dumps(model, indent=2, ensure_ascii=False) + '\n').encode('utf-8'))
    return xml_path, json_path
