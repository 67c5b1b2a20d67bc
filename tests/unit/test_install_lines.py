"""The documented EDA install lines name every package the suite's real ansible-rulebook tests are run with
(tests/requirements-eda.txt): a line that leaves one out gives an ansible-rulebook that cannot run."""

import os
import re

import pytest

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
DOCS = ['README.md', os.path.join('docs', 'docsite', 'rst', 'guide_watch_and_reports.rst')]


def package_names(requirements):
    return set(re.split(r'[<>=!~\[ ]', line.strip())[0].lower() for line in requirements
               if line.strip() and not line.lstrip().startswith('#'))


def install_lines(text):
    """The package lists of the `pip install` commands that install ansible-rulebook."""
    found = [match.group(1) for match in re.finditer(r'pip install ([\w .<>=,-]+)', text)]
    return [line for line in found if 'ansible-rulebook' in line.split()]


@pytest.mark.parametrize('doc', DOCS)
def test_the_eda_install_line_brings_what_ansible_rulebook_needs(doc):
    with open(os.path.join(ROOT, 'tests', 'requirements-eda.txt')) as handle:
        needed = package_names(handle)
    with open(os.path.join(ROOT, doc)) as handle:
        lines = install_lines(handle.read())
    assert lines, 'no pip install line for ansible-rulebook in %s' % doc
    for line in lines:
        assert set(line.lower().split()) >= needed, '%s: %r leaves out %s' % (doc, line, needed - set(line.split()))
