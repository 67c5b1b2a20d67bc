# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every option of the collection and its allowed range, in one place and without logic.

Each entry point takes a union of these specs (the module: connection + replication; the wait:
connection + replication + wait; the event source: connection + a part of replication + watch).
An auth method's own options live with the method (``auth_*.py``); ``connection.CONNECTION_SPEC``
adds them to ``CONNECTION_BASE_SPEC``. ``RANGES`` is the one table of numeric bounds: an option has
the same range wherever it is accepted (``option_checks.check_ranges`` applies it).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import env_fallback

LANGUAGES = ['en-us', 'zh-cn']
# Signed requests are valid for 15 minutes; keep the retry budget well inside that.
MAX_RETRY_TIME = 600

# Where and how to connect (the auth methods add their credentials).
CONNECTION_BASE_SPEC = dict(
    region=dict(type='str', fallback=(env_fallback, ['TAURUSDB_REGION'])),
    endpoint=dict(type='list', elements='str', fallback=(env_fallback, ['TAURUSDB_ENDPOINT'])),
    project_id=dict(type='str', fallback=(env_fallback, ['HUAWEICLOUD_SDK_PROJECT_ID'])),
    iam_endpoint=dict(type='str'),
    language=dict(type='str', default='en-us', choices=LANGUAGES),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    client_cert=dict(type='path'),
    client_key=dict(type='path', no_log=False),
    proxy=dict(type='str', no_log=True),
    connect_timeout=dict(type='float', default=10.0),
    read_timeout=dict(type='float', default=30.0),
    retries=dict(type='int', default=5),
    retry_max_time=dict(type='float', default=120.0),
    retry_backoff=dict(type='float', default=0.5),
)

# A replication query (the module adds instance_id; the lookup takes instances as terms).
REPLICATION_SPEC = dict(
    limit=dict(type='int'),
    offset=dict(type='int'),
    page_concurrency=dict(type='int', default=4),
    listing_attempts=dict(type='int', default=3),
    task_names=dict(type='list', elements='str', default=[]),
    task_patterns=dict(type='list', elements='str', default=[]),
    expected_tasks=dict(type='list', elements='str', default=[]),
    min_tasks=dict(type='int', default=1),
    require_catchup=dict(type='bool', default=False),
    return_raw=dict(type='bool', default=False),
    explain_failures=dict(type='bool', default=False),
)

# The wait's own options.
WAIT_SPEC = dict(
    instance_ids=dict(type='list', elements='str', default=[]),
    taurusdb_instance_ids=dict(type='list', elements='str', default=[]),
    wait_timeout=dict(type='float', default=600.0),
    wait_sleep=dict(type='float', default=10.0),
    ready_polls=dict(type='int', default=1),
    fail_fast=dict(type='bool', default=True),
    fail_fast_polls=dict(type='int', default=2),
    fail_fast_after=dict(type='float', default=0.0),
    on_missing=dict(type='str', default='fail', choices=['fail', 'wait']),
    instance_concurrency=dict(type='int', default=8),
    report_file=dict(type='path'),
    return_all_tasks=dict(type='bool', default=False),
)
# The wait's options besides the connection ones: the replication query's (explaining failures by default)
# and its own.
WAIT_OPTIONS = dict(REPLICATION_SPEC, explain_failures=dict(REPLICATION_SPEC['explain_failures'], default=True),
                    **WAIT_SPEC)

# One data synchronization task declared (the replication action); named after the API's fields.
REPLICATION_TASK_SPEC = dict(
    instance_id=dict(type='str', required=True),
    task_name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent', 'paused']),
    source_instance_id=dict(type='str'),
    source_node_id=dict(type='str'),
    source_database=dict(type='str'),
    target_database=dict(type='str'),
    table_repl_config=dict(type='dict', options=dict(
        repl_type=dict(type='str', choices=['include_tables', 'exclude_tables']),
        repl_scope=dict(type='str', choices=['all', 'part']),
        tables=dict(type='list', elements='str'),
    )),
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='float', default=600.0),
    wait_sleep=dict(type='float', default=5.0),
)

# The event source's own options.
WATCH_SPEC = dict(
    instance_ids=dict(type='list', elements='str', default=[]),
    taurusdb_instance_ids=dict(type='list', elements='str', default=[]),
    interval=dict(type='float', default=60.0),
    initial_state=dict(type='bool', default=True),
    max_backoff=dict(type='float', default=600.0),
    instance_concurrency=dict(type='int', default=4),
    explain_failures=dict(type='bool', default=True),
)
# The query options the event source takes: limit/offset (a partial listing) and return_raw (bigger
# events) make no sense for a watch.
WATCH_QUERY_OPTIONS = ('page_concurrency', 'listing_attempts', 'task_names', 'task_patterns', 'expected_tasks',
                       'min_tasks', 'require_catchup')

# (lowest, highest or None for no upper bound) of every number option, wherever it is accepted.
RANGES = dict(
    connect_timeout=(0.1, 600),
    read_timeout=(0.1, 600),
    retries=(0, 50),
    retry_max_time=(0, MAX_RETRY_TIME),
    retry_backoff=(0, 60),
    limit=(1, 100),
    offset=(0, None),
    page_concurrency=(1, 32),
    listing_attempts=(1, 20),
    min_tasks=(0, None),
    instance_concurrency=(1, 32),
    wait_timeout=(0, None),
    wait_sleep=(0.1, 86400),
    ready_polls=(1, None),
    fail_fast_polls=(1, None),
    fail_fast_after=(0, None),
    interval=(0.1, 86400),
    max_backoff=(0, 86400),
)
