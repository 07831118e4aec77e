"""Experiment 3, weighted split (the Weighted Tunnels example): two paths
weighted 7,3, then 3,7, then 5,5, changed live while iperf3 runs; the byte
share of path 1 per phase, for UDP and TCP, one flow and many, under
spray, flowlet, letflow, ecmp and the kernel's weighted multipath route.
Claim: spray splits any traffic by weight at once; flowlet modes split by
flowlet, so a split needs flowlets (many flows, or pauses); ecmp and the
kernel split by flow."""

import os
import sys

from common import (cpu_sentence, new_parser, out_dir, progress, pyplot,
                    spread, use_variant, write_csv, write_section)

from flowlet_mininet import DEFAULT_TIMEOUT  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402
from flowlet_plan import route_args  # noqa: E402
from traffic import iperf, median  # noqa: E402

NAME = 'weighted'
PHASES = ((7, 3), (3, 7), (5, 5))
VARIANTS = [('kernel', 'kernel'), ('ecmp', 'ecmp'), ('flowlet', 'flowlet'),
            ('letflow', 'letflow'), ('spray', 'spray')]


def set_weights(net, mode, weights):
    """The split for both directions: flowlet's weights, or the weights
    of the kernel's multipath routes on s1 and s6."""
    if mode != 'kernel':
        for switch in net.get('s1', 's6'):
            switch.set(weights=list(weights))
        return
    for route in net.topo.plan.routes:
        if route.node in ('s1', 's6'):
            net.get(route.node).cmd('ip route replace',
                                    route_args(route, weights))


def phase_shares(samples, phase_s):
    """Path 1's share of the bytes in each phase, leaving out the first
    sample after a change (the switch-over)."""
    shares = []
    for n in range(len(PHASES)):
        lo, hi = n * phase_s + 0.6, (n + 1) * phase_s + 0.05
        one = sum(rates[0] for t, rates in samples if lo < t <= hi)
        both = sum(sum(rates) for t, rates in samples if lo < t <= hi)
        shares.append(100.0 * one / both if both else 0.0)
    return shares


# The report table's columns of path 1's share, one per phase.
SHARE_COLUMNS = ' | '.join('share at %d,%d (target %d%%)'
                           % (w1, w2, 100 * w1 // (w1 + w2))
                           for w1, w2 in PHASES)


def share_cells(runs):
    """Path 1's share per phase over runs (rows), as table cells."""
    return ' | '.join(spread([r[6 + n] for r in runs], '%.0f%%')
                      for n in range(len(PHASES)))


def phase_errors(runs):
    """Per phase, the largest distance of path 1's share from its target
    over runs (rows), in points."""
    return [max(abs(r[6 + n] - 100.0 * w1 / (w1 + w2)) for r in runs)
            for n, (w1, w2) in enumerate(PHASES)]


def plot(traces, cases, phase_s, path, variants=None):
    """Path 1's share over time per case, one line per variant, the
    weights dashed."""
    variants = variants or VARIANTS
    plt = pyplot()
    fig, axes = plt.subplots(len(cases), 1, sharex=True,
                             figsize=(9, 2.4 * len(cases)), squeeze=False)
    for ax, case in zip(axes[:, 0], cases):
        for label, _ in variants:
            samples = traces.get((case, label))
            if not samples:
                continue
            ax.plot([t for t, _ in samples],
                    [100.0 * r[0] / sum(r) if sum(r) else 0
                     for _, r in samples], label=label)
        for n, (w1, w2) in enumerate(PHASES):
            ax.hlines(100.0 * w1 / (w1 + w2), n * phase_s,
                      (n + 1) * phase_s, colors='k', linestyles='dashed')
            if n:
                ax.axvline(n * phase_s, color='grey', alpha=0.5)
        ax.set_title('%s, %d flow(s): path 1\'s share (dashed: weights)'
                     % case, loc='left', fontsize=9)
        ax.set_ylabel('% of bytes')
        ax.set_ylim(-5, 105)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(ncol=len(variants), fontsize=8, loc='upper right')
    axes[-1, 0].set_xlabel('seconds (weights 7,3 | 3,7 | 5,5), first run')
    fig.tight_layout()
    fig.savefig(path)


def section(args, rows, cases):
    lines = ['## 3. Weighted split: 7,3 then 3,7 then 5,5, changed live',
             '',
             'Claim (Weighted Tunnels): a sender\'s traffic can be split '
             'over paths by weight and the weights changed while it runs. '
             '`spray` splits per packet, the flowlet modes per flowlet, '
             '`ecmp` and the kernel\'s weighted multipath route per flow.',
             '',
             'Setup: seed topology with 2 paths of %g Mbit/s, flowlet on '
             's1 and s6 (timeout %s, seeds %d); iperf3 h1 -> h2 for 3 '
             'phases of %d s, weights 7,3 then 3,7 then 5,5 set live '
             '(`flowletctl set --weights`; the kernel: `ip route replace` '
             'with nexthop weights); UDP and TCP at %g Mbit/s in all '
             '(iperf3 -b), below either path\'s capacity; %d runs. Path '
             '1\'s share of the bytes the paths delivered per phase (the '
             'first half second after a change left out). Data: '
             '`results/%s/runs.csv` (per phase), `results/%s/samples.csv`; '
             'plot: `results/%s/split.png`.'
             % (args.bw, args.timeout, args.seed, args.phase, args.rate,
                args.runs, NAME, NAME, NAME),
             '',
             '| case | variant | ' + SHARE_COLUMNS + ' | Mbit/s |',
             '|---|---|' + '---|' * (len(PHASES) + 1)]
    errors = {}
    for case in cases:
        for label, _ in VARIANTS:
            runs = [r for r in rows if (r[0], r[1]) == case and r[2] == label]
            if not runs:
                continue
            lines.append('| %s, %d flow(s) | %s | %s | %.1f |'
                         % (case[0], case[1], label, share_cells(runs),
                            median([r[5] for r in runs])))
            errors[(case, label)] = phase_errors(runs)
    lines += ['', 'Median (min-max) over runs. What this run says (a '
              'share within 10 points of its target counts as met):', '']
    for case in cases:
        first = [label for label, _ in VARIANTS
                 if errors.get((case, label), [100])[0] <= 10]
        live = [label for label, _ in VARIANTS
                if max(errors.get((case, label), [100])) <= 10]
        lines.append('- %s, %d flow(s): split 7,3: %s; followed every live '
                     'change too: %s.' % (case[0], case[1],
                                          ', '.join(first) or 'none',
                                          ', '.join(live) or 'none'))
    lines += ['', 'A flowlet mode moves traffic only where a flowlet '
              'ends: one flow that never pauses for the timeout (iperf3 '
              'sends without pauses) is one flowlet and stays where it '
              'started, whatever the weights; `ecmp` and the kernel place '
              'whole flows by hash, and a weight change moves some of them '
              '(the slot table is rebuilt). Only `spray` splits one flow, '
              'and TCP pays for it in reordering.', '',
              cpu_sentence(max(r[12] for r in rows))]
    return '\n'.join(lines)


def add_options(parser, bw, rate, rate_help, timeout):
    """The options of a weighted split experiment (this one, tunnels)."""
    parser.add_argument('--bw', type=float, default=bw,
                        help='Mbit/s per path (default %g)' % bw)
    parser.add_argument('--rate', type=float, default=rate, help=rate_help)
    parser.add_argument('--timeout', default=timeout,
                        help='flowlet timeout (default %s)' % timeout)
    parser.add_argument('--phase', type=int, default=None,
                        help='seconds per weight setting (default 4, '
                        'quick 2)')
    parser.add_argument('--runs', type=int, default=None,
                        help='repetitions (default 2, quick 1)')


def parse_options(parser, argv):
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 2)
    args.phase = args.phase or (2 if args.quick else 4)
    return args


