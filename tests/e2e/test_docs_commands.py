"""Every shell block of the docs works as written: README.md, roles/*/README.md, docs/*.md and
docs/docsite/rst/*.rst. A block runs unless NOT_RUN below says why it cannot (the suite itself, a
watcher that runs until stopped, the network, ...), so a new documented command is tested by default.
A block written for a real cloud (FOR_THE_CLOUD) runs against the simulator in the cloud's place.

How a block runs, as a reader would run it:
- with bash (set -eo pipefail: a line that fails fails the block), in an empty directory of its own
  that also holds the built tarball (the README's "the tarball ansible-galaxy collection build makes"),
  with a HOME and TMPDIR of its own, and a Python on PATH without the simulator installed (a block
  that imports htapsim must say where it is, as a user would have to);
- against the installed collection (ANSIBLE_COLLECTIONS_PATH; the shared fixture), except a block that
  installs the collection itself (it gets an empty one) and a block naming a file only a clone has
  (tests/..., playbooks/demo.sh), which runs in a copy of the checkout;
- with a running simulator at $SIM_URL when it uses $SIM_URL without starting one, PYTHONPATH as the
  doc's first block exports it for the blocks in PYTHONPATH_AS_ABOVE, and Ctrl-C for the blocks in
  SERVES once they say they serve;
- and then: exit status 0, no traceback, no process of its own left running, the installed
  collection unchanged, nothing named in /tmp (a literal /tmp escapes the block's TMPDIR).

Every fenced block and code-block must name its language, so a shell block cannot hide untyped."""

import contextlib
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import uuid
from collections import namedtuple

import pytest
import requests
import yaml
from htapsim import Simulator  # the simulator a block expects to be running at $SIM_URL, or the cloud's stand-in
from htapsim.__main__ import connection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
DOCS = (['README.md'] + sorted(glob.glob('roles/*/README.md', root_dir=ROOT)) + sorted(glob.glob('docs/*.md', root_dir=ROOT))
        + sorted(glob.glob('docs/docsite/rst/*.rst', root_dir=ROOT)))
SHELL = {'bash', 'sh', 'shell', 'console'}
NOT_SHELL = {'yaml', 'yaml+jinja', 'json', 'python', 'ini', 'text', 'groovy', 'sql'}
SAFETY_NET = 600  # seconds: only a hung block ever meets it
INSTANCE_ID = re.compile(r'\b[0-9a-f]{32}in17\b')

# Blocks not run, each with why; keyed by (doc, the block's first line).
CLOUD = 'a real cloud account: its credentials are placeholders (...) and its instance ids are the cloud\'s'
AS_CODE = ('the guide\'s inventory and playbook (its YAML blocks) and a cloud: the integration target '
           'taurusdb_starrocks_replication writes them, runs this block as written against the simulator and '
           'checks the output it shows')
NOT_RUN = {
    ('docs/simulator.md', '# users and passwords from the environment (or --heartbeat-credentials FILE), never the command line:'):
        'two MySQL-protocol databases on 127.0.0.1:3306 with the heartbeat table (tests/simulator/tests/test_heartbeat.py '
        'runs the copier against a MariaDB of its own, the gate_freshness integration target through the gate)',
    ('README.md', 'bash playbooks/demo.sh'):
        'its second line, bash tests/run-all.sh, is the whole suite, which runs this test; '
        'tests/e2e/test_demo.py runs bash playbooks/demo.sh',
    ('README.md', 'ansible-galaxy collection install taurusdb-htap-*.tar.gz    # the tarball `ansible-galaxy '
                  'collection build` makes'):
        'run as written by tests/e2e/test_installed_demo.py, in the fresh virtualenv of a new user (ansible-core '
        'and requests only), which also checks what the demo shows',
    ('README.md', 'export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_PROJECT_ID=... '
                  'TAURUSDB_REGION=cn-north-4'):
        CLOUD + '; ansible-rulebook watches until stopped (tests/e2e/test_eda_rulebook.py runs the rulebook '
        'against the simulator)',
    ('docs/docsite/rst/guide_watch_and_reports.rst',
     '$ export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_PROJECT_ID=... TAURUSDB_REGION=cn-north-4'):
        CLOUD + '; ansible-rulebook watches until stopped (tests/e2e/test_eda_rulebook.py runs the rulebook '
        'against the simulator)',
    ('docs/docsite/rst/guide_replication_as_code.rst',
     '$ ansible-playbook -i inventory/replication.yml replication.yml --check --diff --tags apply'): AS_CODE,
    ('docs/docsite/rst/guide_replication_as_code.rst',
     '$ ansible-playbook -i inventory/replication.yml replication.yml'): AS_CODE,
    ('docs/docsite/rst/guide_replication_as_code.rst',
     '$ ansible-playbook -i inventory/replication.yml replication.yml --tags apply'): AS_CODE,
    ('docs/execution-environment.md', 'ansible-galaxy collection download -p collections taurusdb.htap'):
        'Galaxy or an Automation Hub over the network (the next block, from the tarball, runs)',
    ('docs/benchmarks.md', 'bash tests/run-all.sh            # once, for the .venv; or any venv with '
                           'tests/requirements-test.txt'):
        'the whole suite first, then a 2-minute benchmark',
    ('docs/benchmarks.md', '# the whole table: about 15 minutes, once (its --quick form, the block above, runs)'):
        'minutes of benchmark; its --quick form (the block above) runs in seconds',
    ('docs/benchmarks.md', 'PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_gate.py '
                           '--compare-ref d95258f'):
        'a placeholder (<dir holding ansible_collections>), a git history (--compare-ref), minutes of benchmark',
    ('docs/benchmarks.md', 'PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_result_size.py '
                           '--tasks 20000'):
        'a placeholder (<dir holding ansible_collections>), minutes of benchmark',
    ('docs/benchmarks.md', 'PYTHONPATH=<dir holding ansible_collections> python tests/benchmarks/bench_watch.py '
                           '--tasks 2000 --polls 1000 --every 25'):
        'a placeholder (<dir holding ansible_collections>), minutes of benchmark',
}

