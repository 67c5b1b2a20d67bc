"""The heartbeat copier: the simulator's data plane (docs/simulator.md, "The heartbeat table").

A thread copies the heartbeat table (``id INT PRIMARY KEY, ts DATETIME(6)``) from a source database
(standing for TaurusDB) to a target database (standing for StarRocks) over the MySQL protocol, as a
synchronization task would: each change of a row arrives, in order, once the source's clock is ``lag``
seconds past its ``ts``; nothing arrives while the scenario stops the copy or while the task that carries
the heartbeat is paused, broken or not in incremental. So the API's task status and the data agree.

PyMySQL is imported only when a copier is made: the rest of the simulator runs without it.
"""

import collections
import contextlib
import datetime
import json
import re
import sys
import threading

import yaml

from .scenario import ScenarioError, task_state

DEFAULT_TABLE = 'taurusdb_htap_heartbeat'
DEFAULT_INTERVAL = 0.05  # seconds between two rounds of the copier
STOPPED = 'stopped'
MAX_ROWS = 1000  # rows of the source table a round reads (the first by id): a heartbeat table has a few
MAX_PENDING = 10000  # changes of one row waiting for their time; beyond it the oldest are dropped
TIMEOUT = 5  # seconds: connect, read and write timeouts of every database call
ENDPOINT_KEYS = ('host', 'port', 'user', 'password', 'database', 'unix_socket')
SCENARIO_KEYS = ('task', 'instance', 'lag', 'steps')
STEP_KEYS = ('at', 'by', 'lag')
TABLE_RE = re.compile(r'^[A-Za-z0-9_$]{1,64}$')
ENDPOINT_RE = re.compile(r'^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:/\[\]\s]+))(?::(?P<port>\d{1,5}))?/(?P<db>[^/\s]+)$')
ENV_NAME = 'HTAPSIM_HEARTBEAT_%s_%s'  # SOURCE or TARGET, USER or PASSWORD
SIDES = ('source', 'target')


class HeartbeatError(ValueError):
    """A heartbeat setting the simulator cannot use: it refuses to start (or the request, 400)."""


def load_pymysql():
    """PyMySQL, or a HeartbeatError that says how to get it."""
    try:
        import pymysql  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise HeartbeatError('the heartbeat copier (--heartbeat-source, --heartbeat-target) needs the Python '
                             'package PyMySQL: pip install PyMySQL (%s)' % exc) from None
    return pymysql


# --- settings ----------------------------------------------------------------------------------
def parse_endpoint(text, side):
    """``HOST:PORT/DATABASE`` (``[::1]:3306/db``; the port defaults to 3306) as PyMySQL's keywords."""
    match = ENDPOINT_RE.match(text or '')
    if not match:
        raise HeartbeatError('--heartbeat-%s is HOST:PORT/DATABASE, got %r' % (side, text))
    return {'host': match.group('v6') or match.group('host'), 'port': int(match.group('port') or 3306),
            'database': match.group('db')}


def read_credentials(path):
    """The credentials file: ``{source: {user, password}, target: {user, password}}`` (YAML or JSON)."""
    try:
        with open(path, encoding='utf-8') as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise HeartbeatError('cannot read the heartbeat credentials file %s: %s' % (path, exc)) from None
    for side, value in data.items() if isinstance(data, dict) else [(None, None)]:
        if side not in SIDES or not isinstance(value, dict) or set(value) - {'user', 'password'}:
            raise HeartbeatError('the heartbeat credentials file %s is a mapping {source: {user, password}, '
                                 'target: {user, password}}' % path)
    return data


def from_arguments(args, environ):
    """The copier's settings from the command line (None without --heartbeat-source): endpoints from the
    flags, users and passwords from --heartbeat-credentials, else HTAPSIM_HEARTBEAT_<SIDE>_USER / _PASSWORD
    (never from the command line: it shows in ``ps``)."""
    if not (args.heartbeat_source or args.heartbeat_target):
        if args.heartbeat_credentials or args.heartbeat_table:
            raise HeartbeatError('--heartbeat-table and --heartbeat-credentials need --heartbeat-source and '
                                 '--heartbeat-target')
        return None
    if not (args.heartbeat_source and args.heartbeat_target):
        raise HeartbeatError('the heartbeat copier needs both --heartbeat-source and --heartbeat-target')
    secrets = read_credentials(args.heartbeat_credentials) if args.heartbeat_credentials else {}
    config = {'table': args.heartbeat_table or DEFAULT_TABLE}
    for side in SIDES:
        endpoint = parse_endpoint(getattr(args, 'heartbeat_' + side), side)
        for key in ('user', 'password'):
            value = (secrets.get(side) or {}).get(key)
            value = environ.get(ENV_NAME % (side.upper(), key.upper())) if value is None else value
            if value is not None:
                endpoint[key] = str(value)
        config[side] = endpoint
    return config


