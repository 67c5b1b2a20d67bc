"""End to end: the README's first command (the gate demo, taurusdb.htap.demo from a checkout) shows both gate
outcomes; tests/e2e/test_installed_demo.py runs the same playbook from the installed tarball."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_readme_starts_with_the_two_commands():
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        head = handle.read(2000)
    commands = re.findall(r'^(bash \S+)$', head, re.M)
    assert commands[:2] == ['bash playbooks/demo.sh', 'bash tests/run-all.sh']


def test_demo_waits_passes_then_fails_with_a_report():
    env = dict(os.environ, TAURUSDB_VENV=sys.prefix, ANSIBLE_NOCOLOR='1')
    env.pop('ANSIBLE_COLLECTIONS_PATH', None)
    proc = subprocess.run(['bash', os.path.join(ROOT, 'playbooks', 'demo.sh')], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert '[WARNING]' not in out, out
    first, second = out.split('TASK [2. One broken task: the gate fails fast, with its report]')
    # 1: it waited, showing live progress (a task name with its stage and percentage), then passed
    waiting = re.findall(r'^round \d+, \d+s: 0/1 instance\(s\) ready; waiting on \w+: .*\w+_db \((wait|full) \d+%\)',
                         first, re.M)
    assert waiting, first
    assert re.search(r'^round \d+, \d+s: 1/1 instance\(s\) ready$', first, re.M), first
    assert first.index('waiting on') < first.index('Replication gate passed: all 1 instance(s) ready.')
    assert 'Gate passed for 1 instance(s): deploying.' in first
    # 2: it failed fast, after two rounds, with the report naming the broken task, and never deployed
    assert 'orders_db (orders -> orders_sr): status No, stage incremental, 100% - status is No (abnormal)' in second
    assert 'why: last ALTER TABLE failed: ALTER TABLE orders ADD COLUMN discount_code' in second
    assert second.count('why: table orders: failed: no primary key') == 1, second  # one report, not two
    assert 'Stopped after 2 round(s)' in second and 'cannot recover by itself' in second
    assert 'deploying' not in second
    assert 'Demo finished' in second
    assert 'TASK [taurusdb.htap.simulator : Remove the simulator\'s directory]' in second  # stopped, files gone
