"""Benchmark: the gate's cost as the work grows (issue 21), each row next to the official SDK and the floor.

One command prints every row of the issue's table, side by side with the official SDK (sequential,
limit=50: what a user writes by hand) and the physical floor where there is one, with the growth from
100 to 100,000 tasks and from 1 to 1,000 instances: for each step, the factor of the time against the
factor of the work, and whether it grew linearly. Asserts nothing about time; each row notes the
machine's load (the 1-minute load average when it was measured).

- listing in process, 0 ms: the collection's ``query_instance`` against the SDK loop;
- the role (one ``taurusdb_starrocks_replication_wait``) over one instance of N ready tasks, and the
  lookup asserting the same, seconds over an empty playbook;
- the ad hoc module (``ansible localhost -m ...info``) at the biggest size: seconds, peak memory, and
  where the time goes (Ansible's own start, the listing in process, the module run without Ansible);
- ``task_names`` / ``expected_tasks`` naming every task: the verdict's seconds against the verdict alone;
- post-processing a row: decoding, paging's merge (canonical texts and identities), the verdict;
- listing 2,000 / 10,000 tasks at 50 ms RTT, default concurrency: against the SDK, the floor of one read
  (pages / concurrency round trips) and the floor of the method (its reads and round trips); read by a new
  client and again by one that read it before; against the simulator and against its answers replayed at no
  CPU cost (``replay_server.py``), which leaves the client's own cost;
- one request at 50 ms through each layer of the HTTP stack, one after the other against the replayed
  answers: a raw socket, http.client, urllib3, requests, the collection's ``Client.get_json`` and the SDK;
- the same with a handshake cost (2 round trips a new connection, the simulator's ``handshake``) at
  page_concurrency 1, 2, 4, 8 and 16: the numbers the default concurrency is chosen from;
- the role over N instances of 3 ready tasks at 50 ms: against the lookup, the SDK over every instance
  one after the other, and the floor (ceil(N / instance_concurrency) round trips).

    PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_scale.py [--quick]

``--quick`` runs small sizes at 10 ms in seconds (a smoke run, numbers meaningless). The simulator runs
in its own process; big sizes run once, the collection and the SDK one after the other.
"""

import argparse
import http.client
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from urllib.parse import urlsplit

import requests
import urllib3
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkgaussdb.v3 import GaussDBClient, ListStarRocksDataReplicationsRequest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# pylint: disable=wrong-import-position
from bench_gate import collection_dir, instances, lookup_tasks, playbook, role_tasks  # noqa: E402
from bench_gate import run as run_playbook  # noqa: E402
from bench_listing import (  # noqa: E402
    INSTANCE, KEY, PAGE, RemoteSimulator, ReplaySimulator, client_params, collection, latency_faults, measure, sdk)
from bench_result_size import params  # noqa: E402
from htapsim import DEFAULT_PROJECT  # noqa: E402
from htapsim.scenario import World, load_scenario  # noqa: E402

from ansible_collections.taurusdb.htap.plugins.module_utils.paging import Page, merge_pages  # noqa: E402
from ansible_collections.taurusdb.htap.plugins.module_utils.client import Client  # noqa: E402
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings  # noqa: E402
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import (  # noqa: E402
    API_PATH, parse_page, task_identity)
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import REPLICATION_SPEC  # noqa: E402
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import (  # noqa: E402
    ReadinessRule, verdict)

MODULE = 'taurusdb.htap.taurusdb_starrocks_replication_info'
WAIT_INSTANCE_CONCURRENCY = 8  # the wait action's default instance_concurrency
LOOKUP_INSTANCE_CONCURRENCY = 4  # the lookup's
FULL = dict(tasks=[100, 1000, 10000, 20000, 100000], role_tasks=[100, 1000, 10000, 20000, 100000],
            names=[1000, 10000, 20000], rows=[1000, 10000, 100000], latency=0.05, listing=[2000, 10000],
            concurrency=[1, 2, 4, 8, 16], handshake=2, instances=[1, 10, 100, 200, 1000], adhoc=100000)
QUICK = dict(tasks=[100, 1000], role_tasks=[100], names=[100, 1000], rows=[100, 1000], latency=0.01, listing=[100, 500],
             concurrency=[1, 4], handshake=2, instances=[1, 10], adhoc=1000)


def load():
    return '%.2f' % os.getloadavg()[0]


ROUNDS = {'most': 3}  # --quick: 1


