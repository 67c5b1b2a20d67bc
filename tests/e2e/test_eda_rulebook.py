"""End to end, for real: ansible-rulebook runs the collection's rulebook taurusdb.htap.replication_watch
from an installed copy of the collection against the simulator. A task breaks through the simulator's
control endpoint and the rule runs its playbook; the task recovers and the rule runs it again. A second
run ends through a rulebook's shutdown, which cancels the event source: it must stop cleanly. Two more
runs hand a task whose names and ALTER TABLE error are Jinja templates to the collection's playbook and
to a user's: ansible-core trusts an event's extra vars, and the templates must not run. The rulebook's opt-in
rule that resumes a paused task: off by default (nothing is written), on with replication_watch_resume_paused
(one resume), and never for a name the API does not allow - neither as the event source escapes it nor raw.

Needs ansible-rulebook (and its Java 17 runtime). tests/run-all.sh makes a virtualenv for it from
tests/requirements-eda.txt and passes it as TAURUSDB_EDA_VENV. These tests are skipped only when
TAURUSDB_EDA_SKIP says why they cannot run here (run-all.sh sets it only when Java 17 cannot be had);
otherwise a missing tool is a failure, not a skip.

Driven by what the rulebook prints: each step waits for its line (with a generous timeout that only a
broken run reaches), never for a fixed time.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings

import pytest
import requests
import yaml
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator  # the installed simulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

INSTANCE = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]
SAFETY = 300  # seconds for one step: the JVM's start on a busy machine; a working run takes a few
ALTER_ERROR = 'ALTER TABLE users ADD COLUMN discount VARCHAR(32) failed: lock wait timeout'
TOOLS = ('ansible-rulebook', 'ansible-galaxy', 'ansible-playbook')


def _java_major():
    try:
        proc = subprocess.run(['java', '-version'], capture_output=True, text=True, timeout=120, check=False)
    except OSError:
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2)) if major == 1 and found.group(2) else major


@pytest.fixture(scope='module')
def eda_bin():
    """The directory with ansible-rulebook, ansible-galaxy and ansible-playbook (of one virtualenv)."""
    reason = os.environ.get('TAURUSDB_EDA_SKIP', '').strip()
    if reason:
        message = 'ansible-rulebook tests NOT RUN: %s' % reason
        warnings.warn(message)  # in pytest's warnings summary, whatever the verbosity
        sys.stderr.write('\n!!! %s !!!\n' % message)
        pytest.skip(message)
    venv = os.environ.get('TAURUSDB_EDA_VENV', '').strip()
    found = shutil.which('ansible-rulebook')
    directory = os.path.join(venv, 'bin') if venv else (os.path.dirname(found) if found else None)
    missing = [tool for tool in TOOLS if not directory or not os.access(os.path.join(directory, tool), os.X_OK)]
    if missing:
        pytest.fail('%s not found%s: run tests/run-all.sh (it makes a virtualenv from tests/requirements-eda.txt), or '
                    'point TAURUSDB_EDA_VENV at one; only where ansible-rulebook cannot run at all, set '
                    'TAURUSDB_EDA_SKIP to the reason' % (', '.join(missing), ' in %s' % directory if directory else ''))
    major = _java_major()
    if major is None or major < 17:
        pytest.fail('ansible-rulebook needs a Java 17 runtime, found %s: install openjdk-17-jre-headless (tests/run-all.sh '
                    'does, as root), or set TAURUSDB_EDA_SKIP to the reason it cannot be had' % (major or 'none'))
    return directory


def tool_env(eda_bin, **extra):  # pylint: disable=redefined-outer-name
    env = dict(os.environ, PATH=eda_bin + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_NOCOLOR='1')
    ours = ('HUAWEICLOUD_', 'CLOUD_SDK_', 'TAURUSDB_', 'ANSIBLE_COLLECTIONS_PATH')
    for name in [name for name in env if name.startswith(ours)]:
        del env[name]  # only what this test gives
    env.update(extra)
    return env


@pytest.fixture(scope='module')
def installed(eda_bin, tmp_path_factory):  # pylint: disable=redefined-outer-name
    """The collection built and installed as a user would (ansible-galaxy), into a path of its own."""
    work = tmp_path_factory.mktemp('eda-collection')
    env = tool_env(eda_bin, ANSIBLE_COLLECTIONS_PATH=str(work / 'collections'))
    build = subprocess.run(['ansible-galaxy', 'collection', 'build', '--output-path', str(work), ROOT], env=env,
                           capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = [name for name in os.listdir(str(work)) if name.endswith('.tar.gz')][0]
    install = subprocess.run(['ansible-galaxy', 'collection', 'install', '--force', '-p', str(work / 'collections'),
                              str(work / tarball)], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    path = str(work / 'collections')
    assert os.path.exists(os.path.join(path, 'ansible_collections', 'taurusdb', 'htap', 'extensions', 'eda', 'plugins',
                                       'event_source', 'replication_watch.py'))
    return path


class Rulebook(object):
    """ansible-rulebook in the background, its output in a file; ``wait_for`` reads it as it grows."""

    def __init__(self, args, env, cwd):
        self.path = os.path.join(cwd, 'rulebook.out')
        self.output = open(self.path, 'w')  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(['ansible-rulebook'] + args, env=env, cwd=cwd, stdout=self.output,
                                     stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
        self.started = time.monotonic()

    def text(self):
        with open(self.path) as handle:
            return handle.read()

    def wait_for(self, pattern, after=0):
        """The offset just past the first match of ``pattern`` found after ``after``."""
        deadline = time.monotonic() + SAFETY
        while time.monotonic() < deadline:
            found = re.compile(pattern).search(self.text(), after)
            if found:
                return found.end()
            if self.proc.poll() is not None:
                pytest.fail('ansible-rulebook ended (%s) before %r:\n%s' % (self.proc.returncode, pattern, self.text()))
            time.sleep(0.2)
        pytest.fail('no %r within %ss:\n%s' % (pattern, SAFETY, self.text()))

    def wait_exit(self):
        try:
            return self.proc.wait(SAFETY)
        finally:
            self.output.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # only the process this test started
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(60)
        self.output.close()


def write_inputs(tmp_path, interpreter):
    (tmp_path / 'inventory.yml').write_text(
        'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: %s\n'
        % interpreter)
    (tmp_path / 'watch.yml').write_text('starrocks_instance_ids: [%s]\nreplication_watch_interval: 0.5\n' % INSTANCE)


def change_task(sim, **body):
    answer = requests.post(sim.url + '/__sim__/task', json=dict(body, instance_id=INSTANCE), timeout=30)
    assert answer.status_code == 200, answer.text


def sim_env(eda_bin, installed, sim):  # pylint: disable=redefined-outer-name
    return tool_env(eda_bin, ANSIBLE_COLLECTIONS_PATH=installed, TAURUSDB_ENDPOINT=sim.url,
                    HUAWEICLOUD_SDK_AK=KEY['ak'], HUAWEICLOUD_SDK_SK=KEY['sk'],
                    HUAWEICLOUD_SDK_PROJECT_ID=DEFAULT_PROJECT)


def test_the_rulebook_runs_its_playbook_when_a_task_breaks_and_again_when_it_recovers(eda_bin, installed, tmp_path):  # pylint: disable=redefined-outer-name
    write_inputs(tmp_path, os.path.join(eda_bin, 'python'))
    with Simulator('healthy') as sim:
        rulebook = Rulebook(['-r', 'taurusdb.htap.replication_watch', '-i', 'inventory.yml', '--vars', 'watch.yml'],
                            sim_env(eda_bin, installed, sim), str(tmp_path))
        try:
            # the rulebook and the event source are the installed collection's
            at = rulebook.wait_for(r'Loading rulebook from %s/ansible_collections/taurusdb/htap/extensions/eda/'
                                   r'rulebooks/replication_watch\.yml' % re.escape(installed))
            at = rulebook.wait_for(r"'type': 'initial_state'", at)
            started = time.monotonic() - rulebook.started
            change_task(sim, task_name='users_db',
                        set={'status': 'No', 'config': {'last_error_of_alter_table': ALTER_ERROR}})
            at = rulebook.wait_for(r"'type': 'task_not_ready'", at)
            at = rulebook.wait_for(r'REPLICATION TASK BROKE: users_db \(users -> users_sr\) of StarRocks instance '
                                   r'%s: status No, stage incremental \(was status Yes, stage incremental\) - '
                                   r'status is No \(abnormal\)"' % INSTANCE, at)
            at = rulebook.wait_for(r'WHY: %s' % re.escape(ALTER_ERROR), at)
            change_task(sim, task_name='users_db', set={'status': 'Yes'})
            at = rulebook.wait_for(r"'type': 'task_ready'", at)
            rulebook.wait_for(r'REPLICATION TASK IS READY AGAIN: users_db \(users -> users_sr\) of StarRocks instance '
                              r'%s: status Yes, stage incremental \(was status No, stage incremental\)"' % INSTANCE,
                              at)
            took = time.monotonic() - rulebook.started
        finally:
            rulebook.stop()
    out = rulebook.text()
    assert out.count('PLAY [React to a StarRocks replication task that broke or recovered]') == 2, out
    # initial state, broke, recovered: nothing for the polls in between ('type' of the source is in 'meta')
    assert re.findall(r"'type': '(\w+)'", out.replace("'type': 'taurusdb.htap.replication_watch'", '')) == [
        'initial_state', 'task_not_ready', 'task_ready'], out
    assert 'Traceback' not in out and KEY['sk'] not in out, out
    sys.stderr.write('\nansible-rulebook: first event after %.1fs, the whole run %.1fs\n' % (started, took))


def test_the_event_source_stops_cleanly_when_the_rulebook_shuts_down(eda_bin, installed, tmp_path):  # pylint: disable=redefined-outer-name
    write_inputs(tmp_path, os.path.join(eda_bin, 'python'))
    (tmp_path / 'stop.yml').write_text(json.dumps([{
        'name': 'Watch until a task vanishes', 'hosts': 'all',
        'sources': [{'taurusdb.htap.replication_watch': {'instance_ids': INSTANCE, 'interval': 0.5}}],
        'rules': [
            {'name': 'Initial', 'condition': 'event.type == "initial_state"', 'action': {'print_event': {}}},
            {'name': 'Stop', 'condition': 'event.type == "task_vanished"',
             'action': {'shutdown': {'delay': 0, 'message': 'the watched task vanished'}}}]}]))
    with Simulator('healthy') as sim:
        rulebook = Rulebook(['-r', 'stop.yml', '-i', 'inventory.yml', '-v'], sim_env(eda_bin, installed, sim),
                            str(tmp_path))
        try:
            at = rulebook.wait_for(r"'type': 'initial_state'")
            change_task(sim, task_name='orders_db', delete=True)
            rulebook.wait_for(r'the watched task vanished', at)
            returncode = rulebook.wait_exit()
        finally:
            rulebook.stop()
    out = rulebook.text()
    assert returncode == 0, out
    assert 'replication_watch: stopped' in out, out  # the source's own cleanup ran
    assert 'Traceback' not in out and 'Source error' not in out and KEY['sk'] not in out, out


# --- server text is data, never a template ------------------------------------------------------
def template_tasks(trap):
    """Two broken tasks whose text is templates that, rendered, would each create a file in ``trap``: one
    whose name, source and target database carry them (a name the API cannot have, so its configuration
    is not asked for), and a well-named one whose source database and ALTER TABLE error carry them."""
    def touch(name):
        return "lookup('pipe', 'touch %s')" % os.path.join(trap, name)
    alter = ("ALTER TABLE users ADD COLUMN c failed near '{{ %s }}' {%% set x = %s %%}{# why #}"
             % (touch('pwned4'), touch('pwned5')))
    return [{'task_name': 'x_{{ %s }}' % touch('pwned1'),
             'source_database': 'src_{%% if %s %%}{%% endif %%}' % touch('pwned2'),
             'target_database': 'dst_{{ %s }}' % touch('pwned3'),
             'status': 'No', 'stage': 'incremental', 'percentage': 100,
             'config': {'last_error_of_alter_table': alter}},
            {'task_name': 'users_db', 'source_database': 'users_{{ %s }}' % touch('pwned6'),
             'target_database': 'users_sr', 'status': 'No', 'stage': 'incremental', 'percentage': 100,
             'config': {'last_error_of_alter_table': alter}}]


def escaped(text):
    """Server text as the event source shows it (no control characters here): every template opener escaped."""
    return re.sub(r'\{(?=[{%#])', lambda _match: '\\x7b', text)


def as_printed(text):
    """``text`` as a pattern for its line in ansible-playbook's output (a JSON string there)."""
    return re.escape(json.dumps(text)[1:-1])


