# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options of controller-side entry points that are not modules (the wait action, the event
source): the environment-variable fallbacks a module would apply, then the argument spec, as
``AnsibleModule`` would check them - one implementation for all of them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import non_finite_numbers

try:  # module_defaults for options the task left out, also with omit (which drops them from the task's args)
    from ansible.executor.module_common import _apply_action_arg_defaults
except ImportError:  # pragma: no cover - other ansible-core versions: the task's args already hold the defaults
    _apply_action_arg_defaults = None


def apply_env_fallbacks(spec, args, environ):
    """``args`` with every option left out (or None) that has an ``env_fallback`` taken from ``environ``:
    the first variable set and not empty wins, as for a module."""
    args = dict(args)
    for name, option in spec.items():
        if args.get(name) is None and 'fallback' in option:
            found = [environ[var] for var in option['fallback'][1] if environ.get(var)]
            if found:
                args[name] = found[0]
    return args


def validate_options(spec, args, environ):
    """(validated options, error message or None): fallbacks from ``environ``, every number option finite,
    then ``spec``'s types, defaults, choices and aliases. The options are returned also on error (for what
    can still be used; a number that is not finite is left out, so it has its default)."""
    args = apply_env_fallbacks(spec, args, environ)
    non_finite = non_finite_numbers(spec, args)
    validated = ArgumentSpecValidator(spec).validate(
        dict((name, value) for name, value in args.items() if name not in non_finite))
    errors = list(non_finite.values()) + validated.error_messages
    return validated.validated_parameters, '; '.join(errors) if errors else None


def action_args(action):
    """An action plugin's task args with module_defaults (also for options left out by omit), as a module
    would get them."""
    args = dict(action._task.args)
    if _apply_action_arg_defaults is not None:
        args = _apply_action_arg_defaults(action._task.resolved_action, action._task, args, action._templar)
    return args


def action_environment(action):
    """The controller's environment with the task's environment: keyword over it."""
    environ = dict(os.environ)
    environments = action._task.environment or []
    for environment in environments if isinstance(environments, list) else [environments]:
        environment = action._templar.template(environment)
        if isinstance(environment, dict):
            environ.update((str(name), str(value)) for name, value in environment.items())
    return environ