def rounds_for(work, small=2000):
    """Three rounds where one is short, one where one takes seconds (big sizes run once)."""
    return ROUNDS['most'] if work <= small else 1


def growth(sizes, values):
    """Per step: 'x<time factor> for x<work factor>, <linear|sublinear|superlinear>' (the first size: '-')."""
    steps = ['-']
    for (size1, value1), (size2, value2) in zip(zip(sizes, values), zip(sizes[1:], values[1:])):
        if value1 <= 0 or value2 <= 0:
            steps.append('n/a')
            continue
        exponent = math.log(value2 / value1) / math.log(size2 / size1)
        kind = 'linear' if 0.85 <= exponent <= 1.15 else 'sublinear' if exponent < 0.85 else 'superlinear'
        steps.append('x%.1f for x%g: %s (exponent %.2f)' % (value2 / value1, size2 / size1, kind, exponent))
    return steps


def table(title, header, rows):
    print('\n### %s\n' % title)
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '---|' * len(header))
    for row in rows:
        print('| ' + ' | '.join(str(cell) for cell in row) + ' |', flush=True)


def timed(function, rounds):
    times = []
    for _round in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- listing in process, 0 ms -------------------------------------------------------------------------

def listing_growth(sim, sizes):
    rows, collection_s, sdk_s = [], [], []
    for tasks in sizes:
        sim.load({'instances': [{'id': INSTANCE, 'generate': {'count': tasks}}]})
        rounds = rounds_for(tasks)
        times = {'collection': [], 'sdk': []}
        for _round in range(rounds):  # interleaved: a busy moment slows both
            times['collection'].append(timed(lambda: collection(sim, tasks, 4), 1))
            times['sdk'].append(timed(lambda: sdk(sim, tasks), 1))
        collection_s.append(statistics.median(times['collection']))
        sdk_s.append(statistics.median(times['sdk']))
        rows.append([tasks, rounds, '%.3f' % collection_s[-1], '%.1f' % (1e6 * collection_s[-1] / tasks),
                     '%.3f' % sdk_s[-1], '%.2f' % (collection_s[-1] / sdk_s[-1]), load()])
    for row, step_c, step_s in zip(rows, growth(sizes, collection_s), growth(sizes, sdk_s)):
        row[4:4] = [step_c]
        row.append(step_s)
    table('Listing in process, 0 ms (collection at the default concurrency 4, its proof included)',
          ['tasks', 'rounds', 'collection s', 'us a task', 'collection growth', 'SDK s', '/ SDK', 'load',
           'SDK growth'], rows)
    return dict(zip(sizes, sdk_s))


# --- the role and the lookup over one instance of N tasks --------------------------------------------

def gate_runs(sim, work, collections, name, scenario, ids, rounds):
    """Seconds of an empty playbook, the role and the lookup (median of rounds, interleaved)."""
    sim.load(scenario)
    plays = {'empty': playbook(work, 'empty', ''), 'role': playbook(work, 'role-' + name, role_tasks(ids)),
             'lookup': playbook(work, 'lookup-' + name, lookup_tasks(ids))}
    times = {kind: [] for kind in plays}
    for _round in range(rounds):
        for kind, path in plays.items():
            sim.reset()
            elapsed, proc = run_playbook(path, collections, sim)
            if proc.returncode != 0:
                raise SystemExit('%s exited %d:\n%s' % (path, proc.returncode, proc.stdout[-3000:]))
            times[kind].append(elapsed)
    return {kind: statistics.median(values) for kind, values in times.items()}


def role_over_tasks(sim, work, collections, sizes, sdk_seconds):
    rows, role_s = [], []
    for tasks in sizes:
        scenario = {'instances': [{'id': INSTANCE, 'generate': {'count': tasks}}]}
        times = gate_runs(sim, work, collections, 'tasks%d' % tasks, scenario, [INSTANCE], rounds_for(tasks))
        role, lookup = times['role'] - times['empty'], times['lookup'] - times['empty']
        role_s.append(role)
        sdk_time = sdk_seconds.get(tasks)
        rows.append([tasks, rounds_for(tasks), '%.2f' % times['empty'], '%.2f' % role, '%.2f' % lookup,
                     '%.2f' % (role / lookup) if lookup > 0 else '-', '%.3f' % sdk_time if sdk_time else '-', load()])
    for row, step in zip(rows, growth(sizes, role_s)):
        row.append(step)
    table('The role over one instance of N ready tasks, 0 ms, seconds over an empty playbook (target: role within '
          '1.3x the lookup)', ['tasks', 'rounds', 'empty playbook s', 'role - empty', 'lookup - empty', 'role / lookup',
                               'SDK listing s (in process)', 'load', 'role growth'], rows)


