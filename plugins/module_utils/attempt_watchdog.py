# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The watchdog that bounds one HTTP attempt as a whole (connect, headers and body).

requests' timeouts bound each read, not the attempt: a server that sends a byte now and then holds a
request for ever. Each attempt runs under an ``AttemptWatch``; one daemon thread shuts down the socket
of every attempt whose time ran out, which ends whatever read is under way. To know that socket, the
connections come from urllib3 pools of our own (``WatchedAdapter``), which tell the current attempt's
watch which socket it uses, a new connection or one reused from the pool.

The transport decides how long an attempt may take and what to do when it timed out; this file only
keeps the time.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import socket
import threading
import time

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
except ImportError:
    HAS_REQUESTS = False  # the transport reports it (REQUESTS_IMPORT_ERROR)
else:
    HAS_REQUESTS = True

_ATTEMPT = threading.local()  # the watch of the attempt this thread makes now


class AttemptTimedOut(requests.exceptions.Timeout if HAS_REQUESTS else Exception):
    """An attempt (connect, headers and body) took longer than connect_timeout + read_timeout."""


class DeadlineReached(AttemptTimedOut):
    """The caller's deadline came before an attempt's answer."""


def timed_out(limit, by_deadline):
    """The error of an attempt that was given ``limit`` seconds, by the caller's deadline or not."""
    if by_deadline:
        return DeadlineReached('the deadline came %.1f s into the attempt, before the answer' % limit)
    return AttemptTimedOut('the answer took longer than %g s' % limit)


class Watchdog(object):
    """One thread that cuts the attempts whose time ran out: starting a timer thread for every
    attempt would cost more than a page of the listing."""

    def __init__(self):
        self.reset()

    def reset(self):
        """A fresh start, also in a forked child, where the parent's thread and lock do not carry over."""
        self._condition = threading.Condition()
        self._watches = set()
        self._thread = None
        self._wakes_at = None  # when the thread wakes by itself (None: only when told)

    def add(self, watch):
        with self._condition:
            self._watches.add(watch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name='taurusdb-attempt-watchdog')
                self._thread.daemon = True
                self._thread.start()
            # woken only when this watch ends before its next wake-up: waking it for every attempt (they all
            # end later than the ones before) would cost each request a thread switch
            if self._wakes_at is None or watch.deadline < self._wakes_at:
                self._condition.notify()

    def discard(self, watch):
        with self._condition:
            self._watches.discard(watch)

    def _run(self):
        with self._condition:
            while True:
                now = time.monotonic()
                timeout = expire_due(self._watches, now)
                self._wakes_at = None if timeout is None else now + timeout
                self._condition.wait(timeout)


def expire_due(watches, now):
    """Expires (and forgets) the watches whose deadline has come; returns the seconds until the earliest
    deadline left, or None when no watch is left (the watchdog then sleeps until one is added)."""
    for watch in [watch for watch in watches if watch.deadline <= now]:
        watches.discard(watch)
        watch.expire()
    if not watches:
        return None
    return min(watch.deadline for watch in watches) - now


WATCHDOG = Watchdog()
if hasattr(os, 'register_at_fork'):  # Ansible forks workers from a controller that may have used it
    os.register_at_fork(after_in_child=WATCHDOG.reset)


class AttemptWatch(object):
    """Bounds one attempt's whole time: when it runs out, the watchdog shuts the attempt's socket down."""

    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds
        self.expired = False
        self.sock = None

    def __enter__(self):
        _ATTEMPT.watch = self
        WATCHDOG.add(self)
        return self

    def __exit__(self, *exc):
        WATCHDOG.discard(self)
        _ATTEMPT.watch = None

    def expire(self):
        self.expired = True
        self.cut()

    def ran_out(self):
        """Whether the attempt's time is up: the watchdog cut it, or a read timed out as the time ran out."""
        return self.expired or time.monotonic() >= self.deadline

    def attach(self, connection):
        """The attempt now uses ``connection`` (new or reused from the pool): cut its socket when the watch
        expires, or at once if it already has. The socket is kept here: when an answer will close the
        connection (no Content-Length, or Connection: close), http.client hands it to the response and
        the connection no longer holds it."""
        self.sock = connection.sock
        if self.expired:
            self.cut()

    def cut(self):
        if self.sock is not None:
            try:
                # the plain socket's shutdown: ssl.SSLSocket.shutdown would pull its state from under the reader
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
            except (OSError, TypeError, ValueError):
                pass


def _watched(connection_class):
    """A urllib3 connection class that tells the current attempt's watch which socket it uses."""

    class WatchedConnection(connection_class):
        def connect(self):
            super(WatchedConnection, self).connect()
            watch = getattr(_ATTEMPT, 'watch', None)
            if watch is not None:
                watch.attach(self)

        def request(self, *args, **kwargs):
            watch = getattr(_ATTEMPT, 'watch', None)
            if watch is not None:  # a keep-alive connection from the pool is not connected again
                watch.attach(self)
            return super(WatchedConnection, self).request(*args, **kwargs)

    return WatchedConnection


if HAS_REQUESTS:
    class _WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = _watched(HTTPConnection)

    class _WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = _watched(HTTPSConnection)

    class WatchedAdapter(HTTPAdapter):
        """requests' adapter with connections an attempt watch can cut."""

        POOLS = {'http': _WatchedHTTPPool, 'https': _WatchedHTTPSPool}

        def init_poolmanager(self, *args, **kwargs):
            super(WatchedAdapter, self).init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = self.POOLS

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            manager = super(WatchedAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
            if not proxy.lower().startswith('socks'):
                manager.pool_classes_by_scheme = self.POOLS
            return manager
else:
    WatchedAdapter = None  # no transport is made without requests: the client reports REQUESTS_IMPORT_ERROR
