"""ansible-doc does not read Event-Driven Ansible event sources: the event source's documentation (its
DOCUMENTATION and EXAMPLES) is rendered as a page of the docs site, docs/docsite/rst/replication_watch.rst,
which must be what this file renders from them. After changing them: python tests/unit/plugins/test_docs_event_source.py"""

import ast
import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SOURCE = os.path.join('extensions', 'eda', 'plugins', 'event_source', 'replication_watch.py')
PAGE = os.path.join(ROOT, 'docs', 'docsite', 'rst', 'replication_watch.rst')
MARKUP = re.compile(r'\b([COVMIBU])\(([^)]*)\)')
INTRO = """\
.. _ansible_collections.taurusdb.htap.docsite.replication_watch:

The event source taurusdb.htap.replication_watch
================================================

``ansible-doc`` does not read Event-Driven Ansible event sources: this page is the event source's own
documentation (``DOCUMENTATION`` and ``EXAMPLES`` in ``{source}`` of the collection), rendered for the docs
site. How to use it, its events and its rulebook: :ref:`ansible_collections.taurusdb.htap.docsite.guide_watch_and_reports`.

{short_description}."""


def source_docs():
    """DOCUMENTATION and EXAMPLES of the event source, read without running it."""
    with open(os.path.join(ROOT, SOURCE), encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    found = dict((node.targets[0].id, node.value.value) for node in tree.body
                 if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                 and node.targets[0].id in ('DOCUMENTATION', 'EXAMPLES'))
    return yaml.safe_load(found['DOCUMENTATION']), found['EXAMPLES']


def text(markup):
    """Ansible's documentation markup as reStructuredText: code and values as literals, I() and B() as emphasis."""
    def one(match):
        kind, inner = match.groups()
        if kind in 'COVM':
            return '``%s``' % inner
        if kind == 'U':
            return inner
        return ('*%s*' if kind == 'I' else '**%s**') % inner
    return MARKUP.sub(one, markup)


def paragraphs(value, indent):
    items = value if isinstance(value, list) else [value]
    return ('\n\n' + indent).join(text(item) for item in items)


def option_rows(options):
    rows = []
    for name, spec in options.items():
        kind = spec.get('type', 'str') + (' of %s' % spec['elements'] if 'elements' in spec else '')
        default = '``%s``' % json.dumps(spec['default']) if 'default' in spec else ''
        extra = []
        if spec.get('choices'):
            extra.append('Choices: %s.' % ', '.join('``%s``' % choice for choice in spec['choices']))
        if spec.get('aliases'):
            extra.append('Aliases: %s.' % ', '.join('``%s``' % alias for alias in spec['aliases']))
        description = paragraphs(spec['description'] + extra, '       ')
        rows.append('   * - ``%s``\n     - %s\n     - %s\n     - %s' % (name, kind, default, description))
    return '\n'.join(rows)


def render():
    doc, examples = source_docs()
    parts = [INTRO.format(source=SOURCE, short_description=doc['short_description']),
             paragraphs(doc['description'], ''),
             'Options\n-------\n\n.. list-table::\n   :header-rows: 1\n   :widths: 15 10 10 65\n\n'
             '   * - Option\n     - Type\n     - Default\n     - Description\n' + option_rows(doc['options'])]
    if doc.get('notes'):
        parts.append('Notes\n-----\n\n' + '\n'.join('- ' + text(note) for note in doc['notes']))
    parts.append('Examples\n--------\n\n.. code-block:: yaml\n\n' + '\n'.join(
        ('    ' + line).rstrip() for line in examples.strip('\n').splitlines()))
    return '\n\n'.join(parts) + '\n'


def test_the_docs_site_page_is_the_event_sources_documentation():
    with open(PAGE, encoding='utf-8') as handle:
        assert handle.read() == render(), 'stale: run python tests/unit/plugins/test_docs_event_source.py'


if __name__ == '__main__':
    with open(PAGE, 'w', encoding='utf-8') as handle:
        handle.write(render())
    sys.stdout.write('wrote %s\n' % PAGE)
