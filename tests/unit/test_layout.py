"""Tests mirror the code: every file of plugins/module_utils and plugins/plugin_utils has its own test file,
tests/unit/plugins/<folder>/test_<file>.py (cross-cutting suites come on top, named for what they check)."""

import os
import re

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


def contributing_commands():
    """The commands of CONTRIBUTING.md's table of slices."""
    with open(os.path.join(COLLECTION, 'CONTRIBUTING.md'), encoding='utf-8') as handle:
        return re.findall(r'^\| [^|`]+ \| `([^`]+)` \|', handle.read(), re.M)


def test_every_file_and_target_a_contributing_command_names_exists():
    commands = contributing_commands()
    assert len(commands) >= 9 and 'bash tests/run-all.sh' in commands
    with open(os.path.join(COLLECTION, 'tests', 'mutation', 'mutate.py'), encoding='utf-8') as handle:
        mutation_targets = handle.read()
    for command in commands:
        words = command.split()
        assert [word for word in words if '/' in word and not os.path.exists(os.path.join(COLLECTION, word))] == []
        if 'integration' in words:
            for target in words[words.index('integration') + 1:]:
                assert os.path.isdir(os.path.join(COLLECTION, 'tests', 'integration', 'targets', target)), command
        if 'tests/mutation/mutate.py' in words:
            assert "'%s': [" % words[-1] in mutation_targets, command
