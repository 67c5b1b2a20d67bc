# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The heartbeat: replication lag measured end to end, over the MySQL protocol.

A row (``id`` 1, ``ts`` a time) in a table the synchronization task copies: written on the source
(TaurusDB) with the source's clock, read on the target (StarRocks). The lag is the source's clock when
the target holds the written time, less that time: only the source's clock is ever used, so neither the
controller's nor the target's clock matters. Times are UTC (``UTC_TIMESTAMP(6)``), so a session's time
zone or a daylight-saving change cannot move them; a heartbeat written elsewhere must be UTC too.

``measure_lag`` is the one entry point (the module and the gate call it); every database or network error
becomes a ``HeartbeatError`` naming the side, its address and the server's error; bad settings an
``OptionError`` before any connection. The driver is PyMySQL (pure Python, what community.mysql uses).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os
import re
import time
import traceback

try:
    import pymysql
except ImportError:
    pymysql = None
    HAS_PYMYSQL = False
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PYMYSQL = True
    PYMYSQL_IMPORT_ERROR = None

from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.option_checks import check_range
from ansible_collections.taurusdb.htap.plugins.module_utils.server_text import NAME_LIMIT, shown

DEFAULT_TABLE = 'taurusdb_htap_heartbeat'
HEARTBEAT_ID = 1
POLL_INTERVAL = 0.1  # between reads of the target while a written heartbeat has not arrived
FUTURE_SLACK = 1.0  # seconds a written heartbeat may seem ahead of the time since the write (its round trip)
FINAL_READ_RESERVE = 1.0  # kept before a deadline for the last read of the source's clock
TABLE_SCHEMA = 'id INT NOT NULL PRIMARY KEY, ts DATETIME(6) NOT NULL'
# A table name that is the same unquoted in MySQL and StarRocks: a letter, then letters, digits, underscores.
_TABLE_NAME = re.compile(r'[A-Za-z][A-Za-z0-9_]{0,63}\Z')
_NO_SUCH_TABLE = 1146  # ER_NO_SUCH_TABLE
_TIME_FORMATS = ('%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S')
_UTC = datetime.timezone.utc

# One side's connection options: the names and meanings of community.mysql's.
SIDE_OPTIONS = dict(
    login_host=dict(type='str', required=True),
    login_port=dict(type='int', default=3306),
    login_user=dict(type='str'),
    login_password=dict(type='str', no_log=True),
    login_unix_socket=dict(type='str'),
    database=dict(type='str', required=True),
    ca_cert=dict(type='path', aliases=['ssl_ca']),
    client_cert=dict(type='path', aliases=['ssl_cert']),
    client_key=dict(type='path', aliases=['ssl_key'], no_log=False),
    check_hostname=dict(type='bool'),
    connect_timeout=dict(type='float', default=10.0),
)

HEARTBEAT_OPTIONS = dict(
    source=dict(type='dict', required=True, options=dict(SIDE_OPTIONS)),
    target=dict(type='dict', required=True, options=dict(SIDE_OPTIONS)),
    table=dict(type='str', default=DEFAULT_TABLE),
    create=dict(type='bool', default=False),
    write=dict(type='bool', default=True),
)

SIDES = ('source', 'target')


class HeartbeatError(Exception):
    """A database or network error on one side: ``side`` ('source' or 'target'), ``host``, ``port`` (None for
    a socket), the server's ``error_code`` and ``error_msg`` (shown safely) when it gave them, and a ``hint``."""

    def __init__(self, side, host, message, port=None, error_code=None, error_msg=None, hint=None):
        super(HeartbeatError, self).__init__(message)
        self.side = side
        self.host = host
        self.port = port
        self.message = message
        self.error_code = error_code
        self.error_msg = error_msg
        self.hint = hint

    def __str__(self):
        return self.message + (' ' + self.hint if self.hint else '')

    def to_result(self):
        return {'msg': str(self), 'side': self.side, 'host': self.host, 'port': self.port,
                'error_code': self.error_code, 'error_msg': self.error_msg, 'hint': self.hint}


# --- settings ------------------------------------------------------------------------------------
def check_table(name):
    """The table name, refused unless it is a plain identifier (it goes into SQL, quoted with backticks)."""
    if not isinstance(name, str) or not _TABLE_NAME.match(name):
        raise OptionError('table must be a letter followed by up to 63 letters, digits and underscores, got %s'
                          % ("'%s'" % shown(name, NAME_LIMIT) if isinstance(name, str) else repr(name)))
    return name


