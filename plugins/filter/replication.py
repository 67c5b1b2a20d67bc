# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that put replication results into words (the replication_gate role uses them)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.taurusdb.htap.plugins.plugin_utils.report import gate_report, poll_done, progress_line


def replication_progress(result, limit=5):
    return progress_line(result, limit)


def replication_report(results):
    if isinstance(results, dict):
        results = [results]
    return gate_report(list(results))


def replication_poll_done(result, deadline):
    return poll_done(result, deadline, time.time())


class FilterModule(object):

    def filters(self):
        return {
            'replication_progress': replication_progress,
            'replication_report': replication_report,
            'replication_poll_done': replication_poll_done,
        }
