"""AWX / Automation Platform as far as a machine without a container engine goes (ansible-builder and
ansible-runner from tests/requirements-dev.txt): the execution and
decision environment examples of docs/execution-environment.md, copied as written, give build contexts
whose collection install step works; the credential types the collection ships
(extensions/awx/credential_types.yml), rendered as AWX renders them, give an environment the module
signs in with; and the gate run by ansible-runner, the engine of an AWX job: progress and verdict
in the job events, a failing gate a failed job with its report, the verdict in the artifacts for a
workflow, no secret in what the job keeps."""

import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import requests
import yaml
from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator  # the installed simulator
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
EE_DOC = os.path.join(ROOT, 'docs', 'execution-environment.md')
INSTANCE = '01010101010101010101010101010101in17'
OURS = ('HUAWEICLOUD_', 'CLOUD_SDK_', 'TAURUSDB_', 'ANSIBLE_COLLECTIONS_PATH')


def run(args, **kwargs):
    # only the credentials and collections a test gives
    env = dict((name, value) for name, value in os.environ.items() if not name.startswith(OURS))
    env.update(PATH=BIN + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_NOCOLOR='1')
    env.update(kwargs.pop('env', {}))
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False, **kwargs)


def galaxy_version():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['version']


def doc_section(path, heading):
    """The text of a markdown section, from its ``## heading`` to the next one."""
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    found = re.search(r'^## %s\n(.*?)(?=^## |\Z)' % re.escape(heading), text, re.S | re.M)
    assert found, 'no section %r in %s' % (heading, path)
    return found.group(1)


def code_blocks(text, language):
    return re.findall(r'^```%s\n(.*?)^```' % language, text, re.S | re.M)


def download_from_tarball(section, tarball, workdir):
    """The section's command that fetches the collection from a tarball, run as written where the tarball is."""
    commands = [block.strip() for block in code_blocks(section, 'sh') if '.tar.gz' in block]
    assert len(commands) == 1, commands
    shutil.copy(tarball, str(workdir))
    proc = run(['bash', '-c', commands[0]], cwd=str(workdir))
    assert proc.returncode == 0, commands[0] + '\n' + proc.stdout + proc.stderr


def collection_install_step(containerfile):
    """The image build's ``ansible-galaxy collection install`` command, as the Containerfile runs it."""
    steps = [line for line in containerfile.splitlines() if 'ansible-galaxy collection install' in line]
    assert len(steps) == 1, steps
    return steps[0].split('RUN ', 1)[1]


def build_context_installs(section, file_name, tarball, workdir):
    """Copy the section's ansible-builder file as written, create the context and run its install
    step (in _build, the image's WORKDIR /build) into a directory of the test's; the installed path."""
    download_from_tarball(doc_section(EE_DOC, 'The collection, for either image'), tarball, workdir)
    blocks = code_blocks(section, 'yaml')
    assert len(blocks) == 1, blocks
    (workdir / file_name).write_text(blocks[0])
    proc = run(['ansible-builder', 'create', '-f', file_name, '--context', 'context'], cwd=str(workdir))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    context = workdir / 'context'
    containerfile = next(context.glob('*file')).read_text()  # Containerfile or Dockerfile, by runtime
    installed = workdir / 'installed'
    step = collection_install_step(containerfile).replace('/usr/share/ansible/collections', str(installed))
    proc = run(['bash', '-c', step], cwd=str(context / '_build'),
               env={'ANSIBLE_GALAXY_CLI_COLLECTION_OPTS': '', 'ANSIBLE_COLLECTIONS_PATH': str(installed)})
    assert proc.returncode == 0, step + '\n' + proc.stdout + proc.stderr
    manifest = installed / 'ansible_collections' / 'taurusdb' / 'htap' / 'MANIFEST.json'
    assert '"version": "%s"' % galaxy_version() in manifest.read_text()
    return context, containerfile, installed


