"""Mutation testing of the gate's core code: small faults are put into one file at a time, and the
unit tests that cover that file must notice each one. A mutant the tests pass is a place where a real
bug would pass too.

    python tests/mutation/mutate.py                      # every file in TARGETS
    python tests/mutation/mutate.py plugins/plugin_utils/waiter.py [--workers 2]
    python tests/mutation/mutate.py FILE --list          # the mutants, without running them
    python tests/mutation/mutate.py FILE --mutant 17     # run one (with --diff: show it)

Run it with the Python that runs the unit tests (its pytest, hypothesis, htapsim). The worktree is never
changed: each worker mutates its own copy of the collection. A mutant is killed when the tests fail or
time out (an endless loop); it survives when they pass.

The faults (the classic operators, as mutmut and PIT use them): comparisons (< <= > >= == != is in, and
their negations), ``and``/``or``, ``not`` removed, arithmetic operators, ``any``/``all``, ``min``/``max``,
numbers +-1, True/False, strings emptied, an ``if``/``while`` condition negated, a statement removed, a
returned value replaced by None. Constants at module level are mutated too (limits such as MAX_PAGES).
"""

import argparse
import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = 'tests/unit/plugins/'

# Each file with the tests that cover it, fastest first (pytest -x stops at the first failure).
# The two dribble tests of the adversarial server take 12 s and test the attempt watchdog only.
TARGETS = {
    'plugins/module_utils/heartbeat.py': [
        UNIT + 'module_utils/test_heartbeat.py', UNIT + 'modules/test_taurusdb_starrocks_replication_lag.py'],
    'plugins/module_utils/replication_verdict.py': [
        UNIT + 'module_utils/test_replication_verdict.py', UNIT + 'module_utils/test_server_text.py',
        UNIT + 'module_utils/test_replication.py', UNIT + 'module_utils/test_false_greens.py',
        UNIT + 'module_utils/test_listing_consistency.py', UNIT + 'module_utils/test_verdict_properties.py',
        UNIT + 'module_utils/test_htap_instances.py'],
    'plugins/module_utils/paging.py': [
        UNIT + 'module_utils/test_paging.py', UNIT + 'module_utils/test_listing_consistency.py',
        UNIT + 'module_utils/test_replication.py',
        UNIT + 'module_utils/test_false_greens.py', UNIT + 'module_utils/test_adversarial_server.py',
        '-k', 'not dribbled', UNIT + 'module_utils/test_verdict_properties.py'],
    'plugins/module_utils/replication.py': [
        UNIT + 'module_utils/test_paging.py', UNIT + 'test_docs_match_spec.py', UNIT + 'module_utils/test_server_text.py',
        UNIT + 'module_utils/test_listing_consistency.py', UNIT + 'module_utils/test_query_instances.py',
        UNIT + 'module_utils/test_replication.py', UNIT + 'module_utils/test_false_greens.py',
        UNIT + 'module_utils/test_bad_input.py', UNIT + 'modules/test_taurusdb_starrocks_replication_info.py',
        UNIT + 'module_utils/test_replication_config.py', UNIT + 'module_utils/test_iam.py',
        UNIT + 'module_utils/test_auth_metadata.py', UNIT + 'module_utils/test_transport_routes.py',
        UNIT + 'module_utils/test_adversarial_server.py', '-k', 'not dribbled',
        UNIT + 'module_utils/test_verdict_properties.py'],
    'plugins/module_utils/transport.py': [
        UNIT + 'module_utils/test_transport.py', UNIT + 'module_utils/test_attempt_watchdog.py',
        UNIT + 'module_utils/test_client.py', UNIT + 'module_utils/test_auth_aksk.py',
        UNIT + 'module_utils/test_endpoints.py', UNIT + 'module_utils/test_iam.py',
        UNIT + 'module_utils/test_auth_metadata.py', UNIT + 'module_utils/test_transport_routes.py',
        UNIT + 'module_utils/test_adversarial_server.py', '-k', 'not dribbled'],
    'plugins/module_utils/attempt_watchdog.py': [
        UNIT + 'module_utils/test_attempt_watchdog.py', UNIT + 'module_utils/test_transport.py',
        UNIT + 'module_utils/test_adversarial_server.py'],
    'plugins/module_utils/hints.py': [
        UNIT + 'module_utils/test_hints.py', UNIT + 'module_utils/test_errors.py',
        UNIT + 'module_utils/test_transport.py', UNIT + 'module_utils/test_client.py'],
    'plugins/module_utils/control_chars.py': [
        UNIT + 'module_utils/test_control_chars.py', UNIT + 'module_utils/test_auth.py',
        UNIT + 'module_utils/test_endpoints.py', UNIT + 'module_utils/test_ids.py',
        UNIT + 'module_utils/test_auth_aksk.py', UNIT + 'module_utils/test_bad_input.py'],
    'plugins/module_utils/errors.py': [
        UNIT + 'module_utils/test_scrubber.py', UNIT + 'module_utils/test_errors.py',
        UNIT + 'module_utils/test_ids.py', UNIT + 'module_utils/test_auth.py', UNIT + 'module_utils/test_auth_aksk.py',
        UNIT + 'module_utils/test_endpoints.py', UNIT + 'module_utils/test_bad_input.py',
        UNIT + 'module_utils/test_transport.py', UNIT + 'module_utils/test_client.py',
        UNIT + 'module_utils/test_adversarial_server.py', '-k', 'not dribbled'],
    'plugins/module_utils/server_text.py': [
        UNIT + 'module_utils/test_server_text.py', UNIT + 'module_utils/test_replication_verdict.py'],
    'plugins/plugin_utils/waiter.py': [
        UNIT + 'plugin_utils/test_waiter.py', UNIT + 'test_docs_match_spec.py'],
}
PYTEST_ARGS = ['-x', '-q', '-p', 'no:cacheprovider', '-p', 'no:xdist', '--no-header', '-o', 'addopts=']
COPY_IGNORE = shutil.ignore_patterns('.git', '.hypothesis', '.pytest_cache', '__pycache__', '*.pyc', 'output',
                                     '.venv*', 'build', 'site')

