"""The heartbeat against two fake servers on an explicit clock (no wall clock, no network): lag, waiting and
giving up, deadlines, the table, errors. The real server is tested by the integration target
taurusdb_starrocks_replication_lag (MariaDB)."""

import datetime

import pymysql
import pytest

from ansible_collections.taurusdb.htap.plugins.module_utils import heartbeat
from ansible_collections.taurusdb.htap.plugins.module_utils.errors import OptionError
from ansible_collections.taurusdb.htap.plugins.module_utils.heartbeat import HeartbeatError, measure_lag
from ansible_collections.taurusdb.htap.tests.unit.fake_mysql import (
    SOURCE_DB, TABLE, TARGET_DB, FakeClock, FakeServers, settings, side)


@pytest.fixture
def clock():
    return FakeClock()


def servers_with(clock, lag=0.0, **kwargs):
    return FakeServers(clock, lag=lag, **kwargs)


def measure(servers, clock, max_lag=10.0, wait_timeout=60.0, deadline=None, **extra):
    return measure_lag(settings(**extra), max_lag, wait_timeout, deadline=deadline, clock=clock, sleep=clock.sleep,
                       connect=servers.connect)


# --- the lag -------------------------------------------------------------------------------------
def test_caught_up_the_lag_is_how_long_the_write_took_to_arrive(clock):
    servers = servers_with(clock, lag=0.35)
    result = measure(servers, clock)
    assert result['seen'] is True and result['wrote'] is True and result['within_max_lag'] is True
    # seen on the poll after it arrived (polls every 0.1 s), measured with the source's clock
    assert 0.35 <= result['lag_seconds'] <= 0.35 + heartbeat.POLL_INTERVAL + 0.02
    assert result['written_at'] == '2026-11-28T00:00:00.001000+00:00'  # the first statement, which takes 1 ms
    assert result['target_holds'] == result['written_at'] and result['problem'] is None
    assert result['gave_up_after'] is None and result['polls'] == 5 and result['table'] == TABLE
    assert result['max_lag'] == 10.0 and result['created'] is False
    assert max(clock.sleeps) <= heartbeat.POLL_INTERVAL
    assert servers.tables[SOURCE_DB][TABLE][1] == servers.tables[TARGET_DB][TABLE][1]


def test_the_lag_uses_only_the_source_clock(clock):
    servers = servers_with(clock, lag=0.0)
    result = measure(servers, clock)
    measured = datetime.datetime.fromisoformat(result['measured_at'])
    written = datetime.datetime.fromisoformat(result['written_at'])
    assert result['lag_seconds'] == round((measured - written).total_seconds(), 6) > 0
    assert servers.executed(TARGET_DB) == ['SELECT ts FROM `%s` WHERE id = %%s' % TABLE]
    assert servers.executed(SOURCE_DB)[-1] == 'SELECT UTC_TIMESTAMP(6)'


def test_the_target_is_connected_before_the_write(clock):
    servers = servers_with(clock)
    measure(servers, clock)
    assert [c.database for c in servers.connections] == [SOURCE_DB, TARGET_DB]
    assert servers.statements[0] == (SOURCE_DB, 'REPLACE INTO `%s` (id, ts) VALUES (%%s, UTC_TIMESTAMP(6))' % TABLE)


def test_lag_beyond_max_lag_gives_up_once_the_answer_is_known(clock):
    servers = servers_with(clock, lag=None)  # copying stopped
    servers.tables[TARGET_DB][TABLE][1] = servers.at(-100)  # an old heartbeat
    result = measure(servers, clock, max_lag=2.0, wait_timeout=60.0)
    assert result['seen'] is False and result['within_max_lag'] is False
    assert 2.0 < result['gave_up_after'] <= 2.0 + heartbeat.POLL_INTERVAL + 0.01
    assert clock.now < 3  # not the whole wait_timeout
    assert result['lag_seconds'] == pytest.approx(100 + clock.now, abs=0.01)  # the age of what the target holds
    assert result['target_holds'] == '2026-11-27T23:58:20+00:00'
    assert 'had not arrived' in result['problem']