def introspected_pip(context, installed):
    """The Python requirements the image's builder stage collects from the installed collections."""
    out = context / 'requirements-found.txt'
    user_pip = context / '_build' / 'requirements.txt'
    args = [sys.executable, str(context / '_build' / 'scripts' / 'introspect.py'), 'introspect', str(installed),
            '--write-pip', str(out)]
    if user_pip.exists():
        args += ['--user-pip', str(user_pip)]
    proc = run(args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out.read_text()


def test_execution_environment_example_builds_as_written(tarball, tmp_path):
    context, containerfile, installed = build_context_installs(
        doc_section(EE_DOC, 'Execution environment (job templates)'), 'execution-environment.yml', tarball, tmp_path)
    assert 'ansible-runner' in containerfile
    found = introspected_pip(context, installed)  # meta/execution-environment.yml's meta/ee-requirements.txt
    assert 'requests' in found and 'PyMySQL' in found


def test_decision_environment_example_builds_as_written(tarball, tmp_path):
    context, containerfile, installed = build_context_installs(
        doc_section(EE_DOC, 'Decision environment (Event-Driven Ansible controller)'), 'decision-environment.yml',
        tarball, tmp_path)
    assert 'ansible-core' in containerfile
    found = introspected_pip(context, installed)
    assert 'ansible-rulebook' in found and 'requests' in found
    assert 'java-17-openjdk' in (context / '_build' / 'bindep.txt').read_text()
    assert (installed / 'ansible_collections' / 'taurusdb' / 'htap' / 'extensions' / 'eda' / 'plugins' / 'event_source'
            / 'replication_watch.py').exists()


# --- the credential types ---------------------------------------------------------------------------

def credential_types(installed):  # pylint: disable=redefined-outer-name
    """The shipped file, read from the installed collection: what a user imports."""
    path = os.path.join(installed, 'ansible_collections', 'taurusdb', 'htap', 'extensions', 'awx',
                        'credential_types.yml')
    with open(path, encoding='utf-8') as handle:
        return dict((entry['name'], entry) for entry in yaml.safe_load(handle)['credential_types'])


def awx_inject(credential_type, inputs):
    """(environment, extra variables) as AWX injects a custom credential: each injector rendered by a
    sandboxed Jinja over the inputs that are set (an input left empty is undefined, so renders empty)."""
    fields = dict((field['id'], field) for field in credential_type['inputs']['fields'])
    assert set(inputs) <= set(fields), sorted(set(inputs) - set(fields))
    assert set(credential_type['inputs'].get('required', [])) <= set(inputs)
    namespace = dict((name, value) for name, value in inputs.items() if value)
    sandbox = ImmutableSandboxedEnvironment()
    injectors = credential_type['injectors']
    env = dict((name, sandbox.from_string(template).render(**namespace))
               for name, template in injectors.get('env', {}).items())
    extra_vars = dict((name, sandbox.from_string(template).render(**namespace))
                      for name, template in injectors.get('extra_vars', {}).items())
    return env, extra_vars


def write_extra_vars(path, extra_vars):
    """The extra variables file AWX passes with -e @file: every string tagged !unsafe (AWX's safe_dump), so
    that Ansible never renders a password as a template."""
    path.write_text(''.join('%s: !unsafe %s\n' % (name, yaml.safe_dump(value, default_style="'").strip())
                            for name, value in extra_vars.items()))
    return '@' + str(path)


def run_info_module(installed, sim, env, tmp_path,  # pylint: disable=redefined-outer-name
                    extra_args='', extra_vars=None):
    """The module, ad hoc, with a credential's environment (and extra variables file) against the simulator."""
    env = dict(env, ANSIBLE_COLLECTIONS_PATH=installed, TAURUSDB_ENDPOINT=sim.url)
    args = ['ansible', 'localhost', '-m', 'taurusdb.htap.taurusdb_starrocks_replication_info',
            '-a', ('instance_id=%s %s' % (INSTANCE, extra_args)).strip()]
    return run(args + (['-e', extra_vars] if extra_vars else []), env=env, cwd=str(tmp_path))


def assert_module_ran(proc, secrets):
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert '"all_ready": true' in proc.stdout, out
    for secret in secrets:
        assert secret not in out


AKSK, TEMPORARY = DEFAULT_CREDENTIALS['aksk']
USER = DEFAULT_CREDENTIALS['users'][0]
AKSK_CREDENTIAL = ('TaurusDB HTAP - Huawei Cloud AK/SK',
                   {'access_key': AKSK['ak'], 'secret_key': AKSK['sk'], 'project_id': DEFAULT_PROJECT})


@pytest.mark.parametrize('inputs', [
    {'access_key': AKSK['ak'], 'secret_key': AKSK['sk'], 'project_id': DEFAULT_PROJECT, 'region': '',
     'security_token': '', 'iam_endpoint': ''},
    {'access_key': TEMPORARY['ak'], 'secret_key': TEMPORARY['sk'], 'security_token': TEMPORARY['security_token'],
     'project_id': DEFAULT_PROJECT},
    # no project id: the project of the region, asked from IAM
    {'access_key': AKSK['ak'], 'secret_key': AKSK['sk'], 'region': 'cn-north-4', 'iam_endpoint': 'SIMULATOR'},
], ids=['permanent', 'temporary', 'project-from-region'])
def test_aksk_credential_type_signs_the_module_in(installed, tmp_path, inputs):  # pylint: disable=redefined-outer-name
    credential_type = credential_types(installed)['TaurusDB HTAP - Huawei Cloud AK/SK']
    with Simulator('fleet') as sim:
        inputs = dict((name, sim.url if value == 'SIMULATOR' else value) for name, value in inputs.items())
        env, extra_vars = awx_inject(credential_type, inputs)
        assert extra_vars == {}
        assert env['HUAWEICLOUD_SDK_AK'] == inputs['access_key'] and env['HUAWEICLOUD_SDK_SK'] == inputs['secret_key']
        assert_module_ran(run_info_module(installed, sim, env, tmp_path), [inputs['secret_key']])


def test_token_credential_type_signs_the_module_in(installed, tmp_path):  # pylint: disable=redefined-outer-name
    credential_type = credential_types(installed)['TaurusDB HTAP - Huawei Cloud IAM token']
    with Simulator('fleet') as sim:
        body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
            'name': USER['name'], 'password': USER['password'], 'domain': {'name': USER['domain']}}}},
            'scope': {'project': {'id': DEFAULT_PROJECT}}}}
        token = requests.post(sim.url + '/v3/auth/tokens', json=body, timeout=60).headers['X-Subject-Token']
        env, extra_vars = awx_inject(credential_type, {'auth_token': token, 'project_id': DEFAULT_PROJECT})
        assert extra_vars == {} and env['TAURUSDB_AUTH_TOKEN'] == token and env['TAURUSDB_REGION'] == ''
        assert_module_ran(run_info_module(installed, sim, env, tmp_path), [token])


