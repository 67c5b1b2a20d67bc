"""Paging at its boundaries: the most pages it follows, an empty listing, and rows that differ only in
the order of their keys. Pages are scripted (no HTTP)."""

import threading

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.paging import MAX_PAGES, MAX_TOTAL, Page, list_all
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import (
    describe_task, parse_page, task_identity)


def row(name):
    return {'task_name': name, 'source_database': 's', 'target_database': 't', 'status': 'Yes', 'stage': 'Incremental'}


class OneRowPages(object):
    """A server that sends one row a page (the row at its offset) and the same total every time."""

    def __init__(self, total):
        self.total, self.offsets, self.lock = total, [], threading.Lock()

    def fetch(self, offset, limit):
        with self.lock:
            self.offsets.append(offset)
        return Page(offset, self.total, [row('t%05d' % offset)] if offset < self.total else [], 'rid-%d' % offset)


def list_tasks(fetch, **kwargs):
    return list_all(fetch, task_identity, describe_task, 'tasks', **kwargs)


def test_exactly_max_pages_pages_are_followed():
    server = OneRowPages(MAX_PAGES)
    listing = list_tasks(server.fetch, concurrency=8)
    assert listing['complete'] and listing['consistent'] and not listing['problems']
    # a listing that would pass is read twice (the second read proves it did not change)
    assert len(listing['items']) == MAX_PAGES and listing['pages'] == 2 * MAX_PAGES
    assert sorted(server.offsets) == sorted(list(range(MAX_PAGES)) * 2)


def test_one_page_more_than_max_pages_is_refused_after_the_first_request():
    server = OneRowPages(MAX_PAGES + 1)
    with pytest.raises(ApiError, match='would take %d requests, more than the %d allowed' % (MAX_PAGES + 1, MAX_PAGES)):
        list_tasks(server.fetch)
    assert server.offsets == [0]


def test_a_total_of_zero_with_no_rows_is_a_complete_empty_listing_in_one_request():
    server = OneRowPages(0)
    listing = list_tasks(lambda offset, limit: parse_page({'total_count': 0, 'replications': []}, offset, 'rid'))
    assert listing['complete'] and listing['consistent'] and listing['items'] == [] and listing['total'] == 0
    assert listing['pages'] == 1 and listing['problems'] == []
    listing = list_tasks(server.fetch)
    assert listing['complete'] and server.offsets == [0]


def test_a_total_of_zero_with_a_row_is_incomplete():
    listing = list_tasks(lambda offset, limit: Page(offset, 0, [row('a')], 'rid'), attempts=1)
    assert not listing['complete'] and 'fetched 1 unique tasks but total_count is 0' in listing['problems'][0]


@pytest.mark.parametrize('total', [0, '0', ' 0 ', 1, MAX_TOTAL, str(MAX_TOTAL)])
def test_every_plausible_total_is_accepted(total):
    assert parse_page({'total_count': total, 'replications': []}, 0, 'rid').total == int(total)


@pytest.mark.parametrize('total, message', [
    (MAX_TOTAL + 1, 'claims %d tasks, more than the %d' % (MAX_TOTAL + 1, MAX_TOTAL)),
    (-1, 'a negative number'),
    ('-1', 'a negative number'),
    (True, 'not a whole number'),
    (1.0, 'not a whole number'),
    ('1.5', 'not a whole number'),
    (None, 'not a whole number'),
])
def test_every_implausible_total_is_refused(total, message):
    with pytest.raises(ApiError, match=message):
        parse_page({'total_count': total, 'replications': []}, 0, 'rid')


def test_rows_equal_but_for_key_order_are_one_row_on_one_page_and_across_pages():
    first = row('a')
    reordered = dict(reversed(list(first.items())))
    assert list(reordered) != list(first) and reordered == first
    listing = list_tasks(lambda offset, limit: Page(offset, 1, [first, reordered], 'rid'), attempts=1)
    assert listing['complete'] and listing['consistent'] and listing['items'] == [first]
    pages = {0: [first], 1: [reordered, row('b')]}
    listing = list_tasks(lambda offset, limit: Page(offset, 2, pages[offset], 'rid'), attempts=1)
    assert listing['complete'] and listing['consistent'] and listing['items'] == [first, row('b')]


