# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Event source taurusdb.htap.replication_watch: the loop is in plugins/plugin_utils/watch_loop.py, the
options in watch_options.py, the state and events in watch_state.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

DOCUMENTATION = r'''
---
short_description: Watch TaurusDB HTAP StarRocks replication and emit an event whenever it changes
description:
  - Polls the data synchronization tasks of StarRocks instances every O(interval) seconds, with the same
    client, options, environment variables, credential sources and readiness rule as the modules of
    C(taurusdb.htap), and emits an event only when something changed - not every poll.
  - Events (key C(type)) - C(initial_state) once per instance (with O(initial_state)), and a C(task_not_ready)
    event with C(initial=true) for each task not ready then; C(task_not_ready) and C(task_ready) when a task
    turns not ready or ready again; C(task_changed) when a task that is not ready changes status or stage (say
    from C(full) to C(paused)); C(task_appeared) and C(task_vanished); C(problems_changed) when the
    instance-level problems change (an expected task missing, an incomplete or inconsistent listing - which
    changes no task, so a listing that does not add up never makes a task ready again); C(query_failed) when an
    instance's query starts failing or fails differently, and C(query_recovered); with O(taurusdb_instance_ids),
    C(instance_appeared), C(instance_vanished), C(discovery_failed) and C(discovery_recovered); with O(heartbeat)
    and O(max_lag), C(lag_exceeded) and C(lag_ok) when the heartbeat lag, measured every O(interval), goes over
    O(max_lag) or back within it (the first measurement always makes one; a measurement that fails or proves
    nothing is C(lag_exceeded)), with C(heartbeat), the lag allowed, C(message) and C(initial).
  - Every event has C(instance_id) and C(task_name) (null for events about a whole instance). Task events have
    C(task) (name, source and target database), C(old) and C(new) (status, stage, percentage, ready,
    C(broken) - status No, paused or cancelled - and reasons; C(old) is null for a task that appeared or an
    initial one, C(new) for one that vanished), C(initial) and C(all_ready) (the instance after this poll).
    For a task that turned status No, C(explanation) holds its last C(ALTER TABLE) error and failing checks
    (O(explain_failures)). C(query_failed) has C(error) (C(msg), C(status), C(error_code), C(error_msg),
    C(request_id), C(hint)), C(consecutive_failures) and C(retry_in); C(query_recovered) has C(failures),
    C(failed_for) (seconds) and the last C(error).
  - Text a server sent (task and database names, reasons, problems, the C(ALTER TABLE) error, error messages)
    is escaped in every event, keys too - control and invisible formatting characters as escapes such as
    C(\x1b), C(\n) or C(\u202e), and the C({) that would open a Jinja template (C({{), C({%), C({#)) as the
    text C(\x7b) - and text over 2048 characters is cut, with a note of its length. Valid names (letters, digits, underscores)
    are unchanged. ansible-rulebook hands an event to a playbook as extra vars, which Ansible trusts and
    renders, so this is what makes templating event fields (C({{ ansible_eda.event.task_name }})) safe.
    A list or mapping in an event holds at most 100 items; one more item says how many were left out.
  - API errors never stop the watch - after the client's own retries, a failing instance is polled again after
    twice the interval, then four times, up to O(max_backoff); other instances keep their pace. Only bad options
    stop it, before any request.
  - Only the last state of each task is kept, so memory stays flat over any number of polls. Secrets never appear
    in any event. The blocking HTTP calls run in worker threads, never in the event loop; the source stops at once
    when the rulebook shuts down.
  - Needs the Python libraries C(requests) and C(ansible-core) where ansible-rulebook runs.
options:
  instance_ids:
    description:
      - StarRocks instance IDs to watch (36 letters or digits ending in C(in17)); one ID as a string or a list.
    type: list
    elements: str
    default: []
  taurusdb_instance_ids:
    description:
      - TaurusDB instance IDs whose StarRocks (HTAP) instances are all watched. Their list is read again every
        O(interval), so instances added or removed later are picked up.
      - Each of those StarRocks instances is judged by its own state too, as the wait judges it, from the last
        list read - a state that is not normal (or a list that could not be read) is an instance-level problem
        (C(instance state:) in C(problems_changed), and C(all_ready) false).
    type: list
    elements: str
    default: []
  interval:
    description:
      - Seconds between the end of one poll of an instance and the start of the next (at least 0.1).
    type: float
    default: 60
  initial_state:
    description:
      - Emit the state found by the first poll of each instance (an C(initial_state) event and a C(task_not_ready)
        event for each task not ready then). With V(false) only later changes are emitted. Instances found later
        under O(taurusdb_instance_ids) always report their first state.
    type: bool
    default: true
  max_backoff:
    description:
      - The longest wait, in seconds, between polls of an instance whose queries keep failing.
    type: float
    default: 600
  heartbeat:
    description:
      - Measure data freshness too, every O(interval) - the heartbeat lag between TaurusDB (C(source)) and
        StarRocks (C(target)), with the options of O(taurusdb.htap.taurusdb_starrocks_replication_wait#module:heartbeat)
        (C(source) and C(target) with C(login_host), C(login_port), C(login_user), C(login_password), C(database) ...,
        C(table), C(create), C(write)). Needs PyMySQL where ansible-rulebook runs. Passwords never appear in events.
    type: dict
  max_lag:
    description:
      - The heartbeat lag allowed, in seconds; with O(heartbeat).
    type: float
  instance_concurrency:
    description:
      - How many instances are queried at the same time (1 to 32), each in a worker thread.
    type: int
    default: 4
  explain_failures:
    description:
      - When a task turns status C(No), read why (its last C(ALTER TABLE) error and failing checks, at most 10
        tasks a poll) into the event's C(explanation).
    type: bool
    default: true
  task_names:
    description:
      - Watch only the tasks with these names (and the expected ones).
    type: list
    elements: str
    default: []
  task_patterns:
    description:
      - Watch only the tasks whose names match one of these shell-style patterns (and the expected ones).
    type: list
    elements: str
    default: []
  expected_tasks:
    description:
      - Task names that must exist; a missing one is an instance problem (C(problems_changed)).
    type: list
    elements: str
    default: []
  min_tasks:
    description:
      - The least number of watched tasks for the instance to be C(all_ready).
    type: int
    default: 1
  require_catchup:
    description:
      - Also require catch-up to be finished for a task to be ready.
    type: bool
    default: false
  page_concurrency:
    description:
      - How many pages are fetched at the same time (1 to 32) - those after the first; or, from the second poll of
        an instance on, every page its last read had, from the first on.
    type: int
    default: 4
  listing_attempts:
    description:
      - How many times a listing is fetched again when it does not add up; an incomplete or inconsistent listing
        changes no task.
    type: int
    default: 3
  region:
    description:
      - Region of the instances, for example C(cn-north-4); selects the endpoint. Environment E(TAURUSDB_REGION).
    type: str
  endpoint:
    description:
      - API endpoint URL; wins over O(region). Several (a list, or comma-separated) are tried in order when a
        connection fails. Environment E(TAURUSDB_ENDPOINT). An internationalized host name is used in its ASCII
        (punycode) form; name it so in E(NO_PROXY) too.
    type: list
    elements: str
  project_id:
    description:
      - Project ID. Environment E(HUAWEICLOUD_SDK_PROJECT_ID), or C(project_id) in the credentials file; else,
        with O(region), found from IAM once per run, as the official SDK does.
    type: str
  access_key:
    description:
      - Access key. Environment E(HUAWEICLOUD_SDK_AK) or E(CLOUD_SDK_AK).
    type: str
    aliases: [ak]
  secret_key:
    description:
      - Secret key. Environment E(HUAWEICLOUD_SDK_SK) or E(CLOUD_SDK_SK). Never shown.
    type: str
    aliases: [sk]
  security_token:
    description:
      - Security token of temporary credentials. Environment E(HUAWEICLOUD_SDK_SECURITY_TOKEN). Never shown.
    type: str
  auth_token:
    description:
      - An IAM token instead of AK/SK. Environment E(TAURUSDB_AUTH_TOKEN). Never shown.
    type: str
  iam_user:
    description:
      - IAM user; with O(iam_password) and O(iam_domain) exchanged for a token, renewed when it expires.
    type: str
  iam_password:
    description:
      - Password of O(iam_user). Never shown.
    type: str
  iam_domain:
    description:
      - Account (domain) name of O(iam_user).
    type: str
  iam_endpoint:
    description:
      - IAM endpoint URL. If not set, as the official SDK finds it (the credentials file, E(HUAWEICLOUD_SDK_IAM_ENDPOINT),
        the SDK's table per region).
    type: str
  metadata_credentials:
    description:
      - Use temporary AK/SK from the metadata service of the Huawei Cloud server ansible-rulebook runs on, refreshed
        before they expire. Opt-in only. Environment E(TAURUSDB_METADATA_CREDENTIALS).
    type: bool
    default: false
  metadata_url:
    description:
      - The metadata service; change it only to test against a stand-in. Environment E(TAURUSDB_METADATA_URL).
    type: str
    default: http://169.254.169.254
  credentials_file:
    description:
      - The official SDK's credentials file. Environment E(HUAWEICLOUD_SDK_CREDENTIALS_FILE), then
        C(~/.huaweicloud/credentials).
    type: path
  language:
    description:
      - Language of the API's error messages.
    type: str
    choices: [en-us, zh-cn]
    default: en-us
  validate_certs:
    description:
      - Verify the endpoint's TLS certificate.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to verify the endpoint with.
    type: path
  client_cert:
    description:
      - PEM file of a client certificate, for endpoints behind mutual TLS (it may hold the key too).
    type: path
  client_key:
    description:
      - PEM file of the private key of O(client_cert).
    type: path
  proxy:
    description:
      - Proxy for every request, V(http://[user:password@]host:port). Never shown. Else E(HTTPS_PROXY), E(HTTP_PROXY) and
        E(NO_PROXY) apply. An internationalized host name is used in its ASCII (punycode) form.
    type: str
  connect_timeout:
    description:
      - Seconds to wait for a connection.
    type: float
    default: 10
  read_timeout:
    description:
      - Seconds to wait for a whole answer.
    type: float
    default: 30
  retries:
    description:
      - How many times one request is retried (429, 5xx, network errors, timeouts) before the poll fails.
    type: int
    default: 5
  retry_max_time:
    description:
      - Seconds one request may spend on attempts and retries (at most 600).
    type: float
    default: 120
  retry_backoff:
    description:
      - Backoff factor in seconds between retries of one request.
    type: float
    default: 0.5
notes:
  - Options mean what they mean for M(taurusdb.htap.taurusdb_starrocks_replication_info); left-out connection
    options come from the same environment variables.
  - ansible-rulebook loads event sources by file path, without Ansible's collection loader; this source puts the
    directory that holds C(ansible_collections/) on C(sys.path) so that it can use the collection's code.
'''

