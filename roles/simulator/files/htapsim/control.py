"""Drive a running simulator from the shell: python -m htapsim.control URL scenario NAME [--ca FILE].

Loading a scenario also resets counters, clock and tokens; ``reset`` does only that; ``stats`` prints
what it saw (JSON); ``stop`` ends a simulator started with ``python -m htapsim``; ``heartbeat LAG``
sets the heartbeat copier's lag (seconds, ``stopped``, or ``scenario`` to follow the scenario again).
"""

import argparse
import json
import ssl
import sys
import urllib.request


def post(url, path, payload=None, ca_path=None, method='POST'):
    data = None if method == 'GET' else json.dumps(payload or {}).encode()
    request = urllib.request.Request(url.rstrip('/') + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
    context = ssl.create_default_context(cafile=ca_path) if url.startswith('https') else None
    with urllib.request.urlopen(request, context=context, timeout=10) as answer:
        return json.loads(answer.read())


def heartbeat_lag(parser, word):
    """The lag a ``heartbeat`` action sends: seconds, 'stopped', or None for ``scenario``."""
    if word in ('stopped', 'scenario'):
        return None if word == 'scenario' else word
    try:
        return float(word)
    except (TypeError, ValueError):
        return parser.error('heartbeat needs a lag in seconds, stopped or scenario')


def main(argv=None):
    parser = argparse.ArgumentParser(prog='htapsim.control', description=__doc__.splitlines()[0])
    parser.add_argument('url', help="the simulator's URL")
    parser.add_argument('action', choices=['scenario', 'reset', 'stats', 'stop', 'heartbeat'])
    parser.add_argument('name', nargs='?', help='scenario: a bundled name or a file the simulator can read; '
                                                'heartbeat: a lag in seconds, stopped or scenario')
    parser.add_argument('--ca', help='CA bundle of an HTTPS simulator')
    args = parser.parse_args(argv)
    if args.action == 'scenario':
        if not args.name:
            parser.error('scenario needs a name')
        print(post(args.url, '/__sim__/scenario', {'name': args.name}, args.ca))
    elif args.action == 'heartbeat':
        print(json.dumps(post(args.url, '/__sim__/heartbeat', {'lag': heartbeat_lag(parser, args.name)}, args.ca),
                         indent=2))
    elif args.action == 'stats':
        print(json.dumps(post(args.url, '/__sim__/stats', None, args.ca, method='GET'), indent=2))
    else:
        print(post(args.url, '/__sim__/%s' % args.action, None, args.ca))
    return 0


if __name__ == '__main__':
    sys.exit(main())
