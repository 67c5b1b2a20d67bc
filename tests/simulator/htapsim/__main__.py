"""Command line: python -m htapsim --host 127.0.0.1 --port 0 --scenario healthy [--tls]."""

import argparse
import signal
import sys
import threading

from .scenario import scenario_names
from .server import Simulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog='htapsim', description=__doc__)
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (loopback only)')
    parser.add_argument('--port', type=int, default=0, help='port; 0 picks a free one')
    parser.add_argument('--scenario', default='healthy',
                        help='bundled name (%s) or a YAML/JSON file' % ', '.join(scenario_names()))
    parser.add_argument('--tls', action='store_true', help='serve HTTPS with a certificate made for this run')
    parser.add_argument('--mtls', action='store_true',
                        help='mutual TLS (implies --tls): clients must show htapsim-client.pem / htapsim-client-key.pem, '
                             'written to the cert dir')
    parser.add_argument('--cert-dir', help='where to write htapsim-ca.pem (default: a temporary directory)')
    parser.add_argument('--url-file', help='also write the URL to this file once ready')
    parser.add_argument('--seed', type=int, help='seed for jitter and rate-based faults')
    parser.add_argument('--verbose', action='store_true', help='log every request to stderr')
    args = parser.parse_args(argv)

    sim = Simulator(args.scenario, host=args.host, port=args.port, tls=args.tls, seed=args.seed,
                    verbose=args.verbose, cert_dir=args.cert_dir, client_certs=args.mtls)
    sim.start()
    if args.url_file:
        with open(args.url_file, 'w', encoding='utf-8') as handle:
            handle.write(sim.url + '\n')
    print(sim.url, flush=True)
    if sim.ca_path:
        print('CA bundle: %s' % sim.ca_path, file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    sim.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