COMPARE_SWAPS = {
    ast.Lt: (ast.LtE, ast.GtE), ast.LtE: (ast.Lt, ast.Gt), ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt), ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,), ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
}
BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
               ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr}
CALL_SWAPS = {'any': 'all', 'all': 'any', 'min': 'max', 'max': 'min'}
REMOVABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Raise, ast.Continue, ast.Break, ast.Delete)
OPERATOR_TEXT = {ast.Lt: '<', ast.LtE: '<=', ast.Gt: '>', ast.GtE: '>=', ast.Eq: '==', ast.NotEq: '!=',
                 ast.Is: 'is', ast.IsNot: 'is not', ast.In: 'in', ast.NotIn: 'not in', ast.Add: '+', ast.Sub: '-',
                 ast.Mult: '*', ast.Div: '/', ast.FloorDiv: '//', ast.BitOr: '|', ast.BitAnd: '&'}


class Mutant(object):
    """One fault: the source span it replaces, its replacement, and where and what it is."""

    def __init__(self, node, replacement, what):
        self.start = (node.lineno, node.col_offset)
        self.end = (node.end_lineno, node.end_col_offset)
        self.replacement = replacement
        self.what = what
        self.line = node.lineno
        self.number = None
        self.outcome = None
        self.seconds = None

    def apply(self, lines):
        """The mutated source; ``lines`` are the file's lines as bytes (AST offsets count UTF-8 bytes)."""
        (first, start), (last, end) = self.start, self.end
        head, tail = lines[first - 1][:start], lines[last - 1][end:]
        return b''.join(lines[:first - 1] + [head + self.replacement.encode('utf-8') + tail] + lines[last:])

    def describe(self):
        return 'line %d: %s' % (self.line, self.what)


def short(text, limit=70):
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + '...'


def docstrings(tree):
    """The string statements of a module (docstrings, and the rare bare string): never mutated."""
    return set(id(node.value) for node in ast.walk(tree)
               if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
               and isinstance(node.value.value, str))


def skipped_nodes(tree):
    """Nodes that are not behaviour: ``from __future__``, ``__metaclass__ = type``, and the
    ``except ImportError`` fallbacks of optional imports (the tests run with everything installed)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and [getattr(t, 'id', None) for t in node.targets] == ['__metaclass__']:
            skip.update(id(child) for child in ast.walk(node))
        if isinstance(node, ast.ExceptHandler) and getattr(node.type, 'id', None) == 'ImportError':
            skip.update(id(child) for child in ast.walk(node))
    return skip


def in_function(tree):
    """The ids of statements inside a function (only those are removed: at module level a removed
    statement is an import error, not a fault)."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for child in ast.walk(node):
                if child is not node:
                    inside.add(id(child))
    return inside


