"""Experiment 5, timeout sweep: the flowlet timeout from 10 us to 500 ms,
k long TCP flows over 4 equal shaped paths: path balance (max/mean of the
bytes each path delivered) against reordering at the receiver (its
TcpExtTCPOFOQueue) and the sender's retransmissions. Claim (the flowlet
literature): a short timeout balances well and reorders; a long one keeps
order and balances like ECMP; in between lies a knee."""

import os
import sys

from common import (cpu_sentence, duration_us, error_bars, new_parser, out_dir,
                    progress, pyplot, spread, use_variant, write_csv,
                    write_section)

from flowlet_mininet import DEFAULT_TIMEOUT  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402
from traffic import hist_median, imbalance, iperf, median, \
    telemetry_delta  # noqa: E402

NAME = 'timeout_sweep'
SEGMENT = 1448


def knee(rows, mode, timeouts, floor):
    """(the shortest timeout from which mode's median out-of-order rate
    stays within 1.5 x floor + 1 per 1000 segments, floor being ecmp's,
    which never reorders: what it queues out of order follows losses at
    the shapers; the longest timeout up to which the median balance stays
    within 10% of the best)."""
    ofo = [median([r[7] for r in rows if r[0] == mode and r[1] == t])
           for t in timeouts]
    bal = [median([r[5] for r in rows if r[0] == mode and r[1] == t])
           for t in timeouts]
    ordered = next((t for i, t in enumerate(timeouts)
                    if all(v <= 1.5 * floor + 1 for v in ofo[i:])), None)
    balanced = None
    for t, b in zip(timeouts, bal):
        if b <= 1.1 * min(bal):
            balanced = t
        else:
            break
    return ordered, balanced


def flowlet_cell(runs):
    """Flowlets started (median over runs) and the median flowlet size's
    bucket, from the telemetry columns."""
    sizes = [r[11] for r in runs if r[11] != '']
    return '%d (%s)' % (median([r[10] for r in runs]),
                        '%d+' % median(sizes) if sizes else 'none ended')


def plot(rows, modes, timeouts, knees, base, path):
    plt = pyplot()
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(8, 8))
    xs = [duration_us(t) for t in timeouts]
    panels = ((5, 'path imbalance\n(max/mean, 1 = even)'),
              (7, 'receiver out-of-order\nper 1000 segments'),
              (4, 'goodput / capacity (%)'))
    for ax, (col, what) in zip(axes, panels):
        for mode in modes:
            meds, lows, highs = error_bars(
                [[r[col] for r in rows if r[0] == mode and r[1] == t]
                 for t in timeouts])
            ax.errorbar(xs, meds, yerr=[lows, highs], marker='o',
                        capsize=3, label=mode)
        for n, label in enumerate(('kernel', 'ecmp')):
            ax.axhline(median([r[col] for r in base[label]]), alpha=0.6,
                       color='C%d' % (len(modes) + n), linestyle='dotted',
                       label='%s (no timeout)' % label)
        ax.set_ylabel(what)
        ax.grid(True, which='both', alpha=0.3)
        for mode, (ordered, _) in knees.items():
            if ordered:
                ax.axvline(duration_us(ordered), color='k', linestyle='dashed',
                           alpha=0.5)
    axes[1].set_yscale('symlog', linthresh=1)
    axes[0].legend()
    axes[-1].set_xscale('log')
    axes[-1].set_xlabel('flowlet timeout (us, log); dashed: the knee '
                        '(reordering gone)')
    fig.suptitle('Timeout sweep: balance against reordering')
    fig.tight_layout()
    fig.savefig(path)


