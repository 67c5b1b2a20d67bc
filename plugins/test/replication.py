# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gate as a Jinja test: ``results is taurusdb.htap.replication_ready``."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import all_passed, as_results


def replication_ready(results):
    """Never an exception: None (a lookup with errors='ignore'), an empty list or None entries are not ready."""
    return all_passed(as_results(results))


class TestModule(object):

    def tests(self):
        return {'replication_ready': replication_ready}
