# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Text from a server is data: what it may become on our side.

A server (or anyone between it and us) chooses every string in its answers. Shown as it came,
such a string can move a terminal's cursor and paint a fake line ("gate passed"), fill a screen
and a report with megabytes, fail Ansible's UTF-8 check with a lone surrogate, and - inside an
event, which ansible-rulebook hands to a playbook as trusted extra vars - run as a Jinja template.

``shown`` is the one form server text takes in our results, reports, progress lines and events:
control and invisible formatting characters (and lone surrogates) as ``\\xNN``/``\\uNNNN`` escapes,
the ``{`` that would open a Jinja block (``{{``, ``{%``, ``{#``) as ``\\x7b``, and text past a limit
cut with a note of its full length. Valid names (``[A-Za-z0-9_]``) pass unchanged, and applying
it twice changes nothing. The raw rows stay available to a user who asks (``return_raw``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

# Longest shown server text: names (the API allows 128 characters) and free text (messages, errors).
NAME_LIMIT = 256
TEXT_LIMIT = 2048

# C0 and C1 controls, DEL, invisible format characters (zero-width, bidirectional overrides and
# isolates, line and paragraph separators, BOM) and lone surrogates; and a '{' opening a template.
_UNSAFE = re.compile(u'[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e'
                     u'\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]|\\{(?=[{%#])')
_NAMED = {u'\n': u'\\n', u'\r': u'\\r', u'\t': u'\\t'}
_CUT = u' [... %d characters in all]'
_CUT_ROOM = 40  # room kept for _CUT's note, so cut text is never longer than the limit

# The API's documented forms (the reference page): task and target database names are 3-128
# letters, digits and underscores; a source database name 3-1,024 characters.
_API_NAME = re.compile(r'[A-Za-z0-9_]{3,128}\Z')
_SURROGATE = re.compile(u'[\ud800-\udfff]')
SOURCE_DATABASE_LENGTH = (3, 1024)


def _escape(match):
    char = match.group(0)[0]
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return u'\\x%02x' % code if code < 0x100 else u'\\u%04x' % code


def shown(text, limit=TEXT_LIMIT):
    """Server text as we show and return it: escaped (see above) and at most ``limit`` characters."""
    if not isinstance(text, str):
        return text
    head = text[:limit]  # escaping only lengthens: the rest cannot be shown anyway
    if _UNSAFE.search(head):
        head = _UNSAFE.sub(_escape, head)
    if len(text) <= limit and len(head) <= limit:
        return head
    return head[:limit - _CUT_ROOM] + _CUT % len(text)


def inert(value, limit=TEXT_LIMIT):
    """A copy of JSON-like data with every string (keys too) ``shown``: for data that leaves us as
    trusted input of something else (an event's extra vars)."""
    if isinstance(value, str):
        return shown(value, limit)
    if isinstance(value, dict):
        return dict((inert(key, limit), inert(item, limit)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [inert(item, limit) for item in value]
    return value


def is_api_name(value):
    """Whether a value is a task (or target database) name of the form the API documents."""
    return isinstance(value, str) and bool(_API_NAME.match(value))


def carriable(value):
    """JSON-like data as given, but for lone surrogates, which no UTF-8 output can carry (Ansible refuses
    the whole result): those become ``\\udXXX`` escapes. The raw rows a user asks for keep the rest."""
    if isinstance(value, str):
        return _SURROGATE.sub(_escape, value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return dict((carriable(key), carriable(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [carriable(item) for item in value]
    return value


def name_problems(row):
    """Reasons the names of one listing row are not what the API documents (none for a good row).

    A value that is not text is judged elsewhere (it is the wrong type); only text is checked here."""
    problems = []
    for field in ('task_name', 'target_database'):
        value = row.get(field)
        if isinstance(value, str) and value and not is_api_name(value):
            problems.append('%s is %s: the API allows 3 to 128 letters, digits and underscores'
                            % (field, _what(value)))
    value = row.get('source_database')
    low, high = SOURCE_DATABASE_LENGTH
    if isinstance(value, str) and value and (_SURROGATE.search(value) or not low <= len(value) <= high):
        problems.append('source_database is %s: the API allows %d to %d characters' % (_what(value), low, high))
    return problems


def _what(value):
    """A short, safe account of a bad name."""
    if _SURROGATE.search(value):
        return 'not valid Unicode (it holds a lone surrogate)'
    if len(value) > NAME_LIMIT:
        return '%d characters long' % len(value)
    return repr_text(value)


def repr_text(value):
    """A name quoted for a message, shown safely."""
    return u"'%s'" % shown(value, NAME_LIMIT)