# --- the ad hoc module -------------------------------------------------------------------------------

def share(part, whole):
    return '%.0f %%' % (100 * part / whole)


def child_peak(command, env=None):
    """(seconds, peak MiB of the command's largest process, stdout) of the command, measured by a child of its
    own: this process's other children do not count."""
    probe = ('import json, resource, subprocess, sys, time\nstart = time.perf_counter()\n'
             'proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n'
             'print(json.dumps([time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,'
             ' proc.returncode, len(proc.stdout), proc.stdout[-2000:] + proc.stderr[-2000:]]))')
    out = subprocess.run([sys.executable, '-c', probe] + command, env=env, capture_output=True, text=True, check=True)
    seconds, peak_kib, status, size, tail = json.loads(out.stdout)
    if status != 0:
        raise SystemExit('%s exited %d:\n%s' % (' '.join(command[:4]), status, tail))
    return seconds, peak_kib / 1024.0, size


IN_PROCESS = """import json, resource, sys, time
sys.path.insert(0, {here!r})
from bench_listing import collection, sdk
def rss_mib():
    with open('/proc/self/status') as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith('VmRSS:')) / 1024.0
class Sim:
    url = {url!r}
before = rss_mib()
start = time.perf_counter()
{call}
print(json.dumps([time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, before]))
"""


def in_process_child(sim, tasks, client):
    """A listing by the collection or the SDK in a process of its own, timed inside it (imports excluded):
    (seconds, peak MiB, MiB before the listing: the interpreter and both clients' imports)."""
    call = 'collection(Sim, %d, 4)' % tasks if client == 'collection' else 'sdk(Sim, %d)' % tasks
    code = IN_PROCESS.format(here=HERE, url=sim.url, call=call)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout))


def direct_module(sim, work):
    """The module as a Python program with its arguments in a file, no Ansible around it."""
    args = os.path.join(work, 'module-args.json')
    with open(args, 'w', encoding='utf-8') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': dict(params(sim), instance_id=INSTANCE)}, handle)
    return [sys.executable, '-m', 'ansible_collections.%s.plugins.modules.%s' % tuple(MODULE.rsplit('.', 1)), args]


def adhoc_module(sim, work, collections, tasks):
    sim.load({'instances': [{'id': INSTANCE, 'generate': {'count': tasks}}]})
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, TAURUSDB_ENDPOINT=sim.url,
               HUAWEICLOUD_SDK_AK=KEY['ak'], HUAWEICLOUD_SDK_SK=KEY['sk'], HUAWEICLOUD_SDK_PROJECT_ID=DEFAULT_PROJECT,
               ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               PYTHONPATH=os.pathsep.join([collections] + os.environ.get('PYTHONPATH', '').split(os.pathsep)))
    adhoc = ['ansible', 'localhost', '-i', 'localhost,', '-c', 'local']
    parts = [('ad hoc module (ansible localhost -m ...info)', adhoc + ['-m', MODULE, '-a', 'instance_id=' + INSTANCE]),
             ('Ansible alone (ansible localhost -m ping)', adhoc + ['-m', 'ansible.builtin.ping']),
             ('the module without Ansible (python -m ..., args file)', direct_module(sim, work))]
    measured, listing = {}, None
    for name, command in parts:
        sim.reset()
        measured[name] = child_peak(command, env) + (load(),)
    for client in ('collection', 'sdk'):
        sim.reset()
        seconds, peak, before = in_process_child(sim, tasks, client)
        listing = seconds if client == 'collection' else listing
        measured['listing in process, imports excluded: %s (%.0f MiB before it)' % (client, before)] = (
            seconds, peak, None, load())
    total = measured[parts[0][0]][0]
    ansible_alone = measured[parts[1][0]][0]
    direct = measured[parts[2][0]][0]
    rows = [[name, '%.2f' % seconds, '%.0f' % peak, '-' if size is None else size, share(seconds, total), current]
            for name, (seconds, peak, size, current) in measured.items()]
    beyond, around = direct - listing, total - direct - ansible_alone
    rows += [['= the module beyond the listing (interpreter, imports, result building, exit_json)', '%.2f' % beyond,
              '-', '-', share(beyond, total), '-'],
             ['= Ansible around the module (AnsiballZ, the result through the controller, the callback)',
              '%.2f' % around, '-', '-', share(around, total), '-']]
    table('The ad hoc module at %d tasks, 0 ms: seconds, peak memory (largest process) and where the time goes'
          % tasks, ['run', 'seconds', 'peak MiB', 'stdout bytes', 'of the ad hoc time', 'load'], rows)


