"""The requests each case sent, from the simulator's counters (GET /__sim__/stats: its request log and writes).

    python sent.py URL CA DIR mark                 # remember where the simulator's counters are now
    python sent.py URL CA DIR row CASE EXPRESSION  # the requests since the mark: a row of the table in DIR/table,
                                                   # printed; fails unless EXPRESSION holds for them
    python sent.py URL CA DIR table                # print the table

EXPRESSION is Python over r (requests per route), w (write requests per action, and total) and seq (the
requests in order, "METHOD route" with " STATUS" when not 200). CA is "-" for plain HTTP. Loading a scenario
resets the counters: mark after it.
"""

import collections
import json
import os
import ssl
import sys
import urllib.request

WRITES = ('create', 'change', 'delete', 'pause', 'resume', 'total')


def stats(url, ca):
    context = ssl.create_default_context(cafile=ca) if url.startswith('https') else None
    with urllib.request.urlopen(url + '/__sim__/stats', context=context, timeout=30) as answer:
        return json.loads(answer.read())


def since(now, mark):
    """(requests in order, per route, writes per action) since the mark."""
    new = now['log'][len(now['log']) - (now['total'] - mark['total']):] if now['total'] > mark['total'] else []
    seq = ['%s %s%s' % (entry['method'], entry['route'], '' if entry['status'] == 200 else ' %s' % entry['status'])
           for entry in new]
    routes = collections.Counter(entry['route'] for entry in new)
    writes = dict((action, now['writes'][action] - mark['writes'][action]) for action in WRITES)
    return seq, dict(routes), writes


def in_short(seq):
    """Repeats in a row as one entry: GET jobs x3."""
    runs = []
    for request in seq:
        if runs and runs[-1][0] == request:
            runs[-1][1] += 1
        else:
            runs.append([request, 1])
    return ', '.join(request if times == 1 else '%s x%d' % (request, times) for request, times in runs) or 'none'


def main(url, ca, directory, action, *args):
    ca = None if ca == '-' else ca
    mark_file, table_file = os.path.join(directory, 'mark.json'), os.path.join(directory, 'table')
    if action == 'mark':
        now = stats(url, ca)
        with open(mark_file, 'w', encoding='utf-8') as handle:
            json.dump({'total': now['total'], 'writes': now['writes']}, handle)
        return 0
    if action == 'table':
        with open(table_file, encoding='utf-8') as handle:
            print('| case | requests, in order | writes |\n|---|---|---|\n' + handle.read(), end='')
        return 0
    case, expression = args
    with open(mark_file, encoding='utf-8') as handle:
        seq, routes, writes = since(stats(url, ca), json.load(handle))
    row = '| %s | %s | %s |' % (case, in_short(seq), ', '.join(
        '%s %d' % (name, count) for name, count in writes.items() if count and name != 'total') or 'none')
    print('requests sent: ' + row)
    with open(table_file, 'a', encoding='utf-8') as handle:
        handle.write(row + '\n')
    if not eval(expression, {}, {'r': routes, 'w': writes, 'seq': seq}):  # pylint: disable=eval-used
        print('the requests of %s do not satisfy %s: %r, %r' % (case, expression, routes, writes))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
