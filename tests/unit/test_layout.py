"""Tests mirror the code: every file of plugins/module_utils and plugins/plugin_utils has its own test file,
tests/unit/plugins/<folder>/test_<file>.py (cross-cutting suites come on top, named for what they check)."""

import os

from ansible_collections.taurusdb.htap.tests.unit.helpers import COLLECTION

SHARED = ['plugins/module_utils', 'plugins/plugin_utils']


def without_a_test_file():
    missing = []
    for folder in SHARED:
        for name in sorted(os.listdir(os.path.join(COLLECTION, folder))):
            test = os.path.join(COLLECTION, 'tests', 'unit', folder, 'test_' + name)
            if name.endswith('.py') and name != '__init__.py' and not os.path.isfile(test):
                missing.append(folder + '/' + name)
    return missing


def test_every_shared_code_file_has_its_own_test_file():
    assert without_a_test_file() == []