def check_config(config):
    """The Python form, ``{'source': {...}, 'target': {...}, 'table': ..., 'interval': ...}``, with its defaults."""
    if not isinstance(config, dict) or set(config) - {'source', 'target', 'table', 'interval'}:
        raise HeartbeatError('heartbeat is a mapping of source, target, table and interval')
    out = {'table': config.get('table') or DEFAULT_TABLE, 'interval': float(config.get('interval') or DEFAULT_INTERVAL)}
    if not TABLE_RE.match(out['table']):
        raise HeartbeatError('the heartbeat table is a name of letters, digits, _ and $, got %r' % (out['table'],))
    for side in SIDES:
        endpoint = config.get(side)
        if not isinstance(endpoint, dict) or set(endpoint) - set(ENDPOINT_KEYS) or not endpoint.get('database') \
                or not (endpoint.get('host') or endpoint.get('unix_socket')):
            raise HeartbeatError('heartbeat %s is a mapping of %s (database and host or unix_socket required)'
                                 % (side, ', '.join(ENDPOINT_KEYS)))
        out[side] = dict({'user': 'root', 'password': '', 'port': 3306}, **endpoint)
        out[side]['user'] = out[side]['user'] or 'root'
    return out


def where(endpoint):
    """An endpoint as the stats and the log name it (never its password)."""
    place = endpoint.get('unix_socket') or '%s:%s' % (endpoint['host'], endpoint['port'])
    return '%s/%s' % (place, endpoint['database'])


# --- the scenario's word -----------------------------------------------------------------------
def _check_lag(value, what):
    if value == STOPPED:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ScenarioError('%s is a number of seconds (0 or more) or "stopped", got %r' % (what, value))
    return float(value)


def check_scenario(data):
    """The scenario's ``heartbeat`` key, checked, with its defaults: which task carries the heartbeat
    (none: copy whatever the API says), on which instance, and its lag by phase (``steps``)."""
    spec = data.get('heartbeat') or {}
    if not isinstance(spec, dict) or set(spec) - set(SCENARIO_KEYS):
        raise ScenarioError('heartbeat is a mapping of %s' % ', '.join(SCENARIO_KEYS))
    plan = {'task': spec.get('task'), 'lag': _check_lag(spec.get('lag', 0), 'heartbeat lag'), 'steps': []}
    for step in spec.get('steps') or []:
        if not isinstance(step, dict) or set(step) - set(STEP_KEYS) or 'lag' not in step \
                or isinstance(step.get('at'), bool) or not isinstance(step.get('at'), (int, float)) \
                or step.get('by', 'requests') not in ('requests', 'seconds'):
            raise ScenarioError('a heartbeat step is {at: N, lag: SECONDS|stopped, by: requests|seconds}, got %r'
                                % (step,))
        plan['steps'].append({'at': float(step['at']), 'by': step.get('by', 'requests'),
                              'lag': _check_lag(step['lag'], 'the lag of a heartbeat step')})
    ids = [inst['id'] for inst in data['instances']]
    instance = spec.get('instance')
    if instance is not None and instance not in ids:
        raise ScenarioError('heartbeat instance %s is not in "instances"' % (instance,))
    if plan['task']:
        carriers = [inst['id'] for inst in data['instances'] if instance in (None, inst['id'])
                    and any(task['task_name'] == plan['task'] for task in inst['tasks'])]
        if len(carriers) != 1:
            raise ScenarioError('heartbeat task %s: %s' % (plan['task'], (
                'a task of several instances: name its instance' if carriers
                else 'not a task of %s' % (instance or 'any instance'))))
        instance = carriers[0]
    plan['instance'] = instance or (ids[0] if ids else None)  # its listing requests drive `steps`
    return plan


def scenario_lag(plan, world, seconds):
    """The lag the scenario says now: seconds or ``stopped`` (``steps`` count the instance's listing requests)."""
    lag = plan['lag']
    for step in plan['steps']:
        if (seconds if step['by'] == 'seconds' else world.requests.get(plan['instance'], 0)) >= step['at']:
            lag = step['lag']
    return lag


