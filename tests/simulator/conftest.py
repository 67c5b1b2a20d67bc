"""Fixtures of the simulator's tests: htapsim's plugin (its fixtures, and the guard against the metadata
address), and a private MariaDB server with a pair of databases for the heartbeat copier."""

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest

pytest_plugins = ['htapsim.pytest_plugin']

SBIN_PATH = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin', '/usr/bin'])
MARIADB_SAFETY_NET = 120  # seconds: it serves in a few, even on a busy machine
HEARTBEAT_DDL = 'CREATE TABLE `%s` (id INT PRIMARY KEY, ts DATETIME(6))'
TABLE = 'taurusdb_htap_heartbeat'


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _start_mariadbd(server, datadir, sock, port, log):
    return subprocess.Popen(  # pylint: disable=consider-using-with  # stopped by the fixture, by its PID
        [server, '--no-defaults', '--user=' + getpass.getuser(), '--datadir=' + datadir, '--socket=' + sock,
         '--port=%d' % port, '--bind-address=127.0.0.1', '--skip-name-resolve', '--skip-log-bin',
         # a zone other than UTC: heartbeats are UTC (UTC_TIMESTAMP(6)), and a copier reading NOW(6) would be
         # five hours off
         '--default-time-zone=+05:00',
         '--innodb-buffer-pool-size=16M', '--log-error=' + log, '--pid-file=' + os.path.join(datadir, 'pid')],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_serving(pymysql, proc, sock, log):
    """A root connection over the socket once mariadbd serves; fails with its log if it dies or never serves."""
    deadline = time.monotonic() + MARIADB_SAFETY_NET
    while True:
        try:
            return pymysql.connect(unix_socket=sock, user=getpass.getuser(), autocommit=True)
        except pymysql.MySQLError:
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(log, encoding='utf-8', errors='replace') as handle:
                    pytest.fail('mariadbd did not start:\n' + handle.read()[-3000:])
            time.sleep(0.1)


@pytest.fixture(scope='session')
def mariadb(tmp_path_factory):
    """A private MariaDB server on 127.0.0.1 for this session (own data directory; stopped by its PID and
    removed after): ``{'host', 'port', 'user', 'password', 'admin'}``, ``admin`` a root connection.
    Skips when MariaDB (Debian's mariadb-server) or PyMySQL is not installed."""
    pymysql = pytest.importorskip('pymysql', reason='the heartbeat copier tests need PyMySQL (pip install PyMySQL)')
    install = shutil.which('mariadb-install-db', path=SBIN_PATH)
    server = shutil.which('mariadbd', path=SBIN_PATH)
    if not (install and server):
        pytest.skip('the heartbeat copier tests need MariaDB (mariadb-install-db and mariadbd: '
                    'apt-get install mariadb-server)')
    base = tmp_path_factory.mktemp('mariadb')
    datadir, sock, log = str(base / 'data'), str(base / 'mariadb.sock'), str(base / 'error.log')
    subprocess.run([install, '--no-defaults', '--user=' + getpass.getuser(), '--datadir=' + datadir,
                    '--auth-root-authentication-method=socket', '--skip-test-db'],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=MARIADB_SAFETY_NET)
    port = _free_port()
    proc = _start_mariadbd(server, datadir, sock, port, log)
    try:
        admin = _wait_serving(pymysql, proc, sock, log)
        password = uuid.uuid4().hex
        with admin.cursor() as cursor:
            cursor.execute("CREATE USER 'htapsim'@'127.0.0.1' IDENTIFIED BY %s", (password,))
            cursor.execute("GRANT ALL ON *.* TO 'htapsim'@'127.0.0.1'")
        yield {'host': '127.0.0.1', 'port': port, 'user': 'htapsim', 'password': password, 'admin': admin}
        admin.close()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(MARIADB_SAFETY_NET)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(str(base), ignore_errors=True)


@pytest.fixture
def heartbeat_databases(mariadb):
    """Two fresh databases on the MariaDB server, each with the heartbeat table: ``source`` (standing for
    TaurusDB) and ``target`` (StarRocks). ``config`` is the simulator's ``heartbeat`` setting for them;
    ``source_sql`` / ``target_sql`` run a statement there and return its rows."""
    admin = mariadb['admin']
    names = {side: 'hb_%s_%s' % (uuid.uuid4().hex[:12], side) for side in ('source', 'target')}
    with admin.cursor() as cursor:
        for name in names.values():
            cursor.execute('CREATE DATABASE `%s`' % name)
            cursor.execute(HEARTBEAT_DDL.replace('`%s`', '`%s`.`%s`') % (name, TABLE))

    def runner(side):
        def run(sql, args=None):
            with admin.cursor() as cursor:
                cursor.execute('USE `%s`' % names[side])
                cursor.execute(sql, args)
                return cursor.fetchall()
        return run

    endpoint = {key: mariadb[key] for key in ('host', 'port', 'user', 'password')}
    yield {'config': {side: dict(endpoint, database=name) for side, name in names.items()},
           'names': names, 'source_sql': runner('source'), 'target_sql': runner('target'), 'mariadb': mariadb}
    with admin.cursor() as cursor:
        for name in names.values():
            cursor.execute('DROP DATABASE IF EXISTS `%s`' % name)
