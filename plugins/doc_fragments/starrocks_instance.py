# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The one StarRocks instance a module works on (the info modules and the replication module).
    DOCUMENTATION = r'''
options:
  instance_id:
    description:
      - ID of the StarRocks instance (36 letters or digits ending in C(in17)).
    type: str
    required: true
'''
