"""Experiment 10, remote asymmetry: a leaf-spine fabric (FRR, flowlet on
every leaf following BGP's routes) in which one spine's link to the
destination leaf runs at a tenth of the other's rate. Leaf 1 sees two
equal uplinks; the slow link is beyond them. A heavy-tailed TCP mix and
long flows from leaf 1 to leaf 2, every mode against the kernel's own
ECMP (flowlet detached), and the same against the same capacity spread
over both spines (CONGA's setting). Claim: flowlet's measured capacities
(mode share) see the remote bottleneck, and pay little for the
asymmetry."""

import os
import sys
import tempfile

from common import (VARIANTS, cpu_sentence, new_parser, out_dir, progress,
                    pyplot, spread, write_csv, write_section)
from fct import summarise

from fabric import fabric_network, fabric_topo, leaves  # noqa: E402
from flowlet_mininet import DEFAULT_TIMEOUT, shape_port  # noqa: E402
from flowlet_plan import host_address  # noqa: E402
from traffic import flowgen, median, use_mode  # noqa: E402

NAME = 'remote_asymmetry'
FAST, SLOW = 50, 5  # Mbit/s of the spines' links to leaf 2
FABRICS = (('asymmetric', (SLOW, FAST)),
           ('symmetric', ((SLOW + FAST) / 2, (SLOW + FAST) / 2)))
LONG_FLOWS = 4
COLUMNS = ['fabric', 'variant', 'run', 'seed', 'flows', 'unfinished',
           'mean_fct_s', 'p99_fct_s', 'small_mean_s', 'large_mean_s',
           'long_mbit', 'slow_share_pct', 'retrans', 'cpu_busy']


def shape(net, rates):
    """Each spine's links toward leaf 2 at its rate (Mbit/s), where the
    spine sends."""
    plan = net.topo.plan
    for spine, mbit in zip(plan.spines, rates):
        for sp_intf, _ in plan.uplinks[spine, plan.leaves[-1]]:
            shape_port(net.get(spine), sp_intf, mbit)


def one_variant(net, args, seed, tmp):
    """The mix, then the long flows, under the mode in force: a row's
    measured columns."""
    plan = net.topo.plan
    src, dst = plan.hosts[0], plan.hosts[-1]
    target = host_address(plan, dst)
    seen, flows = flowgen(
        net, args.seconds, os.path.join(tmp, 'mix.csv'), '--load',
        args.load, '--capacity', FAST + SLOW, '--seconds', args.seconds,
        '--scale', args.scale, '--seed', seed, '--grace', 20,
        hosts=(src, dst), target=target, interval=0.5)
    stats, unfinished = summarise(flows, args.scale)
    size = int(args.long_mbytes * 1e6)
    long_seen, long_flows = flowgen(
        net, args.seconds, os.path.join(tmp, 'long.csv'), '--size', size,
        '--count', LONG_FLOWS, '--grace', 120, hosts=(src, dst),
        target=target, interval=0.5)
    last = max(f[2] if f[2] is not None else float('inf')
               for f in long_flows)
    total = sum(long_seen.path_bytes)
    return [len(flows), unfinished, stats['all_mean'], stats['all_p99'],
            stats['small_mean'], stats['large_mean'],
            round(LONG_FLOWS * size * 8 / last / 1e6, 2) if last else 0,
            round(100 * long_seen.path_bytes[0] / total, 1) if total else 0,
            seen.retrans + long_seen.retrans,
            round(max(seen.cpu, long_seen.cpu), 2)]


def plot(rows, path):
    plt = pyplot()
    labels = [label for label, _, _ in VARIANTS]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.4
    for k, (fabric, _) in enumerate(FABRICS):
        means = [median([r[6] for r in rows
                         if r[0] == fabric and r[1] == label and r[6]] or
                        [0]) * 1000 for label in labels]
        ax.bar([i + (k - 0.5) * width for i in range(len(labels))], means,
               width, label=fabric)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha='right')
    ax.set_ylabel('mean FCT of the mix (ms), median over runs')
    ax.set_yscale('log')
    ax.legend()
    ax.grid(True, axis='y', alpha=0.3)
    fig.suptitle('Leaf 1 to leaf 2: spine links %g + %g Mbit/s against '
                 '%g + %g' % (SLOW, FAST, (SLOW + FAST) / 2,
                              (SLOW + FAST) / 2))
    fig.tight_layout()
    fig.savefig(path)