def run_with_template_tasks(eda_bin, installed, tmp_path, args, last):  # pylint: disable=redefined-outer-name
    """(the tasks, the rulebook's output, the files their templates made) after ``args`` ran a playbook for
    each; ``last`` is what the playbook prints for the second task."""
    write_inputs(tmp_path, os.path.join(eda_bin, 'python'))
    trap = tmp_path / 'trap'
    trap.mkdir()
    tasks = template_tasks(str(trap))
    # one task a page: the hostile tasks come on different pages, through the paging, its proof and the rows
    # normalized as the pages arrive
    with Simulator({'page_size': 1, 'instances': [{'id': INSTANCE, 'tasks': tasks}]}) as sim:
        rulebook = Rulebook(args, sim_env(eda_bin, installed, sim), str(tmp_path))
        try:
            at = rulebook.wait_for(re.escape(last))  # the playbook for the second task
            rulebook.wait_for(r'PLAY RECAP', at)  # ran to its end
        finally:
            rulebook.stop()
    return tasks, rulebook.text(), sorted(os.listdir(str(trap)))


def test_server_text_in_events_never_runs_as_a_template_in_the_collections_playbook(eda_bin, installed, tmp_path):  # pylint: disable=redefined-outer-name
    (named, alter), out, made = run_with_template_tasks(
        eda_bin, installed, tmp_path, ['-r', 'taurusdb.htap.replication_watch', '-i', 'inventory.yml', '--vars', 'watch.yml'],
        'REPLICATION TASK BROKE: users_db')
    assert made == [], out  # not one template ran
    # the rule fired for each, and a reader sees what the server sent, escaped
    assert out.count('PLAY [React to a StarRocks replication task that broke or recovered]') >= 2, out
    for task in (named, alter):
        said = 'REPLICATION TASK BROKE: %s (%s -> %s) of StarRocks instance %s: status No, stage incremental - ' % (
            escaped(task['task_name']), escaped(task['source_database']), escaped(task['target_database']), INSTANCE)
        assert re.search(as_printed(said) + r'.*status is No \(abnormal\)', out), out
    assert re.search(as_printed('task_name is \'%s\': the API allows' % escaped(named['task_name'])), out), out
    assert re.search(as_printed('WHY: %s' % escaped(alter['config']['last_error_of_alter_table'])), out), out
    assert 'WHY: not read: the task name is not one the API allows' in out, out
    assert 'Traceback' not in out and KEY['sk'] not in out, out


