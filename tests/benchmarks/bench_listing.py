"""Benchmark: a complete listing by this collection, by the official SDK, and the physical floor.

Prints a Markdown table; asserts nothing about time. For each task count and added latency
(the simulator's ``latency`` fault, the only delay it adds) it times, side by side:

- the collection: ``query_instance`` with a ``Client`` (complete paging, verdict included),
  at page concurrency 1, 4 (the default) and 16;
- the official SDK as a user writes it by hand: ``GaussDBClient`` paging sequentially with
  limit=50 until ``total_count`` items are read;
- the floor: ceil(pages / concurrency) x latency, pages = ceil(tasks / 50) (the server's cap): one
  read of every page. The collection reads a listing of several pages that would pass twice (the
  second read proves that the list did not change while it was paged, see paging.list_all), so its
  own floor ("proven floor") is twice that. Any client must read the first page to learn
  ``total_count`` before it can fan out, so the column "waits" shows the sequential round trips each
  client's paging needs: 1 + ceil((pages - 1) / concurrency) for one read, plus ceil(pages /
  concurrency) for the proof (it knows every offset, so it asks for them all at once); pages for the
  SDK loop, which reads once and proves nothing.

The simulator runs in its own process, as a real server would: in this process its threads
would compete with the client's for one GIL. Each round runs every client once, in turn, so a
busy machine slows all of them alike; the table shows the median. Ratios are computed here:
collection / SDK and measured / floor.

    PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_listing.py
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkgaussdb.v3 import GaussDBClient, ListStarRocksDataReplicationsRequest
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT

from ansible_collections.taurusdb.htap.plugins.module_utils.client import Client
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import ReplicationQuery, query_instance

INSTANCE = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
PAGE = 50  # the server's page cap
ROUNDS = {100: 7, 2000: 5, 10000: 3}  # fewer rounds where one round takes seconds


class RemoteSimulator:
    """``python -m htapsim`` in a child process, driven through its /__sim__ control endpoints."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, '-m', 'htapsim', '--port', '0'], stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            raise SystemExit('the simulator did not start')

    def _post(self, path, body=None):
        requests.post(self.url + path, json=body, timeout=60).raise_for_status()

    def load(self, scenario):
        self._post('/__sim__/scenario', {'scenario': scenario})

    def reset(self):
        self._post('/__sim__/reset')

    def stats(self):
        return requests.get(self.url + '/__sim__/stats', timeout=60).json()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(30)


