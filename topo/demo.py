"""make demo: flowlet in the P4 exercise's seed topology, in Mininet.

1. One TCP flow sent with gaps longer than the flowlet timeout, as the P4
   exercise's send.py does: packets per path under ecmp and flowlet.
2. Four long iperf3 TCP flows h1 -> h2 over four bandwidth-limited paths,
   three runs per mode taking turns: throughput, retransmissions and paths
   used under the kernel's own multipath route (L4 hash, flowlet
   detached) and every flowlet mode; which modes beat hashing in every
   run.
3. A plot of the load each path delivered over time during those runs,
   stacked, run boundaries marked.

Every number is measured in this run, from the kernel's interface counters
(s1's path ports in part 1, where each path leaves its middle switch in
parts 2 and 3) and from iperf3. Run with /usr/bin/python3, as root.
"""

import argparse
import csv
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from mininet.log import setLogLevel  # noqa: E402

from flowlet_plan import H1, H2  # noqa: E402
from flowlet_mininet import DEFAULT_TIMEOUT, MODES, send_flow  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402
from traffic import iperf, median, paths_used, use_mode  # noqa: E402

# The kernel's multipath route (flowlet detached), then every mode.
RUNS = ('kernel',) + MODES


def progress(step, text):
    print('[%s] %s' % (step, text), flush=True)


def part1(net, args):
    """The send.py experience: one flow, gaps > timeout."""
    h1, s1 = net.get('h1', 's1')
    ports = s1.path_ports()
    rows = []
    for mode in ('ecmp', 'flowlet'):
        progress('1/3', 'sending %d packets of one TCP flow, %s apart, in '
                 '%s mode' % (args.packets, args.gap, mode))
        use_mode(net, mode)
        rows.append((mode, send_flow(h1, s1, H2, args.packets,
                                     args.gap, sport=1000 + len(rows))))
    print()
    print('One TCP flow (%s -> %s), %d packets %s apart, flowlet timeout '
          '%s:' % (H1, H2, args.packets, args.gap, args.timeout))
    print('packets per path, from s1\'s interface counters')
    print('  %-9s' % 'mode' + ''.join('%10s' % p for p in ports)
          + '   paths used')
    for mode, counts in rows:
        print('  %-9s' % mode + ''.join('%10d' % n for n in counts)
              + '%13d' % sum(1 for n in counts if n))
    print('ecmp hashes the 5-tuple: one path. flowlet starts a new flowlet '
          'after each gap\nand hashes it with its flowlet id: the packets '
          'spread over the paths.\n')


def part2(net, args, samples):
    """Four long TCP flows per mode, the modes taking turns run by run;
    returns {mode: [Run, ...]} and appends (mode, run, Run) to samples."""
    results = {}
    for run in range(args.repeat):
        for label in RUNS:
            progress('2/3', '%s: 4 iperf3 flows for %ds (run %d of %d)%s'
                     % (label, args.duration, run + 1, args.repeat,
                        ', flowlet detached: the kernel\'s multipath route'
                        if label == 'kernel' else ''))
            use_mode(net, label)
            got = iperf(net, 4, args.duration)
            results.setdefault(label, []).append(got)
            samples.append((label, run, got))
    capacity = 4 * args.bw
    print()
    print('Four TCP flows h1 -> h2 (iperf3 -P 4, %ds), four paths of %g '
          'Mbit/s (%g in all), %d runs per mode, taking turns:'
          % (args.duration, args.bw, capacity, args.repeat))
    print('  %-10s %8s  %-20s %8s  %s' % ('mode', 'median', 'Mbit/s per run',
                                          'retrans', 'paths used per run'))
    for label in RUNS:
        runs = results[label]
        print('  %-10s %8.1f  %-20s %8d  %s' % (
            label, median([r.mbit for r in runs]),
            ' '.join('%.1f' % r.mbit for r in runs),
            median([r.retrans for r in runs]),
            ' '.join(str(paths_used(r.path_bytes, 0.1)) for r in runs)))
    hashed = max(r.mbit for m in ('ecmp', 'kernel') for r in results[m])
    better = [m for m in RUNS if m not in ('ecmp', 'kernel')
              and min(r.mbit for r in results[m]) > 1.05 * hashed]
    print('Beat the best run of ecmp and the kernel (%.1f Mbit/s) by more '
          'than 5%% in every run: %s.'
          % (hashed, ', '.join(better) or 'no mode, this time'))
    print('ecmp and the kernel hash each flow onto one path for good: '
          'colliding flows\nshare a path while another idles. Long TCP '
          'flows seldom pause %s, so flowlet\nand letflow seldom move '
          'them; leastload sends each new flowlet to the least\nloaded '
          'path, which spreads flows that start together; spray splits '
          'every\nflow per packet (and TCP sees reordering). '
          '`make experiments` measures this\nwith more flows, runs and '
          'the timeout (results/REPORT.md).\n'
          % args.timeout)
    return results