def test_server_text_in_events_never_runs_as_a_template_in_a_users_playbook(eda_bin, installed, tmp_path):  # pylint: disable=redefined-outer-name
    """A user's rulebook and playbook that template event fields, as the documentation shows."""
    (tmp_path / 'react.yml').write_text(json.dumps([{
        'name': 'React as a user would', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [
            {'name': 'Name the task', 'ansible.builtin.debug': {
                'msg': 'USER SAW {{ ansible_eda.event.task_name }} FROM {{ ansible_eda.event.task.source_database }}'
                       ' TO {{ ansible_eda.event.task.target_database }}'}},
            {'name': 'Say why', 'ansible.builtin.debug': {
                'msg': 'USER WHY {{ ansible_eda.event.explanation.last_error_of_alter_table'
                       ' | default(ansible_eda.event.explanation.error) }}'}},
            {'name': 'Show the whole explanation and reasons', 'ansible.builtin.debug': {
                'msg': 'USER ALL {{ ansible_eda.event.explanation }} {{ ansible_eda.event.new.reasons }}'}}]}]))
    (tmp_path / 'mine.yml').write_text(json.dumps([{
        'name': 'My watch', 'hosts': 'all', 'match_multiple_rules': True,
        'sources': [{'taurusdb.htap.replication_watch': {'instance_ids': INSTANCE, 'interval': 0.5}}],
        'rules': [
            {'name': 'Show', 'condition': 'event.type is defined', 'action': {'print_event': {}}},
            {'name': 'React', 'condition': 'event.type == "task_not_ready" and event.new.broken == true',
             'action': {'run_playbook': {'name': 'react.yml'}}}]}]))
    tasks, out, made = run_with_template_tasks(eda_bin, installed, tmp_path,
                                               ['-r', 'mine.yml', '-i', 'inventory.yml'], 'USER SAW users_db')
    assert made == [], out
    assert out.count('PLAY [React as a user would]') >= 2, out
    for task in tasks:
        said = 'USER SAW %s FROM %s TO %s' % (escaped(task['task_name']), escaped(task['source_database']),
                                              escaped(task['target_database']))
        assert re.search(as_printed(said), out), out
    assert re.search(as_printed('USER WHY %s' % escaped(tasks[1]['config']['last_error_of_alter_table'])), out), out
    assert 'USER ALL {' in out, out
    assert 'Traceback' not in out and KEY['sk'] not in out, out


