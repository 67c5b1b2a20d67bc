# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Paging, normalization and the readiness verdict: the one rule every entry point shares.

No I/O of its own: pages come from a ``fetch(offset, limit)`` callable (normally a Client).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import json
import math
import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.taurusdb.htap.plugins.module_utils.client import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.options import check_instance_id

API_PATH = '/v3/%s/instances/%s/starrocks/databases/replication'
PAGE_LIMIT = 100
KNOWN_STAGES = ('wait', 'incremental', 'full', 'cancelled', 'paused')


class Page(object):
    def __init__(self, offset, total, items, request_id):
        self.offset = offset
        self.total = total
        self.items = items
        self.request_id = request_id


# Absurd answers are refused instead of followed: a lying total_count would otherwise cost a
# request per claimed page. 100,000 tasks are 2,000 pages at the server's 50 a page.
MAX_TOTAL = 100000
MAX_PAGES = 2000
TEXT_FIELDS = ('task_name', 'source_database', 'target_database', 'status', 'stage', 'catchup_stage')


# --- parsing and normalization ------------------------------------------------------------
def _schema_error(detail, request_id):
    return ApiError('The replication listing has an unexpected shape: %s' % detail, request_id=request_id,
                    hint='The API answer did not match its documented schema; retry, or report it with the request id.')


def to_int(value):
    """Integers arrive as numbers or strings; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r'\s*-?\d+\s*\Z', value):
        return int(value)
    return None


def to_percentage(value):
    """Numbers, numeric strings (with or without '%') or null; None when not numeric."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip().rstrip('%'))
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _lower(value):
    if value is None:
        return None
    text = str(value).strip().lower()
    return text or None


def canonical(value):
    """One text per JSON value, whatever the key order: what 'identical in every field' compares."""
    return json.dumps(value, sort_keys=True, default=str)


def parse_page(payload, offset, request_id):
    if not isinstance(payload, dict):
        raise _schema_error('expected a JSON object, got %s' % type(payload).__name__, request_id)
    total = to_int(payload.get('total_count'))
    if total is None:
        raise _schema_error('total_count is %r, not a whole number' % (payload.get('total_count'),), request_id)
    if total < 0:
        raise _schema_error('total_count is %d, a negative number of tasks' % total, request_id)
    if total > MAX_TOTAL:
        raise ApiError('The replication listing claims %d tasks, more than the %d this collection reads; refused'
                       % (total, MAX_TOTAL), request_id=request_id,
                       hint='No real instance has that many tasks: the answer is wrong; report it with the request id.')
    items = payload.get('replications')
    if items is None:
        items = []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _schema_error('replications is not a list of objects', request_id)
    return Page(offset, total, items, request_id)


def task_identity(item):
    """Task identity: the name with its databases (two tasks may share a name). A row without a
    usable name has no identity to share with another row: it stands for itself."""
    name = item.get('task_name')
    if isinstance(name, str) and name.strip():
        return canonical([name, item.get('source_database'), item.get('target_database')])
    return 'row ' + canonical(item)


def _field(item, name, reasons):
    """A text field as text; a field of the wrong type is shown as JSON and makes the task not ready."""
    value = item.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    reasons.append('%s is %s, not text' % (name, type(value).__name__))
    return canonical(value)


def normalize(item, require_catchup=False):
    """Typed, lower-cased view of one task with its own readiness verdict; originals kept."""
    reasons = []
    fields = dict((name, _field(item, name, reasons)) for name in TEXT_FIELDS)
    status, stage, catchup = _lower(fields['status']), _lower(fields['stage']), _lower(fields['catchup_stage'])
    task = dict([
        ('task_name', fields['task_name']),
        ('source_database', fields['source_database']),
        ('target_database', fields['target_database']),
        ('status', status),
        ('stage', stage),
        ('percentage', to_percentage(item.get('percentage'))),
        ('catchup_stage', catchup),
        ('catchup_percentage', to_percentage(item.get('catchup_percentage'))),
    ])
    if not (fields['task_name'] or '').strip():
        reasons.append('the task has no name')
    if status != 'yes':
        if status == 'no':
            reasons.append('status is No (abnormal)')
        else:
            reasons.append('unknown status %r' % (fields['status'],))
    if stage != 'incremental':
        if stage in KNOWN_STAGES:
            reasons.append('stage is %s%s' % (stage, _pct(task['percentage'])))
        elif stage is None:
            reasons.append('stage is missing')
        else:
            reasons.append('unknown stage %r' % (fields['stage'],))
    if require_catchup and catchup not in (None, 'incremental'):
        reasons.append('catch-up stage is %s%s' % (catchup, _pct(task['catchup_percentage'])))
    task['ready'] = not reasons
    task['reasons'] = reasons
    task['original'] = dict(item)
    return task