class Faults(object):
    """The faults of one source text."""

    def __init__(self, source):
        self.source = source
        self.tree = ast.parse(source)
        self.skip, self.docs, self.functions = skipped_nodes(self.tree), docstrings(self.tree), in_function(self.tree)

    def text(self, node):
        return ast.get_source_segment(self.source, node)

    def swap(self, node, replacement, before, after):
        """``node`` written as ``replacement`` (an AST), described as ``before`` -> ``after`` in the node."""
        return Mutant(node, '(%s)' % ast.unparse(replacement),
                      '`%s` -> `%s` in `%s`' % (before, after, short(self.text(node))))

    def all(self):
        """Every fault, in source order."""
        found = []
        for node in ast.walk(self.tree):
            if id(node) not in self.skip:
                found.extend(self.operators(node))
                found.extend(self.statements(node))
        found.sort(key=lambda mutant: (mutant.start, mutant.end, mutant.what))
        return found

    def operators(self, node):
        """Faults of an expression: its operator, function or constant changed."""
        if isinstance(node, ast.Compare):
            return [self.swap(node, ast.Compare(node.left, node.ops[:index] + [other()] + node.ops[index + 1:],
                                                node.comparators), OPERATOR_TEXT[type(operator)], OPERATOR_TEXT[other])
                    for index, operator in enumerate(node.ops) for other in COMPARE_SWAPS.get(type(operator), ())]
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return [self.swap(node, ast.BoolOp(ast.Or(), node.values), 'and', 'or')]
            return [self.swap(node, ast.BoolOp(ast.And(), node.values), 'or', 'and')]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            return [Mutant(node, '(%s)' % ast.unparse(node.operand),
                           '`%s` -> `%s`' % (short(self.text(node)), short(self.text(node.operand))))]
        if isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            other = BINOP_SWAPS[type(node.op)]()
            return [self.swap(node, ast.BinOp(node.left, other, node.right), OPERATOR_TEXT[type(node.op)],
                              OPERATOR_TEXT[type(other)])]
        if isinstance(node, ast.AugAssign) and type(node.op) in BINOP_SWAPS:
            other = BINOP_SWAPS[type(node.op)]()
            return [Mutant(node, ast.unparse(ast.AugAssign(node.target, other, node.value)), '`%s=` -> `%s=` in `%s`'
                           % (OPERATOR_TEXT[type(node.op)], OPERATOR_TEXT[type(other)], short(self.text(node))))]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CALL_SWAPS:
            other = CALL_SWAPS[node.func.id]
            return [self.swap(node, ast.Call(ast.Name(other, ast.Load()), node.args, node.keywords), node.func.id,
                              other)]
        if isinstance(node, ast.Constant) and id(node) not in self.docs:
            return constant_mutants(node, self.text(node))
        return []

    def statements(self, node):
        """Faults of control: a condition negated, a statement removed, None returned."""
        found = []
        if isinstance(node, (ast.If, ast.While, ast.IfExp)) and not isinstance(node.test, ast.Constant):
            found.append(Mutant(node.test, '(not (%s))' % ast.unparse(node.test),
                                'condition negated: `%s`' % short(self.text(node.test))))
        if (id(node) in self.functions and isinstance(node, REMOVABLE)
                and id(getattr(node, 'value', None)) not in self.docs):
            found.append(Mutant(node, 'pass', 'statement removed: `%s`' % short(self.text(node))))
        returned = getattr(node, 'value', None) if isinstance(node, ast.Return) else None
        if returned is not None and not (isinstance(returned, ast.Constant) and returned.value is None):
            found.append(Mutant(returned, 'None', 'returns None instead of `%s`' % short(self.text(returned))))
        return found


def constant_mutants(node, text):
    value = node.value
    if isinstance(value, bool):
        return [Mutant(node, repr(not value), '`%s` -> `%s`' % (value, not value))]
    if isinstance(value, (int, float)):
        return [Mutant(node, '(%r)' % (value + delta), '`%s` -> `%r`' % (text, value + delta)) for delta in (1, -1)]
    if isinstance(value, str):
        if value:
            return [Mutant(node, "''", 'string emptied: `%s`' % short(text))]
        return [Mutant(node, "'XX'", "`''` -> `'XX'`")]
    return []


