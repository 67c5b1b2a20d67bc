"""End to end, as a user of the built collection: a fresh virtualenv with only ansible-core and requests
(from the package index the suite uses), the tarball installed with ansible-galaxy, and
`ansible-playbook taurusdb.htap.demo` - no checkout, no pip install of the simulator. Both commands are the
README's, run as written (tests/e2e/test_docs_commands.py leaves that block to this test)."""

import glob
import os
import re
import subprocess
import sys

import pytest
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(args, env=None, **kwargs):
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=900, check=False, **kwargs)


def readme_commands():
    """The README's block for an installed collection: the install line, then the demo's."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        block = re.search(r'^```bash\n(ansible-galaxy collection install .*?)^```', handle.read(), re.M | re.S)
    lines = block.group(1).splitlines()
    assert len(lines) == 2 and lines[1] == 'ansible-playbook taurusdb.htap.demo', lines
    return lines


@pytest.fixture(scope='module')
def user(tmp_path_factory):
    """(environment, bin directory, collections path): what a new user has after the install."""
    home = tmp_path_factory.mktemp('user')
    venv = home / 'venv'
    proc = run([sys.executable, '-m', 'venv', str(venv)])
    assert proc.returncode == 0, proc.stderr
    bindir = str(venv / 'bin')
    proc = run([os.path.join(bindir, 'python'), '-m', 'pip', 'install', '-q', 'ansible-core==' + ANSIBLE_CORE_VERSION,
                'requests'])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(('ANSIBLE_', 'PYTHON', 'TAURUSDB_', 'HUAWEICLOUD_'))}
    env.update(PATH=bindir + os.pathsep + env.get('PATH', ''), HOME=str(home), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCAL_TEMP=str(home / 'tmp'))
    proc = run([os.path.join(bindir, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(home), ROOT],
               env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert glob.glob(str(home / 'taurusdb-htap-*.tar.gz'))
    install = readme_commands()[0]  # as written, where the tarball is
    proc = run(['bash', '-c', install], env=env, cwd=str(home))
    assert proc.returncode == 0, install + '\n' + proc.stdout + proc.stderr
    collections = home / '.ansible' / 'collections'
    assert (collections / 'ansible_collections' / 'taurusdb' / 'htap' / 'playbooks' / 'demo.yml').exists()
    return env, bindir, str(home)


def simulators_of(bindir):
    """Command lines of running htapsim processes started with this virtualenv's Python."""
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                argv = handle.read().decode(errors='replace').split('\0')
            with open('/proc/%s/stat' % pid, encoding='utf-8') as handle:
                zombie = handle.read().rsplit(')', 1)[1].split()[0] == 'Z'
        except OSError:
            continue
        if not zombie and argv[0].startswith(os.path.dirname(bindir)) and 'htapsim' in argv:
            found.append(' '.join(argv))
    return found


def test_installed_demo_waits_passes_then_fails_fast_with_why(user):
    env, bindir, home = user
    proc = run(['bash', '-c', readme_commands()[1]], env=env, cwd=home)  # as the README says
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    first, second = out.split('TASK [2. One broken task: the gate fails fast, with its report]')
    # 1: it waited, showing live progress, then passed and deployed
    assert re.search(r'^round \d+, \d+s: 0/1 instance\(s\) ready; waiting on \w+: .*\w+_db \((wait|full) \d+%\)',
                     first, re.M), first
    assert re.search(r'^round \d+, \d+s: 1/1 instance\(s\) ready$', first, re.M), first
    assert 'Replication gate passed: all 1 instance(s) ready.' in first
    assert 'Gate passed for 1 instance(s): deploying.' in first
    # 2: it failed fast with the report saying why, nothing was deployed, and the play still ended well
    assert 'orders_db (orders -> orders_sr): status No, stage incremental, 100% - status is No (abnormal)' in second
    assert 'why: table orders: failed: no primary key' in second
    assert 'Stopped after 2 round(s)' in second and 'cannot recover by itself' in second
    assert 'deploying' not in second
    assert 'Demo finished' in second
    assert re.search(r'localhost\s+: ok=\d+ .*failed=0 .*rescued=1', out), out
    assert 'TASK [taurusdb.htap.simulator : Remove the simulator\'s directory]' in second
    assert simulators_of(bindir) == []  # the simulator was stopped


PLAY_THAT_FAILS = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - block:
        - ansible.builtin.include_role:
            name: taurusdb.htap.simulator
          vars:
            simulator_scenario:
              instances:
                - id: 01010101010101010101010101010101in17
                  tasks: [{task_name: orders_db, status: "No"}]
        - ansible.builtin.include_role:
            name: taurusdb.htap.simulator
            tasks_from: stats
        - ansible.builtin.debug:
            msg: "SIMULATOR {{ simulator_connection.url }} {{ simulator_connection.dir }} {{ simulator_stats.total }}"
        - ansible.builtin.fail:
            msg: the play fails here
      always:
        - ansible.builtin.include_role:
            name: taurusdb.htap.simulator
            tasks_from: stop
'''


def test_a_failing_play_still_stops_the_simulator(user, tmp_path):
    env, bindir, home = user
    playbook = tmp_path / 'fails.yml'
    playbook.write_text(PLAY_THAT_FAILS)
    proc = run([os.path.join(bindir, 'ansible-playbook'), str(playbook)], env=env, cwd=home)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert 'the play fails here' in out
    directory, total = re.search(r'SIMULATOR http://127\.0\.0\.1:\d+ (\S+) (\d+)', out).groups()
    assert total == '0'  # a scenario given as a mapping; nothing asked it anything yet
    assert simulators_of(bindir) == []
    assert not os.path.exists(directory)
