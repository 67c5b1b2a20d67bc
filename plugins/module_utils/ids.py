# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shapes of the IDs that go into API paths, checked before any request."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError

# \Z, not $: '$' also matches before a trailing newline, which would then reach a URL path.
PROJECT_ID_RE = re.compile(r'[A-Za-z0-9]{32}\Z')
STARROCKS_INSTANCE_RE = re.compile(r'[A-Za-z0-9]{32}in17\Z')
TAURUSDB_INSTANCE_RE = re.compile(r'[A-Za-z0-9]{32}in[0-9]{2}\Z')


def check_project_id(project_id):
    if not isinstance(project_id, str) or not PROJECT_ID_RE.match(project_id):
        raise OptionError('project_id must be 32 letters or digits, got %d characters' % len(str(project_id)))
    return project_id


def check_instance_id(instance_id):
    """A StarRocks (HTAP) instance id."""
    if not isinstance(instance_id, str) or not STARROCKS_INSTANCE_RE.match(instance_id):
        raise OptionError('instance_id %r is not a StarRocks instance id: it must be 36 letters or digits '
                          'ending in "in17"' % (instance_id,))
    return instance_id


def check_taurusdb_instance_id(instance_id):
    """A TaurusDB (MySQL) instance id: 32 letters or digits, then "in" and two digits (usually "in07")."""
    if not isinstance(instance_id, str) or not TAURUSDB_INSTANCE_RE.match(instance_id):
        raise OptionError('instance_id %r is not a TaurusDB instance id: it must be 32 letters or digits followed '
                          'by "in" and two digits, such as ...in07' % (instance_id,))
    return instance_id
