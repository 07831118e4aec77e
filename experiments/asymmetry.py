"""Experiment 4, asymmetry: four paths, one with a quarter of the others'
bandwidth (50, 50, 50 and 12.5 Mbit/s, the slow one changing per run),
three long TCP flows: goodput against
the optimum, and the completion time of three equal transfers, per mode.
Claim (LetFlow, CONGA): flowlets are elastic, so flowlet switching moves
traffic off a slow path without being told its capacity; a local byte
count sees the slow path as idle (it carries few bytes)."""

import os
import sys
import tempfile

from common import (VARIANTS, cpu_sentence, error_bars, new_parser, out_dir,
                    progress, pyplot, spread, use_variant, write_csv,
                    write_section)

from flowlet_mininet import DEFAULT_TIMEOUT, shape_port  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402
from traffic import flowgen, iperf, median  # noqa: E402

NAME = 'asymmetry'
FAST, SLOW, PATHS = 50, 12.5, 4
FLOWS = 3


def shape(net, slow):
    """Path slow (0-based) at SLOW Mbit/s, the others at FAST, in both
    directions where each path leaves its middle switch. Which path is
    slow changes from run to run: a mode that broke ties by path order
    would otherwise avoid the last path by luck."""
    for i, mid in enumerate(net.topo.plan.middles):
        for port in ('-eth1', '-eth2'):
            shape_port(net.get(mid), mid + port, SLOW if i == slow else FAST)


def plot(rows, variants, path):
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    labels = [label for label, _, _ in variants]
    for ax, col, what in ((left, 6, 'goodput / optimum (%)'),
                          (right, 9, 'last of 3 transfers done (s)')):
        meds, lows, highs = error_bars(
            [[r[col] for r in rows if r[0] == label] for label in labels])
        ax.bar(range(len(labels)), meds, yerr=[lows, highs], capsize=3,
               color=['grey'] + ['C%d' % i for i in range(len(labels) - 1)])
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=30, ha='right')
        ax.set_ylabel(what + ': median, min-max bars')
        ax.grid(True, axis='y', alpha=0.3)
    left.axhline(95, color='k', linestyle='dashed', label='95% target')
    left.legend(loc='lower right')
    fig.suptitle('3 long TCP flows over 50, 50, 50 and 12.5 Mbit/s paths')
    fig.tight_layout()
    fig.savefig(path)


def section(args, rows, variants, optimum):
    lines = ['## 4. Asymmetry: one path with a quarter of the bandwidth',
             '',
             'Claim (LetFlow, CONGA): flowlet switching moves traffic off a '
             'slow path without being told its capacity, because flowlets '
             'on a congested path end (TCP backs off and pauses) and start '
             'again elsewhere; a local byte-rate estimate (`leastload`) '
             'sees the slow path as idle.',
             '',
             'Setup: seed topology, 4 paths, three of %g Mbit/s and one of '
             '%g, the slow one path (run mod 4) so that no mode gains from '
             'breaking ties by path order; flowlet on s1 and s6, timeout '
             '%s unless the variant says, seeds %d; %d runs, each: a '
             'calibration (one flow alone on a fast path: `ecmp` with '
             'every other weight 0), then per variant `iperf3 -P %d` for '
             '%d s and %d transfers of %d MB started together '
             '(`tools/flowgen.py`). Optimum: three flows each alone on a '
             'fast path, 3 x the calibration (median %.1f Mbit/s). Data: '
             '`results/%s/runs.csv`, plot: `results/%s/asymmetry.png`.'
             % (FAST, SLOW, args.timeout, args.seed, args.runs, FLOWS,
                args.seconds, FLOWS, args.mbytes, median(optimum), NAME,
                NAME),
             '',
             '| variant | goodput, % of optimum | runs >= 95% | slow path\'s '
             'share of bytes | mean transfer time (s) | last transfer '
             'done (s) |',
             '|---|---|---|---|---|---|']
    met = []
    for label, _, _ in variants:
        runs = [r for r in rows if r[0] == label]
        good = sum(1 for r in runs if r[6] >= 95)
        if good == len(runs):
            met.append(label)
        lines.append('| %s | %s | %d of %d | %s | %s | %s |' % (
            label, spread([r[6] for r in runs], '%.0f%%'), good, len(runs),
            spread([r[7] for r in runs], '%.0f%%'),
            spread([r[8] for r in runs], '%.1f'),
            spread([r[9] for r in runs], '%.1f')))
    at = {label: median([r[6] for r in rows if r[0] == label])
          for label, _, _ in variants}
    best = max(at, key=at.get)
    lines += ['', 'Median (min-max) over runs. The slow path\'s fair share '
              'is %.0f%% of the capacity (%g of %g).'
              % (100 * SLOW / (3 * FAST + SLOW), SLOW, 3 * FAST + SLOW),
              '',
              'What this run says: the kernel reached %.0f%% of the '
              'optimum; the best variant, `%s`, %.0f%%. Within 95%% of the '
              'optimum in every run: %s.'
              % (at['kernel'], best, at[best],
                 ', '.join(met) or 'no variant (the target is not met '
                 'here)')]
    lines += ['', cpu_sentence(max(r[11] for r in rows))]
    return '\n'.join(lines)


