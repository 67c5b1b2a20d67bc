"""The event types the event source documents, and those the docs and rulebooks act on, are the ones it emits
(as test_docs_match_spec checks the documented options against the specs)."""

import os
import re

import yaml

from ansible_collections.taurusdb.htap.plugins.plugin_utils.watch_state import EVENT_TYPES
from ansible_collections.taurusdb.htap.tests.unit.helpers import COLLECTION, run_event_source

GUIDE = os.path.join(COLLECTION, 'docs', 'docsite', 'rst', 'guide_watch_and_reports.rst')
# Where conditions on event types are written: docs, rulebooks, the source's examples, the playbook it runs
WRITTEN_IN = ['README.md', 'docs', 'extensions', 'playbooks']
EQUALS = re.compile(r'event\.type\s*[!=]=\s*["\'](\w+)["\']')
ONE_OF = re.compile(r'event\.type\s+(?:not\s+)?in\s+\[([^\]]*)\]')


def guide_event_types():
    """The first column of the guide's table of events, header row left out."""
    with open(GUIDE, encoding='utf-8') as handle:
        events = handle.read().split('\nEvents\n~~~~~~\n', 1)[1]
    table = re.split(r'\n(?=\S)', events.split('.. list-table::', 1)[1], maxsplit=1)[0]
    header, *rows = re.findall(r'^   \* - (.*)$', table, re.M)
    assert header == '``type``'
    return [name for row in rows for name in re.findall(r'``(\w+)``', row)]


def test_the_guide_has_a_row_for_every_event_type_and_no_other():
    assert sorted(guide_event_types()) == sorted(EVENT_TYPES)


def test_the_event_sources_documentation_names_every_event_type_and_no_other():
    description = yaml.safe_load(run_event_source()['DOCUMENTATION'])['description']
    events = [item for item in description if item.startswith('Events (key C(type))')]
    assert len(events) == 1
    named = set(re.findall(r'C\(([a-z]+(?:_[a-z]+)+)\)', events[0]))  # C(task_ready), not C(full) or C(type)
    assert named == set(EVENT_TYPES)


def text_files():
    for top in WRITTEN_IN:
        path = os.path.join(COLLECTION, top)
        if os.path.isfile(path):
            yield path
        for folder, _dirs, names in os.walk(path):
            for name in names:
                if name.endswith(('.md', '.rst', '.yml', '.py')):
                    yield os.path.join(folder, name)


def written_conditions():
    """(file, event type) for every condition on event.type in the docs, rulebooks, examples and playbooks."""
    found = []
    for path in text_files():
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        types = EQUALS.findall(text) + [item for listed in ONE_OF.findall(text)
                                        for item in re.findall(r'["\'](\w*)["\']', listed)]
        found.extend((os.path.relpath(path, COLLECTION), event_type) for event_type in types)
    return found


def test_every_condition_written_on_an_event_type_names_one_the_source_emits():
    conditions = written_conditions()
    assert len(conditions) >= 10  # README, the guide, the rulebook, the examples and the playbook all have some
    assert [(name, event_type) for name, event_type in conditions if event_type not in EVENT_TYPES] == []
