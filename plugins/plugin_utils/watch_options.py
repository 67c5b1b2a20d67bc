# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options of the event source ``taurusdb.htap.replication_watch``, checked before any request.

A watch takes every connection option, the query options that make sense for it and its own; it refuses
anything else, as a module would, and says so with the secrets scrubbed. Apart from the loop so that the
options are checked (and tested) without starting a watch.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import logging

from ansible_collections.taurusdb.htap.plugins.module_utils.client import HAS_REQUESTS
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC, secrets_of
from ansible_collections.taurusdb.htap.plugins.module_utils.heartbeat import HAS_PYMYSQL
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id, check_taurusdb_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import check_ranges
from ansible_collections.taurusdb.htap.plugins.module_utils.session import Session
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_SPEC, WATCH_QUERY_OPTIONS, WATCH_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.freshness import (
    FRESHNESS_SPEC, freshness_problem, heartbeat_secrets)
from ansible_collections.taurusdb.htap.plugins.plugin_utils.options import validate_options

LOG = logging.getLogger('taurusdb.htap.replication_watch')

# Every connection option, the query options that make sense for a watch, and its own.
SPEC = dict(CONNECTION_SPEC)
SPEC.update((name, REPLICATION_SPEC[name]) for name in WATCH_QUERY_OPTIONS)
SPEC.update(WATCH_SPEC)
SPEC.update(FRESHNESS_SPEC)
# Keys ansible-rulebook itself may add to a source's arguments.
RULEBOOK_KEYS = ('eda_feedback_queue',)


class WatchOptionError(ValueError):
    """Options the watch cannot start with; the message is scrubbed of secrets."""


def watch_options(args, environ):
    """(checked options, session): environment fallbacks, the argument spec, then ranges and IDs. The session's
    scrubber knows the secrets as given too, so no error can show one."""
    args = dict((name, value) for name, value in (args or {}).items() if name not in RULEBOOK_KEYS)
    for name in ('instance_ids', 'taurusdb_instance_ids'):
        if isinstance(args.get(name), str):  # one ID, as a string
            args[name] = [args[name]]
    params, error = validate_options(SPEC, args, environ)
    session = Session(params, LOG.warning, environ,
                      also_secret=secrets_of(args) + heartbeat_secrets(args) + heartbeat_secrets(params))
    try:
        if error:
            raise WatchOptionError(error)
        check_ranges(params, SPEC)
        if not params['instance_ids'] and not params['taurusdb_instance_ids']:
            raise WatchOptionError('give instance_ids (StarRocks instances) or taurusdb_instance_ids (to watch '
                                   'their StarRocks instances)')
        for instance_id in params['instance_ids']:
            check_instance_id(instance_id)
        for instance_id in params['taurusdb_instance_ids']:
            check_taurusdb_instance_id(instance_id)
        problem = freshness_problem(params, HAS_PYMYSQL, 'ansible-rulebook')
        if problem:
            raise WatchOptionError(problem)
        if not HAS_REQUESTS:
            raise WatchOptionError('the replication_watch event source needs the Python library requests')
    except ValueError as exc:  # OptionError too
        raise WatchOptionError('replication_watch: %s' % session.scrubber.text(str(exc))) from None
    return params, session