def check_settings(settings, max_lag, wait_timeout):
    """Everything an argument spec cannot say, before any connection (an OptionError naming the option)."""
    check_table(settings.get('table'))
    check_range({'max_lag': max_lag}, 'max_lag', 0)
    if max_lag == 0:  # a measured lag is never 0: such a gate could never pass
        raise OptionError('max_lag must be more than 0, got 0')
    check_range({'wait_timeout': wait_timeout}, 'wait_timeout', 0)
    for side in SIDES:
        options = settings.get(side) or {}
        for name in ('login_host', 'database'):
            if not options.get(name):
                raise OptionError('%s.%s is required' % (side, name))
        check_range({side + '.login_port': options.get('login_port')}, side + '.login_port', 1, 65535)
        check_range({side + '.connect_timeout': options.get('connect_timeout')}, side + '.connect_timeout', 0.1, 600)
        for name in ('ca_cert', 'client_cert', 'client_key'):
            path = options.get(name)
            if path and not (os.path.isfile(path) and os.access(path, os.R_OK)):
                raise OptionError('%s.%s %s is not a readable file' % (side, name, path))
        if options.get('client_key') and not options.get('client_cert'):
            raise OptionError('%s.client_key needs %s.client_cert' % (side, side))


def secrets_of(settings):
    """The passwords of both sides (what no output may show)."""
    return [(settings.get(side) or {}).get('login_password') for side in SIDES
            if (settings.get(side) or {}).get('login_password')]


def address(options):
    """Where a side is, as messages name it."""
    if options.get('login_unix_socket'):
        return 'socket %s' % options['login_unix_socket']
    return '%s:%s' % (options.get('login_host'), options.get('login_port') or 3306)


def connect_arguments(options, timeout):
    """PyMySQL's connect() arguments for one side, with community.mysql's meanings: a socket replaces host and
    port; TLS when any TLS option is given; the server's certificate verified only against ca_cert."""
    arguments = dict(user=options.get('login_user'), password=options.get('login_password') or '',
                     database=options['database'], connect_timeout=timeout, read_timeout=timeout,
                     write_timeout=timeout, autocommit=True, charset='utf8mb4')
    if options.get('login_unix_socket'):
        arguments['unix_socket'] = options['login_unix_socket']
    else:
        arguments.update(host=options['login_host'], port=options.get('login_port') or 3306)
    tls = dict((key, options.get(name)) for key, name in (('ca', 'ca_cert'), ('cert', 'client_cert'),
                                                          ('key', 'client_key'), ('check_hostname', 'check_hostname'))
               if options.get(name) is not None)
    if tls:
        arguments['ssl'] = tls
    return arguments


# --- one side ------------------------------------------------------------------------------------
def _server_error(exc):
    """(code, text) of a driver error: PyMySQL's are (code, message); anything else its type and message."""
    args = exc.args if pymysql is not None and isinstance(exc, pymysql.err.MySQLError) else ()
    if len(args) == 2 and isinstance(args[0], int):
        return args[0], shown(str(args[1]))
    return None, shown('%s: %s' % (type(exc).__name__, exc) if str(exc) else type(exc).__name__)


