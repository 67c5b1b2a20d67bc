"""The attempt watchdog: one thread that cuts attempts whose time ran out, in a forked child too, and the
connections it can cut - new, reused from the pool, through a proxy, or closing after the answer."""

import os
import subprocess
import sys
import threading
import time
import warnings

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils import attempt_watchdog
from ansible_collections.taurusdb.htap.plugins.module_utils import errors as api
from ansible_collections.taurusdb.htap.plugins.module_utils import transport

from ansible_collections.taurusdb.htap.tests.unit.helpers import (
    EMPTY, LISTING, PATH, QUERY, base_params, get_listing, make_client, one_instance)


# --- the watchdog -------------------------------------------------------------------------------
class FakeWatch(object):
    def __init__(self, deadline):
        self.deadline = deadline
        self.done = threading.Event()

    def expire(self):
        self.done.set()


def test_the_watchdog_wakes_at_the_earliest_deadline_and_expires_only_the_watches_due():
    late, early = FakeWatch(100.0), FakeWatch(5.0)
    watches = set([late, early])
    assert attempt_watchdog.expire_due(watches, 0.0) == 5.0 and watches == set([late, early])
    assert attempt_watchdog.expire_due(watches, 5.0) == 95.0 and watches == set([late])
    assert early.done.is_set() and not late.done.is_set()
    assert attempt_watchdog.expire_due(watches, 100.0) is None and late.done.is_set() and watches == set()


def test_a_watch_that_ends_sooner_wakes_the_watchdog_and_a_later_one_does_not():
    """Every attempt of a client ends later than the ones before it: waking the watchdog for each would cost
    every request a thread switch. It is woken only when it must cut sooner than it planned to."""
    watchdog = attempt_watchdog.Watchdog()
    notified = []
    real_notify = watchdog._condition.notify
    watchdog._condition.notify = lambda *args: (notified.append(1), real_notify(*args))
    long_watch, longer_watch = FakeWatch(time.monotonic() + 3600), FakeWatch(time.monotonic() + 7200)
    watchdog.add(long_watch)
    for _wait in range(1000):  # until the thread has planned its wake-up (no assertion on how long that takes)
        with watchdog._condition:
            if watchdog._wakes_at is not None:
                break
        time.sleep(0.01)
    first = len(notified)
    watchdog.add(longer_watch)
    assert len(notified) == first  # ends after the planned wake-up: not woken
    short_watch = FakeWatch(time.monotonic() + 0.05)
    watchdog.add(short_watch)
    assert len(notified) == first + 1
    # woken, it cuts the short one long before the hour the first watch would have let it sleep
    assert short_watch.done.wait(60) and not long_watch.done.is_set()
    for watch in (long_watch, longer_watch):
        watchdog.discard(watch)


def test_the_watchdog_never_keeps_a_process_from_ending():
    # a module ends when its work does, whatever attempt the watchdog still watches
    code = '\n'.join([
        'import time',
        'from ansible_collections.taurusdb.htap.plugins.module_utils import attempt_watchdog',
        'class Watch(object):',
        '    deadline = time.monotonic() + 3600',
        'attempt_watchdog.WATCHDOG.add(Watch())'])
    subprocess.run([sys.executable, '-c', code], env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
                   timeout=60, check=True)


