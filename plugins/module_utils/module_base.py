# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base of every module: the shared connection spec merged in once, the requests check, a
client built from checked settings, and one failure path."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.taurusdb.htap.plugins.module_utils.client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import non_finite_numbers
from ansible_collections.taurusdb.htap.plugins.module_utils.session import Session


def generate_argspec(**spec):
    """The connection spec with a module's own options."""
    argspec = dict(CONNECTION_SPEC)
    argspec.update(spec)
    return argspec


class TaurusDBModule(AnsibleModule):
    """A read-only module of this collection: ``run(work)`` calls ``work(client)`` for the result.

    Every failure - bad input, an API error, anything unexpected - becomes ``fail_json`` with the
    error's fields, scrubbed of secrets; warnings and results are scrubbed too. A number option that
    is NaN or an infinity is refused before anything else.
    """

    def __init__(self, argument_spec, **kwargs):
        kwargs.setdefault('supports_check_mode', True)  # they only read
        self._non_finite = {}
        super(TaurusDBModule, self).__init__(argument_spec=generate_argspec(**argument_spec), **kwargs)
        self.session = Session(self.params, self.warn)
        self.scrubber = self.session.scrubber
        if self._non_finite:
            self.fail_json(msg='; '.join(self._non_finite.values()))
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)

    def _load_params(self):
        """The parameters, less the number options given as NaN or an infinity: they are refused once the
        module is set up (ansible-core's own conversion of an infinite whole number is a traceback)."""
        super(TaurusDBModule, self)._load_params()
        self._non_finite = non_finite_numbers(self.argument_spec, self.params)
        for name in self._non_finite:
            del self.params[name]

    def run(self, what, work, concurrency=1, **fail_fields):
        """``work(client)`` returns the result; ``what`` names the work in an unexpected failure."""
        result, failure = self.session.run(what, work, concurrency)
        if failure:
            self.fail_json(**dict(fail_fields, **failure))
        self.exit_json(changed=False, **result)
