# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base of every lookup: options (direct, taurusdb_* variables, environment, ansible.cfg) to
checked settings, a client, and errors as AnsibleLookupError with secrets scrubbed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.taurusdb.htap.plugins.module_utils.client import HAS_REQUESTS
from ansible_collections.taurusdb.htap.plugins.module_utils.connection import CONNECTION_SPEC
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import non_finite_numbers
from ansible_collections.taurusdb.htap.plugins.module_utils.session import Session

display = Display()


class TaurusDBLookupBase(LookupBase):
    """``options_from(variables, kwargs, names)`` reads options; ``run_with_client`` runs the work."""

    def options_from(self, variables, kwargs, names):
        """Connection options and the named ones; only taurusdb_* variables count, and may hold templates.
        Every number option must be finite, from any source."""
        var_options = dict((name, self._templar.template(value)) for name, value in (variables or {}).items()
                           if name.startswith('taurusdb_'))
        self._check_numbers(dict(var_options, **kwargs))
        self.set_options(var_options=var_options, direct=kwargs)
        self._check_numbers(dict((name, self.get_option(name)) for name in self._number_options()))  # ansible.cfg's too
        if not HAS_REQUESTS:
            raise AnsibleLookupError('the %s lookup needs the Python library requests' % self._load_name)
        return dict((name, self.get_option(name)) for name in list(CONNECTION_SPEC) + list(names))

    def _number_options(self):
        """The number options, each with its variables as aliases (the names a value can be given by)."""
        return dict((name, dict(type=option['type'], aliases=[var['name'] for var in option.get('vars') or []]))
                    for name, option in self.option_definitions.items() if option.get('type') in ('int', 'float'))

    def _check_numbers(self, values):
        """Every number finite, before ansible-core converts it (an infinite whole number is an OverflowError)."""
        non_finite = non_finite_numbers(self._number_options(), values)
        if non_finite:
            raise AnsibleLookupError('; '.join(non_finite.values()))

    def run_with_client(self, options, what, work, concurrency=1):
        """``work(client)`` returns the result; any failure is an AnsibleLookupError, scrubbed."""
        result, failure = Session(options, display.warning).run(what, work, concurrency)
        if failure:  # raised outside any handler, so no chained exception can carry an unscrubbed message
            raise AnsibleLookupError(to_native(failure['msg']))
        return result
