#!/usr/bin/env python3
"""Count test cases in a guest serial log.

    results.py LOG JOB [KUNIT_PY]

Reads TAP lines printed by the guest job JOB ("[JOB] ok 1 name") between
its SELFTEST-START and SELFTEST-END markers, and
KTAP from KUnit (through the tree's kunit.py parser). Prints one line per
case ("PASS/FAIL/SKIP suite: name") and, last, "counts P F S".
"""
import json
import re
import subprocess
import sys

def selftest_cases(lines, job):
    """Cases of every program the guest job @job ran, from its TAP."""
    pre = re.escape('[%s] ' % job)
    TAP = re.compile('^' + pre + r'(not )?ok \d+\s*(.*?)(?:\s*#\s*(?i:skip)\S*:?\s*(.*))?$')
    START = re.compile('^' + pre + r'SELFTEST-START (\S+)')
    END = re.compile('^' + pre + r'SELFTEST-END (\S+) rc=(\d+)')
    cases, prog, seen = [], None, 0
    for line in lines:
        line = line.rstrip('\r\n')
        m = START.match(line)
        if m:
            prog, seen = m.group(1), 0
            continue
        m = END.match(line)
        if m:
            rc = int(m.group(2))
            if not seen:  # no TAP at all: judge by the exit code
                cases.append(('SKIP' if rc == 4 else 'PASS' if rc == 0 else 'FAIL',
                              prog, 'exit code %d' % rc))
            elif rc not in (0, 4) and not any(c[0] == 'FAIL' and c[1] == prog for c in cases):
                cases.append(('FAIL', prog, 'exit code %d' % rc))
            prog = None
            continue
        m = TAP.match(line)
        if m and prog:
            seen += 1
            skipped = m.group(3) is not None
            state = 'SKIP' if skipped else 'FAIL' if m.group(1) else 'PASS'
            name = m.group(2).strip()
            if skipped and m.group(3).strip():  # keep the reason a skip gave
                name = (name + ' ' if name else '') + '(' + m.group(3).strip() + ')'
            cases.append((state, prog, name))
    if prog:
        cases.append(('FAIL', prog, 'never finished'))
    return cases


def kunit_cases(log, kunit_py, out_json):
    """Every KUnit case in the log, parsed by the tree's own kunit.py."""
    proc = subprocess.run([sys.executable, kunit_py, 'parse', '--json=' + out_json, log],
                          capture_output=True, text=True)
    try:
        with open(out_json) as f:
            top = json.load(f)
    except (OSError, ValueError):
        return [('FAIL', 'kunit', 'kunit.py parse failed: ' + proc.stderr.strip()[-200:])]
    cases = []

    def walk(group, path):
        for case in group.get('test_cases', []):
            state = {'PASS': 'PASS', 'SKIP': 'SKIP'}.get(case['status'], 'FAIL')
            cases.append((state, 'kunit', path + case['name']))
        for sub in group.get('sub_groups', []):
            walk(sub, path + sub['name'] + '.')
    walk(top, '')
    return cases


def main():
    log, job = sys.argv[1], sys.argv[2]
    kunit_py = sys.argv[3] if len(sys.argv) > 3 else None
    with open(log, errors='replace') as f:
        lines = f.readlines()
    cases = selftest_cases(lines, job)
    if kunit_py:
        cases += kunit_cases(log, kunit_py, log + '.kunit.json')
    for state, suite, name in cases:
        print('%-4s %s: %s' % (state, suite, name))
    print('counts %d %d %d' % tuple(sum(c[0] == s for c in cases) for s in ('PASS', 'FAIL', 'SKIP')))


if __name__ == '__main__':
    main()
