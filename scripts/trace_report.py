#!/usr/bin/env python3
"""Summarise the compaction events of a `make trace` run.

    trace_report.py LOG OUTDIR VARIANT

LOG is the guest's serial log: guest/jobs/trace.sh prints trace-cmd's
report between TRACE-START and TRACE-END, and perf stat's count of each
event as PERF-COUNT lines; the summary holds the two against each other. Writes OUTDIR/summary.txt (also
printed) and OUTDIR/scanners.png, the two scanners' positions over time.
"""
import re
import statistics
import sys
from collections import Counter, defaultdict

# trace-cmd report's lines (task-pid [cpu] time: event: fields); tracefs's
# have a flags column before the time.
LINE = re.compile(r'^\[trace\] +(?P<task>.+)-(?P<pid>\d+) +\[(?P<cpu>\d+)\] +(?:\S+ +)?'
                  r'(?P<ts>\d+\.\d+): +(?P<event>mm_compaction_\w+): +(?P<fields>.*)$')
FIELD = re.compile(r'(\w+)=(\([^)]*\)|\S+)')
RANGE = re.compile(r'\(0x([0-9a-f]+) ~ 0x([0-9a-f]+)\)')


def fields(text):
    """The key=value pairs of an event; ranges become (start, end)."""
    out = {}
    for key, val in FIELD.findall(text):
        val = val.rstrip(',')
        m = RANGE.match(val)
        if m:
            out[key] = (int(m.group(1), 16), int(m.group(2), 16))
        elif val.startswith('0x'):
            out[key] = int(val, 16)
        else:
            out[key] = int(val) if re.fullmatch(r'-?\d+', val) else val
    return out


def read_events(log):
    events, overrun, inside, perf = [], 0, False, {}
    with open(log, errors='replace') as f:
        for line in f:
            line = line.rstrip('\r\n')
            if line.startswith('[trace] TRACE-OVERRUN '):
                overrun += int(line.split()[-1] or 0)
            elif line.startswith('[trace] PERF-COUNT '):
                _, _, name, value = line.split()
                perf[name[len('mm_compaction_'):]] = int(value) if value.isdigit() else value
            elif line == '[trace] TRACE-START':
                inside = True
            elif line == '[trace] TRACE-END':
                inside = False
            elif inside:
                m = LINE.match(line)
                if m:
                    events.append((float(m['ts']), int(m['pid']), m['task'].strip(),
                                   m['event'][len('mm_compaction_'):], fields(m['fields'])))
    return events, overrun, perf


def runs_of(events):
    """Zone runs: begin and end paired per task (one run at a time each)."""
    open_runs, runs = {}, []
    for ts, pid, task, ev, f in events:
        if ev == 'begin':
            open_runs[pid] = (ts, task, f)
        elif ev == 'end' and pid in open_runs:
            t0, task0, f0 = open_runs.pop(pid)
            runs.append({'task': task0, 'secs': ts - t0, 'mode': f.get('mode'),
                         'status': f.get('status'), 'zone_start': f0.get('zone_start')})
    return runs


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else 0


def tools_agree(count, perf):
    """trace-cmd's event counts against perf stat's over the same run (perf
    counts a little longer: it starts before trace-cmd and ends after)."""
    if not perf:
        return ['perf stat: no counts in the log']
    lines = ['perf stat -e compaction:* over the same run, against trace-cmd:']
    for ev in sorted(set(perf) | set(count)):
        p, t = perf.get(ev, 0), count.get(ev, 0)
        lines.append('  %-28s perf %8s  trace-cmd %8d%s' %
                     (ev, p, t, '' if p == t else '  <- differ'))
    same = sum(1 for ev in set(perf) | set(count) if perf.get(ev, 0) == count.get(ev, 0))
    lines.append('  %d of %d events counted the same by both tools' %
                 (same, len(set(perf) | set(count))))
    return lines


