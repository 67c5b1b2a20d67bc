"""The guide "Replication as code" as written: its inventory, playbook and commands, and the output it shows.

    python guide.py GUIDE files DIR           # its inventory and playbook (the YAML blocks whose first line is
                                              # "# FILE: ...") written into DIR
    python guide.py GUIDE commands            # how many console blocks it has
    python guide.py GUIDE run N DIR           # the command of console block N (from 0), run in DIR with bash; its
                                              # output printed, and every line the block shows must be in it

Lines are compared without trailing spaces and asterisks (the width of a task's banner) and with the seconds
of progress lines ("round 2, 10s:") left out: the guide's test polls every 0.1 s. Lines are looked for in any
order, and the hosts of an "included:" line too: hosts run in parallel.
"""

import os
import re
import subprocess
import sys

BLOCK = re.compile(r'^\.\. code-block:: *(\S+)\n\n((?:   .*\n|\n)+)', re.M)
SAFETY_NET = 600  # seconds: only a hung gate meets it


def blocks(guide):
    with open(guide, encoding='utf-8') as handle:
        text = handle.read()
    for found in BLOCK.finditer(text):
        yield found.group(1), [line[3:] for line in found.group(2).rstrip('\n').splitlines()]


def write_files(guide, directory):
    for language, lines in blocks(guide):
        named = re.match(r'# ([\w./-]+\.yml): ', lines[0]) if language.startswith('yaml') else None
        if named:
            path = os.path.join(directory, named.group(1))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write('\n'.join(lines) + '\n')
            print('written from the guide: ' + named.group(1))


def console_blocks(guide):
    """[(command, lines shown)] of every console block: the command after "$ ", then its output."""
    found = []
    for language, lines in blocks(guide):
        if language == 'console':
            assert lines[0].startswith('$ ') and not any(line.startswith('$ ') for line in lines[1:]), lines
            found.append((lines[0][2:], lines[1:]))
    return found


def comparable(line):
    line = re.sub(r'^(round \d+), \d+s:', r'\1, Ns:', line.rstrip(' *'))
    # "included: ROLE for HOST, HOST": the hosts in the order their results came, which varies
    included = re.match(r'^(included: \S+ for )(.+)$', line)
    if included:
        line = included.group(1) + ', '.join(sorted(included.group(2).split(', ')))
    return line


def run(guide, number, directory):
    command, shown = console_blocks(guide)[number]
    print('$ ' + command)
    proc = subprocess.run(['bash', '-c', command], cwd=directory, capture_output=True, text=True, check=False,
                          timeout=SAFETY_NET)
    print(proc.stdout + proc.stderr)
    seen = set(comparable(line) for line in (proc.stdout + proc.stderr).splitlines())
    missing = [line for line in shown if line.strip() and comparable(line) not in seen]
    if proc.returncode != 0 or missing:
        print('exit status %d; lines the guide shows that the output does not have:\n%s'
              % (proc.returncode, '\n'.join(missing)))
        return 1
    return 0


def main(guide, action, *args):
    if action == 'files':
        write_files(guide, args[0])
    elif action == 'commands':
        print(len(console_blocks(guide)))
    else:
        return run(guide, int(args[0]), args[1])
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
