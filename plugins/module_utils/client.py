# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client: its endpoints, an auth method and a transport, built from explicit settings."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, Scrubber
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import NAME_LIMIT, shown
from ansible_collections.taurusdb.htap.plugins.module_utils.transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, SCRUBBED, Transport

__all__ = ['Client', 'HAS_REQUESTS', 'REQUESTS_IMPORT_ERROR']


class Client(object):
    """Signed (or token-authorized) JSON requests to the run's endpoints (several are tried in order when a
    connection fails; the one that worked is kept).

    ``concurrency`` is how many requests the caller will have in flight at once: the connection
    pool is that big, so no connection is thrown away. ``deadline`` (a time.monotonic() value)
    bounds every attempt and retry, for callers that wait.
    """

    def __init__(self, settings, scrubber=None, concurrency=1, deadline=None):
        self.settings = settings
        self.endpoints = settings.endpoints
        self.auth = settings.auth
        self.scrubber = scrubber if scrubber is not None else Scrubber()
        for secret in settings.secrets():
            self.scrubber.add(secret)
        self.warnings = settings.warnings
        self.transport = Transport(settings, self.scrubber, pool_size=concurrency, deadline=deadline)
        # the page offsets of the last read of each listing (by path): read again - the next round of a wait,
        # a read after a write - a listing asks for all its pages at once (paging.list_all's known_offsets)
        self.page_offsets = {}

    @property
    def endpoint(self):
        """The endpoint requests go to now."""
        return self.endpoints.current

    def close(self):
        self.auth.close()
        self.transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def api_project_id(self):
        """The project for API paths (an IAM password's token may name it)."""
        return self.auth.api_project_id(self)

    def get_json(self, path, query, what, hints=None):
        """GET an API path; returns (decoded JSON, request id), scrubbed of secrets as they arrive (a server
        may echo one anywhere, and the text is cut and escaped for display before the final scrub)."""
        try:
            response, payload = self._get(path, query, what, hints)
        except ApiError as exc:
            if not self.auth.renew(self, exc):
                raise
            response, payload = self._get(path, query, what, hints)  # once, with renewed credentials
        request_id = response.headers.get('X-Request-Id')
        return payload, shown(self.scrubber.text(request_id), NAME_LIMIT)

    def write_json(self, method, path, body, what, hints=None, query=None):
        """POST, PUT or DELETE a JSON body; returns (decoded JSON, request id). Sent again only when it surely
        was not done (transport.WRITE_RETRY_STATUSES); when it may have been, WriteOutcomeUnknown is raised."""
        data = json.dumps(body, sort_keys=True).encode('utf-8')
        try:
            response, payload = self._call(method, path, query or [], data, what, hints, write=True)
        except ApiError as exc:
            if not self.auth.renew(self, exc):  # refused credentials: nothing was done
                raise
            response, payload = self._call(method, path, query or [], data, what, hints, write=True)
        request_id = response.headers.get('X-Request-Id')
        return payload, shown(self.scrubber.text(request_id), NAME_LIMIT)

    def _get(self, path, query, what, hints):
        return self._call('GET', path, query, None, what, hints)

    def _call(self, method, path, query, body, what, hints, write=False):
        def authorize(method_, path_, query_, headers, body_=None):
            self.auth.authorize(self, method_, path_, query_, headers, body_)
        # scrubbed as it arrives (a server may echo a secret anywhere; the text is cut and escaped for display
        # before the final scrub)
        return self.transport.call(method, self.endpoints, path, query, body, what, authorize, hints, decode=SCRUBBED,
                                   write=write)
