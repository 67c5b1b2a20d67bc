# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one option spec shared by the module, the lookup and the role, and its validation.

Validation here runs before any request is made, so bad input never costs a call.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.module_utils.basic import env_fallback

LANGUAGES = ['en-us', 'zh-cn']
# \Z, not $: '$' also matches before a trailing newline, which would then reach a URL path.
PROJECT_ID_RE = re.compile(r'[A-Za-z0-9]{32}\Z')
INSTANCE_ID_RE = re.compile(r'[A-Za-z0-9]{32}in17\Z')
# Credentials are stripped of surrounding whitespace (a YAML block scalar ends in a newline);
# what remains must not hold control characters, which would break or forge HTTP headers.
CREDENTIAL_OPTIONS = ('access_key', 'secret_key', 'security_token', 'auth_token', 'iam_user', 'iam_password',
                      'iam_domain', 'project_id')
CONTROL_RE = re.compile(r'[\x00-\x1f\x7f]')
# Signed requests are valid for 15 minutes; keep the retry budget well inside that.
MAX_RETRY_TIME = 600

CONNECTION_SPEC = dict(
    region=dict(type='str', fallback=(env_fallback, ['TAURUSDB_REGION'])),
    endpoint=dict(type='str', fallback=(env_fallback, ['TAURUSDB_ENDPOINT'])),
    project_id=dict(type='str', fallback=(env_fallback, ['HUAWEICLOUD_SDK_PROJECT_ID'])),
    access_key=dict(type='str', aliases=['ak'], no_log=False,
                    fallback=(env_fallback, ['HUAWEICLOUD_SDK_AK', 'CLOUD_SDK_AK'])),
    secret_key=dict(type='str', aliases=['sk'], no_log=True,
                    fallback=(env_fallback, ['HUAWEICLOUD_SDK_SK', 'CLOUD_SDK_SK'])),
    security_token=dict(type='str', no_log=True, fallback=(env_fallback, ['HUAWEICLOUD_SDK_SECURITY_TOKEN'])),
    auth_token=dict(type='str', no_log=True, fallback=(env_fallback, ['TAURUSDB_AUTH_TOKEN'])),
    iam_user=dict(type='str'),
    iam_password=dict(type='str', no_log=True),
    iam_domain=dict(type='str'),
    iam_endpoint=dict(type='str'),
    credentials_file=dict(type='path', fallback=(env_fallback, ['HUAWEICLOUD_SDK_CREDENTIALS_FILE'])),
    language=dict(type='str', default='en-us', choices=LANGUAGES),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    connect_timeout=dict(type='float', default=10.0),
    read_timeout=dict(type='float', default=30.0),
    retries=dict(type='int', default=5),
    retry_max_time=dict(type='float', default=120.0),
    retry_backoff=dict(type='float', default=0.5),
)

QUERY_SPEC = dict(
    limit=dict(type='int'),
    offset=dict(type='int'),
    page_concurrency=dict(type='int', default=4),
    listing_attempts=dict(type='int', default=3),
    task_names=dict(type='list', elements='str', default=[]),
    task_patterns=dict(type='list', elements='str', default=[]),
    expected_tasks=dict(type='list', elements='str', default=[]),
    min_tasks=dict(type='int', default=1),
    require_catchup=dict(type='bool', default=False),
)


class OptionError(ValueError):
    """Bad input, found before any request."""

    def to_result(self):
        return {'msg': str(self)}


def module_argument_spec():
    spec = dict(instance_id=dict(type='str', required=True))
    spec.update(CONNECTION_SPEC)
    spec.update(QUERY_SPEC)
    return spec


def _check_range(params, name, low, high=None):
    value = params.get(name)
    if value is None:
        return
    if value < low or (high is not None and value > high):
        bound = 'between %s and %s' % (low, high) if high is not None else 'at least %s' % low
        raise OptionError('%s must be %s, got %s' % (name, bound, value))


def clean_credentials(params):
    """Strip surrounding whitespace from credentials and refuse control characters, without echoing them."""
    for name in CREDENTIAL_OPTIONS:
        value = params.get(name)
        if isinstance(value, str):
            value = value.strip()
            if CONTROL_RE.search(value):
                raise OptionError('%s contains a line break or another control character (its value is not shown)'
                                  % name)
            params[name] = value
    return params


def check_instance_id(instance_id):
    if not isinstance(instance_id, str) or not INSTANCE_ID_RE.match(instance_id):
        raise OptionError('instance_id %r is not a StarRocks instance id: it must be 36 letters or digits '
                          'ending in "in17"' % (instance_id,))
    return instance_id


def validate(params):
    """Check value ranges and formats that the argument spec cannot express."""
    clean_credentials(params)
    _check_range(params, 'limit', 1, 100)
    _check_range(params, 'offset', 0)
    _check_range(params, 'page_concurrency', 1, 32)
    _check_range(params, 'listing_attempts', 1, 20)
    _check_range(params, 'min_tasks', 0)
    _check_range(params, 'retries', 0, 50)
    _check_range(params, 'retry_max_time', 0, MAX_RETRY_TIME)
    _check_range(params, 'retry_backoff', 0, 60)
    _check_range(params, 'connect_timeout', 0.1, 600)
    _check_range(params, 'read_timeout', 0.1, 600)
    project_id = params.get('project_id')
    if project_id and not PROJECT_ID_RE.match(project_id):
        raise OptionError('project_id must be 32 letters or digits, got %d characters' % len(project_id))
    for pattern in params.get('task_patterns') or []:
        if not pattern:
            raise OptionError('task_patterns must not contain empty patterns')
    return params
