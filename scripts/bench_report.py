#!/usr/bin/env python3
"""Tabulate make bench: median, range, spread and ours/upstream ratio per figure.

Usage: bench_report.py RAW OUTDIR

RAW holds lines "KERNEL REPEAT workload.figure=value"; OUTDIR/series.txt,
if there, lines "KERNEL REPEAT name t:v t:v ...". Prints the table of
figures and writes into OUTDIR:
  report.md  every figure, then the /proc/vmstat deltas per workload
  table.md   the table of figures alone
  plot.png   yield, cost and latency per kernel, the proactive score
  plot.svg   the ours/upstream ratio of every figure
The environment variables BENCH_REPEATS ("workload:repeats ..."),
BENCH_DISK_WORKLOADS, BENCH_QUICK and BENCH_MEM go into the report's
header; BENCH_REPEATS is also how many runs each figure should have.

Verdicts: "better" or "worse" only when the ranges (min..max over the
repeats) of the two kernels do not overlap, else "same"; no verdict for a
figure missing from some run, whose cells say "n=K of R". A "p99" over
100 samples or fewer is the slowest sample and is shown as "max". Exits 1
when a bad_words figure is above 0 (a workload found corrupted data).
"""
import datetime
import html
import os
import platform
import re
import statistics
import sys
from collections import defaultdict

KERNELS = ('ours', 'upstream')
# Which way is better, for the verdict column (matched at the end of names).
HIGHER_IS_BETTER = ('yield_pct', 'blocks_after', 'pages', 'success_pct',
                    'score_drop', 'blocks_gained', 'reached_low', 'scan_efficiency', 'bogo_ops',
                    'free_blocks')
# What the recipe sets up rather than what compaction achieves: no verdict.
SETUP = ('ideal', 'blocks_before', 'clean_blocks', 'pinned_blocks', 'unmovable_pages',
         'score_start', 'bad_words')
# Shown as context, with no verdict: how many samples a percentile had, and
# the totals of the proactive window. Ours stops at the low watermark while
# upstream may go on, so those totals (and how far the score fell) reward
# whichever kernel does less or more; the *_per_point figures compare the
# kernels on equal work, and time_to_low_ms and reached_low on the same
# target.
CONTEXT = ('_samples', 'proactive.kcompactd_ms', 'proactive.migrated',
           'proactive.daemon_migrate_scanned', 'proactive.daemon_free_scanned',
           'proactive.daemon_wake', 'proactive.blocks_gained', 'proactive.score_1s',
           'proactive.score_end', 'proactive.score_drop', '_kcompactd_ms',
           '_compact_stall', '_compact_success', '_compact_fail', '_migrated')
# A "p99" taken as sample n * 99 / 100 of n sorted ones is the slowest
# sample when n is at most this.
P99_IS_MAX_UP_TO = 100


def load(path):
    """({figure: {kernel: {repeat: value}}}, {(workload, kernel): {repeats}})

    The second tells which runs printed anything, so that a figure missing
    from one of them can say so.
    """
    data = defaultdict(lambda: defaultdict(dict))
    runs = defaultdict(set)
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3 or '=' not in parts[2]:
                continue
            key, val = parts[2].split('=', 1)
            try:
                data[key][parts[0]][int(parts[1])] = float(val)
            except ValueError:
                continue
            runs[(key.split('.')[0], parts[0])].add(int(parts[1]))
    return data, runs


def values(data, key, kernel):
    """The figure's values on one kernel, in the order of the repeats."""
    per_run = data.get(key, {}).get(kernel, {})
    return [per_run[r] for r in sorted(per_run)]


def planned_repeats():
    """{workload: repeats} from BENCH_REPEATS ("full:3 pcholes:5 ...")."""
    plan = {}
    for item in os.environ.get('BENCH_REPEATS', '').split():
        w, _, r = item.partition(':')
        if r.isdigit():
            plan[w] = int(r)
    return plan


