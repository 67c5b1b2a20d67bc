"""Random secrets echoed by a server into every field, through the module, the lookup and the role
at -vvvv: no form of any secret (as given, JSON-escaped, repr, URL-encoded) may appear in any output.

    python fuzz_secrets.py ADV_URL [--seed N] [--rounds N]
    python fuzz_secrets.py ADV_URL --script JSON     (only load a script into the adversary)
"""

import argparse
import atexit
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from urllib.parse import quote, quote_plus

INSTANCE = '01010101010101010101010101010101in17'
# quotes, backslashes, percent signs, unicode and line breaks: everything that escapes differently
ALPHABET = ('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' + '"\'\\%/+&=?#@ !~$^*()[]{}<>;:,.|`'
            + '\u00e4\u00f6\u00fc\u00df\u00e9\u00f1' + '\u5bc6\u7801' + '\n\t')
HEADER_SAFE = ALPHABET.replace('\u5bc6\u7801', '').replace('\n\t', '')  # what a header can carry at all
ECHO = '{{header:Authorization}}|{{header:X-Auth-Token}}|{{header:X-Security-Token}}|{{request_body}}'


def play(url, rules):
    request = urllib.request.Request(url + '/__adv__/script', data=json.dumps({'rules': rules}).encode(),
                                     headers={'Content-Type': 'application/json'}, method='POST')
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


def secret(rng, alphabet):
    chars = [rng.choice(alphabet) for _index in range(rng.randint(14, 28))]
    chars[rng.randrange(len(chars))] = rng.choice('"\\%')  # always something that escapes
    return ''.join(chars)


def forms(value):
    candidates = {value, value.strip(), json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
                  repr(value)[1:-1], repr(value.encode('utf-8'))[2:-1], quote(value, safe=''), quote_plus(value)}
    return [form for form in candidates if len(form) >= 10]


def rules(rng, token):
    status = rng.choice([200, 400, 401, 503])
    row = dict((field, ECHO) for field in ('task_name', 'source_database', 'target_database', 'status', 'stage'))
    return [
        {'method': 'POST', 'path': 'auth/tokens', 'status': 201, 'headers': {'X-Subject-Token': token},
         'json': {'token': {'project': {'id': '0123456789abcdef0123456789abcdef'}, 'echo': ECHO}}},
        {'path': 'replication', 'status': status, 'headers': {'X-Request-Id': ECHO, 'X-Echo': ECHO},
         'json': {'error_code': ECHO, 'error_msg': ECHO, 'code': ECHO, 'message': ECHO, 'total_count': 1,
                  'replications': [row]}},
    ]


def run(command, env):
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.stdout + proc.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('url')
    parser.add_argument('--seed', type=int, default=int(os.environ.get('FUZZ_SEED', random.randrange(1 << 30))))
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--script')
    parser.add_argument('--inventory', default='../../inventory')
    args = parser.parse_args()
    if args.script:
        play(args.url, json.loads(args.script))
        return 0
    print('secret fuzz seed %d (FUZZ_SEED=%d reruns it)' % (args.seed, args.seed))
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix='fuzz-secrets-')
    atexit.register(shutil.rmtree, work, True)  # fuzzed credentials: never left behind, pass or fail
    base_env = dict(os.environ, ANSIBLE_NOCOLOR='1')
    for name in ('HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_PROJECT_ID', 'TAURUSDB_AUTH_TOKEN'):
        base_env.pop(name, None)
    checked = 0
    for round_number in range(args.rounds):
        token = secret(rng, HEADER_SAFE)
        methods = {
            'aksk': {'access_key': 'AKFUZZ0000000001', 'secret_key': secret(rng, ALPHABET),
                     'security_token': secret(rng, HEADER_SAFE)},
            'token': {'auth_token': secret(rng, HEADER_SAFE)},
            'password': {'iam_user': 'fuzz-user', 'iam_domain': 'fuzz-domain', 'iam_password': secret(rng, ALPHABET)},
            'line break': {'auth_token': secret(rng, HEADER_SAFE)[:8] + '\n' + secret(rng, HEADER_SAFE)},
        }
        for method, credentials in methods.items():
            secrets = [value for name, value in credentials.items() if name not in ('access_key', 'iam_user', 'iam_domain')]
            secrets.append(token)
            connection = dict(credentials, endpoint=args.url, iam_endpoint=args.url, retries=0,
                              project_id='0123456789abcdef0123456789abcdef')
            # Secrets reach the ad hoc module as templates over -e variables: ansible-core prints a failed ad
            # hoc task's -a arguments as typed, so a secret typed there is the user's own leak.
            module_args = dict((name, '{{ fuzz_%s }}' % name if value in secrets else value)
                               for name, value in connection.items())
            module_args['instance_id'] = INSTANCE
            module_vars = dict(('fuzz_' + name, value) for name, value in connection.items())
            role_vars = dict(('replication_gate_' + name, value) for name, value in connection.items()
                             if name not in ('retries',))
            role_vars.update(replication_gate_instances=[INSTANCE], replication_gate_wait_timeout=0)
            lookup_vars = dict(('taurusdb_' + name, value) for name, value in connection.items())
            paths = {}
            for name, data in (('role', role_vars), ('lookup', lookup_vars), ('module', module_vars)):
                paths[name] = os.path.join(work, '%s-%d-%s.json' % (name, round_number, method.replace(' ', '_')))
                with open(paths[name], 'w', encoding='utf-8') as handle:
                    json.dump(data, handle)
            playbook = os.path.join(work, 'gate.yml')
            with open(playbook, 'w', encoding='utf-8') as handle:
                handle.write('- hosts: localhost\n  gather_facts: false\n  roles:\n    - taurusdb.htap.replication_gate\n')
            entry_points = {
                'module': ['ansible', 'localhost', '-i', args.inventory, '-vvvv', '-e', '@' + paths['module'],
                           '-m', 'taurusdb.htap.taurusdb_starrocks_replication_info', '-a', json.dumps(module_args)],
                'lookup': ['ansible', 'localhost', '-i', args.inventory, '-vvvv', '-e', '@' + paths['lookup'],
                           '-m', 'ansible.builtin.debug',
                           '-a', "msg={{ query('taurusdb.htap.taurusdb_starrocks_replication_info', '%s') }}" % INSTANCE],
                'role': ['ansible-playbook', '-i', args.inventory, '-vvvv', '-e', '@' + paths['role'], playbook],
            }
            for entry, command in entry_points.items():
                play(args.url, rules(rng, token))
                output = run(command, base_env)
                for value in secrets:
                    for form in forms(value):
                        if form in output:
                            print(output)
                            print('LEAK: %s printed a secret (%s auth, seed %d) in the form %r'
                                  % (entry, method, args.seed, form))
                            return 1
                checked += 1
    print('secret fuzz: %d runs at -vvvv, no secret in any output' % checked)
    return 0


if __name__ == '__main__':
    sys.exit(main())
