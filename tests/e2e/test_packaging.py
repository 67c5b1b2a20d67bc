"""The built collection: tarball contents, install, a run from the installed copy, galaxy-importer,
an execution environment build context, and the HTML docs site built by the README's command."""

import json
import os
import re
import subprocess
import sys
import tarfile

from htapsim import DEFAULT_CREDENTIALS, DEFAULT_PROJECT, Simulator  # the installed simulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BIN = os.path.dirname(sys.executable)
INSTANCE = '01010101010101010101010101010101in17'
KEY = DEFAULT_CREDENTIALS['aksk'][0]


def run(args, **kwargs):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_NOCOLOR='1')
    env.update(kwargs.pop('env', {}))
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False, **kwargs)


# What the tarball may hold at its top level, and nothing else: the product (plugins, roles, meta,
# docs, playbooks, the event source and rulebook in extensions), the changelog, the licence, the
# README, the modules' run-time requirements (meta/ee-requirements.txt, which meta/execution-environment.yml
# names, adds PyMySQL for the heartbeat), and the two files
# ansible-galaxy writes.
TOP_LEVEL = {'plugins', 'roles', 'meta', 'docs', 'playbooks', 'extensions', 'changelogs', 'README.md', 'CHANGELOG.rst',
             'COPYING', 'requirements.txt', 'MANIFEST.json', 'FILES.json'}


def test_tarball_holds_only_the_product(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile('MANIFEST.json'))
    assert sorted({name.split('/')[0] for name in names} - TOP_LEVEL) == []
    # nothing hidden (.ci, .venv*, .gitignore, .ansible-lint, caches), no byte code, no tests
    assert [name for name in names if any(part.startswith('.') or part == '__pycache__' for part in name.split('/'))
            or name.endswith('.pyc')] == []
    for name in ('plugins/modules/taurusdb_starrocks_replication_info.py', 'roles/replication_gate/meta/argument_specs.yml',
                 'meta/execution-environment.yml', 'meta/ee-requirements.txt', 'requirements.txt',
                 'docs/docsite/extra-docs.yml', 'CHANGELOG.rst',
                 'changelogs/changelog.yaml', 'COPYING', 'extensions/eda/plugins/event_source/replication_watch.py',
                 'extensions/eda/rulebooks/replication_watch.yml'):
        assert name in names, name
    # playbooks work installed: demo.yml (with the shipped simulator) and the rulebook's replication_event.yml;
    # demo.sh runs demo.yml from a checkout, so it stays out
    assert sorted(name for name in names if name.startswith('playbooks/')) == [
        'playbooks/demo.yml', 'playbooks/replication_event.yml']
    # the simulator ships as the role taurusdb.htap.simulator's files, with its scenarios, and nothing pip leaves
    for name in ('roles/simulator/files/htapsim/__main__.py', 'roles/simulator/files/htapsim/server.py',
                 'roles/simulator/files/htapsim/scenarios/syncing-then-ready.yml', 'roles/simulator/files/pyproject.toml',
                 'roles/simulator/meta/argument_specs.yml', 'roles/simulator/tasks/stop.yml'):
        assert name in names, name
    assert [name for name in names if '/build/' in name or '.egg-info' in name] == []
    # the changelog itself, not antsibull-changelog's inputs (config.yaml, fragments)
    assert [name for name in names if name.startswith('changelogs/')] == ['changelogs/changelog.yaml']
    assert manifest['collection_info']['namespace'] == 'taurusdb'
    assert manifest['collection_info']['name'] == 'htap'


def test_installed_copy_runs_module_and_role(installed, tmp_path):
    env = {'ANSIBLE_COLLECTIONS_PATH': installed, 'HUAWEICLOUD_SDK_AK': KEY['ak'], 'HUAWEICLOUD_SDK_SK': KEY['sk'],
           'HUAWEICLOUD_SDK_PROJECT_ID': DEFAULT_PROJECT}
    with Simulator('fleet') as sim:
        env['TAURUSDB_ENDPOINT'] = sim.url
        proc = run(['ansible', 'localhost', '-m', 'taurusdb.htap.taurusdb_starrocks_replication_info',
                    '-a', 'instance_id=02020202020202020202020202020202in17'], env=env, cwd=str(tmp_path))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert '"total_count": 120' in proc.stdout and '"all_ready": true' in proc.stdout
        playbook = tmp_path / 'gate.yml'
        playbook.write_text('- hosts: localhost\n  gather_facts: false\n  roles:\n'
                            '    - role: taurusdb.htap.replication_gate\n'
                            '      replication_gate_instances: [%s]\n'
                            '      replication_gate_wait_timeout: 0\n' % INSTANCE)
        proc = run(['ansible-playbook', str(playbook)], env=env, cwd=str(tmp_path))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert 'Replication gate passed: all 1 instance(s) ready.' in proc.stdout
        # the copy that ran is the installed one
        assert installed in run(['ansible-doc', '-F', 'taurusdb.htap'], env=env).stdout


