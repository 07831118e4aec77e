"""make bench's report: merges what bench_cost and bench/rate.sh measured
into one JSON file, writes the run's report (Markdown: every table of the
run, with its machine and date, and the targets against this run's
ratios), prints the targets, and plots ns per packet against active flows
(every mode, both floors). Run with /usr/bin/python3 (Debian's matplotlib):

    bench/report.py COST.json RATE.json OUT.json OUT.png OUT.md
"""

import json
import os
import sys
import time

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

# Other modes against flowlet, per packet: within 10%, leastload 25%;
# share (which keeps leastload's kind of per-packet count) against
# leastload: within 5%.
MODE_SLACK = {'leastload': 1.25, 'share': None}
DEFAULT_SLACK = 1.10
SHARE_SLACK = 1.05


def targets(bench):
    """(what, bound: (op, value), measured ratio) for every target."""
    ns = bench['per_packet']['ns']
    flows = bench['per_packet']['flows']
    rate = bench['rate']['mpps']
    # No rate table where the kernel refused the generator's live frames.
    rate_flows = bench['rate']['flows'] if rate else []
    rows = []
    for i, bound in ((0, 1.20), (len(flows) - 1, 1.30)):
        rows.append(('per packet: flowlet / minimal floor, %d flows' % flows[i],
                     ('<=', bound), ns['flowlet'][i] / ns['minimal'][i]))
    for i, count in enumerate(flows):
        rows.append(('per packet: flowlet / no-telemetry, %d flows' % count,
                     ('<=', None),
                     ns['flowlet'][i] / ns['no-telemetry'][i]))
    # Counting the flows' gaps for --timeout auto: at most 5% at 1 and
    # 64K flows (and for context at the others).
    for i, count in enumerate(flows):
        rows.append(('per packet: flowlet (auto) / fixed-timeout, %d flows'
                     % count, ('<=', 1.05 if count in (1, 65536) else None),
                     ns['flowlet'][i] / ns['fixed-timeout'][i]))
    # Following TCP senders' sequence numbers (their losses, for auto):
    # at most 5% at 1 and 64K flows too.
    for i, count in enumerate(flows):
        rows.append(('per packet: flowlet over TCP / over UDP, %d flows'
                     % count, ('<=', 1.05 if count in (1, 65536) else None),
                     ns['tcp'][i] / ns['flowlet'][i]))
    for mode in ns:
        if mode in ('stateless', 'minimal', 'flowlet', 'no-telemetry',
                    'fixed-timeout', 'tcp'):
            continue
        worst = max(ns[mode][i] / ns['flowlet'][i] for i in range(len(flows)))
        rows.append(('per packet: %s / flowlet, worst of %s flows' %
                     (mode, '/'.join(str(f) for f in flows)),
                     ('<=', MODE_SLACK.get(mode, DEFAULT_SLACK)), worst))
    if 'share' in ns:
        for i, count in enumerate(flows):
            rows.append(('per packet: share / leastload, %d flows' % count,
                         ('<=', SHARE_SLACK),
                         ns['share'][i] / ns['leastload'][i]))
    for other, bound in (('stateless', 0.9), ('kernel-multipath', 3.0),
                         ('nfqueue', 10.0), ('minimal', None)):
        for i, count in enumerate(rate_flows):
            rows.append(('rate: flowlet / %s, %d flows' % (other, count),
                         ('>=', bound), rate['flowlet'][i] / rate[other][i]))
    for i, count in enumerate(rate_flows):
        rows.append(('rate: minimal floor / stateless, %d flows' % count,
                     ('>=', None), rate['minimal'][i] / rate['stateless'][i]))
    scale = bench['scale']
    for key, family in (('bytes_per_flow', 'IPv4'), ('bytes_per_flow6', 'IPv6')):
        rows.append(('memory: bytes per %s flow' % family, ('<=', 128),
                     scale[key]))
    return rows


def met(bound, value):
    op, limit = bound
    if limit is None:
        return None
    return value <= limit if op == '<=' else value >= limit


def print_targets(rows):
    print('\nTargets (ratios within this run; - : no target, for context)')
    print('%-62s %8s %9s  %s' % ('', 'target', 'measured', 'met'))
    for what, bound, value in rows:
        ok = met(bound, value)
        print('%-62s %8s %9.2f  %s' % (
            what, '-' if bound[1] is None else '%s %g' % bound, value,
            '-' if ok is None else 'yes' if ok else 'NO'))


def ratio_table(title, flows, values, base, fmt, unit):
    """A Markdown table: one row per variant, one column per flow count,
    each cell the value and its ratio to @base's in the same column."""
    lines = ['%s (%s; in brackets: over %s in the same run)' % (title, unit,
                                                              base), '',
             '| | ' + ' | '.join('%s flows' % f for f in flows) + ' |',
             '|---|' + '---:|' * len(flows)]
    for name, row in values.items():
        cells = ['%s (%.2fx)' % (fmt % v, v / values[base][i])
                 if values[base][i] else fmt % v for i, v in enumerate(row)]
        lines.append('| %s | %s |' % (name, ' | '.join(cells)))
    return '\n'.join(lines)