class Results:
    """What the runs of a weighted split experiment measured: a row per
    run, the samples, and the first run's traces for the plot."""

    def __init__(self):
        self.rows, self.samples, self.traces = [], [], {}

    def run(self, net, args, case, label, run, mbit, set_weights_to):
        """One iperf3 run of case ((proto, flows)) through PHASES:
        set_weights_to(weights) before it and at every phase change."""
        set_weights_to(PHASES[0])
        done = [0]

        def tick(elapsed):
            phase = min(int(elapsed / args.phase), len(PHASES) - 1)
            if phase > done[0]:
                done[0] = phase
                set_weights_to(PHASES[phase])

        proto, n = case
        got = iperf(net, n, len(PHASES) * args.phase, udp=proto == 'udp',
                    mbit=mbit, on_tick=tick)
        shares = phase_shares(got.samples, args.phase)
        self.rows.append([proto, n, label, run, args.seed,
                          round(got.mbit, 2)]
                         + [round(s, 1) for s in shares]
                         + [got.retrans, got.lost,
                            ' '.join(map(str, got.ports)),
                            round(got.cpu, 2)])
        self.samples += [[proto, n, label, run, t]
                         + [round(r, 3) for r in rates]
                         for t, rates in got.samples]
        if run == 0:
            self.traces[(case, label)] = got.samples

    def write(self, name, args, cases, variants):
        """runs.csv, samples.csv and split.png under results/<name>/."""
        out = out_dir(name)
        write_csv(os.path.join(out, 'runs.csv'),
                  ['proto', 'flows', 'variant', 'run', 'seed',
                   'goodput_mbit']
                  + ['path1_share_pct_%d_%d' % w for w in PHASES]
                  + ['retransmissions', 'udp_lost', 'source_ports',
                     'cpu_busy'], self.rows)
        write_csv(os.path.join(out, 'samples.csv'),
                  ['proto', 'flows', 'variant', 'run', 'time_s',
                   'path1_mbit', 'path2_mbit'], self.samples)
        plot(self.traces, cases, args.phase, os.path.join(out, 'split.png'),
             variants)


def main(argv=None):
    parser = new_parser(__doc__, '16 flows only, 1 run of 3 phases of 2 s')
    add_options(parser, 100, 60, 'Mbit/s in all, UDP and TCP (default 60: '
                'below either path\'s capacity, so that the split is the '
                'placement\'s, not TCP\'s)', DEFAULT_TIMEOUT)
    parser.add_argument('--flows', default=None,
                        help='flow counts (default 1,16)')
    args = parse_options(parser, argv)
    flows = [int(f) for f in (args.flows or ('16' if args.quick
                                             else '1,16')).split(',')]
    cases = [(proto, n) for proto in ('udp', 'tcp') for n in flows]
    results = Results()
    progress(NAME, '%d variants x %d cases x %d runs of %d s'
             % (len(VARIANTS), len(cases), args.runs, 3 * args.phase))
    with seed_network(cc=args.cc, paths=2, bw=args.bw, timeout=args.timeout,
                      seed=args.seed) as net:
        for run in range(args.runs):
            for case in cases:
                for label, mode in VARIANTS:
                    use_variant(net, mode, {}, args.timeout)
                    results.run(net, args, case, label, run,
                                args.rate / case[1],
                                lambda w, m=mode: set_weights(net, m, w))
                    set_weights(net, mode, (1, 1))
                progress(NAME, 'run %d of %d: %s, %d flow(s) done'
                         % (run + 1, args.runs, case[0], case[1]))
    results.write(NAME, args, cases, VARIANTS)
    write_section(NAME, section(args, results.rows, cases))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