# --- what the tests of the mutation run found untested ------------------------------------------
class Listing(object):
    """A list served ``cap`` rows a page; ``script(number)`` may return another list for a request;
    records how many requests were in flight at once."""

    def __init__(self, rows, cap=50, script=None):
        self.rows, self.cap, self.script = rows, cap, script
        self.calls, self.in_flight, self.most = [], 0, 0
        self.lock = threading.Lock()

    def fetch(self, offset, limit):
        with self.lock:
            self.calls.append(offset)
            number = len(self.calls)
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            threading.Event().wait(0.01)  # long enough for the pool's other requests to start
            rows = self.script(number) if self.script else self.rows
            return Page(offset, len(rows), [dict(item) for item in rows[offset:offset + min(limit, self.cap)]],
                        'rid-%d' % number)
        finally:
            with self.lock:
                self.in_flight -= 1


def rows_of(count, prefix='t'):
    return [row('%s%03d' % (prefix, number)) for number in range(count)]


@pytest.mark.parametrize('concurrency', [1, 2, 5])
def test_no_more_requests_in_flight_than_the_concurrency(concurrency):
    server = Listing(rows_of(600))  # 12 pages
    list_tasks(server.fetch, concurrency=concurrency)
    assert server.most == concurrency


def test_four_requests_at_once_and_three_reads_by_default():
    server = Listing(rows_of(600))
    assert list_tasks(server.fetch)['consistent'] and server.most == 4
    moving = Listing(None, script=lambda number: rows_of(60 + number % 2))  # every request another total
    listing = list_tasks(moving.fetch)
    assert listing['problems'][0].startswith('listing incomplete after 3 reads: total_count changed while paging')


def test_a_proof_that_answered_alike_is_not_judged_again():
    # before: the proof's rows were merged and judged as the read's had been (2,000 rows: ~5 ms at the end of a
    # listing); answered alike, page for page, it can have no problem the read had not
    server, judged = Listing(rows_of(600)), []

    def identity(item, text):
        judged.append(item['task_name'])
        return task_identity(item, text)

    listing = list_all(server.fetch, identity, describe_task, 'tasks')
    assert listing['consistent'] and listing['complete'] and len(listing['items']) == 600
    assert len(listing['request_ids']) == 24 and len(judged) == 600


def test_a_list_that_grows_between_a_read_and_its_proof_is_read_again_from_its_first_page():
    # the proof's offsets come from the read it proves: a list that grew by a page needs a fresh read
    server = Listing(None, script=lambda number: rows_of(100 if number <= 2 else 150))
    listing = list_tasks(server.fetch, concurrency=1)
    assert listing['complete'] and listing['consistent'] and len(listing['items']) == 150
    assert server.calls == [0, 50, 0, 50, 0, 50, 100, 0, 50, 100]


def test_at_most_five_conflicting_tasks_are_named_and_the_rest_counted():
    pages = [Page(0, 7, rows_of(7) + [dict(item, status='No') for item in rows_of(7)], 'rid')]
    listing = list_tasks(lambda offset, limit: pages[0])
    assert listing['problems'] == [
        'listing inconsistent after 3 reads: listing inconsistent: the API sent different rows for the same task: '
        't000 (s -> t), t001 (s -> t), t002 (s -> t), t003 (s -> t), t004 (s -> t) and 2 more']
    five = [Page(0, 5, rows_of(5) + [dict(item, status='No') for item in rows_of(5)], 'rid')]
    assert list_tasks(lambda offset, limit: five[0])['problems'][0].endswith('t004 (s -> t)')
    six = [Page(0, 6, rows_of(6) + [dict(item, status='No') for item in rows_of(6)], 'rid')]
    assert list_tasks(lambda offset, limit: six[0])['problems'][0].endswith('t004 (s -> t) and 1 more')


def test_every_problem_of_a_read_is_said_the_moving_total_first():
    def script(number):
        rows = rows_of(60) + [dict(row('t001'), status='No')]  # a conflict, and a total that moves
        return rows if number % 2 else rows + [row('t060')]
    listing = list_tasks(Listing(None, script=script).fetch, concurrency=1, attempts=1)
    assert listing['problems'] == [
        'listing incomplete after 1 reads: total_count changed while paging (61, 62); listing inconsistent: the API '
        'sent different rows for the same task: t001 (s -> t)']
    assert listing['total'] == 61  # the first page's, as the first request saw it


