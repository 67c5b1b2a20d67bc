"""htapsim: a local stand-in for the TaurusDB HTAP StarRocks replication API.

Used by the collection's integration tests, the demo and the benchmarks; it never imports the
collection. See docs/simulator.md.
"""

from .scenario import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, load_scenario, scenario_names
from .server import Simulator

__all__ = ['Simulator', 'load_scenario', 'scenario_names', 'DEFAULT_CREDENTIALS', 'DEFAULT_PROJECT']


def __getattr__(name):
    # imported on first use, so that ``python -m htapsim.adversary`` does not find it preloaded
    if name == 'Adversary':
        from .adversary import Adversary  # pylint: disable=import-outside-toplevel
        return Adversary
    raise AttributeError('module %r has no attribute %r' % (__name__, name))