# --- the opt-in rule that resumes a paused task -------------------------------------------------------
RESUME_RULE = 'Resume a paused replication task (opt-in)'
WRAPPER = 'PLAY [wrapper]'  # the playbook ansible-rulebook's run_module runs


def writes(sim):
    answer = requests.get(sim.url + '/__sim__/stats', timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()['writes']


def resume_on(tmp_path):
    with open(str(tmp_path / 'watch.yml'), 'a') as handle:
        handle.write('replication_watch_resume_paused: true\n')


def test_by_default_the_rulebook_never_resumes_a_paused_task(eda_bin, installed, tmp_path):  # pylint: disable=redefined-outer-name
    write_inputs(tmp_path, os.path.join(eda_bin, 'python'))
    with Simulator('healthy') as sim:
        rulebook = Rulebook(['-r', 'taurusdb.htap.replication_watch', '-i', 'inventory.yml', '--vars', 'watch.yml'],
                            sim_env(eda_bin, installed, sim), str(tmp_path))
        try:
            at = rulebook.wait_for(r"'type': 'initial_state'")
            change_task(sim, task_name='users_db', set={'stage': 'paused'})
            at = rulebook.wait_for(r'REPLICATION TASK BROKE: users_db .*stage paused', at)
            at = rulebook.wait_for(r'PLAY RECAP', at)
            # resumed by hand: the actions of one ruleset run in order, so a resume of the pause would come first
            change_task(sim, task_name='users_db', set={'stage': 'Incremental'})
            at = rulebook.wait_for(r'REPLICATION TASK IS READY AGAIN: users_db', at)
            rulebook.wait_for(r'PLAY RECAP', at)
            written = writes(sim)
        finally:
            rulebook.stop()
    out = rulebook.text()
    assert written['total'] == 0, (written, out)
    assert WRAPPER not in out, out


def test_asked_the_rulebook_resumes_a_paused_task_but_never_one_with_a_bad_name(eda_bin, installed, tmp_path):  # pylint: disable=redefined-outer-name
    write_inputs(tmp_path, os.path.join(eda_bin, 'python'))
    resume_on(tmp_path)
    trap = tmp_path / 'trap'
    trap.mkdir()
    hostile = {'task_name': 'x_{{ lookup("pipe", "touch %s") }}' % (trap / 'pwned'), 'source_database': 'evil',
               'target_database': 'evil_sr', 'stage': 'paused'}
    scenario = {'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr', 'stage': 'Incremental'},
        hostile]}]}
    with Simulator(scenario) as sim:
        rulebook = Rulebook(['-r', 'taurusdb.htap.replication_watch', '-i', 'inventory.yml', '--vars', 'watch.yml'],
                            sim_env(eda_bin, installed, sim), str(tmp_path))
        try:
            # the paused task with a template for a name is there from the start: it is said, never resumed
            at = rulebook.wait_for(as_printed('REPLICATION TASK BROKE: %s' % escaped(hostile['task_name'])))
            at = rulebook.wait_for(r'PLAY RECAP', at)
            change_task(sim, task_name='users_db', set={'stage': 'paused'})
            at = rulebook.wait_for(r'REPLICATION TASK BROKE: users_db .*stage paused', at)
            at = rulebook.wait_for(r'TASK \[Module wrapper\][^\n]*\n(?:\s*\n)*changed: \[localhost\]', at)
            rulebook.wait_for(r'REPLICATION TASK IS READY AGAIN: users_db', at)
            written = writes(sim)
        finally:
            rulebook.stop()
    out = rulebook.text()
    assert (written['resume'], written['total']) == (1, 1), (written, out)
    assert out.count(WRAPPER) == 1, out
    assert os.listdir(str(trap)) == [], out
    assert 'Traceback' not in out and KEY['sk'] not in out, out


