"""Server text is data: escaped, never a template, cut; names outside the API's form are not ready.

Unit tests of server_text, and of what the verdict, the client and failures make of the worst strings a
server can send (over real HTTP from the adversary where the wire matters).
"""

import json

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import ApiError, Scrubber, failure_result
from ansible_collections.taurusdb.htap.plugins.module_utils.replication import describe_task, query_instance
from ansible_collections.taurusdb.htap.plugins.module_utils.replication_verdict import normalize
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import (
    NAME_LIMIT, TEXT_LIMIT, carriable, inert, is_api_name, name_problems, shown)

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, KEY, make_client, query_of

TEMPLATES = ["x_{{ lookup('pipe', 'id') }}", "{% for x in range(3) %}{{ x }}{% endfor %}", '{#c#}', '{{{{']
CONTROLS = ['\x1b[2K\rReplication gate passed: all 1 instance(s) ready.', 'a\nb\r\tc\x00\x07\x7f', '\x9b31m',
            'rtl\u202eevil\u2066', 'line\u2028sep', 'zero\u200bwidth\ufeff']


def row(name='task_a', **extra):
    data = {'task_name': name, 'source_database': 'src', 'target_database': 'tgt', 'status': 'Yes',
            'stage': 'Incremental', 'percentage': '100'}
    data.update(extra)
    return data


# --- shown ---------------------------------------------------------------------------------------
@pytest.mark.parametrize('text', TEMPLATES)
def test_a_template_never_survives(text):
    result = shown(text)
    assert '{{' not in result and '{%' not in result and '{#' not in result
    assert result.replace('\\x7b', '{') == text  # a reader still sees what was sent


@pytest.mark.parametrize('text', CONTROLS)
def test_control_and_invisible_characters_are_escaped(text):
    result = shown(text)
    assert all(char.isprintable() and char not in '\u2028\u2029\u200b\ufeff\u202e\u2066' for char in result), result
    assert result.encode('ascii', 'backslashreplace')  # printable


def test_the_escapes_are_the_usual_ones():
    assert shown('a\nb\tc\r\x1b\x9b\u202e\ud800') == 'a\\nb\\tc\\r\\x1b\\x9b\\u202e\\ud800'


def test_valid_names_and_ordinary_text_pass_unchanged():
    for text in ('orders_db', 'ALTER TABLE orders ADD COLUMN x INT failed: {"a": 1}', 'Gro\u00dfe Tabelle \u6570\u636e', '{ }'):
        assert shown(text) == text


@pytest.mark.parametrize('length', [NAME_LIMIT - 1, NAME_LIMIT, NAME_LIMIT + 1, 2 * 1024 * 1024])
def test_long_text_is_cut_to_the_limit_with_its_full_length(length):
    result = shown('n' * length, NAME_LIMIT)
    assert len(result) <= NAME_LIMIT
    if length > NAME_LIMIT:
        assert result.endswith(' [... %d characters in all]' % length)
    else:
        assert result == 'n' * length


def test_the_limits_and_the_cut_exactly():
    # The limits are part of the interface (docs and reports rely on them): names 256, free text 2048.
    assert (NAME_LIMIT, TEXT_LIMIT) == (256, 2048)
    assert shown('m' * 2048) == 'm' * 2048
    assert shown('m' * 2049) == 'm' * 2008 + ' [... 2049 characters in all]'
    assert shown('n' * 300, NAME_LIMIT) == 'n' * 216 + ' [... 300 characters in all]'
    assert normalize(row('n' * 300))['task_name'] == 'n' * 216 + ' [... 300 characters in all]'


def test_escaping_that_grows_text_past_the_limit_is_cut_too():
    result = shown('\x1b' * NAME_LIMIT, NAME_LIMIT)
    assert len(result) <= NAME_LIMIT and result.endswith('[... %d characters in all]' % NAME_LIMIT)


@pytest.mark.parametrize('text', TEMPLATES + CONTROLS + ['x' * 5000, '\x1b' * 3000, '\ud800' * 10])
def test_shown_twice_is_shown_once(text):
    assert shown(shown(text)) == shown(text)


