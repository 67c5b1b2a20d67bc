"""ids.py: the shapes of the ids that go into API paths, checked before any request."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import (
    check_instance_id, check_project_id, check_taurusdb_instance_id)

from ansible_collections.taurusdb.htap.tests.unit.helpers import DEFAULT_PROJECT, INSTANCE, settings_with


@pytest.mark.parametrize('instance_id', [INSTANCE + '\n', INSTANCE + '\r\n', ' ' + INSTANCE, INSTANCE[:-4] + 'in18'])
def test_an_instance_id_with_a_trailing_newline_is_refused(instance_id):
    # before: '$' matched before a trailing newline, which then went into the URL path
    with pytest.raises(OptionError, match='not a StarRocks instance id'):
        check_instance_id(instance_id)


def test_a_project_id_with_a_trailing_newline_is_refused():
    with pytest.raises(OptionError, match='project_id contains a line break'):
        settings_with({'project_id': DEFAULT_PROJECT + '\nX'})
    with pytest.raises(OptionError, match='project_id must be 32 letters or digits'):
        settings_with({'project_id': DEFAULT_PROJECT + 'X'})
    # surrounding whitespace alone is stripped, as for every credential
    assert settings_with({'project_id': DEFAULT_PROJECT + '\n'}).auth.project_id == DEFAULT_PROJECT


def test_each_check_returns_the_id_it_accepts():
    assert check_instance_id(INSTANCE) == INSTANCE
    assert check_project_id(DEFAULT_PROJECT) == DEFAULT_PROJECT
    for taurusdb_id in ('0' * 32 + 'in07', 'aB' * 16 + 'in17'):
        assert check_taurusdb_instance_id(taurusdb_id) == taurusdb_id


@pytest.mark.parametrize('instance_id', ['0' * 32 + 'in7', '0' * 31 + 'in07', '0' * 32 + 'in07\n', '0' * 32 + 'IN07',
                                         '0' * 32 + 'in0x', None])
def test_anything_else_is_not_a_taurusdb_instance_id(instance_id):
    with pytest.raises(OptionError, match='is not a TaurusDB instance id: it must be 32 letters or digits followed by '
                                          '"in" and two digits'):
        check_taurusdb_instance_id(instance_id)


@pytest.mark.parametrize('project_id', [None, 32, 'a' * 31, 'a' * 33, 'a' * 31 + '-'])
def test_a_project_id_is_32_letters_or_digits(project_id):
    with pytest.raises(OptionError, match='^project_id must be 32 letters or digits, got %d characters$'
                       % len(str(project_id))):
        check_project_id(project_id)