def test_a_count_that_does_not_add_up_is_said_before_conflicting_rows():
    page = Page(0, 5, rows_of(3) + [dict(row('t001'), status='No')], 'rid')
    listing = list_tasks(lambda offset, limit: page, attempts=1)
    assert listing['problems'] == [
        'listing incomplete after 1 reads: fetched 3 unique tasks but total_count is 5; listing inconsistent: the API '
        'sent different rows for the same task: t001 (s -> t)']


def test_the_pages_refused_are_counted_up_for_a_last_partial_page():
    # 2 rows a page and a total of 2 * MAX_PAGES + 1: the last page holds one row, so MAX_PAGES + 1 requests
    page = Page(0, 2 * MAX_PAGES + 1, [row('a_1'), row('a_2')], 'rid')
    with pytest.raises(ApiError, match='in pages of 2: that would take %d requests' % (MAX_PAGES + 1)):
        list_tasks(lambda offset, limit: page)


def test_one_explicit_page_is_one_request_and_counted_as_one():
    server = Listing(rows_of(30))
    listing = list_tasks(server.fetch, limit=10, offset=0)
    assert server.calls == [0] and listing['pages'] == 1 and listing['request_ids'] == ['rid-1']


def test_a_read_of_one_page_whose_rows_do_not_add_up_is_incomplete_with_its_total():
    listing = list_tasks(lambda offset, limit: Page(offset, 3, rows_of(2), 'rid'), attempts=1)
    assert listing['problems'] == ['listing incomplete after 1 reads: fetched 2 unique tasks but total_count is 3']


class ExtTextPages(object):
    """Two pages of two rows each, whose ext_text ``text_of(request number, offset)`` says."""

    def __init__(self, text_of):
        self.text_of, self.requests, self.lock = text_of, 0, threading.Lock()

    def fetch(self, offset, limit):
        with self.lock:
            self.requests += 1
            number = self.requests
        return Page(offset, 4, rows_of(4)[offset:offset + 2], 'rid-%d' % number, self.text_of(number, offset))


def test_the_listing_has_the_ext_text_its_pages_agree_on():
    listing = list_tasks(ExtTextPages(lambda number, offset: 'same on every page').fetch)
    assert listing['consistent'] and listing['ext_text'] == 'same on every page' and listing['pages'] == 4
    listing = list_tasks(lambda offset, limit: parse_page({'total_count': 0, 'replications': []}, offset, 'rid'))
    assert listing['ext_text'] is None  # none sent
    listing = list_tasks(ExtTextPages(lambda number, offset: 'one page').fetch, limit=2, offset=2)
    assert listing['ext_text'] == 'one page'


def test_pages_that_disagree_on_ext_text_are_not_one_answer():
    # like total_count, a text about the whole listing must not change while paging: read again, then inconsistent
    server = ExtTextPages(lambda number, offset: 'page at %d' % offset)
    listing = list_tasks(server.fetch, attempts=2)
    assert not listing['consistent'] and listing['complete'] and server.requests == 4
    assert listing['problems'] == ['listing inconsistent after 2 reads: ext_text changed while paging (2 different texts)']
    assert listing['ext_text'] == 'page at 0'  # the first page's
    # a text and none are different texts too
    listing = list_tasks(ExtTextPages(lambda number, offset: None if offset else '').fetch, attempts=1)
    assert not listing['consistent']


