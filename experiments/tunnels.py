"""Experiment 8, Weighted Tunnels done at the sender: h1 splits its own
single iperf3 flow over its two uplinks (flowlet at h1's tc-egress),
weights 7,3 then 3,7 then 5,5 changed live, UDP and TCP; path 1's share
per phase from h1's interface counters, and the goodput against plain
forwarding (the kernel alone: one uplink), as Weighted Tunnels'
tester.py compares them."""

import os
import sys

from common import (cpu_sentence, new_parser, progress, spread,
                    write_section)
from weighted import (PHASES, SHARE_COLUMNS, Results, add_options,
                      parse_options, phase_errors, share_cells)

from flowlet_topos import tunnels_network  # noqa: E402
from traffic import median  # noqa: E402

NAME = 'tunnels'
# (label, mode): None is plain forwarding, flowlet detached.
VARIANTS = [('plain', None), ('spray', 'spray'), ('flowlet', 'flowlet'),
            ('letflow', 'letflow'), ('leastload', 'leastload')]


def use(h1, mode, timeout, weights):
    """h1 splits with mode at weights, or (None) the kernel forwards."""
    if mode is None:
        if h1.attached:
            h1.detach()
        return
    if not h1.attached:
        h1.attach()
    h1.set(mode=mode, timeout=timeout, weights=list(weights))


def section(args, rows):
    plain = {proto: median([r[5] for r in rows
                            if r[0] == proto and r[2] == 'plain'])
             for proto in ('udp', 'tcp')}
    lines = ['## 8. Weighted Tunnels at the sender: one flow split by h1 '
             'itself',
             '',
             'Claim (Weighted Tunnels): a host can split its own traffic '
             'over several uplinks by weight, change the weights live, and '
             'get more than one path\'s throughput. flowlet does it with no '
             'daemon and no tunnel: its tc-egress program on h1\'s first '
             'uplink rewrites and redirects h1\'s own packets.',
             '',
             'Setup: h1 with two uplinks into two disjoint paths to h2 '
             '(`TunnelsTopo`, topo/flowlet_plan.py), each shaped to %g Mbit/s '
             'where it leaves its middle switch; flowlet at h1\'s '
             'tc-egress (timeout %s, seed %d). One iperf3 flow h1 -> h2 '
             'for 3 phases of %d s, weights 7,3 then 3,7 then 5,5 set live '
             '(`flowletctl set --weights`); UDP offered at %g Mbit/s (more '
             'than one path carries), TCP unlimited; %d runs. Path 1\'s '
             'share of the bytes h1 sent by each uplink per phase (the '
             'first half second after a change left out); goodput at h2. '
             '`plain` is the kernel alone (flowlet detached): everything '
             'by uplink 1. Data: `results/%s/runs.csv`, '
             '`results/%s/samples.csv`; plot: `results/%s/split.png`.'
             % (args.bw, args.timeout, args.seed, args.phase, args.rate,
                args.runs, NAME, NAME, NAME),
             '',
             '| proto | variant | ' + SHARE_COLUMNS + ' | Mbit/s | vs plain '
             '| retransmissions |',
             '|---|---|' + '---|' * (len(PHASES) + 3)]
    met = {}
    for proto in ('udp', 'tcp'):
        for label, _ in VARIANTS:
            runs = [r for r in rows if r[0] == proto and r[2] == label]
            if not runs:
                continue
            mbit = median([r[5] for r in runs])
            lines.append('| %s | %s | %s | %.1f | %.2fx | %s |' % (
                proto, label, share_cells(runs), mbit, mbit / plain[proto] if plain[proto] else 0,
                spread([r[9] for r in runs], '%d')))
            met[(proto, label)] = max(phase_errors(runs)) <= 10
    lines += ['', 'Median (min-max) over runs; "vs plain": goodput over '
              'plain forwarding\'s in the same run set. What this run '
              'says (every phase\'s share within 10 points of its '
              'target, in every run, counts as met):', '']
    for proto in ('udp', 'tcp'):
        lines.append('- %s: followed 7,3, 3,7 and 5,5: %s.' % (
            proto, ', '.join(label for label, _ in VARIANTS
                             if met.get((proto, label))) or 'none'))
    flowlet_split = [proto for proto in ('udp', 'tcp')
                     if met.get((proto, 'flowlet'))]
    if flowlet_split:
        why = ('The flowlet modes split the one flow too (%s): at a %s '
               'timeout its gaps (iperf3\'s pacing, TCP\'s ACK clocking) '
               'start new flowlets often enough; with a timeout longer '
               'than its gaps it would be one flowlet on one uplink.'
               % (', '.join(flowlet_split), args.timeout))
    else:
        why = ('One flow that never pauses for the flowlet timeout (%s) '
               'is one flowlet: the flowlet modes keep it on one uplink '
               'whatever the weights, and split it only where it pauses.'
               % args.timeout)
    lines += ['', why + ' `spray` splits every packet by weight (TSO and '
              'GSO packets whole: the stack hands them to TC before '
              'segmentation); TCP pays for splitting in reordering '
              '(retransmissions against plain forwarding\'s). Packets '
              'sent by uplink 2 keep h1\'s uplink-1 address: the first '
              'hop and h2 run without reverse-path filtering (README, '
              '"The host side").', '',
              cpu_sentence(max(r[12] for r in rows))]
    return '\n'.join(lines)


def main(argv=None):
    parser = new_parser(__doc__, '1 run of 3 phases of 2 s')
    add_options(parser, 50, 80, 'UDP Mbit/s offered (default 80: more than '
                'one path carries)', '500us')
    args = parse_options(parser, argv)
    cases = [('udp', 1), ('tcp', 1)]
    results = Results()
    progress(NAME, '%d variants x UDP, TCP x %d runs of %d s'
             % (len(VARIANTS), args.runs, 3 * args.phase))
    with tunnels_network(cc=args.cc, bw=args.bw, timeout=args.timeout,
                         seed=args.seed, weights=list(PHASES[0])) as net:
        h1 = net.get('h1')

        def set_weights_to(weights, mode):
            if mode:
                h1.set(weights=list(weights))

        for run in range(args.runs):
            for case in cases:
                for label, mode in VARIANTS:
                    use(h1, mode, args.timeout, PHASES[0])
                    results.run(net, args, case, label, run,
                                args.rate if case[0] == 'udp' else None,
                                lambda w, m=mode: set_weights_to(w, m))
                progress(NAME, 'run %d of %d: %s done'
                         % (run + 1, args.runs, case[0]))
    results.write(NAME, args, cases, VARIANTS)
    write_section(NAME, section(args, results.rows))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