def main(argv=None):
    parser = new_parser(__doc__, '1 run, 4 s and 8 MB per variant')
    parser.add_argument('--timeout', default=DEFAULT_TIMEOUT)
    parser.add_argument('--short', default='2ms',
                        help='the short timeout of the -short variants')
    parser.add_argument('--seconds', type=int, default=None)
    parser.add_argument('--mbytes', type=int, default=None,
                        help='size of each transfer (default 24)')
    parser.add_argument('--runs', type=int, default=None)
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    args.seconds = args.seconds or (4 if args.quick else 8)
    args.mbytes = args.mbytes or (8 if args.quick else 24)
    variants = VARIANTS + [
        ('%s-%s' % (mode, args.short), mode, {'timeout': args.short})
        for mode in ('letflow', 'leastload')]
    out = out_dir(NAME)
    rows, optimum = [], []
    progress(NAME, '%d variants x %d runs of %d s and %d MB transfers'
             % (len(variants), args.runs, args.seconds, args.mbytes))
    with seed_network(cc=args.cc, paths=PATHS, timeout=args.timeout,
                      seed=args.seed) as net, \
            tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            slow = run % PATHS
            shape(net, slow)
            fast = (slow + 1) % PATHS
            use_variant(net, 'ecmp', {}, args.timeout,
                        weights=[int(i == fast) for i in range(PATHS)])
            one = iperf(net, 1, args.seconds).mbit
            optimum.append(FLOWS * one)
            use_variant(net, 'ecmp', {}, args.timeout,
                        weights=[1] * PATHS)
            for label, mode, settings in variants:
                use_variant(net, mode, settings, args.timeout)
                got = iperf(net, FLOWS, args.seconds)
                _, flows = flowgen(net, args.seconds, os.path.join(
                    tmp, 'fct.csv'), '--size', args.mbytes * 1000000,
                                   '--count', FLOWS, '--grace', 120)
                times = [f[2] if f[2] is not None else float('inf')
                         for f in flows]
                rows.append([label, run, args.seed, settings.get(
                    'timeout', args.timeout), round(got.mbit, 2),
                             round(FLOWS * one, 2),
                             round(100 * got.mbit / (FLOWS * one), 1),
                             round(100 * got.path_bytes[slow]
                                   / max(1, sum(got.path_bytes)), 1),
                             round(sum(times) / len(times), 2),
                             round(max(times), 2), got.retrans,
                             round(got.cpu, 2), slow + 1])
            progress(NAME, 'run %d of %d done (slow path %d, optimum '
                     '%.1f Mbit/s)' % (run + 1, args.runs, slow + 1,
                                       FLOWS * one))
    write_csv(os.path.join(out, 'runs.csv'),
              ['variant', 'run', 'seed', 'timeout', 'goodput_mbit',
               'optimum_mbit', 'pct_of_optimum', 'slow_path_share_pct',
               'mean_transfer_s', 'last_transfer_s', 'retransmissions',
               'cpu_busy', 'slow_path'], rows)
    plot(rows, variants, os.path.join(out, 'asymmetry.png'))
    write_section(NAME, section(args, rows, variants, optimum))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
