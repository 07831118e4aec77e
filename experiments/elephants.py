"""Experiment 2, elephant collisions: k long TCP flows (iperf3 -P k) over 4
equal shaped paths, aggregate goodput as a share of the capacity, per
mode, against the kernel's multipath route. Claim: hashing (the kernel,
ecmp) puts colliding elephants on one path while another idles; flowlet
switching can move them apart, but only when they pause longer than the
timeout, and a short timeout moves them across queues of different depth
(reordering)."""

import os
import sys

from common import (VARIANTS, cpu_sentence, error_bars, new_parser, out_dir,
                    progress, pyplot, spread, use_variant, write_csv,
                    write_section)

from flowlet_mininet import DEFAULT_TIMEOUT  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402
from traffic import iperf, median, paths_used  # noqa: E402

NAME = 'elephants'


def plot(rows, variants, ks, path):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    for n, (label, _, _) in enumerate(variants):
        meds, lows, highs = error_bars(
            [[r[6] for r in rows if r[0] == label and r[1] == k]
             for k in ks])
        xs = [i + (n - (len(variants) - 1) / 2) * 0.1
              for i in range(len(ks))]
        ax.errorbar(xs, meds, yerr=[lows, highs], marker='o', capsize=3,
                    label=label)
    ax.set_xticks(range(len(ks)))
    ax.set_xticklabels([str(k) for k in ks])
    ax.set_xlabel('long TCP flows (k)')
    ax.set_ylabel('goodput / capacity (%): median, min-max bars')
    ax.set_ylim(0, 105)
    ax.set_title('k elephants over 4 equal shaped paths')
    ax.grid(True, alpha=0.3)
    ax.legend(ncol=2, fontsize=8, loc='lower right')
    fig.tight_layout()
    fig.savefig(path)


def section(args, rows, variants, ks):
    capacity = 4 * args.bw
    lines = ['## 2. Elephant collisions: k long flows over 4 equal paths',
             '',
             'Claim: hashing each flow onto a path for good (the kernel, '
             '`ecmp`) lets elephants collide while a path idles; a flowlet '
             'mode can move them apart only when they pause longer than '
             'the timeout, and a short timeout moves packets across '
             'queues of different depth (reordering, retransmissions).',
             '',
             'Setup: seed topology, 4 paths of %g Mbit/s (%g in all, tbf '
             'where each path leaves its middle switch); flowlet on s1 and '
             's6, timeout %s (`%s`: timeout 1ms), hash seeds %d; `iperf3 '
             '-P k` for %d s per run, %d runs per point, variants and k '
             'taking turns. Goodput at the receiver / capacity. Data: '
             '`results/%s/runs.csv`, plot: `results/%s/goodput.png`.'
             % (args.bw, capacity, args.timeout, 'flowlet-1ms', args.seed,
                args.seconds, args.runs, NAME, NAME),
             '',
             '| variant | ' + ' | '.join('k=%d' % k for k in ks)
             + ' | retransmissions at k=%d |' % max(ks),
             '|---|' + '---|' * (len(ks) + 1)]
    for label, _, _ in variants:
        cells = [spread([r[6] for r in rows
                         if r[0] == label and r[1] == k], '%.0f%%')
                 for k in ks]
        retrans = [r[8] for r in rows if r[0] == label and r[1] == max(ks)]
        lines.append('| %s | %s | %d |' % (label, ' | '.join(cells),
                                           median(retrans)))
    lines += ['', 'Median share of capacity (min-max over runs).', '']
    k4 = 4 if 4 in ks else ks[len(ks) // 2]
    at = {label: median([r[6] for r in rows if r[0] == label and r[1] == k4])
          for label, _, _ in variants}
    best = max(at, key=at.get)
    lines.append('What this run says: at k=%d the kernel reached %.0f%% '
                 'of capacity, `ecmp` %.0f%%, and the best variant was '
                 '`%s` with %.0f%%. ' % (k4, at['kernel'], at['ecmp'],
                                         best, at[best]))
    if 'flowlet-1ms' in at:
        retrans = median([r[8] for r in rows
                          if r[0] == 'flowlet-1ms' and r[1] == k4])
        lines[-1] += ('A 1 ms timeout gave `flowlet` %.0f%% at the price '
                      'of %d retransmissions per run (default timeout: '
                      '%d).' % (at['flowlet-1ms'], retrans,
                                median([r[8] for r in rows
                                        if r[0] == 'flowlet'
                                        and r[1] == k4])))
    lines += ['', cpu_sentence(max(r[11] for r in rows))]
    return '\n'.join(lines)


def main(argv=None):
    parser = new_parser(__doc__, 'k = 1, 4, 16; 1 run of 3 s per point')
    parser.add_argument('--ks', default=None,
                        help='flow counts (default 1,2,4,8,16)')
    parser.add_argument('--bw', type=float, default=50,
                        help='Mbit/s per path (default 50)')
    parser.add_argument('--timeout', default=DEFAULT_TIMEOUT)
    parser.add_argument('--seconds', type=int, default=None)
    parser.add_argument('--runs', type=int, default=None)
    args = parser.parse_args(argv)
    ks = [int(k) for k in (args.ks or ('1,4,16' if args.quick
                                       else '1,2,4,8,16')).split(',')]
    args.runs = args.runs or (1 if args.quick else 5)
    args.seconds = args.seconds or (3 if args.quick else 5)
    variants = VARIANTS + [('flowlet-1ms', 'flowlet', {'timeout': '1ms'})]
    out = out_dir(NAME)
    rows = []
    progress(NAME, '%d variants x k=%s x %d runs of %d s'
             % (len(variants), ','.join(map(str, ks)), args.runs,
                args.seconds))
    with seed_network(cc=args.cc, paths=4, bw=args.bw, timeout=args.timeout,
                      seed=args.seed) as net:
        for run in range(args.runs):
            for k in ks:
                for label, mode, settings in variants:
                    use_variant(net, mode, settings, args.timeout)
                    got = iperf(net, k, args.seconds)
                    rows.append([label, k, run, args.seed, args.timeout,
                                 round(got.mbit, 2),
                                 round(100 * got.mbit / (4 * args.bw), 1),
                                 paths_used(got.path_bytes), got.retrans,
                                 got.ofo, ' '.join(map(str, got.ports)),
                                 round(got.cpu, 2)])
                progress(NAME, 'run %d of %d: k=%d done'
                         % (run + 1, args.runs, k))
    write_csv(os.path.join(out, 'runs.csv'),
              ['variant', 'k', 'run', 'seed', 'timeout', 'goodput_mbit',
               'share_of_capacity_pct', 'paths_used', 'retransmissions',
               'receiver_ofo', 'source_ports', 'cpu_busy'], rows)
    plot(rows, variants, ks, os.path.join(out, 'goodput.png'))
    write_section(NAME, section(args, rows, variants, ks))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