def runs_of(runs, key, kernel):
    """How many runs should have printed the figure: as planned, or more if seen."""
    workload = key.split('.')[0]
    want = planned_repeats().get(workload, 0)
    return max(want, len(runs.get((workload, kernel), ())))


def load_series(path):
    """{name: {kernel: [[(t, v), ...] per repeat]}}"""
    series = defaultdict(lambda: defaultdict(list))
    if not os.path.exists(path):
        return series
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                continue
            points = []
            for p in parts[3:]:
                t, _, v = p.partition(':')
                try:
                    points.append((float(t), float(v)))
                except ValueError:
                    pass
            series[parts[2]][parts[0]].append(points)
    return series


def summary(vals):
    if not vals:
        return None, None
    med = statistics.median(vals)
    spread = (max(vals) - min(vals)) / abs(med) * 100 if med else 0.0
    return med, spread


def plain(key):
    """The figure's name without a guest size: full@4G.time_ms is full.time_ms."""
    return re.sub(r'@[0-9]+[MG]\.', '.', key, count=1)


def is_context(key):
    return plain(key).endswith(CONTEXT)


def verdict(key, ours, up, complete):
    """better/worse only when the two ranges do not overlap.

    With R repeats the range is what the seeds gave; where the ranges
    overlap, another seed could reverse a difference of medians, so the
    figure is called the same. No verdict for a figure missing from some
    run: the run that lacks it is often the outlier (no score drop, no
    stalled page), and the range of the rest would hide that.
    """
    key = plain(key)
    if key.endswith('bad_words'):
        return 'CORRUPTION' if any(ours + up) else ''
    if key.endswith(SETUP) or '.vm.' in key or not ours or not up:
        return ''
    if is_context(key):
        return 'context'
    if not complete:
        return 'incomplete'
    if max(ours) < min(up):
        ours_higher = False
    elif max(up) < min(ours):
        ours_higher = True
    else:
        return 'same'
    return 'better' if ours_higher == key.endswith(HIGHER_IS_BETTER) else 'worse'


def label(key, data):
    """The figure's name, with p99 called max where it was the slowest sample.

    The bench programs print NAME_samples beside NAME_p99_UNIT; a p99 over
    P99_IS_MAX_UP_TO samples or fewer is the largest one. Where only some
    runs had that few, the figure mixes the two and is called p99/max.
    """
    if '_p99' not in key:
        return key
    counts = [n for kern in KERNELS
              for n in values(data, key.split('_p99')[0] + '_samples', kern)]
    small = sum(1 for n in counts if n <= P99_IS_MAX_UP_TO)
    if not counts or not small:
        return key
    return key.replace('_p99', '_max' if small == len(counts) else '_p99/max', 1)


def fmt(x):
    return '-' if x is None else ('%.0f' % x if abs(x) >= 100 else '%.2f' % x)


def cells(vals, want):
    """Median (with n when runs lack the figure), range and spread."""
    med, spread = summary(vals)
    n = '' if len(vals) >= want else ' (n=%d of %d)' % (len(vals), want)
    if med is None:
        return ['-' + n, '-', '-']
    return [fmt(med) + n, '%s..%s' % (fmt(min(vals)), fmt(max(vals))),
            fmt(spread) + '%']


def table(data, runs, keys):
    rows = ['| figure | ours (median) | range | spread | upstream (median) | range '
            '| spread | ours/upstream | |',
            '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |']
    for key in keys:
        ours, up = values(data, key, 'ours'), values(data, key, 'upstream')
        o, u = summary(ours)[0], summary(up)[0]
        ratio = o / u if o is not None and u else None
        complete = (len(ours) >= runs_of(runs, key, 'ours') and
                    len(up) >= runs_of(runs, key, 'upstream'))
        rows.append('| %s | %s | %s | %s |' % (
            label(key, data), ' | '.join(cells(ours, runs_of(runs, key, 'ours')) +
                                        cells(up, runs_of(runs, key, 'upstream'))),
            '-' if ratio is None else '%.2f' % ratio, verdict(key, ours, up, complete)))
    return '\n'.join(rows)


