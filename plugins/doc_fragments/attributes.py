# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # What every module of this collection supports: they only read.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: It only reads, so check mode queries the API just the same.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
'''

    # Membership of the action group, for module_defaults.
    ACTIONGROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/taurusdb.htap.taurusdb) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - taurusdb.htap.taurusdb
'''

    # An action that runs on the controller only (the wait, the replication action).
    CONTROLLER = r'''
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  become:
    description: Is usable alongside C(become) keywords.
    support: none
  connection:
    description: Uses the target's configured connection information to execute code on it.
    support: none
  delegation:
    description: Can be used in conjunction with C(delegate_to) and related keywords.
    support: none
    details: It always runs on the controller.
'''