def test_arriving_late_is_seen_and_over_max_lag_when_the_wait_is_longer(clock):
    servers = servers_with(clock, lag=1.5)
    result = measure(servers, clock, max_lag=1.0)
    assert result['seen'] is False and result['gave_up_after'] > 1.0 and result['within_max_lag'] is False


def test_wait_timeout_ends_the_wait(clock):
    servers = servers_with(clock, lag=30.0)
    result = measure(servers, clock, max_lag=20.0, wait_timeout=5.0)
    assert result['seen'] is False and result['gave_up_after'] is None
    assert 5.0 <= clock.now <= 5.1
    assert result['lag_seconds'] is None and result['problem'] == 'the target holds no heartbeat row yet'


def test_wait_timeout_zero_reads_the_target_once(clock):
    servers = servers_with(clock, lag=1.0)
    result = measure(servers, clock, wait_timeout=0)
    assert result['polls'] == 1 and clock.sleeps == [] and result['seen'] is False


def test_a_target_without_a_row_is_a_state_not_an_error(clock):
    servers = servers_with(clock, lag=None)
    result = measure(servers, clock, wait_timeout=1.0)
    assert (result['seen'], result['lag_seconds'], result['within_max_lag'], result['target_holds']) == (
        False, None, False, None)


def test_without_write_the_lag_is_the_age_of_what_the_target_holds(clock):
    servers = servers_with(clock)
    clock.now = 10.0
    servers.tables[TARGET_DB][TABLE][1] = servers.at(5.0)
    result = measure(servers, clock, write=False)
    assert result['wrote'] is False and result['seen'] is True and result['written_at'] is None
    assert result['lag_seconds'] == pytest.approx(5.0, abs=0.01) and result['within_max_lag'] is True
    assert not [s for s in servers.executed() if s.startswith(('REPLACE', 'CREATE'))]
    assert clock.sleeps == []


def test_without_write_an_old_row_is_beyond_max_lag(clock):
    servers = servers_with(clock)
    clock.now = 100.0
    servers.tables[TARGET_DB][TABLE][1] = servers.at(0)
    result = measure(servers, clock, write=False, max_lag=60)
    assert result['within_max_lag'] is False and result['lag_seconds'] > 60
    assert result['problem'].startswith('the lag, 100.')


def test_without_write_a_row_from_the_future_is_not_within_max_lag(clock):
    servers = servers_with(clock)
    servers.tables[TARGET_DB][TABLE][1] = servers.at(3600)  # written in local time, an hour east of UTC
    result = measure(servers, clock, write=False)
    assert result['lag_seconds'] < 0 and result['within_max_lag'] is False
    assert 'from the future' in result['problem']


def test_without_write_and_no_row(clock):
    servers = servers_with(clock)
    result = measure(servers, clock, write=False)
    assert (result['seen'], result['lag_seconds'], result['within_max_lag']) == (False, None, False)


def test_a_time_that_is_text_is_read(clock):
    servers = servers_with(clock)
    servers.tables[TARGET_DB][TABLE][1] = servers.at(0)
    servers.odd_time[TARGET_DB] = '2026-11-28 00:00:00.250000'
    clock.now = 1.0
    assert measure(servers, clock, write=False)['lag_seconds'] == pytest.approx(0.75, abs=0.01)


@pytest.mark.parametrize('odd', ['0000-00-00 00:00:00', 42, None, 'now\x1b[2J'])
def test_a_value_that_is_not_a_time_is_an_error(clock, odd):
    servers = servers_with(clock)
    servers.tables[TARGET_DB][TABLE][1] = servers.at(0)
    servers.odd_time[TARGET_DB] = odd
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock, write=False)
    assert caught.value.side == 'target' and 'not a time' in str(caught.value)
    assert '\x1b' not in str(caught.value)


