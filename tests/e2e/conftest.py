"""Fixtures the end-to-end tests share: the collection built once a run, and installed from that tarball."""

import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _galaxy(args, env=None):
    environ = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_NOCOLOR='1')
    environ.update(env or {})
    return subprocess.run(['ansible-galaxy', 'collection'] + args, env=environ, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope='session')
def tarball(tmp_path_factory):
    """The built collection (ansible-galaxy collection build of the checkout)."""
    out = tmp_path_factory.mktemp('dist')
    proc = _galaxy(['build', '--output-path', str(out), ROOT])
    assert proc.returncode == 0, proc.stderr
    return glob.glob(str(out / 'taurusdb-htap-*.tar.gz'))[0]


@pytest.fixture(scope='module')
def installed(tarball, tmp_path_factory):  # pylint: disable=redefined-outer-name
    """A collections directory holding the tarball installed; --force and an empty search path: a copy
    elsewhere on ANSIBLE_COLLECTIONS_PATH must not count."""
    path = tmp_path_factory.mktemp('collections')
    proc = _galaxy(['install', '--force', tarball, '-p', str(path)], env={'ANSIBLE_COLLECTIONS_PATH': str(path)})
    assert proc.returncode == 0, proc.stderr
    return str(path)