def test_non_text_passes_through():
    assert shown(None) is None and shown(5) == 5


def test_inert_reaches_every_string_keys_too():
    value = inert({'{{ k }}': ['\x1b', {'x': '{% y %}'}], 'n': 1, 'b': True, 'z': None}, 100)
    text = json.dumps(value)
    assert '{{' not in text and '{%' not in text and '\\u001b' not in text
    assert value['n'] == 1 and value['b'] is True and value['z'] is None
    assert value['\\x7b{ k }}'] == ['\\x1b', {'x': '\\x7b% y %}'}]
    assert inert(['{{ a }}', ('\x00', 2)]) == ['\\x7b{ a }}', ['\\x00', 2]]


def test_carriable_keeps_all_but_lone_surrogates():
    value = carriable({'task_name': 'x\ud800y', 'stage': '\x1b{{ a }}', 'n': [1, '\udfff']})
    assert value == {'task_name': 'x\\ud800y', 'stage': '\x1b{{ a }}', 'n': [1, '\\udfff']}
    json.dumps(value, ensure_ascii=False).encode('utf-8')


# --- names -----------------------------------------------------------------------------------------
@pytest.mark.parametrize('name, good', [('abc', True), ('A_b_9', True), ('x' * 128, True), ('ab', False),
                                        ('x' * 129, False), ('orders-db', False), ('a b', False), ('\u00e9t\u00e9', False),
                                        (TEMPLATES[0], False), ('db\n', False), ('db\ud800', False)])
def test_the_api_name_form(name, good):
    assert is_api_name(name) is good
    problems = name_problems(row(name, target_database=name))
    assert (problems == []) is good
    if not good:
        assert [problem.split(' ')[0] for problem in problems] == ['task_name', 'target_database']


def test_source_database_is_3_to_1024_characters_of_any_kind():
    assert name_problems(row(source_database='ventes-2026 {x}')) == []
    assert name_problems(row(source_database='abc')) == name_problems(row(source_database='s' * 1024)) == []
    assert name_problems(row(source_database='ab'))[0].startswith("source_database is 'ab'")
    assert '1025 characters long' in name_problems(row(source_database='s' * 1025))[0]
    assert 'lone surrogate' in name_problems(row(source_database='sales\ud800'))[0]


# --- through the verdict -----------------------------------------------------------------------------
def test_a_template_in_a_name_is_not_ready_and_shown_inert():
    task = normalize(row(TEMPLATES[0], source_database="{{ lookup('pipe', 'id') }}"))
    assert not task['ready']
    assert task['reasons'][0].startswith("task_name is 'x_\\x7b{ lookup('pipe', 'id') }}': the API allows")
    assert '{{' not in json.dumps(task)


def test_control_characters_in_every_field_are_escaped_and_not_ready():
    task = normalize(row(CONTROLS[0], status='Yes\x1b[0m', stage='\rIncremental', target_database='t\nx'))
    text = json.dumps(task, ensure_ascii=False)
    assert '\x1b' not in text and '\r' not in text and '\n' not in text and not task['ready']


def test_a_two_megabyte_name_is_cut_and_not_ready_and_the_raw_row_is_kept_on_request():
    name = 'n' * (2 * 1024 * 1024)
    task = normalize(row(name), return_raw=True)
    assert len(task['task_name']) <= NAME_LIMIT and not task['ready']
    assert task['reasons'][0] == 'task_name is 2097152 characters long: the API allows 3 to 128 letters, digits and underscores'
    assert task['original']['task_name'] == name
    assert len(json.dumps(normalize(row(name)))) < 2 * NAME_LIMIT + 1000


def test_a_bad_name_is_quoted_up_to_the_name_limit_and_counted_past_it():
    assert name_problems(row('-' * 256))[0] == "task_name is '%s': the API allows 3 to 128 letters, digits and underscores" % ('-' * 256)
    assert name_problems(row('-' * 257))[0].startswith('task_name is 257 characters long:')


