"""Experiment 1, seed reproduction: the P4 exercise's send.py in the seed
topology. One TCP 5-tuple, N packets with a pause between them, pauses
below and above the flowlet timeout; the packets each of s1's paths sent,
from its interface counters, under the kernel's multipath route, ecmp and
every flowlet mode. Claim: a pause longer than the timeout starts a
flowlet, which flowlet, letflow and leastload may place on another path;
the kernel and ecmp keep a 5-tuple on one path whatever the pauses."""

import os
import sys

from common import (duration_us, error_bars, new_parser, out_dir, progress,
                    pyplot, write_csv, write_section)

from flowlet_plan import H2  # noqa: E402
from flowlet_mininet import MODES, send_flow  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402

NAME = 'seed_repro'


def run_mode(net, mode, pause, packets, sport):
    """One flow's packets per path under mode ('kernel': flowlet off)."""
    h1, s1 = net.get('h1', 's1')
    if mode == 'kernel':
        s1.detach()
    else:
        if not s1.attached:
            s1.attach()
        s1.set(mode=mode)
    return send_flow(h1, s1, H2, packets, pause, sport=sport)


def plot(rows, modes, pauses, path):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(pauses)
    for i, pause in enumerate(pauses):
        means, lows, highs = error_bars(
            [[r[-1] for r in rows if r[0] == mode and r[1] == pause]
             for mode in modes], centre=lambda v: sum(v) / len(v))
        xs = [m + (i - (len(pauses) - 1) / 2) * width
              for m in range(len(modes))]
        ax.bar(xs, means, width, yerr=[lows, highs], capsize=3,
               label='pause %s' % pause)
    ax.set_xticks(range(len(modes)))
    ax.set_xticklabels(modes)
    ax.set_ylabel('paths one flow used (of 4): mean, min-max bars')
    ax.set_ylim(0, 4.5)
    ax.set_title('One TCP flow, pauses below and above the flowlet timeout')
    ax.legend()
    ax.grid(True, axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)


def section(args, rows, modes, pauses):
    lines = ['## 1. Seed reproduction: one flow, pauses around the timeout',
             '',
             'Claim: a pause longer than the flowlet timeout starts a new '
             'flowlet, which the flowlet modes may place on another path; '
             'the kernel\'s multipath route and `ecmp` keep a 5-tuple on '
             'one path.',
             '',
             'Setup: the seed topology (4 paths, unshaped), flowlet on s1 '
             'with timeout %s, hash seeds %d (flowlet and the kernel); %d '
             'TCP packets of one 5-tuple (`flowlet-send`), %d runs per mode '
             'and pause, each run a new source port. Packets per path from '
             's1\'s interface counters. Data: `results/%s/runs.csv`, plot: '
             '`results/%s/paths.png`.'
             % (args.timeout, args.seed, args.packets, args.runs, NAME,
                NAME),
             '',
             '| mode | ' + ' | '.join('paths used, pause %s | busiest '
                                     'path\'s share' % p
                                     for p in pauses) + ' |',
             '|---|' + '---|---|' * len(pauses)]
    for mode in modes:
        cells = []
        for pause in pauses:
            runs = [r for r in rows if r[0] == mode and r[1] == pause]
            used = [r[-1] for r in runs]
            shares = [100.0 * max(r[6:10]) / max(1, sum(r[6:10]))
                      for r in runs]
            cells.append('%.1f (%d-%d) | %.0f%% (%.0f-%.0f%%)'
                         % (sum(used) / len(used), min(used), max(used),
                            sum(shares) / len(shares), min(shares),
                            max(shares)))
        lines.append('| %s | %s |' % (mode, ' | '.join(cells)))
    lines += ['', 'Mean over runs, (min-max); the busiest path\'s share of '
              'the flow\'s packets (25% is an even spread over 4 paths). '
              'What this run says:', '']
    for pause in pauses:
        kept = [m for m in modes
                if all(r[-1] == 1 for r in rows
                       if r[0] == m and r[1] == pause)]
        spread = [m for m in modes if m not in kept]
        relation = ('below' if duration_us(pause) < duration_us(args.timeout)
                    else 'above')
        lines.append('- pause %s (%s the timeout): one path in every run: '
                     '%s; more than one: %s.'
                     % (pause, relation, ', '.join(kept) or 'none',
                        ', '.join(spread) or 'none'))
    lines += ['', '`spray` spreads per packet whatever the pause (the '
              'reordering baseline); the kernel and `ecmp` hash the '
              '5-tuple only.']
    return '\n'.join(lines)


def main(argv=None):
    parser = new_parser(__doc__, '2 runs per point instead of 5')
    parser.add_argument('--timeout', default='20ms')
    parser.add_argument('--pauses', default='5ms,40ms',
                        help='pauses between packets, below and above the '
                        'timeout')
    parser.add_argument('--packets', type=int, default=30)
    parser.add_argument('--runs', type=int, default=None)
    args = parser.parse_args(argv)
    args.runs = args.runs or (2 if args.quick else 5)
    pauses = args.pauses.split(',')
    for pause in pauses:
        duration_us(pause)
    modes = ['kernel'] + list(MODES)
    out = out_dir(NAME)
    rows = []
    progress(NAME, 'starting the seed topology (timeout %s, seed %d)'
             % (args.timeout, args.seed))
    with seed_network(cc=args.cc, paths=4, timeout=args.timeout,
                      seed=args.seed) as net:
        for run in range(args.runs):
            for pause in pauses:
                for mode in modes:
                    sport = 20000 + run
                    counts = run_mode(net, mode, pause, args.packets, sport)
                    rows.append([mode, pause, run, sport, args.seed,
                                 args.timeout] + counts
                                + [sum(1 for n in counts if n)])
            progress(NAME, 'run %d of %d done' % (run + 1, args.runs))
    write_csv(os.path.join(out, 'runs.csv'),
              ['mode', 'pause', 'run', 'sport', 'seed', 'timeout',
               'path0', 'path1', 'path2', 'path3', 'paths_used'], rows)
    plot(rows, modes, pauses, os.path.join(out, 'paths.png'))
    write_section(NAME, section(args, rows, modes, pauses))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
