# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Paging generic over any listing API: ``fetch(offset, limit)`` returns a ``Page``, and an
identity function ``identity(row, its canonical text)`` says which rows are the same item. No I/O of its own.

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
# One encoder for every canonical text: json.dumps with options builds a new encoder each call.
_CANONICAL = json.JSONEncoder(sort_keys=True, default=str)


class Page(object):
    """One answer: its rows, the total it claims, and ``ext_text``, a text about the whole listing that comes
    with every page (like the total, it must not change while paging)."""

    def __init__(self, offset, total, items, request_id, ext_text=None):
        self.offset = offset
        self.total = total
        self.items = items
        self.request_id = request_id
        self.ext_text = ext_text
        self._texts = None

    def with_texts(self):
        """The page, its rows' texts made now (while other requests are on the wire)."""
        if self._texts is None:
            self._texts = [canonical(item) for item in self.items]
        return self

    @property
    def texts(self):
        """The canonical text of each row (made once: the merge and the proof both compare them)."""
        if self._texts is None:
            self._texts = [canonical(item) for item in self.items]
        return self._texts


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
    return _CANONICAL.encode(value)


def merge_pages(pages, identity):
    """Every distinct row of the pages, in order. A row is dropped only when identical in every
    field to one kept; rows that share an identity but differ are all kept, and reported.
    ``identity(row, text)`` gets each row's canonical text (made once a row, see ``Page.texts``).

    Returns (rows, number of distinct identities, [(identity, first row)] of conflicting identities).
    """
    rows, seen, first_rows, conflicts = [], set(), {}, {}
    for page in pages:
        for item, text in zip(page.items, page.texts):
            if text in seen:
                continue
            seen.add(text)
            rows.append(item)
            key = identity(item, text)
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


def next_offsets(first, noun):
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


def _worked_on(page, on_page=None):
    """The page, its rows' texts made, and ``on_page(page)`` done when given."""
    page.with_texts()
    if on_page is not None:
        on_page(page)
    return page


def _fetch_all(fetch, offsets, concurrency, meanwhile=None, on_page=None):
    """The pages at these offsets, in order, at most ``concurrency`` requests at a time. The work on the pages
    is done while requests are on the wire, not after the last one: ``meanwhile()`` runs once every request
    is under way, and each page is worked on here as it arrives (not by the thread that fetched it, which is
    already sending the next request)."""
    def one(offset):
        return fetch(offset, PAGE_LIMIT)

    if len(offsets) == 1 and meanwhile is None:
        return [_worked_on(one(offsets[0]), on_page)]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(offsets))) as pool:
        arriving = pool.map(one, offsets)  # submits every request now
        if meanwhile is not None:
            meanwhile()
        return [_worked_on(page, on_page) for page in arriving]


def _read(fetch, concurrency, noun, offsets=None, guessed=False, on_page=None, left_out=None):
    """One read of the whole listing: the first page, then the rest it implies. Or, when offsets are
    known, all of them at once: exactly those, to prove the read that had them (its pages are only
    compared: ``on_page`` is not done on them); or, ``guessed`` from an earlier read of the list (which may
    have grown or shrunk since), those, then any page the answers show is missing - and a guessed page the
    list no longer reaches is no part of the read (it is added to ``left_out``: it was still asked for)."""
    if offsets and not guessed:
        return _fetch_all(fetch, offsets, concurrency)
    guesses = sorted(set([0] + list(offsets or [])))
    if offsets and len(guesses) <= MAX_PAGES:
        # no more guessed pages than a first read may follow: a server that moves its page grid each read
        # (a first page of another size) would otherwise grow the offsets remembered, round after round
        pages = _fetch_all(fetch, guesses, concurrency, on_page=on_page)
        missing = sorted(set(next_offsets(pages[0], noun)) - set(page.offset for page in pages))
        if missing:
            pages = sorted(pages + _fetch_all(fetch, missing, concurrency, on_page=on_page),
                           key=lambda page: page.offset)
        past = [_past_the_end(page, pages[0]) for page in pages]
        if left_out is not None:
            left_out.extend(page for page, is_past in zip(pages, past) if is_past)
        return [page for page, is_past in zip(pages, past) if not is_past]
    first = fetch(0, PAGE_LIMIT)
    rest = next_offsets(first, noun)
    if not rest:
        return [first]
    return [first] + _fetch_all(fetch, rest, concurrency, lambda: _worked_on(first, on_page), on_page)


def _past_the_end(page, first):
    """A page that holds nothing because the list ends before it: no rows, at or past the total that it and
    the first page give, with the first page's ext_text (a page with rows, another total or another ext_text
    is kept: it says something about the list)."""
    return page is not first and not page.items and page.offset >= page.total == first.total \
        and page.ext_text == first.ext_text


def _same(earlier, later):
    """Two reads answered alike, page for page: the same totals and the same rows in the same order."""
    return len(earlier) == len(later) and all(
        a.offset == b.offset and a.total == b.total and a.ext_text == b.ext_text and a.texts == b.texts
        for a, b in zip(earlier, later))