# Blocks written for a real cloud that run against the simulator instead: their placeholders (NAME=...)
# filled with the simulator's values, TAURUSDB_ENDPOINT and HUAWEICLOUD_SDK_IAM_ENDPOINT pointing at it
# (the cloud's endpoints of the region), the instances they name in its scenario, and, for a block that
# sets no credentials ("with credentials in the environment"), the simulator's in the environment.
FOR_THE_CLOUD = {
    ('README.md', 'export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_PROJECT_ID=...'),
    ('README.md', "# only the SDK's environment: the project id of cn-north-4 is found from IAM"),
    ('docs/docsite/rst/guide_gating.rst', '$ ansible localhost -m taurusdb.htap.taurusdb_starrocks_replication_info \\'),
}

# Blocks that rely on PYTHONPATH exported by the doc's first block ("PYTHONPATH as above").
PYTHONPATH_AS_ABOVE = {
    ('docs/simulator.md', 'python3 -m htapsim --detach --scenario many-tasks --info-file "$PWD/simulator.json" '
                          '> /dev/null'),
    ('docs/simulator.md', 'python3 -m venv htapsim-venv'),
    ('docs/simulator.md', 'mkdir -p adv'),
}

# Blocks whose last command serves until Ctrl-C: the line that says it serves.
SERVES = {
    ('docs/simulator.md', 'export PYTHONPATH="$(ansible-galaxy collection list taurusdb.htap --format json \\'):
        r'^http://127\.0\.0\.1:\d+$',
    ('docs/simulator.md', 'python3 -m venv htapsim-venv'): r'^http://127\.0\.0\.1:\d+$',
}

# What a block's output must show, where the doc says what it prints.
EXPECT = {
    ('README.md', 'export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_PROJECT_ID=...'):
        '"all_ready": true',
    ('README.md', "# only the SDK's environment: the project id of cn-north-4 is found from IAM"): '"all_ready": true',
    ('docs/docsite/rst/guide_gating.rst', '$ ansible localhost -m taurusdb.htap.taurusdb_starrocks_replication_info \\'):
        '"all_ready": true',
    ('docs/simulator.md', 'python3 -m htapsim --detach --scenario many-tasks --info-file "$PWD/simulator.json" '
                          '> /dev/null'): "{'replication': 80}",
}

Block = namedtuple('Block', 'doc line language text')


def fenced_blocks(doc, text):
    """Markdown: ```language ... ``` (an indented fence closes at its own indentation)."""
    for found in re.finditer(r'^( *)```([^\n`]*)\n(.*?)^\1```', text, re.M | re.S):
        yield Block(doc, text.count('\n', 0, found.start()) + 1, found.group(2).strip(), found.group(3))


def rst_blocks(doc, text):
    """reStructuredText: code-block (code, sourcecode) directives, and literal blocks (::) as language ''."""
    for found in re.finditer(r'^( *)\.\. (?:code-block|code|sourcecode)::[ \t]*(\S*)[^\n]*\n((?:[ \t]*\n|\1[ \t]+[^\n]*\n)*)',
                             text, re.M):
        body = [line for line in found.group(3).splitlines() if not re.match(r'\s*:\w[\w-]*:', line)]
        yield Block(doc, text.count('\n', 0, found.start()) + 1, found.group(2), dedent('\n'.join(body)))
    for found in re.finditer(r'^(?!\s*\.\. )[^\n]*::[ \t]*\n', text, re.M):
        yield Block(doc, text.count('\n', 0, found.start()) + 1, '', '')