def median_of(data, key, kernel):
    return summary(values(data, key, kernel))[0]


def corrupted(data):
    """Lines naming every run whose bad_words figure is above 0."""
    return ['%s on %s, repeat %d: %d bad words' % (key.split('.')[0], kern, r, v)
            for key in sorted(data) if key.endswith('.bad_words')
            for kern in KERNELS
            for r, v in sorted(data[key].get(kern, {}).items()) if v]


def disk_note():
    """Which workloads ran in the disk guest, and what that means for spreads."""
    disk = os.environ.get('BENCH_DISK_WORKLOADS', '').split()
    if not disk:
        return 'Every workload ran in the RAM-only guest.'
    return ('%s ran in the disk guest (ext4 and xfs page cache, swap with '
            'zswap). Its virtio I/O completes in host time, so those runs do '
            'not repeat exactly even with the same seed: their spread includes '
            'host noise, and they run more repeats.' % ', '.join(disk))


def intro():
    """The report's header: how it was run and how to read the table."""
    seed = os.environ.get('BENCH_SEED', '1')
    if os.environ.get('BENCH_SAME_SEED', '0') == '1':
        seeds = 'every repeat with seed %s' % seed
        spread = ('spread = (max - min) / median; every repeat reruns the '
                  'same seed, so any spread above 0 is a run that did not repeat.')
    else:
        seeds = 'repeat r with seed %s + r - 1' % seed
        spread = ('spread = (max - min) / median, the variation from seed to '
                  'seed (a run repeats exactly with its seed).')
    return ['# make bench: ours against upstream', '',
            '%s, host %s (%s, %d CPUs), deterministic guests of %s '
            '(`-icount shift=0,sleep=off`, seeded), repeats %s, %s, QUICK=%s.' % (
                datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
                platform.node(), platform.machine(), os.cpu_count() or 0,
                os.environ.get('BENCH_MEM', '2G'),
                os.environ.get('BENCH_REPEATS', '?').replace(':', ' x'),
                seeds, os.environ.get('BENCH_QUICK', '0')), '',
            disk_note(), '',
            'Seeds are the same on both kernels. Median and range (min..max) '
            'over the repeats; ' + spread, '',
            'Verdict: "better" or "worse" only when the ranges of the two '
            'kernels do not overlap, else "same" (with R=1 a range is one run). '
            '"n=K of R": the figure is missing from some runs; it gets no '
            'verdict ("incomplete"). "context": a total of the proactive window '
            '(ours stops at the low watermark, upstream may go on) or a sample '
            'count, no verdict; the *_per_point figures compare the proactive '
            'work. A "max" figure is a p99 over %d samples or fewer, which is '
            'the slowest sample; "p99/max" is a p99 in some runs and the max in '
            'others (the *_samples figure says how many).' % P99_IS_MAX_UP_TO, '',
            '![yield, cost, latency and the proactive score](plot.png)', '']


