"""AWX / Automation Platform as far as a machine without a container engine goes: the execution and
decision environment examples of docs/execution-environment.md, copied as written, give build contexts
whose collection install step works."""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
EE_DOC = os.path.join(ROOT, 'docs', 'execution-environment.md')


def run(args, **kwargs):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_NOCOLOR='1')
    env.update(kwargs.pop('env', {}))
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False, **kwargs)


def galaxy_version():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['version']


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp('dist')
    proc = run(['ansible-galaxy', 'collection', 'build', '--output-path', str(out), ROOT])
    assert proc.returncode == 0, proc.stderr
    return glob.glob(str(out / 'taurusdb-htap-*.tar.gz'))[0]


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
    assert 'requests' in introspected_pip(context, installed)  # meta/execution-environment.yml's requirements.txt


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