def _pct(value):
    return '' if value is None else ' (%s%%)' % ('%g' % value)


# --- paging --------------------------------------------------------------------------------
def merge_pages(pages, identity):
    """Every distinct row of the pages, in order. A row is dropped only when identical in every
    field to one kept; rows that share an identity but differ are all kept, and reported.

    Returns (rows, number of distinct identities, [(identity, first row)] of conflicting identities).
    """
    rows, seen, first_rows, conflicts = [], set(), {}, {}
    for page in pages:
        for item in page.items:
            text = canonical(item)
            if text in seen:
                continue
            seen.add(text)
            rows.append(item)
            key = identity(item)
            if key in first_rows:
                conflicts.setdefault(key, first_rows[key])
            else:
                first_rows[key] = item
    return rows, len(first_rows), list(conflicts.items())


def _conflict_problems(conflicts, limit=5):
    if not conflicts:
        return []
    names = ['%s (%s -> %s)' % (row.get('task_name'), row.get('source_database'), row.get('target_database'))
             for _key, row in conflicts]
    more = len(names) - limit
    return ['listing inconsistent: the API sent different rows for the same task: %s%s'
            % (', '.join(names[:limit]), ' and %d more' % more if more > 0 else '')]


def next_offsets(first):
    """The offsets still to fetch after the first page, which shows how many rows a page holds."""
    step = len(first.items)
    if step == 0 or first.total <= step:
        return []
    pages = -(-first.total // step)
    if pages > MAX_PAGES:
        raise ApiError('The replication listing claims %d tasks in pages of %d: that would take %d requests, more '
                       'than the %d allowed; refused' % (first.total, step, pages, MAX_PAGES),
                       request_id=first.request_id,
                       hint='The API sent far fewer tasks a page than it should; report it with the request id.')
    return list(range(step, first.total, step))


def list_tasks(fetch, limit=None, offset=None, concurrency=4, attempts=3, identity=task_identity):
    """Fetch a complete listing (or one explicit page), judged by one rule: the listing is complete
    when its distinct identities equal a total_count that did not move while paging, and consistent
    when no identity came with two different rows. Anything else is fetched again, up to
    ``attempts`` times, then reported.

    Returns dict(total, items, request_ids, complete, problems, pages).
    """
    if limit is not None or offset is not None:
        page = fetch(offset or 0, limit or PAGE_LIMIT)
        rows, identities, conflicts = merge_pages([page], identity)
        complete = (offset or 0) == 0 and identities == page.total
        problems = [] if complete else [
            'partial listing: limit/offset were given, so only %d of %d tasks were fetched' % (identities, page.total)]
        return dict(total=page.total, items=rows, request_ids=[page.request_id], complete=complete,
                    problems=problems + _conflict_problems(conflicts), pages=1)
    request_ids = []
    pages_fetched = 0
    for _attempt in range(attempts):
        first = fetch(0, PAGE_LIMIT)
        pages = [first]
        offsets = next_offsets(first)
        if offsets:
            with ThreadPoolExecutor(max_workers=min(concurrency, len(offsets))) as pool:
                pages.extend(pool.map(lambda off: fetch(off, PAGE_LIMIT), offsets))
        pages_fetched += len(pages)
        request_ids.extend(page.request_id for page in pages)
        rows, identities, conflicts = merge_pages(pages, identity)
        totals = sorted(set(page.total for page in pages))
        problems = _conflict_problems(conflicts)
        if len(totals) > 1:
            problems.insert(0, 'total_count changed while paging (%s)' % ', '.join(str(t) for t in totals))
        elif identities != first.total:
            problems.insert(0, 'fetched %d unique tasks but total_count is %d' % (identities, first.total))
        if not problems:
            return dict(total=first.total, items=rows, request_ids=request_ids, complete=True,
                        problems=[], pages=pages_fetched)
    complete = len(totals) == 1 and identities == first.total
    state = 'inconsistent' if complete else 'incomplete'
    return dict(total=first.total, items=rows, request_ids=request_ids, complete=complete,
                problems=['listing %s after %d attempts: %s' % (state, attempts, '; '.join(problems))],
                pages=pages_fetched)


# --- the verdict ---------------------------------------------------------------------------
def _selected(task, names, patterns):
    if not names and not patterns:
        return True
    name = task['task_name'] or ''
    return name in names or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def verdict(instance_id, listing, params):
    """The per-instance result: tasks, summary, all_ready and every reason it is not."""
    names, patterns = params.get('task_names') or [], params.get('task_patterns') or []
    expected = params.get('expected_tasks') or []
    min_tasks = params.get('min_tasks', 1)
    if min_tasks is None:
        min_tasks = 1
    tasks = [normalize(item, params.get('require_catchup')) for item in listing['items']]
    present = set(task['task_name'] for task in tasks)
    selected = [t for t in tasks if _selected(t, names, patterns) or t['task_name'] in expected]
    problems = list(listing['problems'])
    missing = []
    for name, option in [(name, 'expected_tasks') for name in expected] + [(name, 'task_names') for name in names]:
        if name not in present and name not in missing:
            missing.append(name)
            problems.append('%s task %s is missing' % ('expected' if option == 'expected_tasks' else 'named', name))
    if len(selected) < min_tasks:
        what = 'matching tasks' if names or patterns else 'tasks'
        problems.append('only %d %s, at least %d required (min_tasks)' % (len(selected), what, min_tasks))
    brief = ('task_name', 'source_database', 'target_database', 'status', 'stage', 'percentage', 'reasons')
    not_ready = [dict((key, task[key]) for key in brief) for task in selected if not task['ready']]
    by_stage, by_status = {}, {}
    for task in selected:
        by_stage[task['stage'] or 'none'] = by_stage.get(task['stage'] or 'none', 0) + 1
        by_status[task['status'] or 'none'] = by_status.get(task['status'] or 'none', 0) + 1
    ready = len(selected) - len(not_ready)
    return dict([
        ('instance_id', instance_id),
        ('total_count', listing['total']),
        ('complete', listing['complete']),
        ('replications', selected),
        ('summary', {'total': len(selected), 'ready': ready, 'not_ready': len(not_ready),
                     'by_stage': by_stage, 'by_status': by_status}),
        ('all_ready', not problems and not not_ready and listing['complete']),
        ('not_ready', not_ready),
        ('missing_tasks', missing),
        ('problems', problems),
        ('request_ids', [rid for rid in listing['request_ids'] if rid]),
    ])


def query_instance(client, instance_id, params):
    """Everything about one instance: the complete listing and its verdict."""
    check_instance_id(instance_id)

    def fetch(offset, limit):
        path = API_PATH % (client.api_project_id(), instance_id)
        what = 'Querying replication tasks of instance %s (offset %d)' % (instance_id, offset)
        payload, request_id = client.get_json(path, [('limit', str(limit)), ('offset', str(offset))], what)
        return parse_page(payload, offset, request_id)

    listing = list_tasks(fetch, params.get('limit'), params.get('offset'),
                         params.get('page_concurrency') or 4, params.get('listing_attempts') or 3)
    return verdict(instance_id, listing, params)


def is_missing_instance(error):
    return isinstance(error, ApiError) and error.error_code == 'DBS.200022'


def query_instances(client, instance_ids, params, concurrency=4, missing_ok=False):
    """Several instances at once, results in the order asked; the first failure is raised.

    With ``missing_ok`` an instance that does not exist gives None instead of an error.
    """
    for instance_id in instance_ids:
        check_instance_id(instance_id)

    def one(instance_id):
        try:
            return query_instance(client, instance_id, params)
        except ApiError as exc:
            if missing_ok and is_missing_instance(exc):
                return None
            raise

    if len(instance_ids) <= 1:
        return [one(instance_id) for instance_id in instance_ids]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(instance_ids))) as pool:
        return list(pool.map(one, instance_ids))