def section(args, rows):
    def col(fabric, label, index):
        return [r[index] for r in rows
                if r[0] == fabric and r[1] == label and r[index] is not None]

    lines = ['## 10. Remote asymmetry: a slow link beyond the uplinks',
             '',
             'Claim (CONGA): a leaf that balances by what it sees locally '
             'cannot tell its two equal uplinks apart when one spine\'s '
             'link to the destination leaf is slow; a measure of the path '
             'to that leaf can.',
             '',
             'Setup: the FRR fabric, 2 spines, 2 leaves, one host each, '
             'flowlet on both leaves (`--from-routes`, watched), timeout '
             '%s; spine 1\'s link to leaf 2 at %g Mbit/s and spine 2\'s at '
             '%g (asymmetric), or both at %g (symmetric, the same '
             'capacity); every other spine link at %g. Per variant: the '
             'web-search mix from leaf 1\'s host to leaf 2\'s at %.0f%% '
             'of %g Mbit/s (Poisson arrivals, sizes x %g) for %d s, then '
             '%d transfers of %g MB started together. %d runs, seeds from '
             '%d. Data: `results/%s/runs.csv`, plot: `results/%s/%s.png`.'
             % (args.timeout, SLOW, FAST, (SLOW + FAST) / 2, FAST,
                100 * args.load, FAST + SLOW, args.scale, args.seconds,
                LONG_FLOWS, args.long_mbytes, args.runs, args.seed, NAME,
                NAME, NAME),
             '',
             '| variant | mean FCT, asymmetric (ms) | symmetric (ms) | '
             'asymmetric / symmetric | p99 FCT, asymmetric (ms) | long '
             'flows, asymmetric (Mbit/s) | their bytes via spine 1 | '
             'unfinished |',
             '|---|---|---|---|---|---|---|---|']
    ratio = {}
    for label, _, _ in VARIANTS:
        asym = col('asymmetric', label, 6)
        sym = col('symmetric', label, 6)
        if asym and sym:
            ratio[label] = median(asym) / median(sym)
        lines.append('| %s | %s | %s | %s | %s | %s | %s | %d |' % (
            label,
            spread([1000 * v for v in asym], '%.0f') if asym else '-',
            spread([1000 * v for v in sym], '%.0f') if sym else '-',
            '%.2f' % ratio[label] if label in ratio else '-',
            spread([1000 * v for v in col('asymmetric', label, 7)], '%.0f')
            if col('asymmetric', label, 7) else '-',
            spread(col('asymmetric', label, 10), '%.1f'),
            spread(col('asymmetric', label, 11), '%.0f%%'),
            sum(col('asymmetric', label, 5) + col('symmetric', label, 5))))
    best, best_sym = (
        min((label for label in ratio if label != 'kernel'),
            key=lambda label: median(col(fabric, label, 6)))
        for fabric in ('asymmetric', 'symmetric'))
    lines += ['', 'Median (min-max) over runs. Spine 1 carries %.0f%% of '
              'the capacity to leaf 2 in the asymmetric fabric.'
              % (100 * SLOW / (SLOW + FAST)),
              '',
              'What this run says: in the asymmetric fabric the kernel\'s '
              'mean FCT is %.0f ms; the best mode, `%s`, %.0f ms, %.2fx '
              'its own in the symmetric fabric and %.2fx the best mode\'s '
              'there (`%s`; the target is at most 1.25x).'
              % (1000 * median(col('asymmetric', 'kernel', 6)), best,
                 1000 * median(col('asymmetric', best, 6)), ratio[best],
                 median(col('asymmetric', best, 6)) /
                 median(col('symmetric', best_sym, 6)), best_sym)]
    lines += ['', cpu_sentence(max(r[13] for r in rows))]
    return '\n'.join(lines)


def main(argv=None):
    parser = new_parser(__doc__, '1 run of 8 s per fabric')
    parser.add_argument('--timeout', default=DEFAULT_TIMEOUT)
    parser.add_argument('--load', type=float, default=20 / (FAST + SLOW),
                        help='the mix\'s load, of the %g Mbit/s to leaf 2 '
                        '(default 20 Mbit/s)' % (FAST + SLOW))
    parser.add_argument('--scale', type=float, default=0.1)
    parser.add_argument('--long-mbytes', type=float, default=None,
                        help='size of each long transfer (default 8)')
    parser.add_argument('--seconds', type=int, default=None)
    parser.add_argument('--runs', type=int, default=None)
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 2)
    args.seconds = args.seconds or (8 if args.quick else 16)
    args.long_mbytes = args.long_mbytes or (4 if args.quick else 8)
    out = out_dir(NAME)
    rows = []
    topo = fabric_topo(spines=2, leaves=2, hosts_per_leaf=1, parallel=1,
                       bw=FAST, timeout=args.timeout)
    progress(NAME, '%d variants x %d fabrics x %d runs of %d s'
             % (len(VARIANTS), len(FABRICS), args.runs, args.seconds))
    with fabric_network(topo, quiet=True) as net, \
            tempfile.TemporaryDirectory() as tmp:
        net.tcp_cc = args.cc
        for run in range(args.runs):
            for fabric, rates in FABRICS:
                shape(net, rates)
                for label, mode, _ in VARIANTS:
                    use_mode(net, mode, leaves(net), **(
                        {} if mode == 'kernel' else
                        {'timeout': args.timeout}))
                    rows.append([fabric, label, run, args.seed + run] +
                                one_variant(net, args, args.seed + run, tmp))
                progress(NAME, 'run %d of %d: %s done'
                         % (run + 1, args.runs, fabric))
    write_csv(os.path.join(out, 'runs.csv'), COLUMNS, rows)
    plot(rows, os.path.join(out, NAME + '.png'))
    write_section(NAME, section(args, rows))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
