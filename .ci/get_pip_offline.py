"""Stand-in for the get-pip.py that ansible-test downloads (this network cannot reach its host).

tests/run-all.sh copies this file to ~/.ansible/test/cache/get_pip_<version>.py, where
ansible-test looks for a cached copy before downloading. It installs the interpreter's bundled
pip with ensurepip (no network), then asks that pip for what ansible-test wanted (e.g.
pip==24.2) from the configured package index.
"""
import ensurepip
import os
import subprocess
import sys

wanted = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
# ensurepip points PIP_CONFIG_FILE at /dev/null; put the caller's environment back so pip.conf applies
os.environ.clear()
os.environ.update(environment)
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + wanted))
