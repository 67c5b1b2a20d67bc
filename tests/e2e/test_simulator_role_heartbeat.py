"""The simulator role's simulator_heartbeat, from the installed collection: the endpoints, the table and the
credentials reach the simulator's heartbeat copier (its counters say where it copies from, and why it cannot
yet: nothing listens there), and the password shows nowhere, even with -v.

The copier itself is tested against a real MariaDB in tests/simulator/tests/test_heartbeat.py."""

import os
import socket
import subprocess
import sys

import pytest

BIN = os.path.dirname(sys.executable)
PASSWORD = 'pw-never-shown-4711'

PLAY = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - block:
        - ansible.builtin.include_role:
            name: taurusdb.htap.simulator
          vars:
            simulator_heartbeat:
              source: {login_host: 127.0.0.1, login_port: %(port)d, login_user: hb, login_password: %(password)s,
                       database: orders}
              target: {login_host: 127.0.0.1, login_port: %(port)d, login_user: hb, login_password: %(password)s,
                       database: orders_sr}
              table: heartbeat_here
              create: true
        - name: Wait for the copier's first error (nothing listens on the port)
          ansible.builtin.uri:
            url: "{{ simulator_connection.url }}/__sim__/heartbeat"
          register: copier
          until: copier.json.errors > 0
          retries: 600
          delay: 0.1
        - ansible.builtin.debug:
            msg: "COPIER {{ copier.json | to_json }}"
      always:
        - ansible.builtin.include_role:
            name: taurusdb.htap.simulator
            tasks_from: stop
'''


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_the_role_starts_the_heartbeat_copier_with_the_gate_s_connection_keys(installed, tmp_path):
    pytest.importorskip('pymysql', reason='the heartbeat copier needs PyMySQL in the Python that runs Ansible')
    port = closed_port()
    playbook = tmp_path / 'heartbeat.yml'
    playbook.write_text(PLAY % {'port': port, 'password': PASSWORD})
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=installed, ANSIBLE_NOCOLOR='1',
               PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    proc = subprocess.run(['ansible-playbook', '-v', str(playbook)], env=env, cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert '"source": "127.0.0.1:%d/orders"' % port in out and '"target": "127.0.0.1:%d/orders_sr"' % port in out
    assert '"table": "heartbeat_here"' in out
    assert '"last_error": "source 127.0.0.1:%d/orders: ' % port in out
    assert PASSWORD not in out
