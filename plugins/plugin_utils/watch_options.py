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

from ansible_collections.taurusdb.htap.plugins.module_utils.client import HAS_REQUESTS
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import (
    CONNECTION_SPEC, check_range, secrets_of)
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import Scrubber
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id, check_taurusdb_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import REPLICATION_SPEC
from ansible_collections.taurusdb.htap.plugins.plugin_utils.options import validate_options

# The watch's own options; it also takes every connection option and the query options below.
WATCH_SPEC = dict(
    instance_ids=dict(type='list', elements='str', default=[]),
    taurusdb_instance_ids=dict(type='list', elements='str', default=[]),
    interval=dict(type='float', default=60.0),
    initial_state=dict(type='bool', default=True),
    max_backoff=dict(type='float', default=600.0),
    instance_concurrency=dict(type='int', default=4),
    explain_failures=dict(type='bool', default=True),
)
# limit/offset (a partial listing) and return_raw (bigger events) make no sense for a watch.
QUERY_OPTIONS = ('page_concurrency', 'listing_attempts', 'task_names', 'task_patterns', 'expected_tasks',
                 'min_tasks', 'require_catchup')
SPEC = dict(CONNECTION_SPEC)
SPEC.update((name, REPLICATION_SPEC[name]) for name in QUERY_OPTIONS)
SPEC.update(WATCH_SPEC)
# Keys ansible-rulebook itself may add to a source's arguments.
RULEBOOK_KEYS = ('eda_feedback_queue',)


class WatchOptionError(ValueError):
    """Options the watch cannot start with; the message is scrubbed of secrets."""


def watch_options(args, environ):
    """(checked options, scrubber): environment fallbacks, the argument spec, then ranges and IDs."""
    args = dict((name, value) for name, value in (args or {}).items() if name not in RULEBOOK_KEYS)
    for name in ('instance_ids', 'taurusdb_instance_ids'):
        if isinstance(args.get(name), str):  # one ID, as a string
            args[name] = [args[name]]
    params, error = validate_options(SPEC, args, environ)
    scrubber = Scrubber(secrets_of(params or {}) + secrets_of(args))
    try:
        if error:
            raise WatchOptionError(error)
        check_range(params, 'interval', 0.1, 86400)
        check_range(params, 'max_backoff', 0, 86400)
        check_range(params, 'instance_concurrency', 1, 32)
        if not params['instance_ids'] and not params['taurusdb_instance_ids']:
            raise WatchOptionError('give instance_ids (StarRocks instances) or taurusdb_instance_ids (to watch '
                                   'their StarRocks instances)')
        for instance_id in params['instance_ids']:
            check_instance_id(instance_id)
        for instance_id in params['taurusdb_instance_ids']:
            check_taurusdb_instance_id(instance_id)
        if not HAS_REQUESTS:
            raise WatchOptionError('the replication_watch event source needs the Python library requests')
    except ValueError as exc:  # OptionError too
        raise WatchOptionError('replication_watch: %s' % scrubber.text(str(exc))) from None
    return params, scrubber