def test_a_listing_whose_ext_text_changed_between_two_reads_is_not_proven():
    server = ExtTextPages(lambda number, offset: 'read %d' % ((number + 1) // 2))  # each read another text
    listing = list_tasks(server.fetch, attempts=2)
    assert not listing['consistent'] and 'the listing changed while it was read' in listing['problems'][0]
    steady = ExtTextPages(lambda number, offset: 'read %d' % min((number + 1) // 2, 2))  # the same from read 2 on
    listing = list_tasks(steady.fetch, attempts=3)
    assert listing['consistent'] and listing['ext_text'] == 'read 2' and steady.requests == 6


def test_the_rows_are_worked_on_while_later_pages_are_on_the_wire():
    """The first page's row texts are made once the other requests are under way, not after the last
    answer: every later request waits for them here, and would wait in vain if they came after."""
    first_worked = threading.Event()
    waited = []

    class Watched(Page):
        def with_texts(self):
            page = super(Watched, self).with_texts()
            if self.offset == 0:
                first_worked.set()
            return page

    def fetch(offset, limit):
        if offset:
            waited.append(first_worked.wait(10))
        return Watched(offset, 5, [row('t%d' % offset)], 'rid-%d' % offset)

    listing = list_tasks(fetch, concurrency=4)
    assert listing['complete'] and len(listing['items']) == 5
    assert waited and all(waited)


def test_each_page_of_a_read_to_be_judged_is_worked_on_in_order_and_a_proofs_never():
    server, worked = Listing(rows_of(600)), []  # 12 pages
    listing = list_tasks(server.fetch, on_page=lambda page: worked.append(page.offset))
    assert listing['consistent'] and len(server.calls) == 24 and worked == list(range(0, 600, 50))
    # a read of a list read before (its pages guessed): each page it keeps and any it had to add
    del worked[:]
    listing = list_tasks(Listing(rows_of(650)).fetch, known_offsets=list(range(0, 600, 50)),
                         on_page=lambda page: worked.append(page.offset))
    assert listing['consistent'] and worked == list(range(0, 650, 50))


def test_a_read_is_worked_on_while_its_later_pages_are_on_the_wire():
    first_worked, waited = threading.Event(), []

    def fetch(offset, limit):
        if offset == 4:
            waited.append(first_worked.wait(10))
        return Page(offset, 5, [row('t%d' % offset)], 'rid-%d' % offset)

    listing = list_tasks(fetch, concurrency=2, on_page=lambda page: page.offset == 0 and first_worked.set())
    assert listing['complete'] and len(listing['items']) == 5 and waited and all(waited)


# --- round trips: a list read before is asked for all its pages at once (issue 21) ----------------------
class Rounds(object):
    """A list served 50 rows a page in round trips the test names: the requests of round n wait until
    ``sizes[n]`` of them have arrived, then are answered together. A client that sends fewer at once than
    the round names is answered after a generous safety net and the round recorded as it came, so a wrong
    pattern fails the assertion (nothing else depends on the machine's speed). ``rows`` may be a function of
    the round, for a list that changes between rounds."""

    SAFETY = 10

    def __init__(self, rows, sizes):
        self.rows, self.sizes = rows, list(sizes)
        self.rounds = [[]]
        self.cond = threading.Condition()

    def fetch(self, offset, limit):
        with self.cond:
            index = len(self.rounds) - 1
            self.rounds[index].append(offset)
            if len(self.rounds[index]) < (self.sizes[index] if index < len(self.sizes) else 0):
                self.cond.wait_for(lambda: len(self.rounds) > index + 1, timeout=self.SAFETY)
            if len(self.rounds) == index + 1:
                self.rounds.append([])
                self.cond.notify_all()
        rows = self.rows(index) if callable(self.rows) else self.rows
        return Page(offset, len(rows), [dict(item) for item in rows[offset:offset + min(limit, 50)]],
                    'rid-%d-%d' % (index, offset))

    def seen(self):
        return [sorted(offsets) for offsets in self.rounds if offsets]


TEN_PAGES = [[0, 50, 100, 150], [200, 250, 300, 350], [400, 450]]


def test_a_read_asks_for_the_first_page_then_the_rest_and_its_proof_for_every_page_at_once():
    server = Rounds(rows_of(500), [1, 4, 4, 1, 4, 4, 2])
    listing = list_tasks(server.fetch, concurrency=4)
    assert listing['complete'] and listing['consistent'] and len(listing['items']) == 500
    assert server.seen() == [[0], [50, 100, 150, 200], [250, 300, 350, 400], [450]] + TEN_PAGES
    assert listing['offsets'] == list(range(0, 500, 50))


def test_a_list_read_before_is_asked_for_all_its_pages_at_once():
    # 3 round trips a read instead of 4: no round waits for the first page alone
    server = Rounds(rows_of(500), [4, 4, 2, 4, 4, 2])
    listing = list_tasks(server.fetch, concurrency=4, known_offsets=list(range(0, 500, 50)))
    assert listing['complete'] and listing['consistent'] and len(listing['items']) == 500
    assert server.seen() == TEN_PAGES + TEN_PAGES and listing['pages'] == 20


def test_a_list_that_grew_since_is_asked_for_the_pages_it_grew_by():
    server = Rounds(rows_of(180), [2, 2, 4])
    listing = list_tasks(server.fetch, concurrency=4, known_offsets=[0, 50])
    assert listing['complete'] and len(listing['items']) == 180
    assert server.seen() == [[0, 50], [100, 150], [0, 50, 100, 150]] and listing['offsets'] == [0, 50, 100, 150]


def test_a_list_that_shrank_since_leaves_the_pages_past_its_end_out_of_the_read_and_its_proof():
    server = Rounds(rows_of(60), [4, 2])
    listing = list_tasks(server.fetch, concurrency=4, known_offsets=[0, 50, 100, 150])
    assert listing['complete'] and listing['consistent'] and len(listing['items']) == 60
    assert server.seen() == [[0, 50, 100, 150], [0, 50]]
    # the pages left out were still asked for: their request ids are listed (for support cases), not counted
    assert listing['offsets'] == [0, 50] and listing['pages'] == 4
    assert listing['request_ids'] == ['rid-0-0', 'rid-0-50', 'rid-0-100', 'rid-0-150', 'rid-1-0', 'rid-1-50']
    # an empty page past the end that gives another total is kept: the list moved, and the read says so
    moved = Rounds(lambda index: rows_of(60), [3, 3, 3])
    moving = list_tasks(lambda offset, limit: Page(offset, 70, [], 'x') if offset == 100 else moved.fetch(offset, limit),
                        concurrency=4, known_offsets=[0, 50, 100], attempts=1)
    assert not moving['complete'] and 'total_count changed while paging (60, 70)' in moving['problems'][0]


def test_a_page_with_rows_past_the_total_is_never_left_out():
    rows = rows_of(120)

    def fetch(offset, limit):  # says 60 tasks but has rows at 100: every row is judged, and the count is wrong
        return Page(offset, 60, [dict(item) for item in rows[offset:offset + 50]], 'rid-%d' % offset)

    listing = list_tasks(fetch, concurrency=4, known_offsets=[0, 50, 100], attempts=1)
    assert len(listing['items']) == 120 and not listing['complete']
    assert 'fetched 120 unique tasks but total_count is 60' in listing['problems'][0]


class SteppingPages(object):
    """A hostile server: the same total every time, but the first page holds one row more each read (so the
    pages it implies fall at new offsets), and every other offset answers one row (so no page is past the end)."""

    def __init__(self, total, step):
        self.total, self.step, self.offsets, self.lock = total, step, [], threading.Lock()

    def fetch(self, offset, limit):
        with self.lock:
            self.offsets.append(offset)
            if offset == 0:
                self.step += 1
                return Page(0, self.total, [row('t%05d' % i) for i in range(self.step)], 'rid-0')
        return Page(offset, self.total, [row('t%05d' % offset)], 'rid-%d' % offset)


def test_remembered_offsets_do_not_grow_past_max_pages_a_read_across_rounds(monkeypatch):
    # Each round remembers the offsets of its last read, and the next asks for all of them, then for the pages
    # the first page implies: a server that moves its page grid each read must not make the requests a read
    # grow round after round (a read is bounded by MAX_PAGES, as a first read is).
    from ansible_collections.taurusdb.htap.plugins.module_utils import paging
    monkeypatch.setattr(paging, 'MAX_PAGES', 10)
    server = SteppingPages(100, 9)
    known = None
    for _round in range(6):
        before = len(server.offsets)
        listing = list_tasks(server.fetch, concurrency=4, attempts=3, known_offsets=known)
        assert not listing['complete'] and not listing['consistent']
        # 3 reads, each at most its guessed pages (MAX_PAGES) and the ones the first page implies (MAX_PAGES)
        assert len(server.offsets) - before <= 3 * 2 * 10
        known = listing['offsets']
        assert len(known) <= 2 * 10


def test_an_empty_page_past_the_end_with_another_ext_text_is_kept():
    # the list shrank to one page; the guessed page past its end sends another ext_text: kept, and judged
    def fetch(offset, limit):
        return Page(offset, 40, rows_of(40)[offset:offset + 50], 'rid-%d' % offset, 'text at %d' % offset)

    listing = list_tasks(fetch, concurrency=4, known_offsets=[0, 50], attempts=1)
    assert listing['offsets'] == [0, 50] and not listing['consistent']
    assert 'ext_text changed while paging (2 different texts)' in listing['problems'][0]