def dedent(text):
    lines = [line for line in text.splitlines() if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    return '\n'.join(line[indent:] for line in text.splitlines()).strip('\n') + '\n'


def doc_blocks():
    found = []
    for doc in DOCS:
        with open(os.path.join(ROOT, doc), encoding='utf-8') as handle:
            text = handle.read()
        found.extend(rst_blocks(doc, text) if doc.endswith('.rst') else fenced_blocks(doc, text))
    return found


def key(block):
    return block.doc, next(line.strip() for line in block.text.splitlines() if line.strip())


def commands(block):
    """What a reader types: a console block's lines after its "$ " prompts (and their continuations)."""
    if block.language != 'console':
        return block.text
    typed, continued = [], False
    for line in block.text.splitlines():
        if line.startswith('$ ') or continued:
            typed.append(line[2:] if line.startswith('$ ') else line)
            continued = line.endswith('\\')
    return '\n'.join(typed) + '\n'


SHELL_BLOCKS = [block for block in doc_blocks() if block.language in SHELL]
TO_RUN = [block for block in SHELL_BLOCKS if key(block) not in NOT_RUN]


def test_every_block_names_a_known_language():
    unknown = ['%s:%d %r' % (block.doc, block.line, block.language) for block in doc_blocks()
               if block.language not in SHELL | NOT_SHELL]
    assert unknown == [], 'name the language of these blocks (shell blocks: %s; others: %s)' % (
        sorted(SHELL), sorted(NOT_SHELL))


def test_every_listed_block_is_in_the_docs():
    keys = [key(block) for block in SHELL_BLOCKS]
    listed = set(NOT_RUN) | FOR_THE_CLOUD | PYTHONPATH_AS_ABOVE | set(SERVES) | set(EXPECT)
    assert sorted(entry for entry in listed if entry not in keys) == []
    assert sorted(entry for entry in set(keys) if keys.count(entry) > 1) == []  # a key names one block
    assert sorted(set(NOT_RUN) & (FOR_THE_CLOUD | PYTHONPATH_AS_ABOVE | set(SERVES) | set(EXPECT))) == []
    assert all(reason.strip() for reason in NOT_RUN.values())


def test_the_blocks_to_run_stay_out_of_tmp():
    assert ['%s:%d' % (block.doc, block.line) for block in TO_RUN if '/tmp' in commands(block)] == []


# --- running a block ------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def python_without_htapsim(tmp_path_factory):
    """The bin directory of a virtualenv that sees every package of the test's own but htapsim: a user's
    Python with ansible-core has no simulator on its path."""
    venv = tmp_path_factory.mktemp('python') / 'venv'
    proc = subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], capture_output=True, text=True,
                          check=False, timeout=SAFETY_NET)
    assert proc.returncode == 0, proc.stderr
    for pip in ('pip', 'pip3'):  # our pip, installing into this virtualenv (ensurepip would cost seconds)
        (venv / 'bin' / pip).write_text('#!/bin/sh\nexec "$(dirname "$0")/python" -m pip "$@"\n')
        (venv / 'bin' / pip).chmod(0o755)
    visible = venv.parent / 'site-packages'
    visible.mkdir()
    ours = sysconfig.get_paths()['purelib']
    for name in os.listdir(ours):
        if not name.lower().startswith('htapsim') and not name.endswith('.pth'):
            os.symlink(os.path.join(ours, name), str(visible / name))
    theirs = subprocess.run([str(venv / 'bin' / 'python'), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                            capture_output=True, text=True, check=True, timeout=SAFETY_NET).stdout.strip()
    with open(os.path.join(theirs, 'test-packages.pth'), 'w', encoding='utf-8') as handle:
        handle.write(str(visible) + '\n')
    return str(venv / 'bin')


def checkout_copy(dest):
    shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(
        '.git', '.venv*', '__pycache__', '*.pyc', 'build', '*.egg-info', '.pytest_cache'))
    return dest


def names_a_clone_file(text, collection):
    """Does the block name a file a clone has and the installed collection does not (tests/..., demo.sh)?"""
    return any(os.path.exists(os.path.join(ROOT, word)) and not os.path.exists(os.path.join(collection, word))
               for word in re.findall(r'[\w.-]+(?:/[\w.-]+)+', text))


