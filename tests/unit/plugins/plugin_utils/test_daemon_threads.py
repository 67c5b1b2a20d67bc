"""The executor of daemon threads: calls run at most n at once, a call not started can be cancelled, an
error reaches whoever awaits the call, and nothing is scheduled after shutdown."""

import threading

import pytest

from ansible_collections.taurusdb.htap.plugins.plugin_utils.daemon_threads import DaemonThreadExecutor


def test_the_executor_runs_calls_in_daemon_threads_at_most_n_at_once():
    executor = DaemonThreadExecutor(2, 'replication_watch')
    release, lock, running, most = threading.Event(), threading.Lock(), [0], [0]

    def call(number):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(60)
        with lock:
            running[0] -= 1
        if number == 3:
            raise RuntimeError('boom')
        return number * 10

    futures = [executor.submit(call, number) for number in range(6)]
    for _wait in range(1200):  # until two calls hold the two slots (a safety bound of 60 s)
        if sum(future.running() for future in futures) == 2:
            break
        release.wait(0.05)
    waiting = [number for number, future in enumerate(futures) if not future.running() and number != 3][0]
    assert futures[waiting].cancel()  # not started yet: it never runs
    names = [thread for thread in threading.enumerate() if thread.name == 'replication_watch']
    assert names and all(thread.daemon for thread in names)
    release.set()
    for number, future in enumerate(futures):
        if number == waiting:
            assert future.cancelled()
        elif number == 3:
            assert str(future.exception(60)) == 'boom'
        else:
            assert future.result(60) == number * 10
    assert most[0] == 2
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(call, 9)
