# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Paging generic over any listing API: ``fetch(offset, limit)`` returns a ``Page``, and an
identity function says which rows are the same item. No I/O of its own.

The rule: a listing is complete when its distinct identities equal a total that did not move
while paging, and consistent when no identity came with two different rows. A row is dropped
only when identical in every field to one kept.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError

PAGE_LIMIT = 100
# Absurd answers are refused instead of followed: a lying total would otherwise cost a
# request per claimed page. 100,000 items are 2,000 pages at the server's 50 a page.
MAX_TOTAL = 100000
MAX_PAGES = 2000


class Page(object):
    def __init__(self, offset, total, items, request_id):
        self.offset = offset
        self.total = total
        self.items = items
        self.request_id = request_id


# Absurd answers are refused instead of followed: a lying total would otherwise cost a
# request per claimed page. 100,000 items are 2,000 pages at the server's 50 a page.


def to_int(value):
    """Integers arrive as numbers or strings; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r'\s*-?\d+\s*\Z', value):
        return int(value)
    return None


def canonical(value):
    """One text per JSON value, whatever the key order: what 'identical in every field' compares."""
    return json.dumps(value, sort_keys=True, default=str)


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


def _conflict_problems(conflicts, describe, noun, limit=5):
    if not conflicts:
        return []
    names = [describe(row) for _key, row in conflicts]
    more = len(names) - limit
    return ['listing inconsistent: the API sent different rows for the same %s: %s%s'
            % (noun.rstrip('s'), ', '.join(names[:limit]), ' and %d more' % more if more > 0 else '')]


def next_offsets(first, noun='items'):
    """The offsets still to fetch after the first page, which shows how many rows a page holds."""
    step = len(first.items)
    if step == 0 or first.total <= step:
        return []
    pages = -(-first.total // step)
    if pages > MAX_PAGES:
        raise ApiError('The listing claims %d %s in pages of %d: that would take %d requests, more than the %d '
                       'allowed; refused' % (first.total, noun, step, pages, MAX_PAGES), request_id=first.request_id,
                       hint='The API sent far fewer %s a page than it should; report it with the request id.' % noun)
    return list(range(step, first.total, step))


def list_all(fetch, identity, describe=canonical, noun='items', limit=None, offset=None, concurrency=4,
             attempts=3):
    """Fetch a complete listing (or one explicit page), judged by one rule: the listing is complete
    when its distinct identities equal a total that did not move while paging, and consistent
    when no identity came with two different rows. Anything else is fetched again, up to
    ``attempts`` times, then reported. ``describe(row)`` names a row in a problem.

    Returns dict(total, items, request_ids, complete, problems, pages).
    """
    if limit is not None or offset is not None:
        page = fetch(offset or 0, limit or PAGE_LIMIT)
        rows, identities, conflicts = merge_pages([page], identity)
        complete = (offset or 0) == 0 and identities == page.total
        problems = [] if complete else [
            'partial listing: limit/offset were given, so only %d of %d %s were fetched' % (identities, page.total, noun)]
        return dict(total=page.total, items=rows, request_ids=[page.request_id], complete=complete,
                    consistent=not conflicts, problems=problems + _conflict_problems(conflicts, describe, noun),
                    pages=1)
    request_ids = []
    pages_fetched = 0
    for _attempt in range(attempts):
        first = fetch(0, PAGE_LIMIT)
        pages = [first]
        offsets = next_offsets(first, noun)
        if offsets:
            with ThreadPoolExecutor(max_workers=min(concurrency, len(offsets))) as pool:
                pages.extend(pool.map(lambda off: fetch(off, PAGE_LIMIT), offsets))
        pages_fetched += len(pages)
        request_ids.extend(page.request_id for page in pages)
        rows, identities, conflicts = merge_pages(pages, identity)
        totals = sorted(set(page.total for page in pages))
        problems = _conflict_problems(conflicts, describe, noun)
        if len(totals) > 1:
            problems.insert(0, 'total_count changed while paging (%s)' % ', '.join(str(t) for t in totals))
        elif identities != first.total:
            problems.insert(0, 'fetched %d unique %s but total_count is %d' % (identities, noun, first.total))
        if not problems:
            return dict(total=first.total, items=rows, request_ids=request_ids, complete=True, consistent=True,
                        problems=[], pages=pages_fetched)
    complete = len(totals) == 1 and identities == first.total
    state = 'inconsistent' if complete else 'incomplete'
    return dict(total=first.total, items=rows, request_ids=request_ids, complete=complete, consistent=False,
                problems=['listing %s after %d attempts: %s' % (state, attempts, '; '.join(problems))],
                pages=pages_fetched)
