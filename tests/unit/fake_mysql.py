"""A stand-in for two MySQL-protocol servers (the source and the target) behind PyMySQL's ``connect``, for the
heartbeat's tests: it knows the few statements the heartbeat sends, copies the heartbeat row from the source to
the target after ``lag`` seconds of an explicit clock, and fails as PyMySQL fails (its own exception types)."""

import datetime
import re

import pymysql

EPOCH = datetime.datetime(2026, 11, 28, 0, 0, 0)  # the source's UTC clock at FakeClock 0
SOURCE_DB = 'taurus_app'
TARGET_DB = 'starrocks_app'
TABLE = 'taurusdb_htap_heartbeat'


class FakeClock(object):
    """time.monotonic and time.sleep in one: time moves only when the code sleeps (or a statement takes time)."""

    def __init__(self, now=0.0):
        self.now = now
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class FakeServers(object):
    """Both databases; ``lag`` is how long a written heartbeat takes to reach the target (None: never)."""

    def __init__(self, clock, lag=0.0, statement_time=0.001):
        self.clock = clock
        self.lag = lag
        self.statement_time = statement_time
        self.tables = {SOURCE_DB: {TABLE: {}}, TARGET_DB: {TABLE: {}}}
        self.pending = []  # (visible at, table, id, ts) on the target
        self.statements = []  # (database, statement)
        self.connections = []
        self.connect_error = {}  # database -> exception raised by connect
        self.statement_error = {}  # (database, statement prefix) -> exception
        self.odd_time = {}  # database -> what a heartbeat read returns instead of the time
        self.no_rows = set()  # (database, statement prefix): answered with no rows

    def utc_now(self):
        return EPOCH + datetime.timedelta(seconds=self.clock.now)

    def at(self, seconds):
        """The source's UTC time ``seconds`` after the FakeClock's 0 (negative: before)."""
        return EPOCH + datetime.timedelta(seconds=seconds)

    def connect(self, **arguments):
        database = arguments['database']
        if database in self.connect_error:
            raise self.connect_error[database]
        connection = FakeConnection(self, arguments)
        self.connections.append(connection)
        return connection

    def executed(self, database=None):
        return [statement for name, statement in self.statements if database in (None, name)]

    def deliver(self):
        """The copies whose time has come reach the target."""
        due = [item for item in self.pending if item[0] <= self.clock.now]
        for item in due:
            table, key, value = item[1:]
            if table in self.tables[TARGET_DB]:
                self.tables[TARGET_DB][table][key] = value
            self.pending.remove(item)


class FakeConnection(object):

    def __init__(self, servers, arguments):
        self.servers = servers
        self.arguments = arguments
        self.database = arguments['database']
        self._read_timeout = self._write_timeout = arguments.get('read_timeout')
        self.timeouts = []  # the read timeout of each statement
        self.closed = False

    def cursor(self):
        return FakeCursor(self)

    def close(self):
        self.closed = True


class FakeCursor(object):

    def __init__(self, connection):
        self.connection = connection
        self.result = []

    def execute(self, statement, arguments=None):
        connection = self.connection
        servers = connection.servers
        database = connection.database
        assert not connection.closed
        connection.timeouts.append(connection._read_timeout)
        servers.statements.append((database, statement))
        servers.clock.now += servers.statement_time
        for (name, prefix), error in servers.statement_error.items():
            if name == database and statement.startswith(prefix):
                raise error
        self.result = self._run(servers, database, statement, arguments)
        if any(name == database and statement.startswith(prefix) for name, prefix in servers.no_rows):
            self.result = []

    def _run(self, servers, database, statement, arguments):
        tables = servers.tables[database]
        named = re.search(r'`([^`]*)`', statement)
        table = named.group(1) if named else None
        if statement.startswith('SELECT COUNT(*) FROM information_schema.tables'):
            return [(1 if arguments[0] in tables else 0,)]
        if statement.startswith('CREATE TABLE IF NOT EXISTS'):
            tables.setdefault(table, {})
            return []
        if statement == 'SELECT UTC_TIMESTAMP(6)':
            return [(servers.utc_now(),)]
        if table not in tables:
            raise pymysql.err.ProgrammingError(1146, "Table '%s.%s' doesn't exist" % (database, table))
        if statement.startswith('REPLACE INTO'):
            now = servers.utc_now()
            tables[table][arguments[0]] = now
            if servers.lag is not None:
                servers.pending.append((servers.clock.now + servers.lag, table, arguments[0], now))
            return []
        if statement.startswith('SELECT ts FROM'):
            if database == TARGET_DB:
                servers.deliver()
            if arguments[0] not in tables[table]:
                return []
            return [(servers.odd_time.get(database, tables[table][arguments[0]]),)]
        raise AssertionError('unexpected statement %r' % statement)

    def fetchall(self):
        return tuple(self.result)

    def close(self):
        pass


def side(database, **extra):
    options = dict(login_host='127.0.0.1', login_port=3306, login_user='heartbeat', login_password='s3cret-pass',
                   login_unix_socket=None, database=database, ca_cert=None, client_cert=None, client_key=None,
                   check_hostname=None, connect_timeout=10.0)
    options.update(extra)
    return options


def settings(**extra):
    """Settings as HEARTBEAT_OPTIONS validates them."""
    result = dict(source=side(SOURCE_DB), target=side(TARGET_DB, login_port=9030, login_password='t4rget-pass'),
                  table=TABLE, create=False, write=True)
    result.update(extra)
    return result