def main():
    raw, outdir = sys.argv[1], sys.argv[2]
    data, runs = load(raw)
    series = load_series(os.path.join(outdir, 'series.txt'))
    figures = sorted(k for k in data if '.vm.' not in k)
    # vmstat deltas: only the counters that moved on either kernel.
    vm = sorted(k for k in data if '.vm.' in k and
                any(v for kern in KERNELS for v in values(data, k, kern)))

    main_table = table(data, runs, figures)
    print(main_table)
    with open(os.path.join(outdir, 'table.md'), 'w') as f:
        f.write(main_table + '\n')

    report = intro() + ['## Figures', '', main_table, '']
    if vm:
        report += ['## /proc/vmstat deltas', '',
                   'Over the measured part of each workload; counters that '
                   'moved on either kernel.', '']
        for w in sorted({k.split('.')[0] for k in vm}):
            report += ['### %s' % w, '',
                       table(data, runs, [k for k in vm if k.startswith(w + '.')]), '']
    report += scale_section(data, outdir)
    with open(os.path.join(outdir, 'report.md'), 'w') as f:
        f.write('\n'.join(report))

    bars = []
    for key in figures:
        o, u = median_of(data, key, 'ours'), median_of(data, key, 'upstream')
        if o is not None and u and not key.endswith(SETUP):
            bars.append((label(key, data), o / u))
    write_svg(os.path.join(outdir, 'plot.svg'), bars)
    png = write_png(os.path.join(outdir, 'plot.png'), data, series)
    print('\nreport: %s/report.md  table: %s/table.md  plots: %s%s/plot.svg' % (
        outdir, outdir, '%s/plot.png  ' % outdir if png else '', outdir))
    # bench.sh stops at a corrupted run; this catches raw files made otherwise.
    bad = corrupted(data)
    if bad:
        print('error: DATA CORRUPTED, these figures are not to be trusted:\n  ' +
              '\n  '.join(bad), file=sys.stderr)
        sys.exit(1)


# The scale figures: (workload, figure, what it is, divide by GiB).
SCALE_FIGURES = (
    ('full', 'scanned_per_block', 'pages scanned per block gained', False),
    ('full', 'free_scanned_per_block', 'free-scanned per block gained', False),
    ('full', 'migrated_per_block', 'pages migrated per block gained', False),
    ('full', 'time_ms', 'guest ms of compact_memory per GiB', True),
    ('proactive', 'kcompactd_ms_per_point', 'kcompactd CPU ms per point of score', False),
    ('proactive', 'scanned_per_point', 'pages scanned per point of score', False),
)


def scale_sizes(data):
    """{workload: sorted GiB sizes} of the WORKLOAD@SIZE figures."""
    sizes = defaultdict(set)
    for key in data:
        m = re.match(r'([a-z]+)@([0-9]+)([MG])\.', key)
        if m:
            gib = int(m.group(2)) / (1024.0 if m.group(3) == 'M' else 1.0)
            sizes[m.group(1)].add((gib, m.group(2) + m.group(3)))
    return {w: sorted(v) for w, v in sizes.items()}


def scale_value(data, w, size, fig, per_gib, gib, kern):
    med = median_of(data, '%s@%s.%s' % (w, size, fig), kern)
    if med is None:
        return None
    return med / gib if per_gib else med


def scale_section(data, outdir):
    """How the cost grows with memory: a table, and scale.png."""
    sizes = {w: v for w, v in scale_sizes(data).items()
             if any(f[0] == w for f in SCALE_FIGURES)}
    if not sizes:
        return []
    lines = ['## Scale: cost against memory size', '',
             'Medians, ours / upstream, per guest size. "largest/2G" is the figure at '
             'the largest size over the figure at 2 GiB: at most 1.00 means it '
             'grows no faster than memory does (per-GiB figures) or does not '
             'grow (per-block and per-point figures).', '']
    all_sizes = sorted({s for v in sizes.values() for s in v})
    lines.append('| figure | ' + ' | '.join(s for _, s in all_sizes) +
                 ' | largest/2G ours | largest/2G upstream |')
    lines.append('| --- |' + ' ---: |' * (len(all_sizes) + 2))
    for w, fig, what, per_gib in SCALE_FIGURES:
        if w not in sizes:
            continue
        row, growth = [], []
        for gib, size in all_sizes:
            o = scale_value(data, w, size, fig, per_gib, gib, 'ours')
            u = scale_value(data, w, size, fig, per_gib, gib, 'upstream')
            row.append('%s / %s' % (fmt(o), fmt(u)))
        for kern in KERNELS:
            two = scale_value(data, w, '2G', fig, per_gib, 2.0, kern)
            gib, size = sizes[w][-1]
            big = scale_value(data, w, size, fig, per_gib, gib, kern)
            growth.append('%.2f' % (big / two) if big is not None and two else '-')
        if all(cell == '- / -' for cell in row):
            continue
        lines.append('| %s.%s (%s) | %s | %s |' % (w, fig, what, ' | '.join(row),
                                                 ' | '.join(growth)))
    lines += ['', '![cost against memory size](scale.png)', '']
    write_scale_png(os.path.join(outdir, 'scale.png'), data, sizes)
    return lines


