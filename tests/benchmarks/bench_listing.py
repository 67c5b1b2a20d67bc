"""Benchmark: a complete listing of 2,000 tasks against the simulator, by page concurrency.

Prints numbers; asserts nothing about time. Each page answer is delayed (simulated network and
server latency), so the effect of fetching pages concurrently is visible.

    PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_listing.py [--latency 0.05]
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'simulator'))

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.taurusdb.htap.plugins.module_utils import client as api  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import query_instance  # noqa: E402  pylint: disable=wrong-import-position

INSTANCE = '01010101010101010101010101010101in17'


def params(sim, concurrency):
    key = DEFAULT_CREDENTIALS['aksk'][0]
    return dict(endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=key['ak'], secret_key=key['sk'],
                page_concurrency=concurrency, retries=2, retry_max_time=10, retry_backoff=0.1,
                connect_timeout=5, read_timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=2000)
    parser.add_argument('--latency', type=float, default=0.05, help='seconds added to every answer')
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    scenario = {'name': 'bench', 'faults': [{'kind': 'latency', 'seconds': args.latency}],
                'instances': [{'id': INSTANCE, 'generate': {'count': args.tasks}}]}
    print('tasks=%d latency=%.3fs rounds=%d' % (args.tasks, args.latency, args.rounds))
    print('%-12s %9s %10s %10s' % ('concurrency', 'requests', 'median_s', 'tasks/s'))
    with Simulator(scenario) as sim:
        for concurrency in (1, 2, 4, 8, 16):
            times = []
            for _round in range(args.rounds):
                sim.reset()
                start = time.perf_counter()
                with api.Client(params(sim, concurrency)) as client:
                    result = query_instance(client, INSTANCE, params(sim, concurrency))
                times.append(time.perf_counter() - start)
                if not result['complete'] or result['total_count'] != args.tasks:
                    raise SystemExit('incomplete listing: %r' % result['problems'])
            requests_made = sim.stats()['routes']['replication']
            median = statistics.median(times)
            print('%-12d %9d %10.3f %10.0f' % (concurrency, requests_made, median, args.tasks / median))


if __name__ == '__main__':
    main()