def files_of(directory):
    """Every path under the directory, but Python's byte code (written when a module is imported from it)."""
    return sorted(os.path.relpath(os.path.join(path, name), directory)
                  for path, dirs, names in os.walk(directory) for name in dirs + names
                  if '__pycache__' not in (name, os.path.basename(path)))


def processes_with(marker):
    """(pid, command line) of the running processes whose environment holds the marker."""
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/environ' % pid, 'rb') as handle:
                if marker.encode() not in handle.read().split(b'\0'):
                    continue
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                found.append((int(pid), handle.read().replace(b'\0', b' ').decode(errors='replace').strip()))
        except OSError:
            continue
    return found


def left_running(marker):
    """The block's processes still running once the few that are stopping have had time to end
    (a generous net: a process that was told to stop is gone long before); those are then killed."""
    deadline = time.monotonic() + 60
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = processes_with(marker)
    for pid in dict(left):
        os.kill(pid, signal.SIGKILL)
    return left


def cloud_scenario(text):
    """Every StarRocks instance the block names, with a task ready."""
    return {'name': 'the-docs-cloud', 'instances': [
        {'id': instance, 'tasks': [{'task_name': 'orders_db'}]} for instance in sorted(set(INSTANCE_ID.findall(text)))]}


def filled_in(text, values):
    """The block with its placeholders (NAME=...) filled in from the values; a placeholder without one stays."""
    return re.sub(r'\b(\w+)=\.\.\.(?=\s)', lambda found: '%s=%s' % (
        found.group(1), values.get(found.group(1), found.group(0).split('=')[1])), text)


def in_place_of_the_cloud(sim, script, env):
    """The simulator as the region's endpoints, its credentials for the block's placeholders, or in the
    environment when the block sets none; the script to run."""
    values = dict(connection(sim)['env'])
    env.update(TAURUSDB_ENDPOINT=sim.url, HUAWEICLOUD_SDK_IAM_ENDPOINT=sim.url)
    if 'HUAWEICLOUD_SDK_AK' not in script:
        env.update(values)
    return filled_in(script, values)


def user_env(tmp_path, bindir):
    """A reader's environment: no settings of ours, a HOME, TMPDIR and working directory of its own (made
    here), the Python without htapsim first on PATH; and a marker its processes inherit."""
    for name in ('home', 'tmp', 'work'):
        (tmp_path / name).mkdir(exist_ok=True)
    marker = 'HTAP_DOCS_BLOCK=%s' % uuid.uuid4().hex
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(('ANSIBLE_', 'HUAWEICLOUD_', 'CLOUD_SDK_', 'TAURUSDB_', 'PYTHON', 'VIRTUAL_ENV'))}
    env.update(PATH=os.pathsep.join([bindir, BIN, env.get('PATH', '')]), HOME=str(tmp_path / 'home'),
               TMPDIR=str(tmp_path / 'tmp'), ANSIBLE_NOCOLOR='1')
    env.update([marker.split('=', 1)])
    return env, marker


def block_env(block, tmp_path, installed, bindir, sim_url):
    env, marker = user_env(tmp_path, bindir)
    if 'ansible-galaxy collection install' not in commands(block):
        env['ANSIBLE_COLLECTIONS_PATH'] = installed
    if key(block) in PYTHONPATH_AS_ABOVE:
        env['PYTHONPATH'] = os.path.join(installed, 'ansible_collections', 'taurusdb', 'htap', 'roles', 'simulator',
                                         'files')
    if sim_url:
        env['SIM_URL'] = sim_url
    return env, marker


def simulator_for(block):
    """The simulator the block runs against, if any: the cloud's stand-in, or the one at $SIM_URL."""
    if key(block) in FOR_THE_CLOUD:
        return Simulator(cloud_scenario(commands(block)))
    if '$SIM_URL' in commands(block):
        return Simulator('healthy')
    return contextlib.nullcontext()


