#!/usr/bin/env python3
"""Judge the test cases of one guest serial log.

    results.py LOG JOB KERNEL [--kunit SUITE] [--skips FILE] [--boot BOOT]

Every program a guest job runs sits between "[JOB] SELFTEST-START NAME" and
"[JOB] SELFTEST-END NAME rc=N" (guest/jobs/lib.sh prints them).  Its TAP is
parsed by the tree's own KTAP parser (tools/testing/kunit/kunit_parser.py),
which enforces the plan and the numbering: a program that stops after case 3
of 10 fails, with the 7 missing cases counted as crashed.  A program that
prints no TAP at all is one case, judged by its exit code as kselftest's
runner.sh judges it (0 pass, 4 skip, else fail).  TAP with no plan fails, a
non-zero exit fails, a section that never ends fails.  --kunit parses the
KUnit output of the boot (the "compaction" suite) with the same parser.

Every skip must be expected: FILE lists, per boot and kernel, the cases that
may skip and why.  Any other skip is counted as a failure.

Prints one line per case ("PASS|FAIL|SKIP suite: name[ # note]"), then
"counts P F S".
"""
import argparse
import fnmatch
import io
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KUNIT_DIR = os.path.join(TOP, 'build/src/base/tools/testing/kunit')


def ktap_parser():
    """The tree's kunit_parser, with its progress output silenced."""
    sys.path.insert(0, KUNIT_DIR)
    import kunit_parser
    import kunit_printer
    sink = io.StringIO()
    kunit_parser.stdout = kunit_printer.Printer(sink)
    return kunit_parser, sink


SKIP_LINE = re.compile(r'(?:^|\s)ok [0-9]+ (?:- )?(.*?) # SKIP:?\s*(.*)$', re.I)


def parse_ktap(lines):
    """Cases of one (K)TAP stream as (state, name, note) tuples."""
    parser, sink = ktap_parser()
    sink.seek(0)
    sink.truncate()
    top = parser.parse_run_tests(lines)
    if top.status == parser.TestStatus.FAILURE_TO_PARSE_TESTS:
        return [('FAIL', 'tap', 'no TAP output')]
    reasons = {m.group(1).strip(): m.group(2).strip()
               for m in map(SKIP_LINE.search, lines) if m}
    cases = []
    if top.expected_count is None:
        cases.append(('FAIL', 'tap', 'no plan (1..N) before the cases'))

    def walk(test, prefix):
        if test.subtests:
            for sub in test.subtests:
                walk(sub, prefix + test.name + '.')
            return
        state = {'SUCCESS': 'PASS', 'SKIPPED': 'SKIP'}.get(test.status.name, 'FAIL')
        name = test.name.strip() or '(missing: the plan promised more cases)'
        cases.append((state, prefix + name, reasons.get(test.name.strip(), '')
                      if state == 'SKIP' else ''))
    for sub in top.subtests:
        walk(sub, '')
    for err in re.findall(r'\[ERROR\] Test: (.*)', sink.getvalue()):
        if 'missing expected subtest' not in err:  # already a crashed case
            cases.append(('FAIL', 'tap', err.strip()))
    return cases


def sections(lines, job):
    """Each program's lines, name, exit code (None: never ended)."""
    pre = '[%s] ' % job
    start = re.compile(r'SELFTEST-START (\S+)$')
    end = re.compile(r'SELFTEST-END (\S+) rc=(\d+)$')
    prog, body = None, []
    for raw in lines:
        raw = raw.rstrip('\r\n')
        if not raw.startswith(pre):
            continue
        line = raw[len(pre):]
        m = start.match(line)
        if m:
            if prog:
                yield prog, body, None
            prog, body = m.group(1), []
            continue
        m = end.match(line)
        if m and prog:
            yield prog, body, int(m.group(2))
            prog = None
            continue
        if prog:
            body.append(line)
    if prog:
        yield prog, body, None


TAP_HEADER = re.compile(r'^\s*(K?TAP version \d+)\s*$')
# kselftest.h's ksft_test_result_skip() and ksft_exit_skip() print a skip
# with no name ("ok 4 # SKIP reason"), which the KTAP parser cannot read;
# its plan for a program that skips as a whole is "1..0 # SKIP reason".
NAMELESS_SKIP = re.compile(r'^(\s*)ok (\d+) # SKIP:?\s*(.*)$', re.I)
WHOLE_SKIP = re.compile(r'^\s*1\.\.0 # SKIP:?\s*(.*)$', re.I)