def test_galaxy_importer_accepts_the_tarball(tarball, tmp_path):
    config = tmp_path / 'importer.cfg'
    # ansible-test inside galaxy-importer needs a container engine; this suite runs it directly.
    config.write_text('[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nCHECK_CHANGELOG = True\n')
    proc = run([sys.executable, '-m', 'galaxy_importer.main', tarball], env={'GALAXY_IMPORTER_CONFIG': str(config)},
               cwd=str(tmp_path))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert 'Importer processing completed successfully' in out
    assert 'WARNING' not in out and 'ERROR' not in out, out


def test_execution_environment_build_context(tarball, tmp_path):
    ee = tmp_path / 'execution-environment.yml'
    ee.write_text('---\nversion: 3\nimages:\n  base_image:\n    name: quay.io/ansible/ansible-runner:latest\n'
                  'dependencies:\n  ansible_core:\n    package_pip: ansible-core>=2.19,<2.20\n'
                  '  ansible_runner:\n    package_pip: ansible-runner\n'
                  '  galaxy:\n    collections:\n      - name: %s\n        type: file\n' % tarball)
    context = tmp_path / 'context'
    proc = run(['ansible-builder', 'create', '-f', str(ee), '--context', str(context)], cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = next(context.glob('*file')).read_text()  # Containerfile or Dockerfile, by runtime
    assert 'ansible-galaxy' in containerfile and 'introspect' in containerfile
    assert tarball in (context / '_build' / 'requirements.yml').read_text()


def readme_docs_site_command():
    """The README's command for the HTML docs site, as a user would paste it."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        commands = re.findall(r'`([^`]*antsibull-docs sphinx-init[^`]*)`', handle.read())
    assert len(commands) == 1, commands
    return ' '.join(commands[0].split())


# Offline, Sphinx cannot fetch the intersphinx inventories of the Python, Jinja and Ansible docs, and
# the references antsibull-docs' own pages make into the Ansible docs stay unresolved. Any other
# warning is ours and fails the test.
OFFLINE_WARNINGS = ('WARNING: failed to reach any of the inventories',
                    "WARNING: undefined label: 'ansible_configuration_settings'",  # environment_variables.rst
                    "WARNING: undefined label: 'common_return_values'",  # every module page with RETURN
                    "WARNING: undefined label: 'action_plugins'")  # a module with an action plugin (the wait)


def test_readme_docs_site_command_builds_module_options_and_examples(installed, tmp_path):
    command = readme_docs_site_command()
    proc = run(['bash', '-c', command], env={'ANSIBLE_COLLECTIONS_PATH': installed, 'HOME': str(tmp_path)},
               cwd=str(tmp_path))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, command + '\n' + out
    assert [line for line in out.splitlines()
            if 'WARNING' in line and not any(allowed in line for allowed in OFFLINE_WARNINGS)] == [], out
    html_dir = tmp_path / 'site' / 'build' / 'html' / 'collections' / 'taurusdb' / 'htap'
    module = (html_dir / 'taurusdb_starrocks_replication_info_module.html').read_text()
    assert 'ansible-option-table' in module
    for option in ('instance_id', 'page_concurrency', 'retry_max_time', 'expected_tasks', 'secret_key'):
        assert 'parameter-' + option in module, option
    assert 'Fail unless every task is incremental and normal' in module  # from EXAMPLES
    assert 'return-all_ready' in module
    assert (html_dir / 'taurusdb_starrocks_replication_info_lookup.html').exists()
    assert (html_dir / 'replication_gate_role.html').exists()
    assert 'Gating a deployment on StarRocks replication' in (html_dir / 'docsite' / 'guide_gating.html').read_text()
    watch = (html_dir / 'docsite' / 'replication_watch.html').read_text()  # ansible-doc cannot show it
    assert 'instance_concurrency' in watch and 'Watch two StarRocks instances' in watch
