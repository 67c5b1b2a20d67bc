"""Benchmark: how big a result is next to the raw API rows, and what an ad hoc call costs, with and
without ``return_raw`` (the rows as the API sent them, opt-in). Prints numbers; asserts nothing.

Target (issue "A layering built for a family of modules"): by default the result is at most 1.2
times the raw bytes.

    PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_result_size.py [--tasks 20000]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_listing import INSTANCE, KEY, RemoteSimulator  # noqa: E402  pylint: disable=wrong-import-position
from htapsim import DEFAULT_PROJECT  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.taurusdb.htap.plugins.module_utils.client import Client  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import ConnectionSettings  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import (  # noqa: E402  pylint: disable=wrong-import-position
    ReplicationQuery, list_replications, query_instance)


def params(sim, **extra):
    values = dict(endpoint=sim.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'])
    values.update(extra)
    return values


def adhoc(sim, return_raw):
    """Seconds and peak memory (MiB, the largest child so far) of one ad hoc module run."""
    env = dict(os.environ, TAURUSDB_ENDPOINT=sim.url, HUAWEICLOUD_SDK_AK=KEY['ak'], HUAWEICLOUD_SDK_SK=KEY['sk'],
               HUAWEICLOUD_SDK_PROJECT_ID=DEFAULT_PROJECT, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    start = time.perf_counter()
    proc = subprocess.run(['ansible', 'localhost', '-i', 'localhost,', '-c', 'local', '-m',
                           'taurusdb.htap.taurusdb_starrocks_replication_info',
                           '-a', 'instance_id=%s return_raw=%s' % (INSTANCE, return_raw)],
                          env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-2000:] + proc.stderr[-2000:])
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=20000)
    args = parser.parse_args()
    with RemoteSimulator() as sim:
        sim.load({'instances': [{'id': INSTANCE, 'generate': {'count': args.tasks, 'stage': 'Incremental'}}]})
        settings = ConnectionSettings(params(sim))
        with Client(settings, concurrency=4) as client:
            listing, _result = list_replications(client, INSTANCE, ReplicationQuery({}))
            raw = len(json.dumps(listing['items']))
            sizes = {}
            for return_raw in (False, True):
                result = query_instance(client, INSTANCE, ReplicationQuery({'return_raw': return_raw}))
                sizes[return_raw] = len(json.dumps(result))
        print('tasks=%d, raw rows as JSON: %d bytes (%d a task)\n' % (args.tasks, raw, raw // args.tasks))
        print('| return_raw | result bytes | bytes a task | result / raw | ad hoc seconds | peak MiB (largest child) |')
        print('|---|---|---|---|---|---|')
        for return_raw in (False, True):
            elapsed, peak = adhoc(sim, return_raw)
            size = sizes[return_raw]
            values = (str(return_raw).lower(), size, size // args.tasks, size / raw, elapsed, peak)
            print('| %s | %d | %d | %.2f | %.2f | %.0f |' % values)
        ratio = sizes[False] / raw
        print('\nDefault result / raw = %.2f (target <= 1.2): %s' % (ratio, 'met' if ratio <= 1.2 else 'MISSED'))


if __name__ == '__main__':
    main()
