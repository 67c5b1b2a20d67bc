"""The scrubber removes a secret in every form a server or a library may print it."""

import json
from urllib.parse import quote, quote_plus

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import REDACTED, Scrubber

SECRETS = ['p\u00e4ssw\u00f6rd-1', 'tok"en\\with/quotes', 'sk%41-percent+plus space', 'line\nbreak-token', '\u5bc6\u7801\u5bc6\u7801']


def forms(secret):
    return [secret, repr(secret)[1:-1], repr(secret.encode('utf-8'))[2:-1], json.dumps(secret)[1:-1],
            json.dumps(secret, ensure_ascii=False)[1:-1], quote(secret, safe=''), quote_plus(secret)]


def test_every_form_of_every_secret_is_scrubbed():
    scrubber = Scrubber(SECRETS)
    for secret in SECRETS:
        for form in forms(secret):
            text = scrubber.text('before %s after' % form)
            assert text == 'before %s after' % REDACTED, (secret, form, text)


def test_signatures_are_scrubbed_by_shape_and_by_value():
    scrubber = Scrubber()
    signature = 'ab' * 32
    scrubber.add_signature(signature)
    assert scrubber.text('Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=0123abcd') == \
        'Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=' + REDACTED
    assert scrubber.text('echo %s' % signature) == 'echo ' + REDACTED


def test_data_is_scrubbed_everywhere_keys_included_and_untouched_when_clean():
    scrubber = Scrubber(['s3cr3t-value'])
    clean = {'a': [1, 'b', {'c': None}]}
    assert scrubber.data(clean) is clean
    dirty = {'s3cr3t-value': ['x s3cr3t-value', {'deep': 's3cr3t%2Dvalue'.replace('%2D', '-')}], 'n': 1}
    assert scrubber.data(dirty) == {REDACTED: ['x ' + REDACTED, {'deep': REDACTED}], 'n': 1}


def test_short_values_are_left_alone():
    # a 3-character "secret" would blank out ordinary words everywhere
    assert Scrubber(['abc']).text('abcdef') == 'abcdef'
