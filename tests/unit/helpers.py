"""Shared test data and helpers: the simulator's credentials, the client's option dict, and one instance's
listing asked for over HTTP as the client, transport and watchdog tests ask for it."""

import importlib.util
import os
import socket
import time
from urllib.parse import quote

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT

from ansible_collections.taurusdb.htap.plugins.module_utils.auth import select_auth
from ansible_collections.taurusdb.htap.plugins.module_utils.client import Client
from ansible_collections.taurusdb.htap.plugins.module_utils.auth_methods import AUTH_METHODS
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import API_PATH, ReplicationQuery

INSTANCE = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATH = API_PATH % (DEFAULT_PROJECT, INSTANCE)  # the instance's listing
QUERY = [('limit', '100'), ('offset', '0')]
LISTING = 'starrocks/databases/replication$'  # the adversary's rule for that path
EMPTY = {'total_count': 0, 'replications': []}
EVENT_SOURCE = os.path.join(COLLECTION, 'extensions', 'eda', 'plugins', 'event_source', 'replication_watch.py')


def run_event_source(path=EVENT_SOURCE):
    """The event source's globals, loaded as ansible-rulebook loads it (runpy.run_path): the file run as a
    fresh module by its path. (runpy itself trips over the path hook of ansible-test's collection loader.)"""
    spec = importlib.util.spec_from_file_location('replication_watch_as_rulebook_loads_it', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


def make_client(params):
    """A client as the module builds one: checked settings, a pool for the page concurrency."""
    return Client(ConnectionSettings(params), concurrency=params.get('page_concurrency') or 4)


def resolve_auth(params, warn=None):
    return select_auth(dict(params), AUTH_METHODS, warn)


def query_of(params):
    return ReplicationQuery(params)


def base_params(sim, **extra):
    params = dict(endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
                  language='en-us', validate_certs=True, ca_path=sim.ca_path, connect_timeout=5.0,
                  read_timeout=5.0, retries=5, retry_max_time=60.0, retry_backoff=0.01, page_concurrency=4,
                  listing_attempts=3, task_names=[], task_patterns=[], expected_tasks=[], min_tasks=1,
                  require_catchup=False, limit=None, offset=None)
    params.update(extra)
    return params


def one_instance(sim, tasks=None, faults=(), scenario_faults=(), **extra):
    sim.load(dict({'faults': list(scenario_faults), 'instances': [
        {'id': INSTANCE, 'tasks': tasks or [{'task_name': 'a_db'}], 'faults': list(faults)}]}, **extra))


def get_listing(sim, deadline=None, **extra):
    """One call; ``deadline``: it must end within that many seconds, as the wait's calls by wait_timeout."""
    with make_client(base_params(sim, **extra)) as client:
        if deadline is not None:
            client.transport.deadline = time.monotonic() + deadline
        return client.get_json(PATH, QUERY, 'Querying')


def closed_port():
    """A local port nothing listens on: connecting to it is refused."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def client_for(params, environ=None, concurrency=4):
    """A client from these options alone: the environment is ``environ`` (none by default), not this process's."""
    return Client(ConnectionSettings(params, environ=environ if environ is not None else {}), concurrency=concurrency)


def settings_with(params):
    """The settings a client would be built from (credentials checked and cleaned): ``params`` over valid ones."""
    return ConnectionSettings(dict(dict(endpoint='http://127.0.0.1:1', access_key='AK', secret_key='SK-value',
                                        project_id=DEFAULT_PROJECT), **params))


def instances(count):
    return ['%032din17' % number for number in range(1, count + 1)]


def fleet(sim, count, **extra):
    """``count`` instances of one healthy task each, and ``extra`` scenario keys."""
    sim.load(dict({'instances': [{'id': instance_id, 'tasks': [{'task_name': 'a_db'}]}
                                 for instance_id in instances(count)]}, **extra))


def discovering(sim, **extra):
    """AK/SK and a region, no project id: the project is found from IAM (the simulator)."""
    return base_params(sim, **dict(dict(project_id=None, region='cn-north-4', iam_endpoint=sim.url), **extra))


def proxy_url(server, user='proxy-user', password='pr0xy:p@ss w0rd'):
    """``server`` as an HTTP proxy, with credentials (quoted, as a URL needs them)."""
    return 'http://%s:%s@%s' % (quote(user, safe=''), quote(password, safe=''), server.url.split('://', 1)[1])


def run_wait_action(args, check_mode=False):
    """The wait action's run(), in-process as Ansible calls it, with these task args and no play around it (so
    no module_defaults: tests turn _apply_action_arg_defaults off)."""
    return run_action('taurusdb_starrocks_replication_wait', args, check_mode)


def run_action(name, args, check_mode=False, diff=False):
    """Action ``name``'s run(), in-process as Ansible calls it, with these task args and no play around it."""
    import importlib
    import types
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    action = importlib.import_module('ansible_collections.taurusdb.htap.plugins.action.' + name)
    task = types.SimpleNamespace(args=args, async_val=0, check_mode=check_mode, diff=diff, environment=[],
                                 action=name, resolved_action='taurusdb.htap.' + name)
    connection = types.SimpleNamespace(_shell=types.SimpleNamespace(tmpdir=None))  # it runs on the controller
    loader = DataLoader()
    return action.ActionModule(task, connection, None, loader, Templar(loader=loader)).run(task_vars={})


class CountedName(str):
    """A name that counts how often it is compared: a list searched for a name compares it with every
    entry, a set with the few of the same hash. Counting, not timing, so a busy machine cannot fail it."""

    comparisons = [0]

    def __eq__(self, other):
        self.comparisons[0] += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def counted_names(prefix, count):
    """``count`` CountedNames ``prefix_0000``, ``prefix_0001``...; the count of comparisons starts at 0."""
    CountedName.comparisons[0] = 0
    return [CountedName('%s_%04d' % (prefix, number)) for number in range(count)]