def test_the_resume_rule_never_acts_on_a_raw_name_the_api_does_not_allow(eda_bin, installed, tmp_path):  # pylint: disable=redefined-outer-name
    """The shipped rule on its own, fed raw events (not escaped, as another source could send them): its
    condition alone must keep every name that is not the API's from the module's arguments, which
    ansible-rulebook writes into a playbook that Ansible renders."""
    write_inputs(tmp_path, os.path.join(eda_bin, 'python'))
    resume_on(tmp_path)
    trap = tmp_path / 'trap'
    trap.mkdir()

    def paused(task_name, instance_id=INSTANCE, kind='task_not_ready'):
        return {'type': kind, 'instance_id': instance_id, 'task_name': task_name,
                'new': {'stage': 'paused', 'status': 'yes', 'broken': True}}
    touch = 'lookup("pipe", "touch %s")' % (trap / 'pwned')
    events = [paused('x_{{ %s }}' % touch), paused('users_db\n{{ %s }}' % touch), paused('users_db\n'),
              paused('{%% if %s %%}users_db{%% endif %%}' % touch), paused('ab'), paused('a' * 129),
              paused('users_db', instance_id='{{ %s }}in17' % touch), paused('users_db', instance_id=INSTANCE + '\n'),
              paused('users_db', kind='task_ready'),
              paused('users_db')]  # the one that is resumed, last: actions run in order
    with open(os.path.join(installed, 'ansible_collections', 'taurusdb', 'htap', 'extensions', 'eda', 'rulebooks',
                           'replication_watch.yml')) as handle:
        shipped = yaml.safe_load(handle)
    rules = [rule for rule in shipped[0]['rules'] if rule['name'] == RESUME_RULE]
    assert len(rules) == 1 and 'run_module' in rules[0]['action']
    (tmp_path / 'events.yml').write_text(yaml.safe_dump(events))
    (tmp_path / 'raw.yml').write_text(yaml.safe_dump([{
        'name': 'The resume rule, raw events', 'hosts': 'all', 'rules': rules,
        'sources': [{'eda.builtin.generic': {'payload_file': 'events.yml'}}]}]))
    scenario = {'instances': [{'id': INSTANCE, 'tasks': [
        {'task_name': 'users_db', 'source_database': 'users', 'target_database': 'users_sr', 'stage': 'paused'}]}]}
    with Simulator(scenario) as sim:
        rulebook = Rulebook(['-r', 'raw.yml', '-i', 'inventory.yml', '--vars', 'watch.yml'],
                            sim_env(eda_bin, installed, sim), str(tmp_path))
        try:
            at = rulebook.wait_for(r'TASK \[Module wrapper\][^\n]*\n(?:\s*\n)*changed: \[localhost\]')
            rulebook.wait_for(r'PLAY RECAP', at)
            written = writes(sim)
        finally:
            rulebook.stop()
    out = rulebook.text()
    assert out.count(WRAPPER) == 1, out  # only for the last event
    assert (written['resume'], written['total']) == (1, 1), (written, out)
    assert os.listdir(str(trap)) == [], out
    assert 'Traceback' not in out and KEY['sk'] not in out, out