class ReplaySimulator(object):
    """The simulator's answers replayed by ``replay_server.py`` at ``latency`` and no CPU cost worth measuring
    (see there): what a listing costs the client alone. It looks like a ``RemoteSimulator`` to ``measure``:
    ``load`` asks the simulator for the scenario without its latency, starts a replay server with it and reads
    the listing once by each client (untimed: the replay server learns the answers); it counts no requests."""

    def __init__(self, sim):
        self.sim, self.proc, self.url = sim, None, None

    def load(self, scenario):
        self.close()
        latency = sum(fault['seconds'] for fault in scenario.get('faults', []) if fault['kind'] == 'latency')
        self.sim.load(dict(scenario, faults=[]))
        here = os.path.dirname(os.path.abspath(__file__))
        self.proc = subprocess.Popen([sys.executable, os.path.join(here, 'replay_server.py'), self.sim.url,
                                      str(latency)], stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        tasks = scenario['instances'][0]['generate']['count']
        collection(self, tasks, 4)
        sdk(self, tasks)

    def reset(self):
        pass

    def stats(self):
        return {'routes': {}, 'connections': None}

    def close(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None


def client_params(url, concurrency):
    """The collection's options for a client of ``url`` with the simulator's credentials."""
    return dict(endpoint=url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
                page_concurrency=concurrency, retries=2, retry_max_time=10, retry_backoff=0.1,
                connect_timeout=5, read_timeout=10)


def list_through(client, params, tasks):
    """One complete listing of the benchmark's instance through ``client``; stops the run if it is not."""
    result = query_instance(client, INSTANCE, ReplicationQuery(params))
    if not result['complete'] or len(result['replications']) != tasks:
        raise SystemExit('collection: incomplete listing: %r' % result['problems'])


def collection(sim, tasks, concurrency):
    params = client_params(sim.url, concurrency)
    with Client(ConnectionSettings(params), concurrency=concurrency) as client:
        list_through(client, params, tasks)


class ReadAgain(object):
    """One ``Client`` that reads the listing over and over, as the rounds of a wait do: from its second read on
    it knows the list's pages and asks for them all at once (paging.list_all's known_offsets)."""

    def __init__(self, sim, tasks, concurrency):
        self.tasks = tasks
        self.params = client_params(sim.url, concurrency)
        self.client = Client(ConnectionSettings(self.params), concurrency=concurrency)
        self()  # the read that learns the pages, untimed

    def __call__(self):
        list_through(self.client, self.params, self.tasks)

    def close(self):
        self.client.close()


def sdk(sim, tasks, instance_id=INSTANCE):
    """What a user writes with the official SDK: one page of 50 after the other."""
    client = GaussDBClient.new_builder() \
        .with_credentials(BasicCredentials(KEY['ak'], KEY['sk'], DEFAULT_PROJECT)) \
        .with_endpoints([sim.url]).build()
    names, offset = set(), 0
    try:
        while True:
            response = client.list_star_rocks_data_replications(
                ListStarRocksDataReplicationsRequest(instance_id=instance_id, limit=PAGE, offset=offset))
            page = response.replications or []
            names.update(item.task_name for item in page)
            offset += len(page)
            if not page or offset >= int(response.total_count):
                break
    finally:
        client.close()
    if len(names) != tasks:
        raise SystemExit('SDK: read %d of %d tasks' % (len(names), tasks))


def collection_waits(pages, concurrency, known=False):
    """The sequential round trips of the collection's paging: the first page, the rest ``concurrency`` at a
    time - or, ``known`` from the client's last read of the list, every page at once - and the proof (a
    second read of every page at once) when there are several pages."""
    first = math.ceil(pages / concurrency) if known else 1 + math.ceil((pages - 1) / concurrency)
    return first + (math.ceil(pages / concurrency) if pages > 1 else 0)


def handshake_rounds(pages, concurrency):
    """The rounds that open new connections: the first page's, then the next round's extra ones."""
    return 1 if pages == 1 or concurrency == 1 else 2


def latency_faults(latency, handshake=0):
    """The simulator's latency rule: ``latency`` seconds a request, ``handshake`` more round trips a new connection."""
    if not latency:
        return []
    return [dict({'kind': 'latency', 'seconds': latency}, **({'handshake': handshake} if handshake else {}))]


def measure(sim, tasks, latency, rounds, concurrencies, handshake=0, sdk_too=True, again=False):
    """One dict per client: name, concurrency, requests, connections, waits, times (one per round), median, floor
    (one read: ceil(pages / concurrency) round trips), proven_floor (the collection proves a listing of several
    pages: twice the reads) and method_floor (the round trips its method needs, handshakes on the way included).
    ``again``: also the listing read again by the client that read it before (a wait's later rounds)."""
    sim.load({'name': 'bench', 'faults': latency_faults(latency, handshake),
              'instances': [{'id': INSTANCE, 'generate': {'count': tasks}}]})
    pages = math.ceil(tasks / PAGE)
    clients = [dict(name='collection, concurrency %d%s' % (c, ' (default)' if c == 4 else ''), concurrency=c,
                    waits=collection_waits(pages, c), reads=2 if pages > 1 else 1,
                    handshakes=handshake_rounds(pages, c),
                    function=lambda c=c: collection(sim, tasks, c)) for c in concurrencies]
    readers = [ReadAgain(sim, tasks, c) for c in (concurrencies if again else [])]
    clients += [dict(name='collection, concurrency %d, read again (a wait\'s next round)' % reader.params['page_concurrency'],
                     concurrency=reader.params['page_concurrency'], reads=2 if pages > 1 else 1, handshakes=0,
                     waits=collection_waits(pages, reader.params['page_concurrency'], known=True), function=reader)
                for reader in readers]
    if sdk_too:
        clients.append(dict(name='official SDK, sequential, limit=50', concurrency=1, waits=pages, reads=1,
                            handshakes=1, function=lambda: sdk(sim, tasks)))
    for client in clients:
        client['times'] = []
    for _round in range(rounds):
        for client in clients:
            sim.reset()  # counters back to 0; the scenario reload is not timed
            start = time.perf_counter()
            client['function']()
            client['times'].append(time.perf_counter() - start)
            stats = sim.stats()
            client['requests'] = stats['routes'].get('replication', 0)
            client['connections'] = stats.get('connections')
    for reader in readers:
        reader.close()
    for client in clients:
        client['median'] = statistics.median(client['times'])
        client['floor'] = math.ceil(pages / client['concurrency']) * latency
        client['proven_floor'] = client['floor'] * client['reads']
        client['method_floor'] = (client['waits'] + client['handshakes'] * handshake) * latency
    return clients


def run(sim, tasks, latency, rounds, concurrencies):
    clients = measure(sim, tasks, latency, rounds, concurrencies)
    sdk_median = clients[-1]['median']
    rows = []
    for client in clients:
        median, floor, proven = client['median'], client['floor'], client['proven_floor']
        rows.append('| %d | %d | %s | %d | %d | %.3f | %.0f | %s | %s | %.2f | %s |' % (
            tasks, round(latency * 1000), client['name'], client['requests'], client['waits'], median, tasks / median,
            '%.2f' % floor if floor else '0', '%.2f' % proven if proven else '0', median / sdk_median,
            '%.2f' % (median / proven) if proven else '-'))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, nargs='+', default=[100, 2000, 10000])
    parser.add_argument('--latency', type=float, nargs='+', default=[0.0, 0.05], help='seconds added to every answer')
    parser.add_argument('--concurrency', type=int, nargs='+', default=[1, 4, 16], help='the collection\'s page_concurrency')
    parser.add_argument('--rounds', type=int, help='rounds per row (default: %s)' % ROUNDS)
    args = parser.parse_args()
    print('| tasks | latency ms | client | requests | waits | median s | tasks/s | floor s | proven floor s | / SDK '
          '| / its floor |')
    print('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    with RemoteSimulator() as sim:
        collection(sim, 3, 4)  # warm up imports and first connections, untimed
        sdk(sim, 3)
        for tasks in args.tasks:
            for latency in args.latency:
                rounds = args.rounds or ROUNDS.get(tasks, 3)
                for row in run(sim, tasks, latency, rounds, args.concurrency):
                    print(row, flush=True)


if __name__ == '__main__':
    main()
