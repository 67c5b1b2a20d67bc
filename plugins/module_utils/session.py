# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How every entry point (module, lookup, wait action, event source) reaches the API.

One way, so that none of them can forget a step: the secrets among the options are known to the
scrubber before anything can fail, the settings are checked before any request, their warnings
are passed on scrubbed, the client is closed however the work ends, and any failure becomes the
same scrubbed result (``failure_result``). Each entry point only says how it warns and how it fails.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from contextlib import contextmanager

from ansible_collections.taurusdb.htap.plugins.module_utils.client import Client
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings, secrets_of
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import Scrubber, failure_result


class Session(object):
    """The API as one entry point uses it: ``params`` are its options (any not checked yet are checked
    when a client is opened), ``warn(text)`` shows a warning, ``environ`` is the environment its
    credentials and endpoints may come from (the process's when None), ``also_secret`` values the
    scrubber hides too (options as given, before validation)."""

    def __init__(self, params, warn, environ=None, also_secret=()):
        self.params = params or {}
        self.warn = warn
        self.environ = environ
        self.scrubber = Scrubber(secrets_of(self.params) + list(also_secret))

    def open_client(self, concurrency=1, deadline=None):
        """A client from the checked settings (an OptionError before any request); the caller closes it."""
        settings = ConnectionSettings(self.params, environ=self.environ)
        for warning in settings.warnings:
            self.warn(self.scrubber.text(warning))
        return Client(settings, self.scrubber, concurrency=concurrency, deadline=deadline)

    @contextmanager
    def client(self, concurrency=1, deadline=None):
        """``open_client`` for a block: the client is closed however the block ends."""
        with self.open_client(concurrency, deadline) as client:
            yield client

    def failure(self, exc, what):
        """A failure as a result: msg, status, error_code, error_msg, request_id, hint - scrubbed."""
        return failure_result(exc, self.scrubber, what)

    def run(self, what, work, concurrency=1):
        """(result, None) when ``work(client)`` returned, (None, failure) when anything failed; the
        result is scrubbed of secrets. ``what`` names the work in an unexpected failure."""
        try:
            with self.client(concurrency) as client:
                result = work(client)
        except Exception as exc:  # pylint: disable=broad-except  # every failure is a result, never a traceback
            return None, self.failure(exc, what)
        return self.scrubber.data(result), None