EXAMPLES = r'''
- name: Watch two StarRocks instances
  hosts: localhost
  sources:
    - taurusdb.htap.replication_watch:
        instance_ids:
          - 0a1b2c3d4e5f60718293a4b5c6d7e8f9in17
          - 1b2c3d4e5f60718293a4b5c6d7e8f90ain17
        region: cn-north-4
        interval: 60
  rules:
    - name: A task broke
      condition: event.type == "task_not_ready" and event.new.broken
      action:
        run_playbook:
          name: taurusdb.htap.replication_event

- name: Every StarRocks instance of a TaurusDB instance, changes only
  hosts: localhost
  sources:
    - taurusdb.htap.replication_watch:
        taurusdb_instance_ids: 0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ain07
        initial_state: false
        interval: 120
  rules:
    - name: Show every change
      condition: event.type is defined
      action:
        print_event:
'''


def _add_collections_root():
    """ansible-rulebook runs an event source from its file (runpy), without Ansible's collection loader, so
    ``ansible_collections`` may not be importable: put the directory holding it on sys.path."""
    path = os.path.abspath(__file__)
    for _level in range(7):  # event_source, plugins, eda, extensions, htap, taurusdb, ansible_collections
        path = os.path.dirname(path)
    if os.path.basename(path) == 'ansible_collections' and os.path.dirname(path) not in sys.path:
        sys.path.insert(0, os.path.dirname(path))


_add_collections_root()

from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_loop import run_watch  # noqa: E402  pylint: disable=wrong-import-position


async def main(queue, args):
    """Watch until cancelled (the rulebook shutting down), putting change events on ``queue``."""
    await run_watch(queue, args)
