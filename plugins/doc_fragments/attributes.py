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
