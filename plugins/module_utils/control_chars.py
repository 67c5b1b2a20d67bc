# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one rule for what a value we send may not hold: a control character would break or forge an
HTTP header (a newline ends it and starts another) or a request line.

Two sets, on purpose: a credential a user gives, or any header value, may hold a space inside (an
IAM password; ``Authorization: SDK-HMAC-SHA256 ...``); a URL, or a credential a server hands us (an
IAM token, the metadata service's keys and token), is one word, where a space is as wrong as a
newline. Escaping text *from* a server for display is server_text's job, not this.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

# C0 controls and DEL: what a header value, or a credential a user gives, may not hold.
CONTROL_CHARS_RE = re.compile(r'[\x00-\x1f\x7f]')
# The same and the space: what a URL (an endpoint, a proxy) or a credential from a server may not hold.
CONTROL_CHARS_OR_SPACE_RE = re.compile(r'[\x00-\x20\x7f]')
