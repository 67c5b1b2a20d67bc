# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API "Querying Data Synchronization Tasks of a StarRocks Instance": its options, its pages,
task identity, and a complete listing of one or many instances judged by the readiness rule.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.hints import ApiHints
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import check_ranges
from ansible_collections.taurusdb.htap.plugins.module_utils.paging import (
    MAX_TOTAL, Page, canonical, list_all, to_int)
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    IDENTITY_FIELDS, NormalizedRows, ReadinessRule, task_key, verdict)
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import NAME_LIMIT, shown
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_SPEC

API_PATH = '/v3/%s/instances/%s/starrocks/databases/replication'
NOT_FOUND = 'DBS.200022'
HINTS = ApiHints(permission='gaussdbformysql:htapInstance:getReplication',
                 codes={NOT_FOUND: 'Check instance_id and that the instance is in this project and region.'})


def names_option(options, name):
    """A list of task names or patterns. An empty value - ``""``, which Ansible makes ``['']`` (an empty
    role variable, ``-e name=``) - means none; an empty entry among others (a stray comma) is refused."""
    values = list(options[name] or [])
    blank = [value for value in values if not str(value).strip()]
    if blank and len(values) == 1:
        return []
    if blank:
        raise OptionError('%s must not contain empty entries (a stray comma?); for none give [] or ""' % name)
    return values


class ReplicationQuery(object):
    """The replication options, checked (before any request), with the spec's defaults. Explaining
    failures is a step of its own after the query (``replication_config.explain_results``)."""

    def __init__(self, options):
        options = dict((name, REPLICATION_SPEC[name].get('default') if options.get(name) is None else options[name])
                       for name in REPLICATION_SPEC)
        check_ranges(options, REPLICATION_SPEC)
        names, patterns, expected = (names_option(options, name)
                                     for name in ('task_names', 'task_patterns', 'expected_tasks'))
        self.limit = options['limit']
        self.offset = options['offset']
        self.page_concurrency = options['page_concurrency']
        self.listing_attempts = options['listing_attempts']
        self.return_raw = options['return_raw']
        self.rule = ReadinessRule(names, patterns, expected, options['min_tasks'], options['require_catchup'])

    @property
    def concurrency(self):
        """Requests one instance's listing has in flight at once."""
        return 1 if self.limit is not None or self.offset is not None else self.page_concurrency


def _schema_error(detail, request_id):
    return ApiError('The replication listing has an unexpected shape: %s' % detail, request_id=request_id,
                    hint='The API answer did not match its documented schema; retry, or report it with the request id.')


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
    return Page(offset, total, items, request_id, _ext_text(payload.get('ext_text')))


def _ext_text(value):
    """The listing's ext_text (documented as a string, with no meaning given) as text, or None: another type is
    kept as its JSON text, since it does not decide readiness."""
    return value if value is None or isinstance(value, str) else canonical(value)


def task_identity(item, text=None):
    """Task identity: the name with its databases (two tasks may share a name). A row without a
    usable name has no identity to share with another row: it stands for itself (``text``, the row's
    canonical text, when the caller has it). The key of text or missing fields is the tuple itself,
    no JSON made; any other value in it is compared by its canonical text (1, 1.0 and true differ)."""
    name = item.get('task_name')
    if isinstance(name, str) and name.strip():
        key = task_key(item)
        if all(value is None or isinstance(value, str) for value in key):
            return key
        return canonical(list(key))
    return 'row ' + (canonical(item) if text is None else text)


def describe_task(item):
    """A task named in a problem: its name and databases, shown safely."""
    return '%s (%s -> %s)' % tuple(shown(item.get(name), NAME_LIMIT)
                                   for name in IDENTITY_FIELDS)


def list_replications(client, instance_id, query, proven=False):
    """(the complete, consistent listing of one instance (or the one page asked for), its verdict). ``proven``:
    a listing of several pages is proven one state of the list whatever its verdict - for a caller that acts
    on a task's absence (a task that paging skipped is not a task absent)."""
    check_instance_id(instance_id)
    path = API_PATH % (client.api_project_id(), instance_id)

    def fetch(offset, limit):
        what = 'Querying replication tasks of instance %s (offset %d)' % (instance_id, offset)
        payload, request_id = client.get_json(path, [('limit', str(limit)), ('offset', str(offset))], what, HINTS)
        return parse_page(payload, offset, request_id)

    # taken, not read: when this read fails, the next starts from the first page (a guessed page past the
    # list's new end may be what failed, and would fail every round again)
    listing, result = judged_listing(fetch, instance_id, query, proven, client.page_offsets.pop(path, None))
    if listing.get('offsets'):
        client.page_offsets[path] = listing['offsets']
    return listing, result


def judged_listing(fetch, instance_id, query, proven=False, known_offsets=None):
    """(listing, verdict) over ``fetch(offset, limit)``. A listing whose rows would pass the gate is read
    twice, to prove that it did not change while it was read (see paging.list_all); the verdict that
    decided it is the verdict returned when that read stands (it is made once). ``known_offsets``: the
    pages of an earlier read of this listing, asked for all at once. The rows of a read to be judged are
    normalized as its pages arrive, while later pages are on the wire (the verdict is on the way to the proof)."""
    judged = []
    normalized = NormalizedRows(query.rule, query.return_raw)

    def would_pass(listing):
        judged[:] = [listing['items'], verdict(instance_id, listing, query.rule, query.return_raw, normalized)]
        return judged[1]['all_ready'] or proven

    listing = list_all(fetch, task_identity, describe_task, 'tasks', query.limit, query.offset,
                       query.page_concurrency, query.listing_attempts, would_pass, known_offsets,
                       on_page=lambda page: normalized.add(page.items))
    if judged and judged[0] is listing['items'] and listing['complete'] and listing['consistent'] \
            and not listing['problems']:
        return listing, dict(judged[1], request_ids=[rid for rid in listing['request_ids'] if rid])
    return listing, verdict(instance_id, listing, query.rule, query.return_raw, normalized)


def query_instance(client, instance_id, query):
    """The verdict of one instance over its complete, consistent listing."""
    return list_replications(client, instance_id, query)[1]


def is_missing_instance(error):
    return isinstance(error, ApiError) and error.error_code == NOT_FOUND


def query_instances(client, instance_ids, query, concurrency, missing_ok):
    """Several instances, ``concurrency`` at once, results in the order asked; the first failure is raised.

    With ``missing_ok`` an instance that does not exist gives None instead of an error.
    """
    for instance_id in instance_ids:
        check_instance_id(instance_id)

    def one(instance_id):
        try:
            return query_instance(client, instance_id, query)
        except ApiError as exc:
            if missing_ok and is_missing_instance(exc):
                return None
            raise

    if len(instance_ids) <= 1:
        return [one(instance_id) for instance_id in instance_ids]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(instance_ids))) as pool:
        return list(pool.map(one, instance_ids))
