"""ids.py: the shapes of the ids that go into API paths, checked before any request."""

import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.ids import check_instance_id

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
