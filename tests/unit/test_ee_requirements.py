"""The execution environment's Python requirements (meta/execution-environment.yml names the file) hold what every
plugin needs: each requirement of requirements.txt as written there, and PyMySQL for the heartbeat module."""

import os

import yaml

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')


def requirement_lines(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith('#')]


def test_the_execution_environment_requirements_hold_requirements_txt_and_pymysql():
    with open(os.path.join(ROOT, 'meta', 'execution-environment.yml'), encoding='utf-8') as handle:
        named = yaml.safe_load(handle)['dependencies']['python']
    lines = requirement_lines(named)
    assert set(requirement_lines('requirements.txt')) <= set(lines)
    assert 'PyMySQL' in lines