def test_a_lone_surrogate_is_named_not_ready_and_encodable():
    task = normalize(row('db\ud800x', source_database='\udc00src'), return_raw=True)
    assert not task['ready']
    assert task['reasons'][:2] == [
        'task_name is not valid Unicode (it holds a lone surrogate): the API allows 3 to 128 letters, digits and underscores',
        'source_database is not valid Unicode (it holds a lone surrogate): the API allows 3 to 1024 characters']
    json.dumps(task, ensure_ascii=False).encode('utf-8')  # what Ansible's result check needs


def test_problems_name_tasks_safely():
    assert describe_task(row(TEMPLATES[0], source_database='\x1b')) == "x_\\x7b{ lookup('pipe', 'id') }} (\\x1b -> tgt)"


def test_failures_are_shown_safely_after_the_scrubber():
    secret = 'sk{{with}}\nodd'
    scrubber = Scrubber([secret])
    error = ApiError('Querying failed', status=500, error_code='X\x1b', error_msg='echo %s {{ x }} %s' % (secret, 'm' * 9000),
                     request_id='rid\r\n{{ y }}')
    result = failure_result(error, scrubber, 'x')
    text = json.dumps(result)
    assert secret not in text and 'sk\\x7b{with}}' not in text and '{{' not in text and '\\u001b' not in text
    assert result['error_msg'].startswith('echo ******** \\x7b{ x }}') and len(result['error_msg']) <= TEXT_LIMIT
    assert result['request_id'] == 'rid\\r\\n\\x7b{ y }}'
    assert len(result['msg']) <= 4 * TEXT_LIMIT


# --- over HTTP: what the client returns --------------------------------------------------------
def params(adv):
    return dict(endpoint=adv.url, project_id=DEFAULT_PROJECT, access_key=KEY['ak'], secret_key=KEY['sk'],
                connect_timeout=5.0, read_timeout=5.0, retries=0, retry_max_time=5.0, retry_backoff=0.01)


def test_a_secret_echoed_in_a_long_name_is_scrubbed_before_the_name_is_cut(adversary):
    # the name is cut at NAME_LIMIT: the token must be gone before, not half-shown at the cut
    echo = 'n' * (NAME_LIMIT - 60) + '{{header:X-Auth-Token}}' + 'n' * 500
    adversary.play([{'path': 'replication$', 'json': {'total_count': 1, 'replications': [row(echo)]}}])
    token = 'tok-' + 'S3cr3t' * 10
    with make_client(dict(params(adversary), access_key=None, secret_key=None, auth_token=token)) as client:
        result = query_instance(client, INSTANCE, query_of(params(adversary)))
    text = json.dumps(result)
    assert 'S3cr3t' not in text and '********' in result['replications'][0]['task_name']


def test_the_worst_names_over_http_are_never_green_and_carry_no_raw_control_or_template(adversary):
    body = ('{"total_count": "3", "replications": ['
            '{"task_name": "x_{{ 7*7 }}", "source_database": "s{% if 1 %}x{% endif %}", "target_database": "tgt",'
            ' "status": "Yes", "stage": "Incremental"},'
            '{"task_name": "ok\\u001b[2K\\rReplication gate passed", "source_database": "src", "target_database": "tgt",'
            ' "status": "Yes", "stage": "Incremental"},'
            '{"task_name": "sur\\ud800", "source_database": "src", "target_database": "tgt",'
            ' "status": "Yes", "stage": "Incremental"}]}')
    adversary.play([{'path': 'replication$', 'body': body, 'headers': {'X-Request-Id': 'rid\x1b{{ x }}'}}])
    with make_client(params(adversary)) as client:
        result = query_instance(client, INSTANCE, query_of(params(adversary)))
    assert not result['all_ready'] and result['summary']['not_ready'] == 3
    text = json.dumps(result, ensure_ascii=False)
    text.encode('utf-8')
    assert '{{' not in text and '{%' not in text and '\x1b' not in text and '\r' not in text