# --- words for people: the gate's progress line and failure report ------------------------
def _task_state(task):
    """'full 42%', 'status No', 'paused' ... what keeps one task from being ready, briefly."""
    parts = []
    if task.get('status') != 'yes':
        parts.append('status %s' % (task.get('status') or 'missing').capitalize())
    if task.get('stage') != 'incremental':
        pct = task.get('percentage')
        parts.append((task.get('stage') or 'no stage') + ('' if pct is None else ' %g%%' % pct))
    return ', '.join(parts) or '; '.join(task.get('reasons') or [])


def _query_failed(result):
    """A failed module result, also one whose failure was turned off (failed_when: false)."""
    return not isinstance(result, dict) or bool(result.get('failed')) or 'all_ready' not in result


def progress_line(result, limit=5):
    """One line about one instance: '3/5 ready; waiting on orders_db (full 42%)'."""
    if _query_failed(result):
        return 'query failed: %s' % (result.get('msg') if isinstance(result, dict) else result)
    summary = result.get('summary') or {}
    line = '%s/%s ready' % (summary.get('ready', 0), summary.get('total', 0))
    waiting = ['%s (%s)' % (task.get('task_name'), _task_state(task)) for task in result.get('not_ready') or []]
    if waiting:
        more = len(waiting) - limit
        line += '; waiting on ' + ', '.join(waiting[:limit]) + (' and %d more' % more if more > 0 else '')
    if result.get('problems'):
        line += '; ' + '; '.join(result['problems'])
    return line