def mutants_for(path):
    """The mutants of a file, numbered, each one compiling, with duplicates dropped."""
    with open(path, 'rb') as handle:
        original = handle.read()
    source = original.decode('utf-8')
    lines = original.splitlines(True)
    unique, seen = [], set([original])
    for mutant in Faults(source).all():
        mutated = mutant.apply(lines)
        if mutated in seen:
            continue
        try:
            compile(mutated, path, 'exec')
        except SyntaxError:
            continue
        seen.add(mutated)
        unique.append(mutant)
    for number, mutant in enumerate(unique, 1):
        mutant.number = number
    return lines, unique


# What every test run imports, imported once by each worker's server (never the collection itself:
# each forked run must import the mutated file afresh).
PRELOAD = ('pytest', 'hypothesis', 'requests', 'urllib3', 'trustme', 'ansible.module_utils.basic', 'htapsim.pytest_plugin')


def serve():
    """A worker's server: imports what the tests need once, then for each request (a JSON line on stdin:
    pytest arguments, a timeout, a log file) forks a pytest run and answers its exit code (null when it
    timed out). Forking saves the second of imports every run would cost."""
    import importlib
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    import pytest
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the run: in its own session, so a timeout kills everything it started
            os.setsid()
            log = os.open(request['log'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os._exit(int(pytest.main(request['args'])))
        deadline = time.monotonic() + request['timeout']
        code = None
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.02)
        sys.stdout.write(json.dumps({'code': code}) + '\n')
        sys.stdout.flush()


class Workspace(object):
    """A private copy of the collection for one worker, at <dir>/ansible_collections/taurusdb/htap, with
    its server (see serve)."""

    def __init__(self, base, index, python):
        self.path = os.path.join(base, 'w%d' % index)
        self.collection = os.path.join(self.path, 'ansible_collections', 'taurusdb', 'htap')
        self.log = os.path.join(self.path, 'pytest.log')
        shutil.copytree(ROOT, self.collection, ignore=COPY_IGNORE, symlinks=True)
        env = dict(os.environ, PYTHONPATH=self.path, PYTHONDONTWRITEBYTECODE='1', PYTHONHASHSEED='0')
        self.server = subprocess.Popen([python, os.path.abspath(__file__), '--serve'], cwd=self.collection, env=env,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run_tests(self, target, content, tests, timeout):
        """Write ``content`` to ``target`` in this copy, run the tests; (outcome, seconds, output)."""
        with open(os.path.join(self.collection, target), 'wb') as handle:
            handle.write(content)
        start = time.monotonic()
        request = {'args': PYTEST_ARGS + tests, 'timeout': timeout, 'log': self.log}
        self.server.stdin.write((json.dumps(request) + '\n').encode('utf-8'))
        self.server.stdin.flush()
        reply = self.server.stdout.readline()
        if not reply:
            raise SystemExit('a worker\'s server ended; run again')
        code = json.loads(reply.decode('utf-8'))['code']
        with open(self.log, 'rb') as handle:
            output = handle.read()
        outcome = 'timed out' if code is None else 'survived' if code == 0 else 'killed'
        return outcome, time.monotonic() - start, output

    def close(self):
        self.server.stdin.close()
        self.server.wait()


def run_file(target, args, workspaces):
    """Mutate one file; print and return its results."""
    path = os.path.join(ROOT, target)
    lines, mutants = mutants_for(path)
    if args.mutant:
        mutants = [mutant for mutant in mutants if mutant.number in args.mutant]
    if args.list or args.diff:
        for mutant in mutants:
            print('%4d %s' % (mutant.number, mutant.describe()))
            if args.diff:
                print(unified_diff(lines, mutant, target))
        return None
    tests = args.tests or TARGETS[target]
    absent = [arg for arg in tests if arg.endswith('.py') and not os.path.exists(os.path.join(ROOT, arg))]
    if absent:
        print('%s: not run, they do not exist here: %s' % (target, ' '.join(absent)))
        tests = [arg for arg in tests if arg not in absent]
    original = b''.join(lines)
    start = time.monotonic()
    outcome, baseline, output = workspaces[0].run_tests(target, original, tests, args.max_timeout)
    if outcome != 'survived':
        sys.stdout.write(output.decode('utf-8', 'replace')[-3000:])
        raise SystemExit('%s: the tests do not pass on the unmutated file (%s); fix that first' % (target, outcome))
    timeout = min(args.max_timeout, 10 + 3 * baseline)
    print('%s: %d mutants; tests pass unmutated in %.1f s (timeout %.0f s a mutant): %s'
          % (target, len(mutants), baseline, timeout, ' '.join(tests)))
    sys.stdout.flush()
    free = list(workspaces)
    lock = threading.Lock()

    def run(mutant):
        with lock:
            workspace = free.pop()
        try:
            mutant.outcome, mutant.seconds, _output = workspace.run_tests(target, mutant.apply(lines), tests, timeout)
        finally:
            with lock:
                free.append(workspace)
                if args.verbose:
                    print('%4d %-9s %5.1fs %s' % (mutant.number, mutant.outcome, mutant.seconds, mutant.describe()))
                    sys.stdout.flush()
        return mutant

    try:
        with ThreadPoolExecutor(max_workers=len(workspaces)) as pool:
            list(pool.map(run, mutants))
    finally:
        for workspace in workspaces:  # leave every copy as it was, for the next file
            restore(workspace, target, original)
    return report(target, mutants, time.monotonic() - start)


def restore(workspace, target, original):
    with open(os.path.join(workspace.collection, target), 'wb') as handle:
        handle.write(original)


def unified_diff(lines, mutant, target):
    import difflib
    mutated = mutant.apply(lines).decode('utf-8').splitlines(True)
    return ''.join(difflib.unified_diff([line.decode('utf-8') for line in lines], mutated, target, target, n=1))


def report(target, mutants, seconds):
    counts = dict((name, sum(1 for m in mutants if m.outcome == name)) for name in ('killed', 'timed out', 'survived'))
    total = len(mutants)
    score = 100.0 * (total - counts['survived']) / total if total else 100.0
    print('%s: %d mutants, %d killed, %d timed out, %d survived: score %.1f%% (%.0f s)'
          % (target, total, counts['killed'], counts['timed out'], counts['survived'], score, seconds))
    for mutant in mutants:
        if mutant.outcome == 'survived':
            print('    survived %4d %s' % (mutant.number, mutant.describe()))
    sys.stdout.flush()
    return dict(file=target, mutants=total, score=round(score, 1), seconds=round(seconds), **dict(
        (name.replace(' ', '_'), count) for name, count in counts.items()),
        survivors=[dict(number=m.number, line=m.line, what=m.what) for m in mutants if m.outcome == 'survived'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('files', nargs='*', help='files to mutate, relative to the collection (default: all of TARGETS)')
    parser.add_argument('--workers', type=int, default=2, help='mutants tested at once (default 2)')
    parser.add_argument('--mutant', type=int, action='append', help='only this mutant number (repeatable)')
    parser.add_argument('--list', action='store_true', help='list the mutants, run nothing')
    parser.add_argument('--diff', action='store_true', help='show each mutant as a diff, run nothing')
    parser.add_argument('--tests', nargs='+', help='pytest arguments instead of the file\'s tests in TARGETS')
    parser.add_argument('--max-timeout', type=float, default=300.0, help='seconds a mutant\'s tests may take at most')
    parser.add_argument('--python', default=sys.executable, help='the Python with pytest (default: this one)')
    parser.add_argument('--json', help='write the results to this file')
    parser.add_argument('-v', '--verbose', action='store_true', help='print each mutant\'s outcome as it ends')
    if sys.argv[1:] == ['--serve']:
        serve()
        return
    args = parser.parse_args()
    files = args.files or list(TARGETS)
    for target in files:
        if target not in TARGETS and not args.tests:
            parser.error('%s has no tests in TARGETS; give them with --tests' % target)
    if args.list or args.diff:
        for target in files:
            run_file(target, args, [])
        return
    base = tempfile.mkdtemp(prefix='mutation-')
    workspaces = []
    try:
        for index in range(max(1, args.workers)):
            workspaces.append(Workspace(base, index, args.python))
        results = [run_file(target, args, workspaces) for target in files]
    finally:
        for workspace in workspaces:
            workspace.close()
        shutil.rmtree(base, ignore_errors=True)
    if len(results) > 1:
        print('\nfile                                          mutants  killed  timed out  survived  score   time')
        for result in results:
            print('%-45s %7d %7d %10d %9d %5.1f%% %5d s' % (
                result['file'], result['mutants'], result['killed'], result['timed_out'], result['survived'],
                result['score'], result['seconds']))
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(results, handle, indent=1)


if __name__ == '__main__':
    main()