def report(bench, rows, png):
    """The run's report, Markdown."""
    cost, rate, scale = bench['per_packet'], bench['rate'], bench['scale']
    out = ['# make bench: %s, %s' % (bench['machine'], bench['date']), '',
           'Generated by bench/report.py from this run alone; the method is '
           'in docs/benchmarks.md. Compare figures only within this run.',
           '', '## Per packet', '',
           ratio_table('ns per packet, %s, median of %d rounds of %d calls'
                       % (cost['method'], cost['rounds'], cost['calls']),
                       cost['flows'], cost['ns'], 'minimal', '%.0f', 'ns'),
           '', '![ns per packet against active flows](%s)' % png, '',
           '## Forwarding rate', '',
           ratio_table('Delivered, median of %d rounds of %d frames'
                       % (rate['rounds'], rate['frames']),
                       rate['flows'], rate['mpps'], 'flowlet', '%.2f',
                       'Mpps') if rate['mpps'] else
           'Not measured: %s.' % rate.get('rate_skipped', 'no figures'), '']
    if rate.get('tcp_mbit'):
        out += ['One TCP flow through s1: ' + ', '.join(
            '%s %.0f Mbit/s' % kv for kv in rate['tcp_mbit'].items()) + '.',
            '']
    if rate.get('attach_ms'):
        out += ['attach, with a flow table of ' + ', '.join(
            '%s flows: %.0f ms' % kv for kv in rate['attach_ms'].items()) +
            '.', '']
    if rate.get('probes_per_s'):
        out += ['flowletctl watch at its defaults (--timeout auto, one '
                'target): %s probes per second on the %d paths, %.0f bit/s '
                'each.' % (' / '.join('%.1f' % p for p in rate['probes_per_s']),
                          len(rate['probes_per_s']), rate['probe_bps']), '']
    out += ['## Scale', '', '| | |', '|---|---:|',
            '| kernel memory per IPv4 flow | %.1f bytes |'
            % scale['bytes_per_flow'],
            '| per IPv6 flow | %.1f bytes |' % scale['bytes_per_flow6'],
            '| per flow of the minimal floor | %.1f bytes |'
            % scale['floor_bytes_per_flow']]
    for key, what in (('read_flows_ms', 'reading the flow table (flows)'),
                      ('stats_ms', 'stats'), ('set_ms', 'set')):
        out.append('| %s at %s flows | %s ms |' % (
            what, '/'.join(str(f) for f in cost['flows']),
            ' / '.join('%g' % v for v in scale[key])))
    for key in sorted(k for k in scale if k not in (
            'bytes_per_flow', 'bytes_per_flow6', 'floor_bytes_per_flow',
            'read_flows_ms', 'stats_ms', 'set_ms')):
        out.append('| %s | %s |' % (key.replace('_', ' '), scale[key]))
    out += ['', '## Targets', '', '| | target | measured | met |',
            '|---|---|---:|---|']
    for what, bound, value in rows:
        ok = met(bound, value)
        out.append('| %s | %s | %.2f | %s |' % (
            what, '-' if bound[1] is None else '%s %g' % bound, value,
            '-' if ok is None else 'yes' if ok else 'no'))
    return '\n'.join(out) + '\n'


def plot(bench, path):
    cost = bench['per_packet']
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, values in cost['ns'].items():
        floor = name in ('stateless', 'minimal')
        ax.plot(cost['flows'], values, marker='o', label=name,
                linestyle='--' if floor else '-')
    ax.set_xscale('log')
    ax.set_xlabel('active flows')
    ax.set_ylabel('ns per packet (test_run, overhead subtracted)')
    ax.set_title('flowlet per-packet cost, %s' % bench['machine'])
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def main():
    if len(sys.argv) != 6:
        sys.exit('usage: bench/report.py COST.json RATE.json OUT.json OUT.png '
                 'OUT.md')
    with open(sys.argv[1]) as f:
        bench = json.load(f)
    with open(sys.argv[2]) as f:
        bench['rate'] = json.load(f)
    bench['date'] = time.strftime('%Y-%m-%d', time.localtime(bench['time']))
    rows = targets(bench)
    bench['targets'] = [{'what': what, 'op': bound[0], 'bound': bound[1],
                         'measured': round(value, 3), 'met': met(bound, value)}
                        for what, bound, value in rows]
    with open(sys.argv[3], 'w') as f:
        json.dump(bench, f, indent=1)
    print_targets(rows)
    plot(bench, sys.argv[4])
    with open(sys.argv[5], 'w') as f:
        f.write(report(bench, rows, os.path.basename(sys.argv[4])))
    print('\nResults: %s, report: %s, plot: %s (%s, %s)' % (
        sys.argv[3], sys.argv[5], sys.argv[4], bench['machine'],
        bench['date']))


if __name__ == '__main__':
    main()