def task_blocks(plan, world, seconds):
    """Why the task that carries the heartbeat does not copy now (not listed, broken, not incremental), or None."""
    if not plan['task']:
        return None
    with world.lock:  # POST /__sim__/task changes the list under this lock
        tasks = [task for task in world.instances[plan['instance']]['tasks'] if task['task_name'] == plan['task']]
        state = task_state(tasks[0], seconds, world.requests[plan['instance']]) if tasks else None
    if state is None:
        return 'task %s is not listed' % plan['task']
    if str(state.get('status')) != 'Yes':
        return 'task %s has status %s' % (plan['task'], state.get('status'))
    if str(state.get('stage') or '').lower() != 'incremental':
        return 'task %s is in stage %s' % (plan['task'], state.get('stage'))
    return None


# --- the copier ----------------------------------------------------------------------------------
def _text(exc):
    """An error as one printable line of bounded length (it goes to the stats and the log)."""
    text = ' '.join(str(exc).split())
    return ''.join(char if char.isprintable() else '?' for char in text)[:500]


class CopyError(Exception):
    """A database call of one round failed; the message names the side, the endpoint and the error."""


class Copier:
    """The copying thread. Its own counters (``snapshot``) go to /__sim__/stats as ``heartbeat``."""

    def __init__(self, config, state, log=None):
        self.config = check_config(config)
        self.pymysql = load_pymysql()
        self.state = state  # the SimState: its scenario, world and clock as they are now
        self.log = log or (lambda line: print('htapsim heartbeat: ' + line, file=sys.stderr, flush=True))
        self.lock = threading.Lock()  # the counters and the run-time lag
        self.round_lock = threading.Lock()  # held through each round
        self.stopping = threading.Event()
        self.thread = None
        self.connections = {}
        self.pending = {}  # row id -> deque of ts not copied yet, oldest first (the replication's backlog)
        self.applied = {}  # row id -> the ts the target should hold
        self.override = None
        self.counters = {}
        self.said = None  # the last state or error logged: the log says changes, not every round
        self.reset()

    # control plane
    def reset(self):
        """Counters and the run-time lag back to the scenario's (a scenario load or reset); the data stays."""
        with self.lock:
            self.override = None
            self.counters = {'rounds': 0, 'stopped_rounds': 0, 'rows_copied': 0, 'last_copy': None,
                             'last_copied': None, 'errors': 0, 'last_error': None, 'last_error_at': None,
                             'failing': False, 'copying': None, 'reason': None, 'lag': None,
                             'pending': self.counters.get('pending', 0)}  # the queue stays: its size too

    def set_lag(self, value):
        """Run-time lag: seconds, ``stopped``, or None to follow the scenario again."""
        value = None if value is None else _check_lag(value, 'lag')
        with self.round_lock, self.lock:  # after a round, so every round that begins after the answer obeys it
            self.override = value

    def snapshot(self):
        with self.lock:
            data = dict(self.counters, override=self.override, table=self.config['table'],
                        source=where(self.config['source']), target=where(self.config['target']))
        return json.loads(json.dumps(data, default=str))

    def decide(self):
        """``(lag, None)``, or ``(None, why the copy stops)``: the task's state first (the control plane and the
        data agree), then the run-time lag, else the scenario's."""
        state = self.state
        with state.lock:
            plan, world = state.scenario['heartbeat'], state.world
        seconds = state.seconds()
        why = task_blocks(plan, world, seconds)
        if why:
            return None, why
        with self.lock:
            override = self.override
        lag = scenario_lag(plan, world, seconds) if override is None else override
        if lag == STOPPED:
            return None, 'the scenario stops the copy' if override is None else 'stopped by POST /__sim__/heartbeat'
        return lag, None

    # data plane
    def start(self):
        self.thread = threading.Thread(target=self._run, name='htapsim-heartbeat', daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping.set()
        if self.thread:
            self.thread.join(2 * TIMEOUT + 5)
        self._close()

    def _run(self):
        while not self.stopping.is_set():
            with self.round_lock:
                try:
                    self.round()
                except Exception as exc:  # pylint: disable=broad-exception-caught  # the thread must never die unseen
                    self._failed(exc)
            self.stopping.wait(self.config['interval'])

    def round(self):
        """Observe the source; unless stopped, bring the target up to the changes whose time has come."""
        lag, why = self.decide()
        now, rows = self._read_source()
        self._observe(rows)
        copied = []
        if why is None:
            cutoff = now - datetime.timedelta(seconds=lag)
            for row_id, queue in self.pending.items():
                while queue and queue[0] <= cutoff:
                    self.applied[row_id] = queue.popleft()
            copied = self._write_target()
        with self.lock:
            counters = self.counters
            counters.update(rounds=counters['rounds'] + 1, failing=False, copying=why is None, reason=why, lag=lag,
                            pending=sum(len(queue) for queue in self.pending.values()))
            if why is not None:
                counters['stopped_rounds'] += 1
            elif copied:
                counters.update(rows_copied=counters['rows_copied'] + len(copied), last_copy=self._now(),
                                last_copied={'id': copied[-1][0], 'ts': copied[-1][1].isoformat()})
        self._say('copying with a lag of %ss' % lag if why is None else 'not copying: %s' % why)

    def _observe(self, rows):
        """Queue each change of a source row; forget rows the source no longer has (deletes are not copied)."""
        for row_id, ts in rows:
            queue = self.pending.setdefault(row_id, collections.deque(maxlen=MAX_PENDING))
            if ts != (queue[-1] if queue else self.applied.get(row_id)):
                queue.append(ts)
        for row_id in set(self.pending) - {row_id for row_id, _ts in rows}:
            self.pending.pop(row_id)
            self.applied.pop(row_id, None)

    def _read_source(self):
        table = self.config['table']
        with self._cursor('source') as cursor:
            cursor.execute('SELECT UTC_TIMESTAMP(6)')
            now = cursor.fetchone()[0]
            cursor.execute('SELECT id, ts FROM `%s` WHERE ts IS NOT NULL ORDER BY id LIMIT %d' % (table, MAX_ROWS))
            return now, list(cursor.fetchall())

    def _write_target(self):
        """REPLACE the rows the target does not hold as they should be; return them."""
        table = self.config['table']
        with self._cursor('target') as cursor:
            cursor.execute('SELECT id, ts FROM `%s`' % table)
            held = dict(cursor.fetchall())
            rows = [(row_id, ts) for row_id, ts in sorted(self.applied.items()) if held.get(row_id) != ts]
            if rows:
                cursor.executemany('REPLACE INTO `%s` (id, ts) VALUES (%%s, %%s)' % table, rows)
        return rows

    @contextlib.contextmanager
    def _cursor(self, side):
        """A cursor on one side's connection (made on first use and after an error); its errors become a
        CopyError that names the side and the endpoint."""
        try:
            cursor = self._connect(side).cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        except Exception as exc:  # pylint: disable=broad-exception-caught  # PyMySQL's, OSError, ...
            raise CopyError('%s %s: %s' % (side, where(self.config[side]), _text(exc))) from None

    def _connect(self, side):
        if side not in self.connections:
            endpoint = self.config[side]
            self.connections[side] = self.pymysql.connect(
                connect_timeout=TIMEOUT, read_timeout=TIMEOUT, write_timeout=TIMEOUT, autocommit=True,
                **endpoint)
        return self.connections[side]

    def _close(self):
        for side in list(self.connections):
            try:
                self.connections.pop(side).close()
            except Exception:  # pylint: disable=broad-exception-caught  # closing a broken connection
                pass

    def _failed(self, exc):
        self._close()
        text = _text(exc)
        with self.lock:
            self.counters.update(errors=self.counters['errors'] + 1, last_error=text, last_error_at=self._now(),
                                 failing=True)
        self._say('error: ' + text)

    def _now(self):
        return self.state.utcnow().isoformat()  # the simulator's clock, as its tokens see it

    def _say(self, line):
        if line != self.said:
            self.said = line
            self.log(line)


def control(copier, method, body):
    """``GET|POST /__sim__/heartbeat``: the copier's counters; POST ``{"lag": SECONDS|"stopped"|null}``
    sets the lag until the next scenario load or reset (null: follow the scenario again).
    Returns (HTTP status, answer)."""
    if copier is None:
        return 409, {'error': 'no heartbeat copier: start the simulator with --heartbeat-source and --heartbeat-target'}
    if method == 'POST':
        try:
            request = json.loads(body or b'{}')
            if not isinstance(request, dict) or set(request) != {'lag'}:
                raise ValueError('the body is {"lag": SECONDS | "stopped" | null}')
            copier.set_lag(request['lag'])
        except ValueError as exc:  # ScenarioError and JSON errors are ValueErrors
            return 400, {'error': str(exc)}
    return 200, copier.snapshot()
