# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API that says which StarRocks (HTAP) instances a TaurusDB instance has, normalized and checked."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError
from ansible_collections.taurusdb.htap.plugins.module_utils.hints import ApiHints
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_taurusdb_instance_id
from ansible_collections.taurusdb.htap.plugins.module_utils.paging import canonical, to_int
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import judged_instance_state
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import NAME_LIMIT, inert, shown

HTAP_PATH = '/v3/%s/instances/%s/htap'
HINTS = ApiHints(codes={
    'DBS.200022': 'Check instance_id (the TaurusDB instance, not a StarRocks one) and that it is in this project '
                  'and region.'})
INT_FIELDS = ('create_at', 'port', 'node_num')
BOOL_FIELDS = ('is_frozen',)
SHOWN = ('id', 'name', 'engine_name', 'engine_version', 'instance_state')


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ('true', 'false'):
        return value.strip().lower() == 'true'
    return None


def normalize_instance(item):
    """id, name, engine, version, status (lower-case) and failure message first, the state's verdict
    (state_normal, state_failed, state_reasons: what the gate judges); the rest typed as given."""
    state = item.get('instance_state') if isinstance(item.get('instance_state'), dict) else {}
    status = state.get('instance_status')
    instance = {
        'id': item.get('id'),
        'name': item.get('name'),
        'engine': item.get('engine_name'),
        'version': item.get('engine_version'),
        'status': status.strip().lower() if isinstance(status, str) and status.strip() else None,
        'fail_message': state.get('fail_message') or None,
        'create_fail_error_code': state.get('create_fail_error_code') or None,
        'wait_restart_for_params': _bool(state.get('wait_restart_for_params')),
    }
    judged = judged_instance_state(item, None)
    instance.update(state_normal=judged['normal'], state_failed=judged['failed'], state_reasons=judged['reasons'])
    for name, value in item.items():
        if name in SHOWN or name in instance:  # a stray field never replaces a normalized one or the verdict
            continue
        if name in INT_FIELDS:
            value = to_int(value)
        elif name in BOOL_FIELDS:
            value = _bool(value)
        instance[name] = value
    return inert(instance)


def _checked_listing(client, taurusdb_instance_id):
    """(the distinct entries as sent, total, problems, request id) of one TaurusDB instance's HTAP listing."""
    check_taurusdb_instance_id(taurusdb_instance_id)
    path = HTAP_PATH % (client.api_project_id(), taurusdb_instance_id)
    what = 'Listing the HTAP instances of TaurusDB instance %s' % taurusdb_instance_id
    payload, request_id = client.get_json(path, [], what, HINTS)
    if not isinstance(payload, dict) or not isinstance(payload.get('instances') or [], list):
        raise ApiError('The HTAP instance list has an unexpected shape: expected an object with an instances list',
                       request_id=request_id)
    items = [item for item in payload.get('instances') or [] if isinstance(item, dict)]
    problems = []
    if len(items) != len(payload.get('instances') or []):
        problems.append('the answer holds entries that are not objects')
    distinct, entries_by_id = {}, {}  # identical entries count once; two different ones for an id are a problem
    for item in items:
        distinct.setdefault(canonical(item), item)
        entries_by_id.setdefault(canonical(item.get('id')), set()).add(canonical(item))
    unique = list(distinct.values())
    if any(not isinstance(item.get('id'), str) or not item['id'] for item in unique):
        problems.append('an instance has no id')
    problems.extend('the answer has different entries for instance %s' % shown(key, NAME_LIMIT)
                    for key, texts in entries_by_id.items() if len(texts) > 1)
    total = to_int(payload.get('total'))
    if total is None:
        total = len(unique)
    elif total != len(entries_by_id):
        problems.append('the answer lists %d instances but total is %d' % (len(entries_by_id), total))
    return unique, total, problems, request_id, payload


def list_htap_instances(client, taurusdb_instance_id):
    """The HTAP instances of one TaurusDB instance, checked: complete (as many as ``total``) and without
    two different entries for one id, or the problems say why not."""
    unique, total, problems, request_id, payload = _checked_listing(client, taurusdb_instance_id)
    return {
        'taurusdb_instance_id': taurusdb_instance_id,
        'instance_id': taurusdb_instance_id,  # deprecated: the replication modules' instance_id is a StarRocks one
        'total': total,
        'htap_instances': [normalize_instance(item) for item in unique],
        'max_htap_instance_num_of_taurus': to_int(payload.get('max_htap_instance_num_of_taurus')),
        'complete': not problems,
        'problems': problems,
        'request_id': request_id,
    }


def instance_states(client, taurusdb_instance_id):
    """The own state of each StarRocks instance of one TaurusDB instance, what the wait and the watch read:
    ``states`` (instance id -> judged_instance_state, in the listing's order), the listing's ``problems``
    and its ``request_id``."""
    unique, _total, problems, request_id, _payload = _checked_listing(client, taurusdb_instance_id)
    states = dict((item['id'], inert(judged_instance_state(item, taurusdb_instance_id))) for item in unique
                  if isinstance(item.get('id'), str))
    return {'states': states, 'problems': problems, 'request_id': request_id}