def _judge(pages, identity, describe, noun):
    """(rows, problems) of one read: the rule of completeness and of conflicting rows."""
    rows, identities, conflicts = merge_pages(pages, identity)
    totals = sorted(set(page.total for page in pages))
    problems = _conflict_problems(conflicts, describe, noun)
    ext_texts = set(canonical(page.ext_text) for page in pages)
    if len(ext_texts) > 1:
        problems.insert(0, 'ext_text changed while paging (%d different texts)' % len(ext_texts))
    if len(totals) > 1:
        problems.insert(0, 'total_count changed while paging (%s)' % ', '.join(str(t) for t in totals))
    elif identities != pages[0].total:
        problems.insert(0, 'fetched %d unique %s but total_count is %d' % (identities, noun, pages[0].total))
    return rows, problems, len(totals) == 1 and identities == pages[0].total


def _always(_listing):
    return True


def list_all(fetch, identity, describe, noun, limit=None, offset=None, concurrency=4,
             attempts=3, would_pass=_always, known_offsets=None, on_page=None):
    """Fetch a complete, consistent listing (or one explicit page).

    Complete: its distinct identities equal a total that did not move while paging. Consistent: no
    identity came with two different rows, and - offset paging has no snapshot: a task deleted before
    a page boundary shifts another into a page already read, with the total unchanged - the rows are
    one state of the list. One page is one answer; a listing of several pages that ``would_pass``
    (a listing dict -> bool: the caller's verdict on it, were it consistent) is read a second time and
    stands only if both reads answered alike, page for page: then every page held the same rows
    from the end of the first read to the start of the second, so they are the list's state at that
    moment. A listing that would not pass needs no proof (it cannot become a false green).

    A read with a problem, or one whose proof found a change, is read again, ``attempts`` times in
    all; then the problems are reported and the listing is not consistent (or not complete).
    ``describe(row)`` names a row in a problem. ``on_page(page)``: the caller's own work on each page of a read
    that will be judged (not of a proof, whose pages are only compared), done as the page arrives, while later
    pages are on the wire (the pages of one read, first to last; some may be left out of the read after).

    Round trips: a read asks for the first page, then for the rest ``concurrency`` at a time: 1 + ceil((pages
    - 1) / concurrency) round trips; its proof asks for every page at once: ceil(pages / concurrency). With
    ``known_offsets``, the pages of an earlier read of this list (the listing's ``offsets``), a read asks for
    them all at once too, then for any the list has grown by: ceil(pages / concurrency) when it has not.

    Returns dict(total, ext_text (the first page's), items, request_ids, complete, consistent, problems, pages
    (how many its reads kept), offsets (the pages of the read returned)).
    """
    if limit is not None or offset is not None:
        page = fetch(offset or 0, limit or PAGE_LIMIT)
        rows, identities, conflicts = merge_pages([page], identity)
        complete = (offset or 0) == 0 and identities == page.total
        problems = [] if complete else [
            'partial listing: limit/offset were given, so only %d of %d %s were fetched' % (identities, page.total, noun)]
        return dict(total=page.total, ext_text=page.ext_text, items=rows, request_ids=[page.request_id],
                    complete=complete, consistent=not conflicts, problems=problems + _conflict_problems(conflicts, describe, noun),
                    pages=1)
    request_ids, reads, kept = [], 0, 0  # the id of every page asked for; how many pages the reads kept
    failed = 0  # reads that had a problem, or whose proof found a change
    unproven = None  # (pages, listing) of the last read that would pass, waiting for its proof
    while True:
        left_out = []  # pages past the end of a list that shrank: no part of the read, but asked for
        if unproven:
            pages = _read(fetch, concurrency, noun, [page.offset for page in unproven[0]])
        else:
            pages = _read(fetch, concurrency, noun, known_offsets, guessed=True, on_page=on_page, left_out=left_out)
        known_offsets = [page.offset for page in pages]
        reads += 1
        kept += len(pages)
        request_ids.extend(page.request_id for page in pages + left_out)
        if unproven is not None and _same(unproven[0], pages):
            # proven: the read it proves is returned, as would_pass saw it (its verdict stands). Answered alike,
            # page for page, this read has the problems that one had (none): it needs no judging of its own
            return dict(unproven[1], request_ids=request_ids, pages=kept)
        rows, problems, complete = _judge(pages, identity, describe, noun)
        listing = dict(total=pages[0].total, ext_text=pages[0].ext_text, items=rows, request_ids=request_ids,
                       complete=complete, consistent=not problems, problems=[], pages=kept,
                       offsets=known_offsets)
        if not problems:
            if len(pages) == 1 or not would_pass(listing):
                return listing
            if unproven is not None:
                failed += 1
                problems = ['the listing changed while it was read (tasks added, removed or changed between '
                            'page requests): no two reads of its %d pages in a row answered alike' % len(pages)]
            unproven = (pages, listing)
        else:
            failed += 1
            unproven = None
        if failed >= attempts:
            state = 'inconsistent' if complete else 'incomplete'
            return dict(listing, consistent=False, problems=['listing %s after %d reads: %s' % (
                state, reads, '; '.join(problems))])
