"""Command line: python -m htapsim --host 127.0.0.1 --port 0 --scenario healthy [--tls] [--detach --info-file FILE]
[--heartbeat-source HOST:PORT/DB --heartbeat-target HOST:PORT/DB]."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from .heartbeat import DEFAULT_TABLE, from_arguments
from .scenario import scenario_names
from .server import Simulator


def connection(sim):
    """What a client needs, as the collection and the official SDK read it: the URL, the CA and
    client certificate of a TLS run, and the scenario's first AK/SK as environment variables."""
    key = sim.state.scenario['credentials']['aksk'][0]
    env = {'TAURUSDB_ENDPOINT': sim.url, 'HUAWEICLOUD_SDK_AK': key['ak'], 'HUAWEICLOUD_SDK_SK': key['sk'],
           'HUAWEICLOUD_SDK_PROJECT_ID': key['project_id']}
    if key.get('security_token'):
        env['HUAWEICLOUD_SDK_SECURITY_TOKEN'] = key['security_token']
    return {'url': sim.url, 'pid': os.getpid(), 'scenario': sim.state.scenario['name'], 'ca_path': sim.ca_path,
            'client_cert': sim.client_cert_path, 'client_key': sim.client_key_path, 'env': env}


def write_file(path, text):
    """Written whole, then renamed: a reader waiting for the file never sees half of it."""
    with open(path + '.tmp', 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.replace(path + '.tmp', path)


def detach(argv, info_file, log_file, timeout):
    """Start the simulator as a process of its own (its own session, output to ``log_file``), wait
    until it serves, print its connection (JSON) and return 0; or print its log and return 1."""
    env = dict(os.environ)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # where the package htapsim is
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [here, env.get('PYTHONPATH')]))
    with open(log_file, 'ab') as log:
        proc = subprocess.Popen([sys.executable, '-m', 'htapsim'] + argv, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=log, env=env, start_new_session=True)
    deadline = time.monotonic() + timeout  # a safety net only: it serves in well under a second
    while proc.poll() is None and not os.path.exists(info_file) and time.monotonic() < deadline:
        time.sleep(0.05)
    if os.path.exists(info_file):
        with open(info_file, encoding='utf-8') as handle:
            print(handle.read(), end='', flush=True)
        return 0
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    with open(log_file, encoding='utf-8', errors='replace') as handle:
        sys.stderr.write('htapsim did not start:\n' + handle.read())
    return 1


def without_detach(argv):
    """The arguments for the detached process: all but --detach and --start-timeout."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == '--detach':
            continue
        elif arg == '--start-timeout':
            skip = True
        elif not arg.startswith('--start-timeout='):
            kept.append(arg)
    return kept


def main(argv=None):
    parser = argparse.ArgumentParser(prog='htapsim', description=__doc__)
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (loopback only)')
    parser.add_argument('--port', type=int, default=0, help='port; 0 picks a free one')
    parser.add_argument('--scenario', default='healthy',
                        help='bundled name (%s) or a YAML/JSON file' % ', '.join(scenario_names()))
    parser.add_argument('--tls', action='store_true',
                        help='serve HTTPS with a certificate made for this run (needs the Python package trustme)')
    parser.add_argument('--mtls', action='store_true',
                        help='mutual TLS (implies --tls): clients must show htapsim-client.pem / htapsim-client-key.pem, '
                             'written to the cert dir')
    parser.add_argument('--cert-dir', help='where to write htapsim-ca.pem (default: a temporary directory)')
    parser.add_argument('--url-file', help='also write the URL to this file once ready')
    parser.add_argument('--info-file', help='write the connection (URL, CA, credentials, pid) as JSON to this file '
                                            'once ready')
    parser.add_argument('--lifetime', type=float, default=0,
                        help='stop by itself after this many seconds (0: never), a safety net for CI')
    parser.add_argument('--detach', action='store_true',
                        help='run in the background: return once it serves, printing its connection (JSON, as '
                             '--info-file); needs --info-file; its output goes to --log-file')
    parser.add_argument('--log-file', help='with --detach: where its output goes (default: the info file + .log)')
    parser.add_argument('--start-timeout', type=float, default=60, help='with --detach: give up after this many seconds')
    parser.add_argument('--seed', type=int, help='seed for jitter and rate-based faults')
    parser.add_argument('--verbose', action='store_true', help='log every request to stderr')
    parser.add_argument('--heartbeat-source', metavar='HOST:PORT/DATABASE',
                        help='copy the heartbeat table from this MySQL-protocol database (needs PyMySQL)')
    parser.add_argument('--heartbeat-target', metavar='HOST:PORT/DATABASE', help='... to this one')
    parser.add_argument('--heartbeat-table', help='the heartbeat table (default %s)' % DEFAULT_TABLE)
    parser.add_argument('--heartbeat-credentials', metavar='FILE',
                        help='YAML/JSON {source: {user, password}, target: {user, password}}; default: the '
                             'environment variables HTAPSIM_HEARTBEAT_SOURCE_USER, ..._SOURCE_PASSWORD, '
                             '..._TARGET_USER, ..._TARGET_PASSWORD, else root without a password')
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.detach:
        if not args.info_file:
            parser.error('--detach needs --info-file')
        return detach(without_detach(argv), args.info_file, args.log_file or args.info_file + '.log',
                      args.start_timeout)

    try:
        sim = Simulator(args.scenario, host=args.host, port=args.port, tls=args.tls, seed=args.seed,
                        verbose=args.verbose, cert_dir=args.cert_dir, client_certs=args.mtls,
                        heartbeat=from_arguments(args, os.environ))
    except ImportError as exc:  # trustme (and cryptography) only for --tls / --mtls
        parser.exit(2, 'htapsim: --tls and --mtls need the Python packages trustme and cryptography '
                       '(pip install trustme): %s\n' % exc)
    except (OSError, ValueError) as exc:  # a scenario or heartbeat setting refused, PyMySQL missing, a port in use
        parser.exit(2, 'htapsim: %s\n' % exc)
    sim.start()
    if args.url_file:
        write_file(args.url_file, sim.url + '\n')
    if args.info_file:
        write_file(args.info_file, json.dumps(connection(sim), indent=2) + '\n')
    print(sim.url, flush=True)
    if sim.ca_path:
        print('CA bundle: %s' % sim.ca_path, file=sys.stderr, flush=True)
    stop = sim.state.stop_requested  # POST /__sim__/stop, SIGTERM or Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(args.lifetime or None)
    sim.stop()
    for path in (args.info_file, args.url_file):  # gone: whoever waits for the stop sees it
        if path and os.path.exists(path):
            os.remove(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
