"""Benchmark: the event source's memory and events over many polls of thousands of tasks.

Runs ``main(queue, args)`` of taurusdb.htap.replication_watch (loaded as ansible-rulebook loads it)
against the simulator in its own process, on an instance with ``--tasks`` tasks. Every ``--every``
polls a task is broken or mended through ``POST /__sim__/task``; the rest of the time nothing changes.
At each checkpoint it prints the process's resident memory, the bytes Python allocated and still
holds (with --tracemalloc), the number of objects the garbage collector tracks, the polls made
(listings the simulator answered) and the events received by type. Asserts nothing about time.

    PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_watch.py --tasks 2000 --polls 300
"""

import argparse
import asyncio
import collections
import gc
import os
import runpy
import subprocess
import sys
import time
import tracemalloc

import requests
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT  # the installed simulator

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

INSTANCE = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
SOURCE = os.path.join(ROOT, 'extensions', 'eda', 'plugins', 'event_source', 'replication_watch.py')


def rss_kib():
    with open('/proc/self/status') as handle:
        for line in handle:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def start_simulator(tasks, directory):
    scenario = os.path.join(directory, 'bench-watch.yml')
    with open(scenario, 'w') as handle:
        handle.write('instances:\n  - id: %s\n    generate: {count: %d, name: "task_{i:05d}", stage: Incremental}\n'
                     % (INSTANCE, tasks))
    url_file = os.path.join(directory, 'bench-watch-url')
    if os.path.exists(url_file):
        os.remove(url_file)
    proc = subprocess.Popen([sys.executable, '-m', 'htapsim', '--port', '0', '--scenario', scenario,  # pylint: disable=consider-using-with
                             '--url-file', url_file], stdout=subprocess.DEVNULL)
    for _wait in range(600):
        if os.path.exists(url_file) and open(url_file).read().strip():  # pylint: disable=consider-using-with
            return proc, open(url_file).read().strip()  # pylint: disable=consider-using-with
        time.sleep(0.1)
    proc.kill()
    raise SystemExit('the simulator did not start')


async def run(url, args):
    main = runpy.run_path(SOURCE)['main']
    queue = asyncio.Queue()
    counts = collections.Counter()
    watch = asyncio.ensure_future(main(queue, dict(
        instance_ids=INSTANCE, endpoint=url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
        interval=args.interval)))
    pages = -(-args.tasks // 50)

    def polls():
        return requests.get(url + '/__sim__/stats', timeout=30).json()['routes'].get('replication', 0) // pages

    async def drain():
        while True:
            counts[(await queue.get())['type']] += 1

    drainer = asyncio.ensure_future(drain())
    rows, broken, started = [], False, time.monotonic()
    checkpoints = sorted(set([10, args.polls // 4, args.polls // 2, args.polls]))
    next_change = args.every
    while checkpoints:
        await asyncio.sleep(0.2)
        done = polls()
        if done >= next_change:
            broken = not broken
            requests.post(url + '/__sim__/task', json={'instance_id': INSTANCE, 'task_name': 'task_00007',
                                                       'set': {'status': 'No' if broken else 'Yes'}}, timeout=30)
            next_change += args.every
        if done >= checkpoints[0]:
            checkpoints.pop(0)
            gc.collect()
            traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None
            rows.append((done, rss_kib(), traced, len(gc.get_objects()), dict(counts), time.monotonic() - started))
    watch.cancel()
    drainer.cancel()
    await asyncio.gather(watch, drainer, return_exceptions=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=2000)
    parser.add_argument('--polls', type=int, default=300)
    parser.add_argument('--every', type=int, default=10, help='break or mend a task every this many polls')
    parser.add_argument('--interval', type=float, default=0.1)
    parser.add_argument('--dir', default='/tmp')
    parser.add_argument('--tracemalloc', action='store_true', help='also trace Python allocations (much slower)')
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start()
    proc, url = start_simulator(args.tasks, args.dir)
    try:
        rows = asyncio.run(run(url, args))
    finally:
        proc.terminate()
        proc.wait(30)
    print('%d tasks, a change every %d polls, interval %gs\n' % (args.tasks, args.every, args.interval))
    print('| polls | seconds | RSS MiB | traced KiB | gc objects | events |')
    print('|---:|---:|---:|---:|---:|---|')
    for done, rss, traced, objects, counts, seconds in rows:
        print('| %d | %.0f | %.1f | %s | %d | %s |' % (
            done, seconds, rss / 1024.0, '-' if traced is None else '%d' % (traced // 1024), objects,
            ', '.join('%s %d' % item for item in sorted(counts.items()))))


if __name__ == '__main__':
    main()
