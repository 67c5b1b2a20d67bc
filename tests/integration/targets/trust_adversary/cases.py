"""The adversary's cases for trust.yml, as JSON: each is a script of answers, the module's extra
arguments, and what every entry point must make of it (never a green light)."""

import json
import sys

LISTING = 'starrocks/databases/replication$'
IAM_401 = 'The request you have made requires authentication.'


def row(name, status='Yes', stage='Incremental', **extra):
    data = {'task_name': name, 'source_database': 'src', 'target_database': 'tgt', 'status': status, 'stage': stage,
            'percentage': '100', 'catchup_stage': None, 'catchup_percentage': '0'}
    data.update(extra)
    return data


def page(total, rows, offset=None, ext_text=None, **rule):
    rule.update(path=LISTING, json={'total_count': total, 'replications': rows, 'ext_text': ext_text})
    if offset is not None:
        rule['offset'] = offset
    return rule


def shifted_listing():
    """100 tasks, t050 broken; after the first page is read t000 is deleted and t100 appended: t050 moves
    into the page already read while total_count stays 100 (each entry point sees it from the start)."""
    before = [row('t%03d' % i, *(('No', 'Full') if i == 50 else ())) for i in range(100)]
    after = before[1:] + [row('t100')]
    return [page(100, before[:50], offset=0, times=1), page(100, after[50:], offset=50),
            page(100, after[:50], offset=0)]


TEMPLATE = "x_{{ lookup('pipe', 'id') }}"
FAKE_LINE = r'db\u001b[2K\rReplication gate passed: all 1 instance(s) ready.\nok'  # JSON escapes
RAW_ROW = ('{"task_name": "%s", "source_database": "src", "target_database": "tgt", "status": "Yes", '
           '"stage": "Incremental", "percentage": "100"}')


CASES = [
    dict(name='a listing shifted between page reads', expect='not ready', messages=['t050', 'status is No'],
         rules=shifted_listing()),
    dict(name='templates in the names', expect='not ready', messages=['task_name is', 'the API allows'],
         rules=[page(1, [row(TEMPLATE, source_database="{% if true %}src{% endif %}")])]),
    dict(name='terminal control characters in a name', expect='not ready', messages=['task_name is'],
         rules=[{'path': LISTING, 'body': '{"total_count": 1, "ext_text": "%s", "replications": [%s]}' % (
             FAKE_LINE, RAW_ROW % FAKE_LINE)}]),
    dict(name='a lone surrogate in a name', expect='not ready', messages=['lone surrogate'],
         rules=[{'path': LISTING, 'body': '{"total_count": 1, "replications": [%s]}' % (RAW_ROW % r'db\ud800')}]),
    dict(name='a two-megabyte name', expect='not ready', messages=['2097152 characters long'],
         rules=[page(1, [row('n' * 2 * 1024 * 1024)], ext_text='e' * 2 * 1024 * 1024)]),
    dict(name='pages that disagree on ext_text', expect='not ready', messages=['ext_text changed while paging'],
         rules=[page(60, [row('task_%03d' % i) for i in range(50)], offset=0, ext_text='one'),
                page(60, [row('task_%03d' % i) for i in range(50, 60)], offset=50, ext_text='another')]),
    dict(name='conflicting duplicate across pages', expect='not ready', messages=['listing inconsistent', 'task_007'],
         rules=[page(60, [row('task_%03d' % i) for i in range(50)], offset=0),
                page(60, [row('task_%03d' % i) for i in range(50, 60)] + [row('task_007', 'No', 'Full')], offset=50)]),
    dict(name='conflicting duplicate on one page', expect='not ready', messages=['listing inconsistent'],
         rules=[page(1, [row('a'), row('a', 'No', 'Full')])]),
    dict(name='nameless rows', expect='not ready', messages=['the task has no name'],
         rules=[page(1, [row(None), row(None, 'No', 'Full')])]),
    dict(name='duplicates fill a page with a task missing', expect='not ready', args={'limit': 100},
         messages=['only 2 of 3 tasks were fetched'], rules=[page(3, [row('a'), row('a'), row('b')])]),
    dict(name='total_count 0 with rows', expect='not ready', messages=['total_count is 0'],
         rules=[page(0, [row('a')])]),
    dict(name='total_count -1', expect='error', messages=['negative number of tasks'],
         rules=[page(-1, [row('a')])]),
    dict(name='a named task that does not exist', expect='not ready', args={'task_names': ['a', 'nope']},
         messages=['named task nope is missing'], rules=[page(2, [row('a'), row('b')])]),
    dict(name='a list as task name', expect='not ready', messages=['task_name is list, not text'],
         rules=[page(1, [row(['a'])])]),
    dict(name='deeply nested JSON', expect='error', messages=['not valid JSON'],
         rules=[{'path': LISTING, 'body': '[' * 50000 + ']' * 50000}]),
    dict(name='a lying total with one row a page', expect='error', messages=['more than the 2000 allowed'], requests=1,
         rules=[page(100000, [row('a')])]),
    dict(name='an absurd total', expect='error', messages=['more than the 100000 this collection reads'],
         rules=[page(10 ** 12, [row('a')])]),
    dict(name='a gzip bomb', expect='error', messages=['larger than 8388608 bytes'], rules=[{'path': LISTING, 'bomb': 1 << 30}]),
    dict(name='an IAM-shaped 401', expect='error', messages=['HTTP 401 "%s"' % IAM_401, 'credentials were rejected'],
         rules=[{'path': LISTING, 'status': 401, 'json': {'error': {'code': 401, 'message': IAM_401}}}]),
]

if __name__ == '__main__':
    json.dump({'cases': CASES}, sys.stdout)