# --- the deadline --------------------------------------------------------------------------------
def test_the_deadline_bounds_the_wait_and_keeps_time_for_the_source_clock(clock):
    servers = servers_with(clock, lag=None)
    result = measure(servers, clock, max_lag=100.0, wait_timeout=60.0, deadline=4.0)
    assert result['seen'] is False and clock.now <= 4.0
    assert 3.0 <= clock.now  # it waited until the reserve for the last read
    assert result['measured_at'] is not None


def test_socket_timeouts_come_from_what_is_left_of_the_deadline(clock):
    servers = servers_with(clock)
    measure(servers, clock, deadline=2.5)
    source, target = servers.connections
    assert source.arguments['connect_timeout'] == 2.5 and source.arguments['read_timeout'] == 2.5
    assert all(0 < timeout <= 2.5 for timeout in source.timeouts + target.timeouts)
    assert source.timeouts[-1] < source.timeouts[0]  # shrinking with the time left


def test_socket_timeouts_are_connect_timeout_without_a_deadline(clock):
    servers = servers_with(clock)
    measure_lag(settings(source=side(SOURCE_DB, connect_timeout=3.0)), 10, 60, clock=clock, sleep=clock.sleep,
                connect=servers.connect)
    assert servers.connections[0].arguments['connect_timeout'] == 3.0 and servers.connections[0].timeouts[0] == 3.0
    assert servers.connections[1].arguments['connect_timeout'] == 10.0


def test_a_passed_deadline_is_an_error_before_connecting(clock):
    servers = servers_with(clock)
    clock.now = 5.0
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock, deadline=5.0)
    assert caught.value.side == 'source' and 'deadline passed before connecting' in str(caught.value)
    assert servers.connections == []


# --- the table -----------------------------------------------------------------------------------
def test_create_makes_the_table_on_the_source_only(clock):
    servers = servers_with(clock)
    del servers.tables[SOURCE_DB][TABLE]
    result = measure(servers, clock, create=True)
    assert result['created'] is True and TABLE in servers.tables[SOURCE_DB]
    creates = [s for s in servers.executed() if s.startswith('CREATE')]
    assert creates == ['CREATE TABLE IF NOT EXISTS `%s` (id INT NOT NULL PRIMARY KEY, ts DATETIME(6) NOT NULL)' % TABLE]
    assert not [s for s in servers.executed(TARGET_DB) if s.startswith('CREATE')]


def test_create_leaves_an_existing_table(clock):
    servers = servers_with(clock)
    result = measure(servers, clock, create=True)
    assert result['created'] is False and not [s for s in servers.executed() if s.startswith('CREATE')]


def test_a_table_missing_on_the_target_names_it_with_a_hint(clock):
    servers = servers_with(clock)
    del servers.tables[TARGET_DB][TABLE]
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock)
    error = caught.value
    assert (error.side, error.host, error.port, error.error_code) == ('target', '127.0.0.1', 9030, 1146)
    assert str(error).startswith('target 127.0.0.1:9030 (database %s): table %s does not exist: MySQL error 1146'
                                 % (TARGET_DB, TABLE))
    assert 'synchronization task' in error.hint


def test_a_table_missing_on_the_source_says_create(clock):
    servers = servers_with(clock)
    del servers.tables[SOURCE_DB][TABLE]
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock)
    assert caught.value.side == 'source' and 'create: true' in caught.value.hint


@pytest.mark.parametrize('table', ['x`; DROP TABLE y; --', 'a b', '1abc', '', 'a' * 65, 'tbl.name', u'h\u00e9', None,
                                   'ok\n'])
def test_a_bad_table_name_is_refused_before_connecting(clock, table):
    servers = servers_with(clock)
    with pytest.raises(OptionError) as caught:
        measure(servers, clock, table=table)
    assert str(caught.value).startswith('table must be a letter')
    assert '\n' not in str(caught.value)
    assert servers.connections == []


@pytest.mark.parametrize('table', ['a', 'Heartbeat_2', 'a' * 64])
def test_good_table_names(table):
    assert heartbeat.check_table(table) == table