def poll_done(result, deadline, now):
    """Whether the gate stops polling an instance: ready, the query failed, or time is up."""
    return _query_failed(result) or result.get('all_ready') is True or now >= float(deadline)


def _passed(result):
    return not _query_failed(result) and result.get('all_ready') is True


def all_passed(results):
    """The gate over several results: never true when nothing was checked."""
    return bool(results) and all(_passed(result) for result in results)


def gate_report(results):
    """The gate's verdict over several instance results (or failed module results), one block each."""
    if not results:
        return 'Replication gate failed: no instances were checked.'
    blocked = len([r for r in results if not _passed(r)])
    if not blocked:
        return 'Replication gate passed: all %d instance(s) ready.' % len(results)
    lines = ['Replication gate failed: %d of %d instance(s) not ready.' % (blocked, len(results))]
    for result in results:
        if not isinstance(result, dict):
            lines.append('- ?: unexpected result %r' % (result,))
            continue
        instance_id = result.get('instance_id', '?')
        if _passed(result):
            lines.append('- %s: ready' % instance_id)
        elif _query_failed(result):
            lines.append('- %s: query failed' % instance_id)
            lines.append('    error: %s' % result.get('msg'))
        else:
            summary = result.get('summary') or {}
            counts = (summary.get('ready', 0), summary.get('total', 0))
            lines.append('- %s: NOT READY, %s/%s tasks ready' % ((instance_id,) + counts))
            lines.extend('    problem: %s' % problem for problem in result.get('problems') or [])
            lines.extend('    task %s' % _task_line(task) for task in result.get('not_ready') or [])
    return '\n'.join(lines)


def _task_line(task):
    pct = task.get('percentage')
    return '%s (%s -> %s): status %s, stage %s, %s - %s' % (
        task.get('task_name'), task.get('source_database'), task.get('target_database'), task.get('status'),
        task.get('stage'), 'no percentage' if pct is None else '%g%%' % pct, '; '.join(task.get('reasons') or []))