def section(args, rows, modes, timeouts, knees, base):
    lines = ['## 5. Timeout sweep: balance against reordering',
             '',
             'Claim: a short flowlet timeout balances the paths and '
             'reorders packets; a long one keeps order and balances like '
             'ECMP; the knee between them is where a user wants to be.',
             '',
             'Setup: seed topology, 4 paths of %g Mbit/s, `iperf3 -P %d` '
             'for %d s per point, %d runs, timeouts and modes taking '
             'turns, seeds %d. Balance: max/mean of the bytes each path '
             'delivered. Reordering: the receiver\'s TcpExtTCPOFOQueue '
             '(`nstat` in h2) per 1000 segments delivered; retransmissions: '
             'the sender\'s TcpRetransSegs. Data: `results/%s/runs.csv`, '
             'plot: `results/%s/sweep.png`.'
             % (args.bw, args.flows, args.seconds, args.runs, args.seed,
                NAME, NAME),
             '',
             '| timeout | ' + ' | '.join(
                 '%s: imbalance | out-of-order /1000 | retrans. | goodput '
                 '| flowlets (size)' % m for m in modes) + ' |',
             '|---|' + '---|---|---|---|---|' * len(modes)]
    for t in timeouts:
        cells = []
        for mode in modes:
            runs = [r for r in rows if r[0] == mode and r[1] == t]
            cells += [spread([r[5] for r in runs], '%.2f'),
                      spread([r[7] for r in runs], '%.1f'),
                      '%d' % median([r[8] for r in runs]),
                      '%.0f%%' % median([r[4] for r in runs]),
                      flowlet_cell(runs)]
        lines.append('| %s | %s |' % (t, ' | '.join(cells)))
    for label, runs in base.items():
        lines.append('| %s | %s |' % (label, ' | '.join(
            [spread([r[5] for r in runs], '%.2f'),
             spread([r[7] for r in runs], '%.1f'),
             '%d' % median([r[8] for r in runs]),
             '%.0f%%' % median([r[4] for r in runs]), '-'] * len(modes))))
    lines += ['', 'Median (min-max) over runs; the last rows are the '
              'baselines (no timeout), repeated under each mode. '
              'Flowlets: started on s1 during a run, and in brackets the '
              'median size in packets of those that ended (a log2 '
              'bucket: [n, 2n)), from flowlet\'s telemetry '
              '(`flowletctl stats --json`).', '',
              'What this run says:', '']
    floor = median([r[7] for r in base['ecmp']])
    for mode, (ordered, balanced) in knees.items():
        lines.append('- `%s`: %s; the balance stays within 10%% of its '
                     'best up to %s.%s'
                     % (mode, 'out-of-order segments fall to ecmp\'s level '
                        '(%.1f per 1000: losses, not reordering) from %s on'
                        % (floor, ordered) if ordered else
                        'out-of-order segments stay above ecmp\'s level '
                        '(%.1f per 1000) at every timeout tried' % floor,
                        balanced,
                        ' The knee: %s.' % ordered if ordered else ''))
    for mode, (ordered, balanced) in knees.items():
        if ordered and duration_us(ordered) <= duration_us(balanced):
            lines.append('- `%s`: from %s to %s a timeout gives both order '
                         'and balance.' % (mode, ordered, balanced))
        else:
            lines.append('- `%s`: no timeout gives both here: long TCP '
                         'flows over shaped queues pause rarely, so a '
                         'timeout long enough to keep their order moves '
                         'them seldom, and their balance is then the '
                         'hash\'s, as under ecmp.' % mode)
    lines += ['', cpu_sentence(max(r[12] for r in rows))]
    return '\n'.join(lines)


def main(argv=None):
    parser = new_parser(__doc__, '5 timeouts, flowlet only, 1 run of 3 s')
    parser.add_argument('--timeouts', default=None)
    parser.add_argument('--modes', default=None,
                        help='default flowlet,letflow')
    parser.add_argument('--flows', type=int, default=4)
    parser.add_argument('--bw', type=float, default=50)
    parser.add_argument('--seconds', type=int, default=None)
    parser.add_argument('--runs', type=int, default=None)
    args = parser.parse_args(argv)
    timeouts = (args.timeouts or (
        '10us,1ms,10ms,100ms,500ms' if args.quick else
        '10us,100us,500us,1ms,2ms,5ms,10ms,20ms,50ms,100ms,500ms')
    ).split(',')
    for t in timeouts:
        duration_us(t)
    modes = (args.modes or ('flowlet' if args.quick
                            else 'flowlet,letflow')).split(',')
    args.runs = args.runs or (1 if args.quick else 3)
    args.seconds = args.seconds or (3 if args.quick else 5)
    out = out_dir(NAME)
    rows, base = [], {}
    progress(NAME, '%d timeouts x %s x %d runs of %d s'
             % (len(timeouts), ','.join(modes), args.runs, args.seconds))

    def measure(label, t):
        s1 = net.get('s1')
        before = s1.stats() if s1.attached else None
        got = iperf(net, args.flows, args.seconds)
        segments = max(1, sum(got.path_bytes) // SEGMENT)
        # flowlet's telemetry on s1: flowlets started, and the median
        # size of those that ended (a log2 bucket's lower bound).
        flowlets, sizes = telemetry_delta(before, s1.stats()) \
            if before else ('', {})
        size = hist_median(sizes)
        return [label, t, run, args.seed,
                round(100 * got.mbit / (4 * args.bw), 1),
                round(imbalance(got.path_bytes), 3), got.ofo,
                round(1000.0 * got.ofo / segments, 2), got.retrans,
                ' '.join(map(str, got.ports)), flowlets,
                '' if size is None else size, round(got.cpu, 2)]

    with seed_network(cc=args.cc, paths=4, bw=args.bw, seed=args.seed) as net:
        for run in range(args.runs):
            for label in ('kernel', 'ecmp'):
                use_variant(net, label, {}, DEFAULT_TIMEOUT)
                base.setdefault(label, []).append(measure(label, '-'))
            for t in timeouts:
                for mode in modes:
                    use_variant(net, mode, {}, t)
                    rows.append(measure(mode, t))
            progress(NAME, 'run %d of %d done' % (run + 1, args.runs))
    write_csv(os.path.join(out, 'runs.csv'),
              ['mode', 'timeout', 'run', 'seed', 'goodput_pct',
               'imbalance', 'receiver_ofo', 'ofo_per_1000_segments',
               'retransmissions', 'source_ports', 'flowlets_started',
               'median_flowlet_packets_bucket', 'cpu_busy'],
              rows + [r for runs in base.values() for r in runs])
    floor = median([r[7] for r in base['ecmp']])
    knees = {mode: knee(rows, mode, timeouts, floor) for mode in modes}
    plot(rows, modes, timeouts, knees, base,
         os.path.join(out, 'sweep.png'))
    write_section(NAME, section(args, rows, modes, timeouts, knees, base))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
