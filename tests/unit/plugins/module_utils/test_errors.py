"""The one failure shape: what an error says, what a server's error body means, and that no secret is
left in any of it."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import (
    REDACTED, ApiError, OptionError, Scrubber, failure_result, parse_error_body)
from ansible_collections.taurusdb.htap.plugins.module_utils.hints import hint_for

SECRET = 'tok"en-p\u00e4ss'


def test_an_error_says_what_failed_with_every_detail_it_has():
    error = ApiError('Querying instance i failed', status=404, error_code='DBS.200022', error_msg='Instance not found',
                     request_id='req-1', attempts=3, hint='Check instance_id.')
    assert str(error) == ('Querying instance i failed: HTTP 404 DBS.200022 "Instance not found" (request id req-1, '
                          'after 3 attempts). Check instance_id.')


@pytest.mark.parametrize('fields, text', [
    ({}, 'It failed.'),
    ({'status': 500}, 'It failed: HTTP 500.'),
    ({'status': 401, 'error_code': '401', 'error_msg': 'Unauthorized'}, 'It failed: HTTP 401 "Unauthorized".'),
    ({'status': 0, 'error_code': 'APIGW.0101'}, 'It failed: HTTP 0 APIGW.0101.'),
    ({'attempts': 1, 'request_id': ''}, 'It failed.'),
    ({'attempts': 2}, 'It failed (after 2 attempts).'),
    ({'error_msg': 'no status, so no body', 'hint': 'Retry.'}, 'It failed. Retry.'),
])
def test_an_error_leaves_out_what_it_does_not_have(fields, text):
    assert str(ApiError('It failed', **fields)) == text


def test_an_error_as_a_result_has_every_field():
    error = ApiError('It failed', status=503, error_code='X.1', error_msg='busy', request_id='r', hint='Later.',
                     attempts=2, url='https://e/p')
    assert error.to_result() == {'msg': 'It failed: HTTP 503 X.1 "busy" (request id r, after 2 attempts). Later.',
                                 'status': 503, 'error_code': 'X.1', 'error_msg': 'busy', 'request_id': 'r',
                                 'hint': 'Later.', 'attempts': 2, 'url': 'https://e/p'}
    assert OptionError('bad option').to_result() == {'msg': 'bad option'}


def test_a_scrubbed_error_holds_no_secret_in_any_field_its_args_included():
    echo = 'echo %s.' % SECRET
    error = ApiError(echo, status=400, error_code=echo, error_msg=echo, request_id=echo, hint=echo, attempts=2,
                     url='https://e/?token=%s' % SECRET)
    scrubbed = error.scrubbed(Scrubber([SECRET]))
    assert scrubbed is error
    text = repr(error) + str(error) + repr(error.to_result())
    assert SECRET not in text and 'p\\xe4ss' not in text and 'echo %s.' % REDACTED in text
    assert error.args == ('echo %s.' % REDACTED,) and error.status == 400 and error.attempts == 2


def test_a_scrubbed_error_shows_fields_a_server_sent_as_other_types_as_text_and_keeps_missing_ones_missing():
    error = ApiError('It failed', status=400, error_code=1234).scrubbed(Scrubber(['not-in-the-error']))
    assert error.error_code == '1234' and error.error_msg is None and error.request_id is None and error.hint is None


@pytest.mark.parametrize('payload, parsed', [
    ({'error_code': 'DBS.1', 'error_msg': 'm'}, ('DBS.1', 'm')),
    ({'errorCode': 'DBS.2', 'errorMsg': 'm2'}, ('DBS.2', 'm2')),
    ({'code': 'APIGW.0301', 'message': 'Incorrect IAM authentication information'},
     ('APIGW.0301', 'Incorrect IAM authentication information')),
    ({'error_code': None, 'error_msg': 'only a message'}, (None, 'only a message')),
    ({'errorCode': 'only-a-code'}, ('only-a-code', None)),
    ({'error_code': '', 'errorCode': 'DBS.3', 'errorMsg': 'second shape'}, ('DBS.3', 'second shape')),
    # IAM's nested shape: the numeric code is the status, the title names the error
    ({'error': {'code': 401, 'title': 'Unauthorized', 'message': 'The request you have made requires authentication.'}},
     ('Unauthorized', 'The request you have made requires authentication.')),
    ({'error': {'error_code': 'IAM.0001', 'title': 'Unauthorized', 'message': 'm'}}, ('IAM.0001', 'm')),
    ({'error': {'code': 401, 'message': 'm'}}, (None, 'm')),
    ({'error': 'a plain string'}, (None, None)),
    # any JSON where text belongs is shown as text, never dropped or raised on
    ({'error_code': 404, 'error_msg': {'b': 1, 'a': [True]}}, ('404', '{"a": [true], "b": 1}')),
    ({'error_code': ['A'], 'error_msg': {'b': 1}}, ('["A"]', '{"b": 1}')),
    ({'unrelated': 'x'}, (None, None)),
    (['error_code', 'DBS.1'], (None, None)),
    (None, (None, None)),
])
def test_every_error_body_shape_gives_its_code_and_message(payload, parsed):
    assert parse_error_body(payload) == parsed


def test_any_failure_is_a_result_without_a_secret_or_a_traceback():
    scrubber = Scrubber([SECRET])
    assert failure_result(OptionError('secret_key %s is wrong' % SECRET), scrubber, 'Querying') == {
        'msg': 'secret_key %s is wrong' % REDACTED}
    result = failure_result(ApiError('It failed', status=400, error_msg=SECRET), scrubber, 'Querying')
    assert result['msg'] == 'It failed: HTTP 400 "%s".' % REDACTED and result['error_msg'] == REDACTED
    assert result['status'] == 400 and set(result) == set(['msg'] + list(ApiError('x').to_result())[1:])
    assert failure_result(KeyError(SECRET), scrubber, 'Querying instance i') == {
        'msg': "Querying instance i failed unexpectedly: KeyError: '%s'" % REDACTED}


def test_an_iam_shaped_401_reads_plainly_with_a_hint():
    # before: "HTTP 401 401" and no hint
    code, message = parse_error_body({'error': {'code': 401, 'message': 'The username or password is wrong.'}})
    text = str(ApiError('Getting an IAM token failed', status=401, error_code=code, error_msg=message,
                        hint=hint_for(401, code)))
    assert 'HTTP 401 "The username or password is wrong."' in text and 'credentials were rejected' in text