# --- CPU per row: the verdict with every task named, and post-processing ----------------------------------

def wire_items(tasks):
    """The simulator's rows for N ready tasks, as the API sends them."""
    scenario = load_scenario({'instances': [{'id': INSTANCE, 'generate': {'count': tasks}}]})
    return [dict(item) for item in World(scenario).listing(INSTANCE, 0)]


def listing_of(items):
    return {'items': items, 'problems': [], 'total': len(items), 'complete': True, 'consistent': True,
            'request_ids': [], 'ext_text': None}


def names_rule(sizes):
    rows, named_s = [], []
    for tasks in sizes:
        items = wire_items(tasks)
        names = [item['task_name'] for item in items]
        rounds = rounds_for(tasks, 10000)
        plain = timed(lambda: verdict(INSTANCE, listing_of(items), ReadinessRule()), rounds)
        every = ReadinessRule(task_names=names, expected_tasks=names)
        named = timed(lambda: verdict(INSTANCE, listing_of(items), every), rounds)
        named_s.append(named)
        rows.append([tasks, rounds, '%.3f' % plain, '%.3f' % named, '%.3f' % (named - plain), load()])
    for row, step in zip(rows, growth(sizes, named_s)):
        row.append(step)
    table('task_names and expected_tasks naming every task: one verdict, seconds (target: linear, under 0.1 s at 20k; '
          'the SDK judges nothing)', ['tasks', 'rounds', 'verdict, no names', 'verdict, every task named twice',
                                      'cost of the names', 'load', 'growth with names'], rows)


def page_bodies(items):
    return [json.dumps({'total_count': str(len(items)), 'replications': items[offset:offset + PAGE]})
            for offset in range(0, len(items), PAGE)]


def post_processing(sizes):
    rows, total_us = [], []
    for tasks in sizes:
        items = wire_items(tasks)
        bodies = page_bodies(items)
        number = rounds_for(tasks, 10000)
        decode = min(timeit.repeat(lambda: [json.loads(body) for body in bodies], number=1, repeat=number))
        payloads = [json.loads(body) for body in bodies]
        parse = min(timeit.repeat(lambda: [parse_page(payload, index * PAGE, None)
                                           for index, payload in enumerate(payloads)], number=1, repeat=number))
        merge = min(timeit.repeat(lambda: merge_pages([Page(index * PAGE, tasks, payload['replications'], None)
                                                       for index, payload in enumerate(payloads)], task_identity),
                                  number=1, repeat=number))
        dumps = min(timeit.repeat(lambda: [(Page(0, 0, [item], None).texts, task_identity(item)) for item in items],
                                  number=1, repeat=number))
        judge = min(timeit.repeat(lambda: verdict(INSTANCE, listing_of(items), ReadinessRule()),
                                  number=1, repeat=number))
        per = [1e6 * value / tasks for value in (decode, parse, merge, dumps, judge)]
        total_us.append(per[0] + per[1] + per[2] + per[4])
        rows.append([tasks, number] + ['%.1f' % value for value in per] + ['%.1f' % total_us[-1], load()])
    for row, step in zip(rows, growth(sizes, [value * size for value, size in zip(total_us, sizes)])):
        row.append(step)
    table('Post-processing a row, microseconds a task (best of the rounds; merge includes its canonical texts and '
          'identities, shown alone in "dumps")', ['tasks', 'rounds', 'json decode', 'parse_page', 'merge_pages',
                                                  '(dumps: text + identity)', 'verdict', 'total a task', 'load',
                                                  'growth of the total'], rows)


# --- listings at 50 ms, with and without handshakes ------------------------------------------------------

def listing_rows(clients, tasks, latency, handshake):
    sdk_median = clients[-1]['median']
    for client in clients:
        median = client['median']
        yield [tasks, round(latency * 1000), handshake, client['name'], client['requests'], client['connections'],
               client['waits'], '%.3f' % median, '%.2f' % client['floor'], '%.2f' % client['method_floor'],
               '%.2f' % (median / sdk_median), '%.2f' % (median / client['floor']),
               '%.2f' % (median / client['method_floor']), load()]