# --- errors --------------------------------------------------------------------------------------
def test_wrong_password_names_side_host_and_the_server_error(clock):
    servers = servers_with(clock)
    servers.connect_error[TARGET_DB] = pymysql.err.OperationalError(
        1045, "Access denied for user 'heartbeat'@'10.0.0.1' (using password: YES)")
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock)
    error = caught.value
    assert error.side == 'target' and error.error_code == 1045
    assert str(error) == ("target 127.0.0.1:9030 (database %s): cannot connect: MySQL error 1045: Access denied for "
                          "user 'heartbeat'@'10.0.0.1' (using password: YES)." % TARGET_DB)
    assert 't4rget-pass' not in repr(error.to_result()) and 's3cret-pass' not in repr(error.to_result())
    assert all(c.closed for c in servers.connections)  # the source's connection too


def test_a_network_error_is_a_heartbeat_error(clock):
    servers = servers_with(clock)
    servers.connect_error[SOURCE_DB] = ConnectionRefusedError(111, 'Connection refused')
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock)
    assert caught.value.side == 'source' and 'ConnectionRefusedError' in str(caught.value)


def test_an_error_during_the_wait_closes_both_connections(clock):
    servers = servers_with(clock, lag=1.0)
    servers.statement_error[(TARGET_DB, 'SELECT ts')] = pymysql.err.OperationalError(
        2013, 'Lost connection to MySQL server during query (timed out)')
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock)
    assert 'reading the heartbeat failed: MySQL error 2013' in str(caught.value)
    assert all(c.closed for c in servers.connections)


def test_server_text_in_an_error_is_shown_safely(clock):
    servers = servers_with(clock)
    servers.connect_error[SOURCE_DB] = pymysql.err.OperationalError(1045, 'denied\x1b[2J{{ lookup("pipe", "id") }}')
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock)
    assert '\x1b' not in str(caught.value) and '{{' not in str(caught.value)
    assert '\\x1b[2J' in caught.value.error_msg


def test_a_unix_socket_is_named_instead_of_host_and_port(clock):
    servers = servers_with(clock)
    servers.connect_error[SOURCE_DB] = pymysql.err.OperationalError(2002, "Can't connect")
    with pytest.raises(HeartbeatError) as caught:
        measure_lag(settings(source=side(SOURCE_DB, login_unix_socket='/run/mysqld.sock')), 10, 60, clock=clock,
                    sleep=clock.sleep, connect=servers.connect)
    assert str(caught.value).startswith('source socket /run/mysqld.sock (database')
    assert caught.value.port is None


# --- settings ------------------------------------------------------------------------------------
def test_connect_arguments_follow_community_mysql():
    plain = heartbeat.connect_arguments(side('db', login_password=None, login_user=None), 4.0)
    assert plain == dict(host='127.0.0.1', port=3306, user=None, password='', database='db', connect_timeout=4.0,
                         read_timeout=4.0, write_timeout=4.0, autocommit=True, charset='utf8mb4')
    by_socket = heartbeat.connect_arguments(side('db', login_unix_socket='/s.sock'), 4.0)
    assert by_socket['unix_socket'] == '/s.sock' and 'host' not in by_socket and 'port' not in by_socket
    tls = heartbeat.connect_arguments(side('db', ca_cert='/ca.pem', check_hostname=False), 4.0)
    assert tls['ssl'] == {'ca': '/ca.pem', 'check_hostname': False}


@pytest.mark.parametrize('change, message', [
    (dict(source=side(SOURCE_DB, login_port=0)), 'source.login_port must be between 1 and 65535'),
    (dict(target=side(TARGET_DB, connect_timeout=0)), 'target.connect_timeout must be between 0.1 and 600'),
    (dict(target=side(TARGET_DB, connect_timeout=float('nan'))), 'target.connect_timeout must be a finite number'),
    (dict(source=side(SOURCE_DB, ca_cert='/nonexistent/ca.pem')), 'source.ca_cert /nonexistent/ca.pem is not'),
    (dict(source=side('')), 'source.database is required'),
])
def test_bad_settings_are_refused_before_connecting(clock, change, message):
    servers = servers_with(clock)
    with pytest.raises(OptionError) as caught:
        measure_lag(settings(**change), 10, 60, clock=clock, sleep=clock.sleep, connect=servers.connect)
    assert str(caught.value).startswith(message)
    assert servers.connections == []


