#!/usr/bin/env python3
"""Tabulate make bench: median, spread and ours/upstream ratio per figure.

Input lines: "KERNEL REPEAT workload.figure=value". Writes table.md and
plot.svg into the output directory and prints the table.
"""
import statistics
import sys
from collections import defaultdict

# Which way is better, for the verdict column.
HIGHER_IS_BETTER = ('yield_pct', 'blocks_after', 'pages', 'success_pct', 'score_drop')


def load(path):
    data = defaultdict(lambda: defaultdict(list))
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3 or '=' not in parts[2]:
                continue
            key, val = parts[2].split('=', 1)
            try:
                data[key][parts[0]].append(float(val))
            except ValueError:
                pass
    return data


def summary(vals):
    if not vals:
        return None, None
    med = statistics.median(vals)
    spread = (max(vals) - min(vals)) / abs(med) * 100 if med else 0.0
    return med, spread


def verdict(key, ratio):
    if ratio is None or key.endswith(('ideal', 'blocks_before', 'bad_words')):
        return ''
    better = ratio > 1 if key.split('.')[-1] in HIGHER_IS_BETTER else ratio < 1
    return 'better' if better and abs(ratio - 1) > 0.01 else \
        'same' if abs(ratio - 1) <= 0.01 else 'worse'


def fmt(x):
    return '-' if x is None else ('%.0f' % x if abs(x) >= 100 else '%.2f' % x)


def main():
    raw, outdir = sys.argv[1], sys.argv[2]
    data = load(raw)
    rows = ['| figure | ours (median) | spread | upstream (median) | spread | ours/upstream | |',
            '| --- | ---: | ---: | ---: | ---: | ---: | --- |']
    bars = []
    for key in sorted(data):
        o, os_ = summary(data[key].get('ours', []))
        u, us = summary(data[key].get('upstream', []))
        ratio = o / u if o is not None and u else None
        rows.append('| %s | %s | %s%% | %s | %s%% | %s | %s |' % (
            key, fmt(o), fmt(os_), fmt(u), fmt(us),
            '-' if ratio is None else '%.2f' % ratio, verdict(key, ratio)))
        if ratio is not None and not key.endswith(('ideal', 'blocks_before', 'bad_words')):
            bars.append((key, ratio))
    table = '\n'.join(rows)
    print(table)
    with open(outdir + '/table.md', 'w') as f:
        f.write(table + '\n')
    write_svg(outdir + '/plot.svg', bars)
    print('\ntable: %s/table.md  plot: %s/plot.svg' % (outdir, outdir))


def write_svg(path, bars):
    """A horizontal bar per figure: ours/upstream ratio, 1.0 marked."""
    width, row, left, scale = 760, 22, 260, 200
    h = row * len(bars) + 40
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (width, h),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="16">ours / upstream (1.0 = same)</text>']
    for i, (key, ratio) in enumerate(bars):
        y = 30 + i * row
        w = min(ratio, 2.4) * scale
        out.append('<text x="10" y="%d">%s</text>' % (y + 14, key))
        out.append('<rect x="%d" y="%d" width="%.1f" height="16" fill="#4a7fb5"/>' % (left, y, w))
        out.append('<text x="%.1f" y="%d">%.2f</text>' % (left + w + 4, y + 13, ratio))
    out.append('<line x1="%d" y1="24" x2="%d" y2="%d" stroke="red"/>' % (
        left + scale, left + scale, h - 4))
    out.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
