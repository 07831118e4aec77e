"""make bench's report: merges what bench_cost and bench/rate.sh measured
into one file, prints the targets of the bench's issue next to this run's
ratios, and plots ns per packet against active flows (every mode, both
floors). Run with /usr/bin/python3 (Debian's matplotlib):

    bench/report.py COST.json RATE.json OUT.json OUT.png
"""

import json
import sys
import time

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

# Other modes against flowlet, per packet: within 10%, leastload 25%.
MODE_SLACK = {'leastload': 1.25}
DEFAULT_SLACK = 1.10


def targets(bench):
    """(what, bound: (op, value), measured ratio) for every target."""
    ns = bench['per_packet']['ns']
    flows = bench['per_packet']['flows']
    rate = bench['rate']['mpps']
    rate_flows = bench['rate']['flows']
    rows = []
    for i, bound in ((0, 1.20), (len(flows) - 1, 1.30)):
        rows.append(('per packet: flowlet / minimal floor, %d flows' % flows[i],
                     ('<=', bound), ns['flowlet'][i] / ns['minimal'][i]))
    for i, count in enumerate(flows):
        rows.append(('per packet: flowlet / no-telemetry, %d flows' % count,
                     ('<=', None),
                     ns['flowlet'][i] / ns['no-telemetry'][i]))
    for mode in ns:
        if mode in ('stateless', 'minimal', 'flowlet', 'no-telemetry'):
            continue
        worst = max(ns[mode][i] / ns['flowlet'][i] for i in range(len(flows)))
        rows.append(('per packet: %s / flowlet, worst of %s flows' %
                     (mode, '/'.join(str(f) for f in flows)),
                     ('<=', MODE_SLACK.get(mode, DEFAULT_SLACK)), worst))
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
    if len(sys.argv) != 5:
        sys.exit('usage: bench/report.py COST.json RATE.json OUT.json OUT.png')
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
    print('\nResults: %s, plot: %s (%s, %s)' % (
        sys.argv[3], sys.argv[4], bench['machine'], bench['date']))


if __name__ == '__main__':
    main()
