# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of number options that an argument spec cannot express: finite, and within ``specs.RANGES``.

NaN passes every comparison, and ansible-core cannot convert an infinite whole number (an
OverflowError), so the values are checked as given, before the spec's types, and again in range.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.specs import RANGES


def _non_finite(value):
    """Whether ``value`` is NaN or an infinity, also as text ('nan', '-inf', '1e999')."""
    if isinstance(value, (str, bytes)):
        try:
            value = float(value)
        except ValueError:
            return False
    return isinstance(value, float) and not math.isfinite(value)


def _finite_problem(name, value):
    return '%s must be a finite number, got %s' % (name, float(value))


def non_finite_numbers(spec, params):
    """{option: message} for each number option of ``spec`` (by its name or an alias) that ``params``
    gives as NaN or an infinity."""
    found = {}
    for name, option in spec.items():
        if option.get('type') in ('int', 'float'):
            for given in [name] + list(option.get('aliases') or []):
                if _non_finite(params.get(given)):
                    found[given] = _finite_problem(given, params[given])
    return found


def check_range(params, name, low, high=None):
    """``params[name]`` (unless None) finite and between ``low`` and ``high`` (no upper bound when None)."""
    value = params.get(name)
    if value is None:
        return
    if _non_finite(value):
        raise OptionError(_finite_problem(name, value))
    if value < low or (high is not None and value > high):
        bound = 'between %s and %s' % (low, high) if high is not None else 'at least %s' % low
        raise OptionError('%s must be %s, got %s' % (name, bound, value))


def check_ranges(params, names):
    """Each of ``names`` that ``params`` holds, within its range in ``specs.RANGES``."""
    for name in names:
        if name in RANGES:
            check_range(params, name, *RANGES[name])