def test_password_credential_type_signs_the_module_in(installed, tmp_path):  # pylint: disable=redefined-outer-name
    credential_type = credential_types(installed)['TaurusDB HTAP - Huawei Cloud IAM password']
    password = USER['password']
    with Simulator('fleet') as sim:
        env, extra_vars = awx_inject(credential_type, {'iam_user': USER['name'], 'iam_password': password,
                                                       'iam_domain': USER['domain'], 'region': 'cn-north-4',
                                                       'iam_endpoint': sim.url})
        assert extra_vars['replication_gate_iam_password'] == extra_vars['taurusdb_iam_password'] == password
        proc = run_info_module(installed, sim, env, tmp_path, 'iam_user={{ taurusdb_iam_user }} '
                               'iam_password={{ taurusdb_iam_password }} iam_domain={{ taurusdb_iam_domain }}',
                               write_extra_vars(tmp_path / 'credential-vars.yml', extra_vars))
    assert_module_ran(proc, [password])


# --- the gate under ansible-runner, the engine AWX runs a job with ----------------------------------

def runner_job(installed, sim, tmp_path, report_file, credential):  # pylint: disable=redefined-outer-name
    """A private data directory as AWX lays one out for a job template with the role and a credential
    ((type name, inputs), injected as AWX does: environment, and extra variables in a file passed with -e),
    run by ansible-runner (its command line, as a job's worker does): (process, job events, the directory)."""
    data = tmp_path / 'job'
    for name in ('project', 'inventory', 'env'):
        (data / name).mkdir(parents=True)
    (data / 'project' / 'gate.yml').write_text(
        '- hosts: localhost\n  gather_facts: false\n  roles:\n    - role: taurusdb.htap.replication_gate\n')
    (data / 'inventory' / 'hosts').write_text(
        'localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    env, extra_vars = awx_inject(credential_types(installed)[credential[0]], credential[1])
    (data / 'env' / 'envvars').write_text(yaml.safe_dump(dict(
        env, TAURUSDB_ENDPOINT=sim.url, ANSIBLE_COLLECTIONS_PATH=installed, ANSIBLE_NOCOLOR='1')))
    if extra_vars:
        vars_file = write_extra_vars(data / 'env' / 'credential-vars.yml', extra_vars)
        (data / 'env' / 'cmdline').write_text('-e ' + vars_file)
    (data / 'env' / 'extravars').write_text(yaml.safe_dump({
        'replication_gate_instances': [INSTANCE], 'replication_gate_wait_timeout': 600,
        'replication_gate_wait_sleep': 0.1, 'replication_gate_report_file': str(report_file)}))
    proc = run(['ansible-runner', 'run', str(data), '-p', 'gate.yml', '--ident', 'job'], cwd=str(tmp_path))
    events = []
    for path in sorted(glob.glob(str(data / 'artifacts' / 'job' / 'job_events' / '*.json')),
                       key=lambda path: int(os.path.basename(path).split('-', 1)[0])):
        with open(path, encoding='utf-8') as handle:
            events.append(json.load(handle))
    return proc, events, data


def artifacts_text(data, report_file):
    """What the job left for AWX to keep (events, stdout, stderr, fact cache) and the gate's reports; not
    ansible-runner's own record of the command and environment it ran (artifacts/job/command)."""
    texts = []
    for path in glob.glob(str(data / 'artifacts' / '**'), recursive=True) + glob.glob(str(report_file.parent / '*')):
        if os.path.isfile(path) and os.path.basename(path) != 'command':
            with open(path, encoding='utf-8', errors='replace') as handle:
                texts.append(handle.read())
    return '\n'.join(texts)


def verdict_artifact(events):
    stats = [event for event in events if event['event'] == 'playbook_on_stats']
    assert len(stats) == 1, [event['event'] for event in events]
    return stats[0]['event_data'].get('artifact_data', {}).get('replication_gate_verdict')


def test_gate_passes_under_ansible_runner(installed, tmp_path):  # pylint: disable=redefined-outer-name
    report_file = tmp_path / 'kept' / 'replication.xml'
    with Simulator('syncing-then-ready') as sim:
        proc, events, data = runner_job(installed, sim, tmp_path, report_file, AKSK_CREDENTIAL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (data / 'artifacts' / 'job' / 'status').read_text() == 'successful'
    stdout = ''.join(event.get('stdout', '') for event in events)
    # the progress lines, one a round, each in the job's events
    for line in ('round 1, ', 'users_db (wait 0%)', 'billing_db (full 75%)', 'round 7, '):
        assert line in stdout, stdout
    assert 'Replication gate passed: all 1 instance(s) ready.' in stdout, stdout
    verdict = verdict_artifact(events)
    assert verdict['passed'] is True and verdict['reason'] == 'passed', verdict
    assert verdict['report_files']['junit'] == str(report_file) and report_file.exists()
    assert AKSK['sk'] not in artifacts_text(data, report_file)


def test_failing_gate_fails_the_job_under_ansible_runner(installed, tmp_path):  # pylint: disable=redefined-outer-name
    report_file = tmp_path / 'kept' / 'replication.xml'
    with Simulator('broken-with-explanation') as sim:
        proc, events, data = runner_job(installed, sim, tmp_path, report_file, AKSK_CREDENTIAL)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert (data / 'artifacts' / 'job' / 'status').read_text() == 'failed'
    failed = [event for event in events if event['event'] == 'runner_on_failed']
    assert len(failed) == 1, [event['event'] for event in events]
    assert failed[0]['event_data']['task'] == 'Gate on StarRocks replication'
    message = failed[0]['event_data']['res']['msg']
    assert message.startswith('Replication gate failed') and message.endswith('The report is above.'), message
    # the report itself, once, in the event of the task before
    shown = [event['event_data']['res']['msg'] for event in events if event['event'] == 'runner_on_ok'
             and event['event_data'].get('task') == 'Report of the gate']
    assert len(shown) == 1
    report = shown[0] if isinstance(shown[0], str) else '\n'.join(shown[0])
    assert 'orders_db' in report and 'ALTER TABLE' in report, report
    verdict = verdict_artifact(events)  # the next node of a workflow (on failure) sees why
    assert verdict['passed'] is False and verdict['reason'] == 'fail fast' and verdict['report'] == report, verdict
    assert report_file.exists()
    assert AKSK['sk'] not in artifacts_text(data, report_file)


def test_gate_with_the_iam_password_credential_under_ansible_runner(installed,  # pylint: disable=redefined-outer-name
                                                                    tmp_path):
    report_file = tmp_path / 'kept' / 'replication.xml'
    with Simulator('healthy') as sim:
        credential = ('TaurusDB HTAP - Huawei Cloud IAM password', {
            'iam_user': USER['name'], 'iam_password': USER['password'], 'iam_domain': USER['domain'],
            'region': 'cn-north-4', 'iam_endpoint': sim.url})
        proc, events, data = runner_job(installed, sim, tmp_path, report_file, credential)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert verdict_artifact(events)['passed'] is True
    assert USER['password'] not in artifacts_text(data, report_file)