class _Side(object):
    """One connection: every statement bounded by the time left, every error a HeartbeatError."""

    def __init__(self, side, options, connect, time_left):
        self.side = side
        self.options = options
        self.connect = connect
        self.time_left = time_left
        self.connection = None

    def error(self, message, code=None, text=None, hint=None):
        port = None if self.options.get('login_unix_socket') else self.options.get('login_port') or 3306
        database = shown(self.options['database'], NAME_LIMIT)
        full = '%s %s (database %s): %s' % (self.side, address(self.options), database, message)
        if code is not None or text:
            full += ': %s' % ('MySQL error %s: %s' % (code, text) if code is not None else text)
        return HeartbeatError(self.side, self.options.get('login_host'), full + '.', port=port, error_code=code,
                              error_msg=text, hint=hint)

    def _timeout(self, step):
        left = self.time_left()
        if left <= 0:
            raise self.error('the deadline passed before %s' % step)
        return min(self.options.get('connect_timeout') or 10.0, left)

    def open(self):
        timeout = self._timeout('connecting')
        try:
            self.connection = self.connect(**connect_arguments(self.options, timeout))
        except Exception as exc:  # pylint: disable=broad-except  # whatever the driver raises
            raise self.error('cannot connect', *_server_error(exc))

    def rows(self, step, statement, arguments=None, table=None):
        """The rows of one statement; ``table`` is named in the error when the statement finds no such table."""
        timeout = self._timeout(step)
        # PyMySQL reads these before each read and write of the socket (there is no public way to change them)
        self.connection._read_timeout = self.connection._write_timeout = timeout
        cursor = None
        try:
            cursor = self.connection.cursor()
            cursor.execute(statement, arguments)
            return list(cursor.fetchall())
        except Exception as exc:  # pylint: disable=broad-except  # whatever the driver raises
            code, text = _server_error(exc)
            if table and code == _NO_SUCH_TABLE:
                raise self.error('table %s does not exist' % table, code, text, hint=self._missing_table_hint())
            raise self.error(step + ' failed', code, text)
        finally:
            _quietly(cursor)

    def _missing_table_hint(self):
        if self.side == 'source':
            return ('Create it with create: true (or CREATE TABLE ... (%s) in that database), and add it to the '
                    'synchronization task.' % TABLE_SCHEMA)
        return ('Add the heartbeat table to the synchronization task (its tables), so that the task copies it '
                'from the source; check target.database too.')

    def close(self):
        _quietly(self.connection)
        self.connection = None


def _quietly(closable):
    """Closes, ignoring errors: a broken connection's close must not hide the error that broke it."""
    if closable is None:
        return
    try:
        closable.close()
    except Exception:  # pylint: disable=broad-except
        pass


# --- times ---------------------------------------------------------------------------------------
def _as_time(side, value):
    """A DATETIME as PyMySQL gives it (or as text from a server that sends text); a HeartbeatError otherwise."""
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        for pattern in _TIME_FORMATS:
            try:
                return datetime.datetime.strptime(value.strip(), pattern)
            except ValueError:
                pass
    raise side.error('the heartbeat time is not a time: %s' % shown(repr(value), NAME_LIMIT))


def _arrived(holds, written, latest):
    """Whether the target holds the heartbeat written (or a later one), but none later than ``latest``, the
    latest time the source's clock can show yet: a row from the source's future (written in another time zone,
    or by a hostile server) proves nothing, or a stopped copy would look fresh. A target whose DATETIME keeps
    no fraction of a second holds the time written cut to the second: that counts too (the lag is still
    measured from the time written, by the source's clock)."""
    if holds > latest:
        return False
    return holds >= written or (holds.microsecond == 0 and holds == written.replace(microsecond=0))


def _iso(value):
    return None if value is None else value.replace(tzinfo=_UTC).isoformat()


def _seconds(later, earlier):
    return round((later - earlier).total_seconds(), 6)


# --- the measurement -----------------------------------------------------------------------------
def measure_lag(settings, max_lag, wait_timeout, deadline=None, clock=time.monotonic, sleep=time.sleep, connect=None):
    """The heartbeat's lag (see the module's RETURN for the fields), within ``deadline`` (a ``clock()`` value).

    With ``settings['write']``: writes the heartbeat on the source and waits until the target holds it (up to
    ``wait_timeout``, and no longer once more than ``max_lag`` has passed: the answer is then known,
    ``gave_up_after`` says after how long). Without: the age of what the target holds."""
    check_settings(settings, max_lag, wait_timeout)
    if connect is None:
        if pymysql is None:
            raise OptionError('the heartbeat needs the Python library PyMySQL')
        connect = pymysql.connect

    def time_left():
        return float('inf') if deadline is None else deadline - clock()

    source = _Side('source', settings['source'], connect, time_left)
    target = _Side('target', settings['target'], connect, time_left)
    try:
        source.open()
        target.open()  # before writing: connecting to the target must not count as lag
        return _measure(source, target, settings, max_lag, wait_timeout, deadline, clock, sleep)
    finally:
        source.close()
        target.close()