def write_scale_png(path, data, sizes):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return
    figs = [f for f in SCALE_FIGURES if f[0] in sizes]
    fig, axes = plt.subplots(1, len(figs), figsize=(4 * len(figs), 4), squeeze=False)
    for ax, (w, name, what, per_gib) in zip(axes[0], figs):
        for kern in KERNELS:
            pts = [(gib, scale_value(data, w, size, name, per_gib, gib, kern))
                   for gib, size in sizes[w]]
            pts = [p for p in pts if p[1] is not None]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker='o',
                    color=COLOURS[kern], label=kern)
        ax.set_title('%s.%s' % (w, name), fontsize=9)
        ax.set_xlabel('guest memory, GiB')
        ax.set_ylabel(what, fontsize=8)
        ax.set_xscale('log', base=2)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_svg(path, bars):
    """A horizontal bar per figure: ours/upstream ratio, 1.0 marked."""
    width, row, left, scale = 860, 22, 400, 180
    h = row * len(bars) + 40
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (width, h),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="16">ours / upstream (1.0 = same)</text>']
    for i, (key, ratio) in enumerate(bars):
        y = 30 + i * row
        w = min(ratio, 2.4) * scale
        out.append('<text x="10" y="%d">%s</text>' % (y + 14, html.escape(key)))
        out.append('<rect x="%d" y="%d" width="%.1f" height="16" fill="#4a7fb5"/>' % (left, y, w))
        out.append('<text x="%.1f" y="%d">%.2f</text>' % (left + w + 4, y + 13, ratio))
    out.append('<line x1="%d" y1="24" x2="%d" y2="%d" stroke="red"/>' % (
        left + scale, left + scale, h - 4))
    out.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


# Panels of plot.png: (title, unit, log scale, figures).
PANELS = (
    ('Yield', '% of ideal (THP: % of faults)', False,
     ('full.yield_pct', 'highalloc.yield_pct', 'mixed.yield_pct',
      'thp.t1_success_pct', 'thp.t4_success_pct', 'pcholes.t1_success_pct',
      'pcholes.t2_success_pct', 'pcholes.t4_success_pct')),
    ('Cost per order-9 block gained', 'pages (limits: 128 migrated, ~640 scanned)', True,
     ('full.migrated_per_block', 'full.scanned_per_block',
      'mixed.migrated_per_block', 'mixed.scanned_per_block')),
    ('Latency', 'us per huge page (guest time)', True,
     ('highalloc.lat_p50_us', 'highalloc.lat_p99_us', 'highalloc.stalled_lat_p99_us',
      'thp.t1_lat_p50_us', 'thp.t1_lat_p99_us', 'thp.t4_lat_p50_us', 'thp.t4_lat_p99_us',
      'pcholes.t1_lat_p99_us', 'pcholes.t4_lat_p99_us')),
    ('Other costs', 'per unit named', True,
     ('highalloc.stalls_per_page', 'highalloc.stalls_per_stalled_page',
      'thp.t1_stalls_per_thp', 'thp.t4_stalls_per_thp',
      'pcholes.t1_stalls_per_thp', 'pcholes.t4_stalls_per_thp',
      'proactive.kcompactd_ms_per_point', 'proactive.migrated_per_point',
      'full.time_ms', 'mixed.time_ms')),
)
COLOURS = {'ours': '#2b6cb0', 'upstream': '#dd6b20'}


