"""Benchmark: the simulator's own answer time on one keep-alive connection (no latency fault).

Prints the median and 90th percentile per kind of request; asserts nothing about time. A
simulator that adds its own delay (Nagle + delayed ACK, rebuilding every task per page) would
distort every other benchmark, so this is the number to check first.

    python tests/benchmarks/bench_simulator.py [--requests 200] [--tasks 10000]
"""

import argparse
import http.client
import json
import statistics
import time

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator

INSTANCE = '01010101010101010101010101010101in17'
PATH = '/v3/%s/instances/%s/starrocks/databases/replication' % (DEFAULT_PROJECT, INSTANCE)


def token(conn):
    """An IAM token from the simulator: token auth needs no signer, so only the server is measured."""
    user = DEFAULT_CREDENTIALS['users'][0]
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user['name'], 'password': user['password'], 'domain': {'name': user['domain']}}}},
        'scope': {'project': {'id': DEFAULT_PROJECT}}}}
    conn.request('POST', '/v3/auth/tokens', json.dumps(body), {'Content-Type': 'application/json'})
    resp = conn.getresponse()
    resp.read()
    return resp.getheader('X-Subject-Token')


def measure(conn, path, headers, count):
    """Seconds per request, all on the one connection (http.client keeps it open)."""
    times = []
    for _request in range(count):
        start = time.perf_counter()
        conn.request('GET', path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        times.append(time.perf_counter() - start)
        if resp.status != 200 or resp.will_close:
            raise SystemExit('unexpected answer %d (will_close=%s) for %s' % (resp.status, resp.will_close, path))
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--requests', type=int, default=200, help='requests per kind')
    parser.add_argument('--tasks', type=int, default=10000, help='tasks of the instance whose pages are read')
    args = parser.parse_args()
    scenario = {'name': 'bench', 'instances': [{'id': INSTANCE, 'generate': {'count': args.tasks}}]}
    with Simulator(scenario) as sim:
        host, port = sim.server.server_address[:2]
        conn = http.client.HTTPConnection(host, port, timeout=30)
        auth = {'X-Auth-Token': token(conn)}
        kinds = [('health', '/__sim__/health', {}),
                 ('page of 50 (offset 0)', PATH + '?limit=50&offset=0', auth),
                 ('page of 50 (last)', PATH + '?limit=50&offset=%d' % max(0, args.tasks - 50), auth)]
        print('keep-alive, %d requests each, %d tasks' % (args.requests, args.tasks))
        print('%-24s %10s %10s' % ('request', 'median_ms', 'p90_ms'))
        for name, path, headers in kinds:
            measure(conn, path, headers, 5)  # warm up
            times = sorted(measure(conn, path, headers, args.requests))
            print('%-24s %10.2f %10.2f' % (name, 1000 * statistics.median(times), 1000 * times[int(0.9 * len(times))]))
        conn.close()


if __name__ == '__main__':
    main()