LISTING_HEADER = ['tasks', 'RTT ms', 'handshake RTTs', 'client', 'requests', 'connections', 'waits', 'median s',
                  'floor s (one read)', 'floor s (its method)', '/ SDK', '/ floor', '/ its method\'s floor', 'load']


def listings_at_latency(sim, sizes, latency, concurrencies, handshake, title, again=False):
    rows = []
    for tasks in sizes:
        clients = measure(sim, tasks, latency, rounds_for(tasks), concurrencies, handshake, again=again)
        rows.extend(listing_rows(clients, tasks, latency, handshake))
    table(title, LISTING_HEADER, rows)


def listings_against_replay(sim, sizes, latency):
    """The same listings against the simulator's answers replayed at no CPU cost (bench_listing.ReplaySimulator):
    the client's own overhead, without the simulator's (which answers a round's pages one after the other)."""
    replay = ReplaySimulator(sim)
    rows = []
    try:
        for tasks in sizes:
            clients = measure(replay, tasks, latency, rounds_for(tasks), [DEFAULT_CONCURRENCY], again=True)
            rows.extend(row[:4] + ['-', '-'] + row[6:] for row in listing_rows(clients, tasks, latency, 0))
    finally:
        replay.close()
    table('Listing at %d ms RTT against the simulator\'s answers replayed at no CPU cost (the client alone; '
          'requests are not counted there)' % round(latency * 1000), LISTING_HEADER, rows)


def one_page_line():
    return 'GET %s?limit=100&offset=0 HTTP/1.1' % (API_PATH % (DEFAULT_PROJECT, INSTANCE))


def http_stack(sim, latency, rounds=40):
    """One page request after the other through each layer of the stack, against the simulator's answer
    replayed at ``latency`` and no CPU cost: what each layer adds to a request's time (its CPU, and the
    waits for it)."""
    replay = ReplaySimulator(sim)
    replay.load({'name': 'bench', 'faults': latency_faults(latency), 'instances': [
        {'id': INSTANCE, 'generate': {'count': PAGE}}]})
    host, port = urlsplit(replay.url).hostname, urlsplit(replay.url).port
    target = one_page_line().split(' ')[1]
    raw = socket.create_connection((host, port))
    connection = http.client.HTTPConnection(host, port)
    session, pool = requests.Session(), urllib3.PoolManager()
    ours = Client(ConnectionSettings(client_params(replay.url, 1)), concurrency=1)

    def over_raw_socket():
        raw.sendall(('%s\r\nHost: %s:%d\r\n\r\n' % (one_page_line(), host, port)).encode())
        data = b''
        while b'\r\n\r\n' not in data or len(data.split(b'\r\n\r\n', 1)[1]) < int(
                re.search(br'Content-Length: (\d+)', data).group(1)):
            data += raw.recv(1 << 16)

    def over_http_client():
        connection.request('GET', target)
        connection.getresponse().read()

    layers = [('raw socket', over_raw_socket), ('http.client', over_http_client),
              ('urllib3', lambda: pool.request('GET', replay.url + target).data),
              ('requests', lambda: session.get(replay.url + target).content),
              ('the collection (Client.get_json: signed, scrubbed, decoded)',
               lambda: ours.get_json(target.split('?')[0], [('limit', '100'), ('offset', '0')], 'Querying')),
              ('official SDK (its client made once)', sdk_page(replay))]
    rows = []
    try:
        medians = {}
        for name, request in layers:
            request()  # its connection opened, untimed
            times = []
            for _round in range(rounds):
                start = time.perf_counter()
                request()
                times.append(time.perf_counter() - start)
            medians[name] = statistics.median(times)
            rows.append([name, '%.2f' % (medians[name] * 1000), '%.2f' % ((medians[name] - latency) * 1000), load()])
    finally:
        ours.close()
        raw.close()
        replay.close()
    table('One page request at %d ms through each layer, one after the other (median of %d; the replayed answer '
          'costs the server no CPU)' % (round(latency * 1000), rounds), ['layer', 'ms a request', 'ms over the RTT', 'load'],
          rows)


def sdk_page(sim):
    """One page request by the official SDK, through one client (a user's loop keeps it)."""
    client = GaussDBClient.new_builder() \
        .with_credentials(BasicCredentials(KEY['ak'], KEY['sk'], DEFAULT_PROJECT)) \
        .with_endpoints([sim.url]).build()
    return lambda: client.list_star_rocks_data_replications(
        ListStarRocksDataReplicationsRequest(instance_id=INSTANCE, limit=100, offset=0))