def _measure(source, target, settings, max_lag, wait_timeout, deadline, clock, sleep):
    table = settings['table']
    result = dict(table=table, max_lag=max_lag, wrote=False, created=False, written_at=None, gave_up_after=None,
                  polls=0)
    if settings.get('create'):
        result['created'] = _create(source, table)
    written = None
    if settings.get('write'):
        written = _write(source, table)
        result.update(wrote=True, written_at=_iso(written))
        holds, waited = _wait_for(target, table, written, max_lag, wait_timeout, deadline, clock, sleep)
        result.update(waited)
    else:
        holds = _held(target, table)
        result['polls'] = 1
    now = _source_now(source)
    seen = holds is not None and holds <= now and (written is None or _arrived(holds, written, now))
    lag = None
    if written is not None and seen:
        lag = _seconds(now, written)
    elif holds is not None:
        lag = _seconds(now, holds)
    result.update(seen=seen, target_holds=_iso(holds), measured_at=_iso(now), lag_seconds=lag,
                  within_max_lag=bool(seen and lag is not None and 0 <= lag <= max_lag), problem=None)
    result['problem'] = _problem(result, written is not None)
    return result


def _problem(result, wrote):
    """Why the lag is not known to be within max_lag, in words (None when it is)."""
    if result['within_max_lag']:
        return None
    if result['target_holds'] is None:
        return 'the target holds no heartbeat row yet'
    if result['lag_seconds'] is not None and result['lag_seconds'] < 0:
        return ('the target holds a heartbeat from the future (%s, the source\'s clock says %s): heartbeats are '
                'UTC (UTC_TIMESTAMP(6)); was it written in another time zone?'
                % (result['target_holds'], result['measured_at']))
    if wrote and not result['seen']:
        ended = ('%s s after it was written, more than max_lag' % result['gave_up_after'] if result['gave_up_after']
                 is not None else 'when the wait ended')
        return ('the heartbeat written at %s had not arrived on the target %s; the target holds one from %s'
                % (result['written_at'], ended, result['target_holds']))
    return 'the lag, %s s, is more than max_lag, %s s' % (result['lag_seconds'], result['max_lag'])


def _create(source, table):
    """Creates the table on the source unless it exists; whether it did."""
    found = source.rows('looking for the table', 'SELECT COUNT(*) FROM information_schema.tables '
                        'WHERE table_schema = DATABASE() AND table_name = %s', (table,))
    if found and found[0][0]:
        return False
    source.rows('creating the table', 'CREATE TABLE IF NOT EXISTS `%s` (%s)' % (table, TABLE_SCHEMA))
    return True


def _write(source, table):
    """Writes the heartbeat on the source; the time it wrote, as the source holds it."""
    source.rows('writing the heartbeat', 'REPLACE INTO `%s` (id, ts) VALUES (%%s, UTC_TIMESTAMP(6))' % table,
                (HEARTBEAT_ID,), table=table)
    written = _held(source, table)
    if written is None:
        raise source.error('the heartbeat row written is not there when read back')
    return written


def _held(side, table):
    """The time the heartbeat row holds on a side, or None when there is no row."""
    rows = side.rows('reading the heartbeat', 'SELECT ts FROM `%s` WHERE id = %%s' % table, (HEARTBEAT_ID,),
                     table=table)
    return _as_time(side, rows[0][0]) if rows else None


def _source_now(source):
    rows = source.rows("reading the source's clock", 'SELECT UTC_TIMESTAMP(6)')
    if not rows:
        raise source.error("reading the source's clock returned no row")
    return _as_time(source, rows[0][0])


def _wait_for(target, table, written, max_lag, wait_timeout, deadline, clock, sleep):
    """Reads the target until it holds ``written`` or later: (what it holds, {polls, gave_up_after}).

    Stops at ``wait_timeout``, before the deadline (keeping time to read the source's clock after), and once
    more than ``max_lag`` has passed since the write: the heartbeat is then late whenever it arrives."""
    started = clock()  # after the write returned: at least this much has passed since the source wrote
    until = started + wait_timeout
    if deadline is not None:
        until = min(until, deadline - min(FINAL_READ_RESERVE, max(deadline - started, 0) / 2))
    polls = 0
    while True:
        holds = _held(target, table)
        polls += 1
        # the source's clock has moved at most this far since the write (and the write's own round trip)
        latest = written + datetime.timedelta(seconds=clock() - started + FUTURE_SLACK)
        if holds is not None and _arrived(holds, written, latest):
            return holds, dict(polls=polls)
        now = clock()
        if now - started > max_lag:
            return holds, dict(polls=polls, gave_up_after=round(now - started, 6))
        if now >= until:
            return holds, dict(polls=polls)
        sleep(min(POLL_INTERVAL, until - now))
