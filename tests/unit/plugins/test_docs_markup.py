"""The documentation's markup renders as written: ansible-doc and the docs site end C(...) at the first ')',
so a code example with parentheses inside C() is cut in two (C(map(attribute='x') is all) showed "is all)")."""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CODE = re.compile(r'\bC\(([^)]*)\)')


def documented_files():
    for top in ('plugins', 'roles'):
        for folder, _dirs, names in os.walk(os.path.join(ROOT, top)):
            for name in sorted(names):
                if name.endswith(('.py', '.yml', '.yaml')):
                    yield os.path.relpath(os.path.join(folder, name), ROOT)


@pytest.mark.parametrize('path', sorted(documented_files()))
def test_code_markup_holds_no_parenthesis(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as handle:
        cut = [code for code in CODE.findall(handle.read()) if '(' in code]
    assert cut == [], '%s: C() ends at the first ")", so these are cut: %s' % (path, cut)