def test_client_key_needs_client_cert(tmp_path):
    key = tmp_path / 'key.pem'
    key.write_text('x')
    with pytest.raises(OptionError, match='source.client_key needs source.client_cert'):
        heartbeat.check_settings(settings(source=side(SOURCE_DB, client_key=str(key))), 1, 1)


@pytest.mark.parametrize('max_lag, wait_timeout, message', [
    (-1, 60, 'max_lag must be at least 0'), (float('inf'), 60, 'max_lag must be a finite number'),
    (1, float('nan'), 'wait_timeout must be a finite number'), (1, -0.5, 'wait_timeout must be at least 0')])
def test_bad_numbers_are_refused(clock, max_lag, wait_timeout, message):
    with pytest.raises(OptionError, match=message):
        measure_lag(settings(), max_lag, wait_timeout, clock=clock, sleep=clock.sleep,
                    connect=servers_with(clock).connect)


def test_secrets_of_both_sides():
    assert heartbeat.secrets_of(settings()) == ['s3cret-pass', 't4rget-pass']
    assert heartbeat.secrets_of(settings(source=side('db', login_password=None))) == ['t4rget-pass']


def test_without_pymysql_a_clear_error(monkeypatch):
    monkeypatch.setattr(heartbeat, 'pymysql', None)
    with pytest.raises(OptionError, match='PyMySQL'):
        measure_lag(settings(), 10, 60)


def test_the_side_options_are_community_mysqls_names():
    assert sorted(heartbeat.SIDE_OPTIONS) == sorted([
        'login_host', 'login_port', 'login_user', 'login_password', 'login_unix_socket', 'database', 'ca_cert',
        'client_cert', 'client_key', 'check_hostname', 'connect_timeout'])
    assert heartbeat.SIDE_OPTIONS['login_password']['no_log'] is True
    assert heartbeat.HEARTBEAT_OPTIONS['source']['options'] == heartbeat.SIDE_OPTIONS


def test_a_target_that_keeps_whole_seconds_counts_as_arrived(clock):
    servers = servers_with(clock, lag=0.2)
    clock.now = 0.5  # the time written has a fraction: 00:00:00.501
    original = servers.deliver

    def deliver_cut_to_the_second():
        original()
        row = servers.tables[TARGET_DB][TABLE]
        if 1 in row:
            row[1] = row[1].replace(microsecond=0)
    servers.deliver = deliver_cut_to_the_second
    result = measure(servers, clock)
    assert result['seen'] is True and result['target_holds'] == '2026-11-28T00:00:00+00:00'
    assert result['lag_seconds'] == pytest.approx(0.2, abs=heartbeat.POLL_INTERVAL + 0.02)


def test_an_older_whole_second_on_the_target_has_not_arrived(clock):
    servers = servers_with(clock, lag=None)
    clock.now = 0.5
    servers.tables[TARGET_DB][TABLE][1] = servers.at(-1)  # 23:59:59, a whole second, older
    result = measure(servers, clock, wait_timeout=0.3)
    assert result['seen'] is False


def test_an_unexpected_driver_error_is_a_heartbeat_error(clock):
    servers = servers_with(clock)
    servers.statement_error[(SOURCE_DB, 'REPLACE')] = IndexError('index out of range')
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock)
    assert caught.value.side == 'source'
    assert str(caught.value).endswith('writing the heartbeat failed: IndexError: index out of range.')


# --- boundaries (each test kills mutants of tests/mutation/mutate.py that the ones above let live) --------
@pytest.fixture
def late_clock():
    """A clock far from zero, as time.monotonic() is: differences and sums of times are not alike there."""
    return FakeClock(1000.0)


