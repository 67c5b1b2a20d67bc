# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that put replication results into words (the replication_gate role uses them)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import time

from ansible.errors import AnsibleFilterError

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (
    as_results, instance_passed, query_failed)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.gate_text import gate_report, progress_line


def replication_progress(result, limit=5):
    return progress_line(result, limit)


def replication_report(results):
    return gate_report(as_results(results))


def poll_done(result, deadline, now):
    """Whether a loop stops polling an instance: it passed, the query failed, or time is up."""
    return query_failed(result) or instance_passed(result) or now >= deadline


def replication_poll_done(result, deadline):  # deprecated in meta/runtime.yml, which Ansible warns from
    problem = 'replication_poll_done: deadline must be a finite Unix time, got %s'
    try:
        seconds = float(deadline)
    except (TypeError, ValueError):
        raise AnsibleFilterError(problem % type(deadline).__name__) from None
    if not math.isfinite(seconds):  # NaN is never reached: polling would go on to the loop's end
        raise AnsibleFilterError(problem % seconds)
    return poll_done(result, seconds, time.time())


class FilterModule(object):

    def filters(self):
        return {
            'replication_progress': replication_progress,
            'replication_report': replication_report,
            'replication_poll_done': replication_poll_done,
        }
