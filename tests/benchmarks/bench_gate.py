"""Benchmark: how long the gate takes, side by side with an empty playbook, the lookup, and (with
``--compare-ref``) the role as it was at another commit. Prints numbers and checks them against
the targets; asserts nothing (tests check behaviour, request counts included).

Targets (issue "The gate as one controller-side wait"):
- 10 ready instances gate in at most 1.5 s more than an empty playbook;
- 50 instances at 50 ms latency in at most 2 s more;
- the gate passes within wait_sleep + 0.5 s of the moment the last task turns ready;
- requests per round equal the pages of the instances polled;
- a status-No task fails the gate within fail_fast_polls x wait_sleep + 1 s.

    PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_gate.py [--compare-ref d95258f]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from bench_listing import KEY, RemoteSimulator  # noqa: E402  pylint: disable=wrong-import-position
from htapsim import DEFAULT_PROJECT  # noqa: E402  pylint: disable=wrong-import-position

ROUNDS = 3


def instances(count, tasks=3, **extra):
    return [dict({'id': '%032xin17' % (index + 1), 'tasks': [{'task_name': 't%d_db' % task} for task in range(tasks)]}, **extra)
            for index in range(count)]


def collection_dir(ref, work):
    """A collections path holding taurusdb.htap at ``ref`` (None: this checkout)."""
    path = os.path.join(work, ref or 'current')
    dest = os.path.join(path, 'ansible_collections', 'taurusdb')
    if os.path.isdir(os.path.join(dest, 'htap')):
        return path
    os.makedirs(dest, exist_ok=True)
    if ref is None:
        os.symlink(ROOT, os.path.join(dest, 'htap'))
    else:
        os.makedirs(os.path.join(dest, 'htap'))
        archive = subprocess.run(['git', '-C', ROOT, 'archive', ref], capture_output=True, check=True).stdout
        subprocess.run(['tar', '-x', '-C', os.path.join(dest, 'htap')], input=archive, check=True)
    return path


def playbook(work, name, tasks):
    path = os.path.join(work, name + '.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('- hosts: localhost\n  gather_facts: false\n  tasks:%s\n' % (tasks or ' []'))
    return path


def run(path, collections, sim, extra_vars=''):
    inventory = os.path.join(os.path.dirname(path), 'inventory')
    if not os.path.exists(inventory):  # an explicit file: ANSIBLE_INVENTORY is a list of paths, not hosts
        with open(inventory, 'w', encoding='utf-8') as handle:
            handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, TAURUSDB_ENDPOINT=sim.url,
               HUAWEICLOUD_SDK_AK=KEY['ak'], HUAWEICLOUD_SDK_SK=KEY['sk'], HUAWEICLOUD_SDK_PROJECT_ID=DEFAULT_PROJECT)
    command = ['ansible-playbook', '-i', inventory, path] + (['-e', extra_vars] if extra_vars else [])
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def median(path, collections, sim, extra_vars='', expect_rc=0, rounds=ROUNDS):
    times = []
    for _round in range(rounds):
        sim.reset()
        elapsed, proc = run(path, collections, sim, extra_vars)
        if proc.returncode != expect_rc:
            raise SystemExit('%s exited %d:\n%s' % (path, proc.returncode, proc.stdout[-3000:]))
        times.append(elapsed)
    return statistics.median(times)


def role_tasks(ids, sleep=1, timeout=0):
    return ('\n    - ansible.builtin.include_role:\n        name: taurusdb.htap.replication_gate\n'
            '      vars:\n        replication_gate_instances: %s\n        replication_gate_wait_timeout: %s\n'
            '        replication_gate_wait_sleep: %s' % (ids, timeout, sleep))


def lookup_tasks(ids):
    return ("\n    - ansible.builtin.assert:\n        that: results | map(attribute='all_ready') | list | length == %d"
            " and results | map(attribute='all_ready') is all\n      vars:\n"
            "        results: \"{{ query('taurusdb.htap.taurusdb_starrocks_replication_info', *%s) }}\"" % (len(ids), ids))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--compare-ref', help='also time the role at this git ref (e.g. d95258f, before the wait action)')
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='bench-gate-')
    current = collection_dir(None, work)
    rows = []
    with RemoteSimulator() as sim:
        empty = playbook(work, 'empty', '')
        for count, latency in ((10, 0), (50, 0.05)):
            scenario = {'instances': instances(count)}
            if latency:
                scenario['faults'] = [{'kind': 'latency', 'seconds': latency}]
            sim.load(scenario)
            ids = [item['id'] for item in scenario['instances']]
            base = median(empty, current, sim)
            role = median(playbook(work, 'role%d' % count, role_tasks(ids)), current, sim)
            requests_made = sim.stats()['routes'].get('replication', 0)
            lookup = median(playbook(work, 'lookup%d' % count, lookup_tasks(ids)), current, sim)
            row = [count, int(latency * 1000), base, role, lookup, requests_made]
            if args.compare_ref:  # one run: the old role takes about a second an instance, twice
                old = collection_dir(args.compare_ref, work)
                row.append(median(playbook(work, 'old%d' % count, role_tasks(ids)), old, sim, rounds=1))
            print('measured %d instances: %r' % (count, row), file=sys.stderr, flush=True)
            rows.append(row)
        print('## Gating ready instances (median of %d runs, seconds)\n' % ROUNDS)
        header = '| instances | latency ms | empty playbook | role (wait action) | role - empty | lookup | requests/round |'
        if args.compare_ref:
            header += ' role at %s (1 run) | old - empty |' % args.compare_ref
        print(header)
        print('|' + '---|' * (header.count('|') - 1))
        for row in rows:
            values = (row[0], row[1], row[2], row[3], row[3] - row[2], row[4], row[5])  # counters reset per run
            line = '| %d | %d | %.2f | %.2f | %.2f | %.2f | %d |' % values
            if args.compare_ref:
                line += ' %.2f | %.2f |' % (row[6], row[6] - row[2])
            print(line)
        targets = {10: 1.5, 50: 2.0}
        for row in rows:
            print('- %d instances: role - empty = %.2f s (target <= %.1f s): %s'
                  % (row[0], row[3] - row[2], targets[row[0]], 'met' if row[3] - row[2] <= targets[row[0]] else 'MISSED'))

        # How soon after the last task turns ready does the gate pass? The task turns ready 4 s
        # after the scenario loads (a real clock here, on purpose); the gate polls every 2 s.
        sleep = 2.0
        sim.load({'instances': [{'id': '%032xin17' % 1, 'tasks': [{'task_name': 'task_a', 'sync': {'by': 'seconds', 'wait': 0, 'full': 4}}]}]})
        loaded = time.perf_counter()
        _elapsed, proc = run(playbook(work, 'ready', role_tasks(['%032xin17' % 1], sleep, 60)), current, sim)
        lag = time.perf_counter() - loaded - 4
        print('- passed %.2f s after the last task turned ready (target <= wait_sleep + 0.5 = %.1f s): %s'
              % (lag, sleep + 0.5, 'met' if lag <= sleep + 0.5 and proc.returncode == 0 else 'MISSED'))

        # A status-No task: the gate fails fast after fail_fast_polls (2) rounds.
        sleep = 1.0
        sim.load('one-broken')
        base = median(empty, current, sim)
        failed = median(playbook(work, 'broken', role_tasks(['01010101010101010101010101010101in17'], sleep, 600)),
                        current, sim, expect_rc=2)
        verdict = 'met' if failed - base <= 2 * sleep + 1 else 'MISSED'
        print('- a status-No task failed the gate %.2f s after start (%.2f s more than an empty playbook; target <= '
              '2 x wait_sleep + 1 = %.1f s): %s' % (failed, failed - base, 2 * sleep + 1, verdict))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