def run_block(script, serves, cwd, env, log):
    """Its exit status and output; a block in SERVES gets Ctrl-C once it says it serves. The output goes
    to a file: a process the block leaves running must not hold the test up."""
    with open(log, 'w', encoding='utf-8') as out:
        proc = subprocess.Popen(['bash', '-c', 'set -eo pipefail\n' + script], cwd=cwd, env=env,
                                stdout=out, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + SAFETY_NET
    while proc.poll() is None and time.monotonic() < deadline:
        with open(log, encoding='utf-8') as out:
            url = next((line.strip() for line in out if serves and re.match(serves, line.strip())), None)
        if url:
            assert requests.get(url + '/__sim__/health', timeout=SAFETY_NET).status_code == 200
            os.killpg(proc.pid, signal.SIGINT)
            serves = None
        time.sleep(0.1)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    with open(log, encoding='utf-8') as out:
        return proc.wait(), out.read()


@pytest.mark.parametrize('block', SHELL_BLOCKS, ids=['%s:%d' % (block.doc, block.line) for block in SHELL_BLOCKS])
def test_documented_block_runs_as_written(block, tarball, installed, python_without_htapsim, tmp_path):
    if key(block) in NOT_RUN:
        pytest.skip('not run: ' + NOT_RUN[key(block)])  # shown with -rs, as in the suite's summary
    collection = os.path.join(installed, 'ansible_collections', 'taurusdb', 'htap')
    before = files_of(collection)
    script = commands(block)
    with simulator_for(block) as sim:
        env, marker = block_env(block, tmp_path, installed, python_without_htapsim, sim and sim.url)
        cwd = str(tmp_path / 'work')
        if names_a_clone_file(script, collection):
            cwd = checkout_copy(str(tmp_path / 'checkout'))
        else:
            shutil.copy(tarball, cwd)
        if key(block) in FOR_THE_CLOUD:
            script = in_place_of_the_cloud(sim, script, env)
        status, out = run_block(script, SERVES.get(key(block)), cwd, env, str(tmp_path / 'output'))
    shown = '%s:%d\n%s\n--- output ---\n%s' % (block.doc, block.line, script, out)
    assert status == 0, shown
    assert 'Traceback' not in out, shown
    assert EXPECT.get(key(block), '') in out, shown
    assert left_running(marker) == [], shown
    assert files_of(collection) == before, shown  # e.g. pip building in the installed collection's tree


# --- playbooks the docs give to run against the simulator -------------------------------------------

GUIDE = 'docs/docsite/rst/guide_testing_offline.rst'


def block_starting(doc, first_line):
    found = [block for block in doc_blocks() if key(block) == (doc, first_line)]
    assert len(found) == 1, (doc, first_line, found)
    return found[0]


def run_as_a_reader(script, tmp_path, bindir, env=None):
    """(exit status, output) of the script, in the reader's environment of user_env; nothing left running."""
    reader, marker = user_env(tmp_path, bindir)
    reader.update(env or {})
    status, out = run_block(script, None, str(tmp_path / 'work'), reader, str(tmp_path / 'output'))
    assert left_running(marker) == [], out
    return status, out


def test_offline_guide_ci_job_passes_the_guides_test_playbook(tarball, python_without_htapsim, tmp_path):
    """The guide's test playbook, saved where its CI job runs it, and the job's commands as written, but
    the collection from the tarball as the guide says (not Galaxy) and ansible-core from the suite's
    virtualenv (not pip)."""
    with open(os.path.join(ROOT, GUIDE), encoding='utf-8') as handle:
        from_tarball = re.findall(r'``(ansible-galaxy collection install taurusdb-htap-[^`]*)``', handle.read())
    job = yaml.safe_load(block_starting(GUIDE, '# .github/workflows/gate-offline.yml').text)
    lines = [line for step in job['jobs']['gate-offline']['steps'] for line in step.get('run', '').splitlines()]
    assert lines[:2] == ["pip install 'ansible-core>=2.19' requests", 'ansible-galaxy collection install taurusdb.htap']
    playbook = block_starting(GUIDE, '- name: Our replication gate, against the offline simulator').text
    (tmp_path / 'work' / 'tests').mkdir(parents=True)
    (tmp_path / 'work' / 'tests' / 'gate_offline.yml').write_text(playbook)
    shutil.copy(tarball, str(tmp_path / 'work'))
    status, out = run_as_a_reader('\n'.join(from_tarball + lines[2:]), tmp_path, python_without_htapsim)
    assert status == 0, out
    assert re.search(r'failed=0 .*rescued=1', out), out  # the broken task stopped the gate, as the test wants
    assert 'Replication gate passed' in out


def test_simulator_roles_readme_play_gates_against_the_simulator(installed, python_without_htapsim, tmp_path):
    (tmp_path / 'play').mkdir()
    (tmp_path / 'play' / 'play.yml').write_text(block_starting('roles/simulator/README.md', '- hosts: localhost').text)
    status, out = run_as_a_reader('ansible-playbook %s' % (tmp_path / 'play' / 'play.yml'), tmp_path,
                                  python_without_htapsim, {'ANSIBLE_COLLECTIONS_PATH': installed})
    assert status == 0, out
    assert 'Replication gate passed: all 1 instance(s) ready.' in out