def part3(samples, out_dir, ports, args):
    """Per mode, the load each path delivered over time, stacked, its runs
    one after another with their boundaries marked."""
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    os.makedirs(out_dir, exist_ok=True)
    csv_path = os.path.join(out_dir, 'path-load.csv')
    with open(csv_path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['mode', 'run', 'time_s']
                        + ['path%d_mbit' % (i + 1) for i in range(len(ports))])
        for label, run, got in samples:
            for t, rates in got.samples:
                writer.writerow([label, run, t]
                                + ['%.3f' % r for r in rates])
    fig, axes = plt.subplots(len(RUNS), 1, sharex=True, sharey=True,
                             figsize=(9, 1.9 * len(RUNS)))
    span = args.duration + 1
    for ax, label in zip(axes, RUNS):
        xs, ys = [], [[] for _ in ports]
        for _, run, got in [s for s in samples if s[0] == label]:
            # A gap of zeros between runs, so that areas do not join.
            for t, rates in [(0, [0] * len(ports))] + got.samples + [
                    (args.duration + 0.01, [0] * len(ports))]:
                xs.append(run * span + t)
                for i, rate in enumerate(rates):
                    ys[i].append(rate)
            if run:
                ax.axvline(run * span - 0.5, color='k', linestyle='dashed',
                           linewidth=1)
        ax.stackplot(xs, ys, labels=['path %d (%s)' % (i + 1, p)
                                     for i, p in enumerate(ports)])
        ax.axhline(4 * args.bw, color='grey', linestyle='dotted')
        ax.set_title('%s: %s' % (label, ', '.join(
            '%.0f' % got.mbit for m, _, got in samples if m == label))
            + ' Mbit/s per run', loc='left', fontsize=9)
        ax.set_ylabel('Mbit/s')
        ax.set_ylim(0, 4 * args.bw * 1.1)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, ncol=len(ports), loc='upper center',
               fontsize=8, bbox_to_anchor=(0.5, 0.995))
    axes[-1].set_xlabel('seconds, the runs of each mode one after another '
                        '(dashed: run boundaries; dotted: capacity)')
    fig.suptitle('Load each path delivered (stacked), 4 iperf3 flows '
                 'h1 -> h2', y=0.965)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    png_path = os.path.join(out_dir, 'path-load.png')
    fig.savefig(png_path, dpi=100)
    return png_path, csv_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--bw', type=float, default=50,
                        help='Mbit/s per path (default 50)')
    parser.add_argument('--timeout', default=DEFAULT_TIMEOUT,
                        help='flowlet timeout (default %(default)s)')
    parser.add_argument('--packets', type=int, default=40,
                        help='packets of the one-flow run (default 40)')
    parser.add_argument('--gap', default='60ms',
                        help='gap between them (default 60ms)')
    parser.add_argument('--duration', type=int, default=5,
                        help='seconds per iperf3 run (default 5)')
    parser.add_argument('--repeat', type=int, default=3,
                        help='iperf3 runs per mode (default 3)')
    parser.add_argument('--seed', type=int, default=1,
                        help='flowlet\'s and the kernel\'s hash seeds '
                        '(default 1)')
    parser.add_argument('--cc', default='cubic',
                        help='TCP congestion control in h1 and h2 '
                        '(default cubic)')
    parser.add_argument('--out', default=os.path.join(ROOT, 'demo-out'),
                        help='where the plot and CSV go')
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error('run as root (Mininet needs it)')
    setLogLevel('warning')
    began = time.time()
    progress('0/3', 'starting the seed topology h1 - s1 - {s2..s5} - s6 - '
             'h2, %g Mbit/s per path, flowlet on s1 and s6'
             % args.bw)
    samples = []
    with seed_network(paths=4, bw=args.bw, timeout=args.timeout,
                      seed=args.seed, cc=args.cc) as net:
        part1(net, args)
        part2(net, args, samples)
        progress('3/3', 'plotting the load per path')
        png, csv_path = part3(samples, args.out,
                              net.get('s1').path_ports(), args)
    print('Plot: %s\nData: %s' % (png, csv_path))
    print('Done in %.0fs; the network is down again.' % (time.time() - began))


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        print('\ndemo: interrupted; the network is down again.',
              file=sys.stderr)
        sys.exit(130)