def summary(events, overrun, perf, variant):
    count = Counter(ev for _, _, _, ev, _ in events)
    runs = runs_of(events)
    scanned = defaultdict(int)
    isolated = defaultdict(int)
    for _, _, _, ev, f in events:
        if ev in ('isolate_migratepages', 'isolate_freepages', 'fast_isolate_freepages'):
            scanned[ev] += f.get('nr_scanned', 0)
            isolated[ev] += f.get('nr_taken', 0)
    migrated = sum(f.get('nr_migrated', 0) for _, _, _, ev, f in events if ev == 'migratepages')
    failed = sum(f.get('nr_failed', 0) for _, _, _, ev, f in events if ev == 'migratepages')
    span = events[-1][0] - events[0][0] if events else 0
    ms = [r['secs'] * 1e3 for r in runs]
    who = Counter('kcompactd' if r['task'].startswith('kcompactd') else
                  'manual/direct (' + r['task'] + ')' for r in runs)
    out = ['Compaction trace on %s: %d events over %.1f s of guest time%s' %
           (variant, len(events), span,
            '' if not overrun else ' (%d events lost: trace-cmd overrun)' % overrun),
           '',
           'Zone runs: %d (%s)' % (len(runs), ', '.join('%s %d' % kv for kv in
                                                         sorted(Counter(r['mode'] for r in runs).items()))),
           '  by result: ' + ', '.join('%s %d' % kv for kv in Counter(r['status'] for r in runs).most_common()),
           '  by task:   ' + ', '.join('%s %d' % kv for kv in who.most_common()),
           '  time per run: median %.2f ms, p90 %.2f ms, max %.2f ms, total %.1f ms' %
           (statistics.median(ms) if ms else 0, pct(ms, 90), max(ms, default=0), sum(ms)),
           '',
           'Pages scanned: migration scanner %d, free scanner %d, fast free search %d' %
           (scanned['isolate_migratepages'], scanned['isolate_freepages'],
            scanned['fast_isolate_freepages']),
           'Pages isolated: sources %d, targets %d (+%d by the fast search)' %
           (isolated['isolate_migratepages'], isolated['isolate_freepages'],
            isolated['fast_isolate_freepages']),
           'Pages migrated: %d, failed %d (in %d migrate_pages() batches)' %
           (migrated, failed, count['migratepages']),
           '',
           'Direct compaction: %d attempts (try_to_compact_pages), %d deferred;'
           ' defer_compaction %d, defer_reset %d' %
           (count['try_to_compact_pages'], count['deferred'], count['defer_compaction'],
            count['defer_reset']),
           'kcompactd: %d wakeups requested, %d wakes for work, %d sleeps' %
           (count['wakeup_kcompactd'], count['kcompactd_wake'], count['kcompactd_sleep']),
           '',
           'Events: ' + ', '.join('%s %d' % kv for kv in sorted(count.items())),
           ''] + tools_agree(count, perf)
    return '\n'.join(out) + '\n'


def plot(events, path, variant):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    series = {'isolate_migratepages': ('migration scanner', 'tab:blue'),
              'isolate_freepages': ('free scanner', 'tab:orange'),
              'fast_isolate_freepages': ('fast free search', 'tab:green')}
    fig, ax = plt.subplots(figsize=(10, 5.5), dpi=100)
    for ev, (label, color) in series.items():
        pts = [(ts, f['range'][0]) for ts, _, _, e, f in events if e == ev and 'range' in f]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=2, color=color,
                       label='%s (%d)' % (label, len(pts)))
    for ts, _, _, ev, f in events:
        if ev == 'begin':
            ax.axvline(ts, color='0.85', linewidth=0.5, zorder=0)
    ax.set_xlabel('guest time (s)')
    ax.set_ylabel('PFN where the step started')
    ax.set_title('Compaction scanners over time on %s (grey: a zone run begins)' % variant)
    ax.legend(loc='best', markerscale=5)
    fig.tight_layout()
    fig.savefig(path)


def main():
    log, outdir, variant = sys.argv[1], sys.argv[2], sys.argv[3]
    events, overrun, perf = read_events(log)
    if not events:
        sys.exit('trace_report: no compaction events in %s' % log)
    text = summary(events, overrun, perf, variant)
    with open(outdir + '/summary.txt', 'w') as f:
        f.write(text)
    plot(events, outdir + '/scanners.png', variant)
    sys.stdout.write(text)
    print('\nsummary: %s/summary.txt  plot: %s/scanners.png' % (outdir, outdir))


if __name__ == '__main__':
    main()