def name_skips(body):
    """The program's lines, each nameless skip named after its reason."""
    out = []
    for line in body:
        m = NAMELESS_SKIP.match(line)
        if m:
            reason = m.group(3).strip() or 'skipped'
            line = '%sok %s %s # SKIP %s' % (m.group(1), m.group(2), reason, reason)
        out.append(line)
    return out


def program_cases(prog, body, rc):
    """Cases of one program, its plan and its exit code enforced."""
    if rc is None:
        cases = parse_ktap(name_skips(body)) if any(TAP_HEADER.match(l) for l in body) else []
        return cases + [('FAIL', 'exit', 'never finished (no SELFTEST-END)')]
    if not any(TAP_HEADER.match(l) for l in body):
        # No TAP: one case, judged by the exit code (runner.sh's rule).
        state = {0: 'PASS', 4: 'SKIP'}.get(rc, 'FAIL')
        return [(state, 'exit code %d' % rc, 'exit code 4' if rc == 4 else '')]
    whole = [m.group(1).strip() for m in map(WHOLE_SKIP.match, body) if m]
    if whole and rc == 4:
        return [('SKIP', '(the whole program)', whole[0])]
    cases = parse_ktap(name_skips(body))
    failed = any(c[0] == 'FAIL' for c in cases)
    if rc not in (0, 4) and not failed:
        cases.append(('FAIL', 'exit', 'exit code %d with no failed case' % rc))
    return cases


def kunit_cases(lines, job, suite):
    """KUnit cases of the boot log (the job's own lines left out, so that
    its TAP is never taken for KUnit's), qualified by suite; the suite
    must be there."""
    pre = '[%s] ' % job
    kernel = [l for l in lines if not l.startswith(pre)]
    cases = [(s, 'kunit', n, note) for s, n, note in parse_ktap(kernel)]
    if not any(n.startswith(suite + '.') for _, _, n, _ in cases):
        cases.append(('FAIL', 'kunit', suite, 'suite did not run'))
    return cases


def matches(value, globs):
    """Whether value matches one of the comma-separated globs."""
    return any(fnmatch.fnmatch(value, g.strip()) for g in globs.split(','))


def load_skips(path, boot, kernel):
    """(suite-pattern, case-pattern, reason) allowed to skip on this boot."""
    allowed = []
    if not path:
        return allowed
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            fields = [x.strip() for x in line.split('|')]
            if len(fields) != 5:
                sys.exit('%s: bad line (want boot | kernel | suite | case | reason): %s' % (path, line))
            b, k, suite, case, reason = fields
            if matches(boot, b) and matches(kernel, k):
                allowed.append((suite, case, reason))
    return allowed


def judge_skips(cases, allowed):
    """Turn every skip that the list does not allow into a failure."""
    out = []
    for state, suite, name, note in cases:
        if state == 'SKIP':
            why = [r for s, c, r in allowed
                   if fnmatch.fnmatch(suite, s) and fnmatch.fnmatch(name, c)]
            if why:
                note = 'expected: ' + why[0]
            else:
                state = 'FAIL'
                note = 'unexpected skip%s' % (': ' + note if note else '')
        out.append((state, suite, name, note))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('job')
    ap.add_argument('kernel', help='ours or upstream')
    ap.add_argument('--kunit', metavar='SUITE', help='the KUnit suite that must have run')
    ap.add_argument('--skips')
    ap.add_argument('--boot', help='boot name the skip list keys on (default: JOB)')
    a = ap.parse_args()
    with open(a.log, errors='replace') as f:
        lines = f.readlines()
    cases = []
    for prog, body, rc in sections(lines, a.job):
        cases += [(s, prog, n, note) for s, n, note in program_cases(prog, body, rc)]
    if a.kunit:
        cases += kunit_cases(lines, a.job, a.kunit)
    cases = judge_skips(cases, load_skips(a.skips, a.boot or a.job, a.kernel))
    for state, suite, name, note in cases:
        print('%-4s %s: %s%s' % (state, suite, name, ' # ' + note if note else ''))
    print('counts %d %d %d' % tuple(sum(c[0] == s for c in cases) for s in ('PASS', 'FAIL', 'SKIP')))


if __name__ == '__main__':
    main()