def write_png(path, data, series):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('no python3-matplotlib: plot.png skipped (make deps installs it)')
        return False
    fig, axes = plt.subplots(4, 2, figsize=(13, 18))
    cells = [axes[0][0], axes[0][1], axes[1][0], axes[1][1]]
    for ax, (title, unit, log, keys) in zip(cells, PANELS):
        keys = [k for k in keys if k in data]
        bar_panel(ax, data, keys, title, unit, log)
    score_panel(axes[2][0], series.get('proactive.score', {}), None)
    score_panel(axes[2][1], series.get('proactive.score', {}),
                zoom_end(series.get('proactive.score', {})))
    round_panel(axes[3][0], series.get('uptime.thp_success_pct', {}),
                'Uptime: THP success of each round', '% of the burst')
    round_panel(axes[3][1], series.get('uptime.mixed_blocks', {}),
                'Uptime: mixed pageblocks after each round', 'pageblocks')
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def bar_panel(ax, data, keys, title, unit, log):
    ax.set_title(title)
    if not keys:
        ax.text(0.5, 0.5, 'not run', ha='center', transform=ax.transAxes)
        ax.set_axis_off()
        return
    width = 0.38
    for i, kern in enumerate(KERNELS):
        meds, lo, hi = [], [], []
        for k in keys:
            vals = values(data, k, kern) or [0]
            m = statistics.median(vals)
            meds.append(m)
            lo.append(m - min(vals))
            hi.append(max(vals) - m)
        xs = [j + (i - 0.5) * width for j in range(len(keys))]
        ax.bar(xs, meds, width, yerr=[lo, hi], capsize=3, label=kern,
               color=COLOURS[kern])
        for x, m in zip(xs, meds):
            ax.annotate(fmt(m), (x, m), ha='center', va='bottom', fontsize=7,
                        xytext=(0, 2), textcoords='offset points')
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels([label(k, data) for k in keys], rotation=30, ha='right',
                       fontsize=8)
    ax.set_ylabel(unit)
    if log:
        ax.set_yscale('log')
    ax.legend(fontsize=8)


def round_panel(ax, runs, title, unit):
    """A line per repeat and kernel: a figure of the uptime workload per round."""
    ax.set_title(title)
    if not runs:
        ax.text(0.5, 0.5, 'not run', ha='center', transform=ax.transAxes)
        ax.set_axis_off()
        return
    for kern in KERNELS:
        for i, points in enumerate(runs.get(kern, [])):
            ax.plot([p[0] for p in points], [p[1] for p in points], marker='.',
                    color=COLOURS[kern], alpha=0.7, label=kern if i == 0 else None)
    ax.set_xlabel('round')
    ax.set_ylabel(unit)
    ax.legend(fontsize=8)


def zoom_end(runs, most=3.0):
    """Where the score last moved in the first seconds, with a margin."""
    last = 0.1
    for points in (p for kern in runs.values() for p in kern):
        for (t0, v0), (t1, v1) in zip(points, points[1:]):
            if t1 <= most and v1 != v0:
                last = max(last, t1)
    return min(most, last * 1.3)


def score_panel(ax, runs, zoom):
    ax.set_title('Proactive: node fragmentation score%s' % (
        ', first %.2g s' % zoom if zoom else ''))
    if not runs:
        ax.text(0.5, 0.5, 'not run', ha='center', transform=ax.transAxes)
        ax.set_axis_off()
        return
    for kern in KERNELS:
        for i, points in enumerate(runs.get(kern, [])):
            if zoom:
                points = [p for p in points if p[0] <= zoom]
            ax.step([p[0] for p in points], [p[1] for p in points], where='post',
                    color=COLOURS[kern], alpha=0.8, label=kern if i == 0 else None)
    ax.axhline(90, color='grey', linestyle='--', linewidth=0.8)
    ax.axhline(80, color='grey', linestyle=':', linewidth=0.8)
    ax.text(ax.get_xlim()[1], 90, ' high 90', va='center', fontsize=7)
    ax.text(ax.get_xlim()[1], 80, ' low 80', va='center', fontsize=7)
    ax.set_xlabel('seconds of guest time after proactiveness=20')
    ax.set_ylabel('score')
    ax.legend(fontsize=8)


if __name__ == '__main__':
    main()