# --- the role over N instances at 50 ms ------------------------------------------------------------------

def sdk_instances(sim, count):
    """The SDK over every instance, one after the other (one page each)."""
    for index in range(count):
        sdk(sim, 3, '%032xin17' % (index + 1))


def role_over_instances(sim, work, collections, counts, latency):
    rows, role_s = [], []
    for count in counts:
        scenario = {'instances': instances(count), 'faults': latency_faults(latency)}
        ids = [item['id'] for item in scenario['instances']]
        times = gate_runs(sim, work, collections, 'instances%d' % count, scenario, ids, rounds_for(count, 10))
        sim.reset()
        sdk_time = timed(lambda: sdk_instances(sim, count), 1)
        role, lookup = times['role'] - times['empty'], times['lookup'] - times['empty']
        role_s.append(role)
        floor = math.ceil(count / WAIT_INSTANCE_CONCURRENCY) * latency
        lookup_floor = math.ceil(count / LOOKUP_INSTANCE_CONCURRENCY) * latency
        rows.append([count, round(latency * 1000), '%.2f' % times['empty'], '%.2f' % role, '%.2f' % floor,
                     '%.2f' % (role / floor), '%.2f' % lookup, '%.2f' % lookup_floor, '%.2f' % sdk_time, load()])
    for row, step in zip(rows, growth(counts, role_s)):
        row.append(step)
    table('The role over N instances of 3 ready tasks at %d ms, seconds over an empty playbook (target: within 1.5x '
          'the floor, ceil(N / %d) round trips)' % (round(latency * 1000), WAIT_INSTANCE_CONCURRENCY),
          ['instances', 'RTT ms', 'empty playbook s', 'role - empty', 'floor s', 'role / floor', 'lookup - empty',
           'lookup floor s (ceil(N / %d))' % LOOKUP_INSTANCE_CONCURRENCY, 'SDK, one after the other s', 'load',
           'role growth'], rows)


# The parts, in the order they run (--only picks some; the role's row shows the SDK's times only after the growth).
PARTS = ['growth', 'role_tasks', 'adhoc', 'names', 'rows', 'latency', 'stack', 'handshake', 'instances']
DEFAULT_CONCURRENCY = REPLICATION_SPEC['page_concurrency']['default']


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='small sizes at 10 ms: a smoke run in seconds')
    parser.add_argument('--only', nargs='+', choices=PARTS, default=PARTS, help='measure these parts only')
    args = parser.parse_args()
    only = set(args.only)
    sizes = QUICK if args.quick else FULL
    ROUNDS['most'] = 1 if args.quick else 3
    print('## Issue 21: cost against the work%s (%s, load %s at the start)'
          % (' (quick: small sizes, numbers meaningless)' if args.quick else '',
             time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), load()))
    work = tempfile.mkdtemp(prefix='bench-scale-')
    collections = collection_dir(None, work)
    with RemoteSimulator() as sim:
        collection(sim, 3, 4)  # warm up imports and first connections, untimed
        sdk(sim, 3)
        sdk_seconds = listing_growth(sim, sizes['tasks']) if 'growth' in only else {}
        if 'role_tasks' in only:
            role_over_tasks(sim, work, collections, sizes['role_tasks'], sdk_seconds)
        if 'adhoc' in only:
            adhoc_module(sim, work, collections, sizes['adhoc'])
        if 'names' in only:
            names_rule(sizes['names'])
        if 'rows' in only:
            post_processing(sizes['rows'])
        latency = sizes['latency']
        if 'latency' in only:
            listings_at_latency(sim, sizes['listing'], latency, [DEFAULT_CONCURRENCY], 0,
                                'Listing at %d ms RTT, default concurrency (target: 1.1x the floor of the method); '
                                'once by a new client, and again by the client that read it before'
                                % round(latency * 1000), again=True)
            listings_against_replay(sim, sizes['listing'], latency)
        if 'stack' in only:
            http_stack(sim, latency)
        if 'handshake' in only:
            listings_at_latency(sim, sizes['listing'], latency, sizes['concurrency'], sizes['handshake'],
                                'Listing at %d ms RTT with %d round trips a new connection (handshake), by '
                                'page_concurrency' % (round(latency * 1000), sizes['handshake']))
        if 'instances' in only:
            role_over_instances(sim, work, collections, sizes['instances'], latency)
    shutil.rmtree(work, ignore_errors=True)
    print('\nload at the end: %s' % load())


if __name__ == '__main__':
    main()
