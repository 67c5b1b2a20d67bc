# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""An executor whose threads never hold the process when it ends.

General (it knows nothing of replication): the event source runs its blocking API calls here, through
``loop.run_in_executor``, so that a request still hanging when ansible-rulebook shuts down is abandoned
instead of waited for.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import queue
import threading
from concurrent.futures import Executor, Future


class DaemonThreadExecutor(Executor):
    """At most ``max_workers`` daemon threads, started as needed and reused, run the calls in turn.

    ThreadPoolExecutor's threads are joined when the interpreter exits, so a request hanging when the
    rulebook shuts down would hold the process for up to connect_timeout + read_timeout; a daemon
    thread does not (the watch's calls only read, so abandoning one is harmless). The threads live as
    long as the watch: a thread a call would leave the allocator a new arena to fill now and then.
    """

    def __init__(self, max_workers, name):
        self._max_workers = max_workers
        self._name = name
        self._work = queue.SimpleQueue()
        self._threads = []
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn, *args, **kwargs):  # pylint: disable=arguments-differ
        future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError('cannot schedule new calls after shutdown')
            self._work.put((future, fn, args, kwargs))
            if self._idle == 0 and len(self._threads) < self._max_workers:
                thread = threading.Thread(target=self._worker, name=self._name, daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._idle = max(0, self._idle - 1)
        return future

    def _worker(self):
        while True:
            item = self._work.get()
            if item is None:
                return
            future, fn, args, kwargs = item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # pylint: disable=broad-except  # handed to whoever awaits it
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del item, future, fn, args, kwargs  # hold nothing while waiting for the next call
            with self._lock:
                self._idle += 1

    def shutdown(self, wait=True, cancel_futures=False):  # pylint: disable=arguments-differ
        with self._lock:
            self._closed = True
            for _thread in self._threads:
                self._work.put(None)  # each worker ends after its current call; none is waited for