def test_a_forked_child_has_a_watchdog_of_its_own():
    # Ansible forks its workers from a controller that may have used the transport: the parent's
    # watchdog thread does not exist in a child
    parent = FakeWatch(time.monotonic())
    attempt_watchdog.WATCHDOG.add(parent)
    assert parent.done.wait(30)
    with warnings.catch_warnings():  # Python 3.12+ warns of fork in a process with threads, as Ansible's is
        warnings.simplefilter('ignore', DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: only os._exit, never back into pytest
        child = FakeWatch(time.monotonic())
        attempt_watchdog.WATCHDOG.add(child)
        os._exit(0 if child.done.wait(10) else 1)
    assert os.waitpid(pid, 0)[1] == 0


# --- watched connections: new, reused from the pool, through a proxy, closing -------------------
def connections_made(client):
    """How many connections the client's connection pools opened (a reused one is not counted again)."""
    pools = client.transport.session.get_adapter(client.endpoint).poolmanager.pools
    return sum(pools[key].num_connections for key in pools.keys())


def test_a_finished_attempt_never_cuts_the_connection_a_later_attempt_reuses(sim, monkeypatch):
    watches = []

    class RecordedWatch(attempt_watchdog.AttemptWatch):
        def __enter__(self):
            watches.append(self)
            return super().__enter__()

    monkeypatch.setattr(transport, 'AttemptWatch', RecordedWatch)
    one_instance(sim, scenario_faults=[{'kind': 'slow_body', 'delay': 1, 'after': 1}])
    results = []
    with make_client(base_params(sim, retries=0)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        later = threading.Thread(target=lambda: results.append(client.get_json(PATH, QUERY, 'Querying')))
        later.start()
        # until the second attempt is under way: its body comes 1 s after its headers
        waited_for = time.monotonic() + 30
        while sim.stats()['total'] < 2 and time.monotonic() < waited_for:
            time.sleep(0.01)
        with attempt_watchdog.WATCHDOG._condition:  # the watchdog's turn when the first attempt's deadline comes
            attempt_watchdog.expire_due(attempt_watchdog.WATCHDOG._watches, watches[0].deadline)
        later.join(30)
        assert connections_made(client) == 1  # the second attempt reused the first one's connection
    assert len(results) == 1 and results[0][0]['total_count'] == '1'


@pytest.mark.parametrize('server', ['adversary', 'tls_adversary'])
def test_a_keep_alive_connection_from_the_pool_is_cut_like_a_new_one(request, server):
    # the second answer comes a byte every 0.1 s, on the connection the first one left in the pool
    adversary = request.getfixturevalue(server)
    adversary.play([{'path': LISTING, 'times': 1, 'json': EMPTY},
                    {'path': LISTING, 'json': dict(EMPTY, padding='x' * 400), 'dribble': 0.1}])
    with make_client(base_params(adversary, connect_timeout=0.5, read_timeout=2.0, retries=0)) as client:
        client.get_json(PATH, QUERY, 'Querying')
        start = time.monotonic()
        with pytest.raises(api.ApiError) as err:
            client.get_json(PATH, QUERY, 'Querying')
        elapsed = time.monotonic() - start
        assert connections_made(client) == 1
    assert 'timed out (the answer took longer than 2.5 s)' in str(err.value)
    # cut at 2.5 s; left uncut, the body of over 400 bytes would take over 40 s
    assert 2.5 <= elapsed < 10, elapsed


def test_an_attempt_through_a_proxy_is_cut_too(adversary):
    # the adversary as the HTTP proxy: it answers a request for any host itself, a byte every 0.1 s
    adversary.play([{'path': LISTING, 'json': dict(EMPTY, padding='x' * 400), 'dribble': 0.1}])
    start = time.monotonic()
    with pytest.raises(api.ApiError) as err:
        get_listing(adversary, endpoint='http://gaussdb.example.invalid', proxy=adversary.url, connect_timeout=0.5,
                    read_timeout=2.0, retries=0)
    elapsed = time.monotonic() - start
    assert adversary.log()[0]['headers']['Host'] == 'gaussdb.example.invalid'
    assert 'timed out (the answer took longer than 2.5 s)' in str(err.value)
    assert 2.5 <= elapsed < 10, elapsed  # left uncut, over 40 s


@pytest.mark.parametrize('closing', [{'no_content_length': True}, {'headers': {'Connection': 'close'}}])
def test_an_answer_that_closes_its_connection_is_cut_too(adversary, closing):
    # before: http.client hands the socket of such an answer to the response, and the watch could not cut
    # it; without a Content-Length, the cut even looks like the body's end
    adversary.play([dict({'path': LISTING, 'json': dict(EMPTY, padding='x' * 400), 'dribble': 0.1}, **closing)])
    start = time.monotonic()
    with pytest.raises(api.ApiError) as err:
        get_listing(adversary, connect_timeout=0.5, read_timeout=1.0, retries=0)
    elapsed = time.monotonic() - start
    assert 'timed out (the answer took longer than 1.5 s)' in str(err.value)
    assert 1.5 <= elapsed < 10, elapsed  # left uncut, over 40 s


class ExpiredOnEntry(attempt_watchdog.AttemptWatch):
    def __enter__(self):
        super().__enter__()
        self.expire()  # as the watchdog would, between the watch's start and the request
        return self


@pytest.mark.parametrize('reused', [False, True])
def test_an_attempt_whose_time_ran_out_before_its_request_sends_nothing(adversary, monkeypatch, reused):
    # before: a connection reused from the pool was cut only when the watch expired after the request began
    adversary.play([{'path': LISTING, 'json': EMPTY}])
    with make_client(base_params(adversary, retries=0)) as client:
        if reused:
            client.get_json(PATH, QUERY, 'Querying')
        monkeypatch.setattr(transport, 'AttemptWatch', ExpiredOnEntry)
        with pytest.raises(api.ApiError, match='timed out'):
            client.get_json(PATH, QUERY, 'Querying')
        assert connections_made(client) == 1
    assert adversary.count('replication') == (1 if reused else 0)