def test_gave_up_after_counts_from_the_write(late_clock):
    servers = servers_with(late_clock, lag=None)
    servers.tables[TARGET_DB][TABLE][1] = servers.at(0)
    result = measure(servers, late_clock, max_lag=0.25, wait_timeout=60.0)
    assert result['gave_up_after'] == pytest.approx(0.3, abs=0.01)
    assert late_clock.now - 1000.0 < 0.4
    assert 'had not arrived on the target 0.3' in result['problem'] and 'more than max_lag' in result['problem']


def test_the_last_sleep_ends_at_wait_timeout(late_clock):
    servers = servers_with(late_clock, lag=None)
    result = measure(servers, late_clock, wait_timeout=0.25)
    assert late_clock.sleeps[:2] == [heartbeat.POLL_INTERVAL] * 2
    assert late_clock.sleeps[2] < heartbeat.POLL_INTERVAL and len(late_clock.sleeps) == 3
    assert result['gave_up_after'] is None and 'when the wait ended' not in result['problem']  # no row at all
    assert result['polls'] == 4


def test_a_wait_that_ends_without_the_write_says_so(late_clock):
    servers = servers_with(late_clock, lag=None)
    servers.tables[TARGET_DB][TABLE][1] = servers.at(0)
    result = measure(servers, late_clock, wait_timeout=0.2)
    assert result['problem'].endswith('had not arrived on the target when the wait ended; the target holds one from '
                                      '2026-11-28T00:00:00+00:00')


@pytest.mark.parametrize('deadline_in, stops_by', [(1.0, 0.5), (4.0, 3.0)])
def test_the_reserve_before_the_deadline_is_a_second_or_half_what_is_left(late_clock, deadline_in, stops_by):
    servers = servers_with(late_clock, lag=None, statement_time=0.0)
    measure(servers, late_clock, max_lag=100.0, deadline=1000.0 + deadline_in)
    assert stops_by <= late_clock.now - 1000.0 <= stops_by + 0.01


def test_without_write_the_target_is_read_once(clock):
    servers = servers_with(clock)
    servers.tables[TARGET_DB][TABLE][1] = servers.at(0)
    assert measure(servers, clock, write=False)['polls'] == 1


@pytest.mark.parametrize('age, within', [(10.0, True), (10.001, False), (-0.5, False), (0.0, True)])
def test_within_max_lag_at_its_edges(clock, age, within):
    servers = servers_with(clock, statement_time=0.0)
    clock.now = 100.0
    servers.tables[TARGET_DB][TABLE][1] = servers.at(100.0 - age)
    result = measure(servers, clock, write=False, max_lag=10.0)
    assert result['lag_seconds'] == age and result['within_max_lag'] is within
    if age < 0:
        assert 'from the future' in result['problem']


@pytest.mark.parametrize('text, lag', [(b'2026-11-28 00:00:00.250000', 0.75), ('2026-11-28 00:00:00', 1.0)])
def test_times_as_bytes_or_without_a_fraction(clock, text, lag):
    servers = servers_with(clock, statement_time=0.0)
    servers.tables[TARGET_DB][TABLE][1] = servers.at(0)
    servers.odd_time[TARGET_DB] = text
    clock.now = 1.0
    assert measure(servers, clock, write=False)['lag_seconds'] == lag


def test_a_written_row_that_is_not_read_back_is_an_error(clock):
    servers = servers_with(clock)
    servers.no_rows.add((SOURCE_DB, 'SELECT ts'))
    with pytest.raises(HeartbeatError, match='the heartbeat row written is not there when read back'):
        measure(servers, clock)


def test_a_clock_read_without_a_row_is_an_error(clock):
    servers = servers_with(clock)
    servers.no_rows.add((SOURCE_DB, 'SELECT UTC_TIMESTAMP'))
    with pytest.raises(HeartbeatError, match="reading the source's clock returned no row"):
        measure(servers, clock)


def test_create_looks_for_the_table_by_name(clock):
    servers = servers_with(clock)
    servers.no_rows.add((SOURCE_DB, 'SELECT COUNT(*)'))  # a server that answers nothing: create it
    assert measure(servers, clock, create=True)['created'] is True


