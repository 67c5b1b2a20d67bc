# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The project id of a region, from IAM, as the official SDK finds it (BasicCredentials.process_auth_params):
``GET {iam_endpoint}/v3/projects?name=<region>``, signed, without X-Project-Id.

Asked once per client: every thread that needs the project id waits for the one request, and a failure
is kept and raised again rather than asked again.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import PROJECT_ID_RE

PROJECTS_PATH = '/v3/projects'
SET_PROJECT = 'set project_id (or HUAWEICLOUD_SDK_PROJECT_ID)'


class ProjectFinder(object):
    """Finds the project of ``region`` at ``iam_endpoint`` once, for every thread of a client."""

    def __init__(self, region, iam_endpoint):
        self.region = region
        self.iam_endpoint = iam_endpoint
        self.project_id = None
        self._error = None
        self._lock = threading.Lock()

    def find(self, client, authorize):
        """The project id; ``authorize(method, path, query, headers, body)`` signs the IAM request."""
        if self.project_id:
            return self.project_id
        with self._lock:
            if self.project_id:
                return self.project_id
            if self._error is not None:
                raise self._error
            try:
                self.project_id = self._ask(client, authorize)
            except (ApiError, OptionError) as exc:
                exc.retryable = False  # kept and raised again, never asked again
                self._error = exc
                raise
            return self.project_id

    def _ask(self, client, authorize):
        what = 'Finding the project id of region %s from IAM (%s)' % (self.region, self.iam_endpoint)
        try:
            response, payload = client.transport.call('GET', self.iam_endpoint, PROJECTS_PATH, [('name', self.region)],
                                                      None, what, authorize)
        except ApiError as exc:
            if exc.status == 403:
                exc.hint = ('The credentials may not list IAM projects (IAM permission iam:projects:listProjects); '
                            '%s instead.' % SET_PROJECT)
            elif exc.status == 404:
                exc.hint = 'Check iam_endpoint (or HUAWEICLOUD_SDK_IAM_ENDPOINT): it does not look like IAM.'
            raise
        request_id = response.headers.get('X-Request-Id') or response.headers.get('X-IAM-Trace-Id')
        url = self.iam_endpoint + PROJECTS_PATH
        projects = payload.get('projects') if isinstance(payload, dict) else None
        if not isinstance(projects, list):
            raise ApiError('%s failed: the answer has no "projects" list' % what, url=url, request_id=request_id,
                           hint='Check iam_endpoint; or %s.' % SET_PROJECT)
        named = [project for project in projects if isinstance(project, dict) and project.get('name') == self.region]
        if not named:
            raise ApiError('%s failed: IAM has no project named %s for these credentials' % (what, self.region),
                           url=url, request_id=request_id,
                           hint='Check region (the project of a region is named after it), or %s.' % SET_PROJECT)
        if len(named) > 1:
            ids = ', '.join(str(project.get('id')) for project in named)
            raise ApiError('%s failed: IAM has %d projects named %s (%s)' % (what, len(named), self.region, ids),
                           url=url, request_id=request_id,
                           hint='Choose one: %s.' % SET_PROJECT)
        project_id = named[0].get('id')
        if not isinstance(project_id, str) or not PROJECT_ID_RE.match(project_id):
            raise ApiError('%s failed: the project id IAM gave for %s is not 32 letters or digits' % (what, self.region),
                           url=url, request_id=request_id, hint='%s.' % SET_PROJECT[0].upper()
                           + SET_PROJECT[1:])
        return project_id
