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