def test_messages_and_fields_of_an_error(clock):
    servers = servers_with(clock)
    clock.now = 5.0
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock, deadline=5.0)
    assert str(caught.value) == 'source 127.0.0.1:3306 (database taurus_app): the deadline passed before connecting.'
    assert caught.value.args == (str(caught.value),)
    del servers.tables[TARGET_DB][TABLE]
    clock.now = 0.0
    with pytest.raises(HeartbeatError) as caught:
        measure(servers, clock)
    result = caught.value.to_result()
    assert result['msg'] == "%s %s" % (caught.value.message, caught.value.hint)
    assert result['error_msg'] == "Table 'starrocks_app.taurusdb_htap_heartbeat' doesn't exist"


def test_connect_arguments_defaults_and_tls():
    given = side('db', login_port=None, connect_timeout=None, ca_cert='/ca', client_cert='/c', client_key='/k',
                 check_hostname=True, login_user='u', login_password='p')
    arguments = heartbeat.connect_arguments(given, 2.0)
    assert arguments['port'] == 3306 and arguments['user'] == 'u' and arguments['password'] == 'p'
    assert arguments['ssl'] == {'ca': '/ca', 'cert': '/c', 'key': '/k', 'check_hostname': True}
    assert heartbeat.address(given) == '127.0.0.1:3306'


def test_a_missing_connect_timeout_is_ten_seconds(clock):
    servers = servers_with(clock)
    measure_lag(settings(source=side(SOURCE_DB, connect_timeout=None, login_port=None)), 10, 60, clock=clock,
                sleep=clock.sleep, connect=servers.connect)
    assert servers.connections[0].arguments['connect_timeout'] == 10.0


def test_a_directory_or_unreadable_file_is_not_a_certificate(tmp_path):
    with pytest.raises(OptionError, match='source.ca_cert .* is not a readable file'):
        heartbeat.check_settings(settings(source=side(SOURCE_DB, ca_cert=str(tmp_path))), 1, 1)
    with pytest.raises(OptionError, match='target.client_cert .* is not a readable file'):
        heartbeat.check_settings(settings(target=side(TARGET_DB, client_cert=str(tmp_path / 'none.pem'))), 1, 1)
    with pytest.raises(OptionError, match='target.client_key .* is not a readable file'):
        heartbeat.check_settings(settings(target=side(TARGET_DB, client_key=str(tmp_path / 'none.pem'))), 1, 1)


# --- a row from the source's future (found by an attack review): never proof of freshness -------------------
def test_a_stopped_copy_with_a_row_from_the_future_on_the_target_is_not_fresh():
    # before: every new heartbeat "arrived" at once (the target held a later time), lag 0.003 s, within max_lag
    clock = FakeClock()
    servers = FakeServers(clock, lag=None)  # the copy is stopped
    servers.tables[TARGET_DB][TABLE][1] = servers.at(5 * 3600)  # written in +05:00 local time, say
    result = measure_lag(settings(), 5.0, 6.0, clock=clock, sleep=clock.sleep, connect=servers.connect)
    assert result['within_max_lag'] is False and result['seen'] is False and result['lag_seconds'] < 0
    assert 'from the future' in result['problem']


def test_a_row_from_the_future_is_waited_past_until_the_heartbeat_written_arrives():
    clock = FakeClock()
    servers = FakeServers(clock, lag=1.0)  # the copy works, a second behind
    servers.tables[TARGET_DB][TABLE][1] = servers.at(5 * 3600)
    result = measure_lag(settings(), 5.0, 6.0, clock=clock, sleep=clock.sleep, connect=servers.connect)
    assert result['seen'] is True and result['within_max_lag'] is True and 1.0 <= result['lag_seconds'] <= 1.5


def test_max_lag_zero_is_refused_before_connecting():
    clock = FakeClock()
    servers = FakeServers(clock, lag=0.0)
    with pytest.raises(OptionError, match='max_lag must be more than 0, got 0'):
        measure_lag(settings(), 0, 6.0, clock=clock, sleep=clock.sleep, connect=servers.connect)
    assert servers.connections == []
