"""galaxy.yml tells the truth: its description names every kind of content the collection ships, and it
points at no made-up site (only repository, which galaxy-importer requires, names the never-existing .invalid)."""

import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# what is shipped (a path in the collection) -> the words the description uses for it
CONTENT = {
    'plugins/modules': 'modules', 'plugins/lookup': 'lookup', 'plugins/action': 'wait action',
    'plugins/filter': 'filters', 'plugins/test': 'a test', 'roles/replication_gate': 'replication_gate role',
    'extensions/eda/plugins/event_source': 'event source', 'extensions/eda/rulebooks': 'rulebook',
    'extensions/awx': 'AWX credential types', 'roles/simulator': 'simulator role',
}


def galaxy():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def test_the_description_names_everything_shipped():
    description = galaxy()['description']
    shipped = [path for path in CONTENT if os.path.isdir(os.path.join(ROOT, path))]
    assert len(shipped) == len(CONTENT)
    assert [CONTENT[path] for path in shipped if CONTENT[path] not in description] == []


def test_no_made_up_urls():
    meta = galaxy()
    assert [key for key in ('documentation', 'homepage', 'issues') if key in meta] == []
    assert meta['repository'].startswith('https://example.invalid/')  # galaxy-importer requires it
