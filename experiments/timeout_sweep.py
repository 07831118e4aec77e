"""Experiment 5, timeout sweep: fixed flowlet timeouts and `auto`, k long
TCP flows over 4 equal shaped paths, in several buffer regimes (the
shapers' tbf latency) and link rates: path balance (max/mean of the bytes
each path delivered) against reordering at the receiver (its
TcpExtTCPOFOQueue) and the sender's retransmissions. Claims: a short
timeout balances well and reorders; a long one keeps order and balances
like ECMP; the knee between them moves with the buffers; `auto`, which
measures the paths, lands near the best timeout that is safe in each
regime. Then a timeline: auto's timeout against the delay spread it
measures while elephants join and leave and one path's buffer deepens."""

import math
import os
import sys
import time

from common import (cpu_sentence, duration_us, error_bars, group_timeout,
                    new_parser, out_dir, progress, pyplot, spread,
                    use_variant, write_csv, write_section)

from flowlet_mininet import UNMEASURED_TIMEOUT, shape_port  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402
from traffic import hist_median, imbalance, iperf, median, \
    telemetry_delta  # noqa: E402

NAME = 'timeout_sweep'
SEGMENT = 1448
AUTO = 'auto'
# auto is measured after this much of the same traffic: watch picks its
# target and fills its windows (it keeps them while traffic flows).
AUTO_WARMUP_S = 3
# Safe: out-of-order segments and retransmissions (per 1000 segments) at
# most twice the longest fixed timeout's, plus this.
SAFE_SLACK = 1.0
# The timeline's phases, TIMELINE_S each (quick: half): what happens,
# the elephants (long TCP flows) h1 -> h2, and path 1's queue (its
# shapers' tbf latency: TIMELINE_QUEUES' first or second); the other
# paths keep the first.
TIMELINE_QUEUES = ('2ms', '50ms')
TIMELINE = (('1 elephant', 1, 0), ('4 elephants', 4, 0),
            ('path 1 deepens', 4, 1), ('1 elephant, path 1 deep', 1, 1),
            ('no traffic', 0, 1), ('path 1 shallow, 4 elephants', 4, 0))
TIMELINE_S = 10
TIMELINE_EVERY_S = 0.5


# s1's counters that split auto's path changes by the gap they came
# after: above the measured delay spread's bound (safe) or not.
MOVES = ('path_changes_safe', 'path_changes_unsafe')


def per_1000(count, got):
    """count per 1000 segments the run got (an iperf Run) delivered."""
    return round(1000.0 * count / max(1, sum(got.path_bytes) // SEGMENT), 2)


def moves(before, after):
    """MOVES between two `stats --json` readings of one instance."""
    return [after[k] - before[k] for k in MOVES]


def knee(rows, mode, timeouts, floor):
    # pylint: disable=too-many-locals
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


def plot(rows, modes, timeouts, knees, base, path, title):
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
        for n, mode in enumerate(modes):
            ax.axhline(median([r[col] for r in rows
                               if r[0] == mode and r[1] == AUTO]),
                       color='C%d' % n, linestyle='dotted',
                       label='%s, auto' % mode)
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
    fig.suptitle('Timeout sweep, %s: balance against reordering (dotted: '
                 'auto and the baselines)' % title)
    fig.tight_layout()
    fig.savefig(path)


def regime_name(queue, bw):
    """How a regime is named in the report."""
    return '%s queues at %g Mbit/s' % (queue, bw)


def grid_section(regime, rows, modes, timeouts, knees, base):
    """One regime's table of every timeout, and what its knees say."""
    lines = ['### %s' % regime_name(*regime), '',
             '| timeout | ' + ' | '.join(
                 '%s: imbalance | out-of-order /1000 | retrans. | goodput '
                 '| flowlets (size)' % m for m in modes) + ' |',
             '|---|' + '---|---|---|---|---|' * len(modes)]
    for t in timeouts + [AUTO]:
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
    lines += ['']
    floor = median([r[7] for r in base['ecmp']])
    for mode, (ordered, balanced) in knees.items():
        lines.append('- `%s`: %s; the balance stays within 10%% of its '
                     'best up to %s.'
                     % (mode, 'out-of-order segments fall to ecmp\'s level '
                        '(%.1f per 1000: losses, not reordering) from %s on'
                        % (floor, ordered) if ordered else
                        'out-of-order segments stay above ecmp\'s level '
                        '(%.1f per 1000) at every fixed timeout tried'
                        % floor, balanced))
    return lines


def med(rows, mode, timeout, col):
    """The median of column col over mode's runs at timeout."""
    return median([r[col] for r in rows if r[0] == mode and r[1] == timeout])


def verdict(rows, mode, timeouts):
    """auto against the best safe fixed timeout in one regime: (longest,
    best safe fixed timeout or None, auto's goodput / the best's, whether
    auto is safe). Safe: out-of-order segments and retransmissions per
    1000 segments at most twice the longest timeout's, plus SAFE_SLACK."""
    longest = max(timeouts, key=duration_us)
    ofo_max = 2 * med(rows, mode, longest, 7) + SAFE_SLACK
    retrans_max = 2 * med(rows, mode, longest, 15) + SAFE_SLACK

    def safe(t):
        return (med(rows, mode, t, 7) <= ofo_max and
                med(rows, mode, t, 15) <= retrans_max)
    safe_fixed = [t for t in timeouts if safe(t)]
    best = max(safe_fixed, key=lambda t: med(rows, mode, t, 17),
               default=None)
    ratio = (med(rows, mode, AUTO, 17) / med(rows, mode, best, 17)
             if best else None)
    return longest, best, ratio, safe(AUTO)


def summary_section(results, modes, timeouts):
    """The table of auto against the best safe fixed timeout, per regime
    and mode."""
    lines = ['| regime | mode | best safe fixed | its Mbit/s | auto Mbit/s '
             '| auto / best | auto out-of-order /1000 | auto retrans. /1000 '
             '| auto safe | auto chose | auto path changes: safe, unsafe '
             '| longest (%s): out-of-order, retrans. /1000 |'
             % max(timeouts, key=duration_us),
             '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for regime, rows, _, _ in results:
        for mode in modes:
            longest, best, ratio, safe = verdict(rows, mode, timeouts)
            chosen = [r[16] for r in rows if r[0] == mode and r[1] == AUTO
                      and r[16] != '']
            lines.append('| %s | %s | %s | %s | %.1f | %s | %.1f | %.1f | %s '
                         '| %s | %d, %d | %.1f, %.1f |' % (
                             regime_name(*regime), mode, best or 'none',
                             '%.1f' % med(rows, mode, best, 17) if best
                             else '-', med(rows, mode, AUTO, 17),
                             '%.2f' % ratio if ratio else '-',
                             med(rows, mode, AUTO, 7),
                             med(rows, mode, AUTO, 15),
                             'yes' if safe else '**no**',
                             '%.1fms' % (median(chosen) / 1e6) if chosen
                             else 'not measured',
                             med(rows, mode, AUTO, 18),
                             med(rows, mode, AUTO, 19),
                             med(rows, mode, longest, 7),
                             med(rows, mode, longest, 15)))
    return lines


def section(args, results, modes, timeouts, extra):
    """Experiment 5's section of the report: the sweep's results (if it
    ran), then the lines of extra."""
    lines = ['## 5. Timeout sweep: balance against reordering, and auto',
             '',
             'Claim: a short flowlet timeout balances the paths and '
             'reorders packets; a long one keeps order and balances like '
             'ECMP; the knee between them moves with the buffers. `auto` '
             '(the default), which sets each group\'s timeout from the '
             'delays `flowletctl watch` measures on its paths, lands near '
             'the best timeout that is safe in each regime.',
             '',
             'Setup: seed topology, 4 equal paths, each shaped by a tbf '
             'where it leaves its middle switch (queue: its latency), '
             '`iperf3 -P %d` for %d s per point, %d runs, timeouts and '
             'modes taking turns, seeds %d. `auto` is measured after %d s '
             'of the same traffic (watch picks its target and fills its '
             'windows), and "auto chose" is the group timeout in force on '
             's1 at the end of its runs; its path changes are split by '
             'the gap they came after, above the measured delay spread\'s '
             'bound (safe: they cannot reorder) or below it (stats\' '
             '`path_changes_safe`, `path_changes_unsafe`). Balance: '
             'max/mean of the bytes '
             'each path delivered. Reordering: the receiver\'s '
             'TcpExtTCPOFOQueue (`nstat` in h2) per 1000 segments '
             'delivered; retransmissions: the sender\'s TcpRetransSegs, '
             'also per 1000 segments. Safe: both at most twice the longest '
             'fixed timeout\'s, plus %g. Data: `results/%s/runs.csv`, '
             'plots: `results/%s/sweep-*.png`.'
             % (args.flows, args.seconds, args.runs, args.seed,
                AUTO_WARMUP_S, SAFE_SLACK, NAME, NAME),
             '']
    if not results:
        return '\n'.join(lines + ['The sweep did not run (--parts).', '']
                         + extra)
    lines += summary_section(results, modes, timeouts)
    lines += ['', 'Median over runs. Below, each regime\'s whole grid: '
              'median (min-max) over runs; the last rows are the '
              'baselines (no timeout), repeated under each mode. '
              'Flowlets: started on s1 during a run, and in brackets the '
              'median size in packets of those that ended (a log2 '
              'bucket: [n, 2n)), from flowlet\'s telemetry '
              '(`flowletctl stats --json`).', '']
    cpu = 0
    for regime, rows, knees, base in results:
        lines += grid_section(regime, rows, modes, timeouts, knees,
                              base) + ['']
        cpu = max([cpu] + [r[12] for r in rows])
    lines += [cpu_sentence(cpu), ''] + extra
    return '\n'.join(lines)


AUTO_INPUTS = ('spread_ns', 'safe_ns', 'base_ns', 'move_ns', 'flows')


def timeline_sample(stats, elapsed, phase, paths):
    """One row of the timeline from s1's `stats --json`: seconds, phase,
    the timeout in force, AUTO_INPUTS (group 0; '' until measured), and
    each path's p99 round trip ('' unless its delay is ok)."""
    auto = next((a for a in stats.get('auto', []) if a['group'] == 0), {})
    p99 = [''] * paths
    for d in stats.get('delay', []):
        if d['state'] == 'ok' and d['path'] < paths:
            p99[d['path']] = max(d['p99_ns'], p99[d['path']] or 0)
    return ([round(elapsed, 2), phase, group_timeout(stats)] +
            [auto.get(k, '') if auto.get('timeout_ns') else ''
             for k in AUTO_INPUTS] + p99)


def probes_sent(stats):
    """Probes sent so far over every path to every target."""
    return sum(d['sent'] for d in stats.get('delay', []))


def timeline(args, bw, seconds):
    """The timeline (see TIMELINE), flowlet at auto, bw Mbit/s per path:
    (its samples, one row per phase: goodput Mbit/s, receiver
    out-of-order and retransmissions per 1000 segments, path changes
    safe and unsafe, probes per second)."""
    samples, phases = [], []
    with seed_network(cc=args.cc, paths=4, bw=bw, queue=TIMELINE_QUEUES[0],
                      seed=args.seed) as net:
        s1, s2 = net.get('s1', 's2')
        use_variant(net, 'flowlet', {}, AUTO)
        start = time.monotonic()

        def tick(_elapsed=None):
            samples.append(timeline_sample(
                s1.stats(), time.monotonic() - start, phase, 4))
        for phase, (_, elephants, deep) in enumerate(TIMELINE):
            for intf, mbit in s2.shape.items():
                shape_port(s2, intf, mbit, TIMELINE_QUEUES[deep])
            before, began = s1.stats(), time.monotonic()
            got = None
            if elephants:
                got = iperf(net, elephants, seconds,
                            interval=TIMELINE_EVERY_S, on_tick=tick)
            else:
                while time.monotonic() < began + seconds:
                    time.sleep(TIMELINE_EVERY_S)
                    tick()
            after, took = s1.stats(), time.monotonic() - began
            sent = probes_sent(after) - probes_sent(before)
            phases.append(
                ([round(got.mbit, 1), per_1000(got.ofo, got),
                  per_1000(got.retrans, got)] if got else ['', '', '']) +
                moves(before, after) +
                [round(sent / took, 1) if sent >= 0 else ''])
    return samples, phases


def timeline_plot(rows, path):
    """The timeout and its inputs over time, phases marked."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.8))
    for col, label, style in ((2, 'timeout in force', '-'),
                              (4, 'safe bound (from the spread)', '--'),
                              (3, 'spread (slowest p99 - fastest min)',
                               ':'),
                              (8, 'path 1 p99 round trip', '-.')):
        points = [(r[0], r[col] / 1e6) for r in rows if r[col] != '']
        if points:
            ax.plot(*zip(*points), style, label=label)
    for phase, (what, _, _) in enumerate(TIMELINE):
        times = [r[0] for r in rows if r[1] == phase]
        if times:
            ax.axvline(times[0], color='k', alpha=0.3)
            ax.text(times[0], 1.02, what, rotation=20, fontsize=7,
                    transform=ax.get_xaxis_transform())
    ax.set_yscale('log')
    ax.set_ylabel('ms (log)')
    ax.set_xlabel('seconds')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend(fontsize=8, loc='lower left')
    fig.tight_layout()
    fig.savefig(path)


def timeline_section(samples, phases, bw, seconds):
    """The timeline's paragraph and its table per phase."""
    def over(phases, col):
        """The median of col over the samples of phases, in ms."""
        values = [r[col] for r in samples if r[1] in phases and r[col] != '']
        return median(values) / 1e6 if values else float('nan')

    def ms(phase, col):
        value = over([phase], col)
        return '-' if math.isnan(value) else '%.1f' % value

    def others(phase):
        values = [max(v for v in r[9:12] if v != '') for r in samples
                  if r[1] == phase and any(v != '' for v in r[9:12])]
        return '%.1f' % (median(values) / 1e6) if values else '-'
    lines = ['### Timeline: auto under changing load', '',
             '`flowlet` at `auto` on the seed topology, 4 paths of %g '
             'Mbit/s, shaper queues %s; phases of %d s, in which long '
             'TCP flows h1 -> h2 join and leave and path 1\'s shapers '
             '(s2) change their queue to %s and back. `flowletctl stats '
             '--json` on s1 every %g s: the timeout in force and its '
             'inputs (group 0; the safe bound is the spread\'s, the move '
             'timeout the least gap at which the flows\' own gaps predict '
             'few reorders), the probed round trips per path. Per phase, '
             'in ms, medians of the samples ("-": not measured then); '
             'then the traffic: goodput, out-of-order segments at the '
             'receiver and retransmissions per 1000 segments, s1\'s path '
             'changes above and below the safe bound, and the probes s1 '
             'sent per second over all paths. Data: `results/%s/'
             'timeline.csv`, plot: `results/%s/timeline.png`.'
             % (bw, TIMELINE_QUEUES[0], seconds, TIMELINE_QUEUES[1],
                TIMELINE_EVERY_S, NAME, NAME), '',
             '| phase | elephants | path 1 queue | timeout | spread | safe '
             '| move | path 1 p99 | paths 2-4 p99 | Mbit/s | out-of-order '
             '/1000 | retrans. /1000 | path changes: safe, unsafe '
             '| probes/s |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for phase, (what, elephants, deep) in enumerate(TIMELINE):
        mbit, ofo, retrans, safe, unsafe, probes = phases[phase]
        lines.append('| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s '
                     '| %s | %s | %d, %d | %s |' % (
                         what, elephants, TIMELINE_QUEUES[deep],
                         ms(phase, 2), ms(phase, 3), ms(phase, 4),
                         ms(phase, 6), ms(phase, 8), others(phase),
                         mbit, ofo, retrans, safe, unsafe, probes))
    shallow = [p for p, (_, k, deep) in enumerate(TIMELINE) if k and not deep]
    deep = [p for p, (_, k, d) in enumerate(TIMELINE) if k and d]
    lines += ['', 'With traffic, the safe bound was %.1f ms on shallow queues '
              'and %.1f ms with path 1 deep; the timeout in force %.1f and '
              '%.1f ms (medians): %s' % (
                  over(shallow, 4), over(deep, 4), over(shallow, 2),
                  over(deep, 2),
                  'it rose with the spread.' if over(deep, 2) >
                  1.5 * over(shallow, 2) else 'the flows\' gaps held it '
                  'below the bound (few of them fell between the two), and '
                  'the out-of-order and unsafe columns show what that '
                  'cost.')]
    return lines


def sweep(args, regime, modes, timeouts, out):
    """One regime's grid: (rows, knees, base)."""
    queue, bw = regime
    rows, base = [], {}

    def measure(label, t):
        s1 = net.get('s1')
        before = s1.stats() if s1.attached else None
        got = iperf(net, args.flows, args.seconds)
        # flowlet's telemetry on s1: flowlets started, and the median
        # size of those that ended (a log2 bucket's lower bound).
        after = s1.stats() if before else None
        flowlets, sizes = telemetry_delta(before, after) \
            if before else ('', {})
        size = hist_median(sizes)
        return [label, t, run, args.seed,
                round(100 * got.mbit / (4 * bw), 1),
                round(imbalance(got.path_bytes), 3), got.ofo,
                per_1000(got.ofo, got), got.retrans,
                ' '.join(map(str, got.ports)), flowlets,
                '' if size is None else size, round(got.cpu, 2),
                queue, bw, per_1000(got.retrans, got),
                group_timeout(after) if t == AUTO else '',
                round(got.mbit, 1)] + (moves(before, after) if before
                                       else [''] * len(MOVES))

    with seed_network(cc=args.cc, paths=4, bw=bw, queue=queue,
                      seed=args.seed) as net:
        for run in range(args.runs):
            for label in ('kernel', 'ecmp'):
                use_variant(net, label, {}, UNMEASURED_TIMEOUT)
                base.setdefault(label, []).append(measure(label, '-'))
            for t in timeouts + [AUTO]:
                for mode in modes:
                    use_variant(net, mode, {}, t)
                    if t == AUTO:
                        iperf(net, args.flows, AUTO_WARMUP_S)
                    rows.append(measure(mode, t))
            progress(NAME, '%s: run %d of %d done'
                     % (regime_name(queue, bw), run + 1, args.runs))
    floor = median([r[7] for r in base['ecmp']])
    knees = {mode: knee(rows, mode, timeouts, floor) for mode in modes}
    plot(rows, modes, timeouts, knees, base,
         os.path.join(out, 'sweep-%s-%gmbit.png' % (queue, bw)),
         regime_name(queue, bw))
    return rows, knees, base


def main(argv=None):
    parser = new_parser(__doc__, 'one regime, 2 timeouts and auto, flowlet '
                        'only, 1 run of 3 s')
    parser.add_argument('--timeouts', default=None,
                        help='the fixed timeouts (default '
                        '1ms,2ms,5ms,10ms,20ms,50ms,100ms); auto is added')
    parser.add_argument('--modes', default=None,
                        help='default flowlet,letflow')
    parser.add_argument('--flows', type=int, default=4)
    parser.add_argument('--queues', default=None,
                        help='the shapers\' tbf latencies (default '
                        '2ms,10ms,50ms)')
    parser.add_argument('--rates', default=None,
                        help='Mbit/s per path (default 20,50)')
    parser.add_argument('--seconds', type=int, default=None)
    parser.add_argument('--runs', type=int, default=None)
    parser.add_argument('--parts', default='sweep,timeline',
                        help='what to run: sweep (the grid), timeline, or '
                        'both (default)')
    args = parser.parse_args(argv)
    parts = args.parts.split(',')
    if not parts or set(parts) - {'sweep', 'timeline'}:
        parser.error('--parts: sweep, timeline or both')
    timeouts = (args.timeouts or (
        '5ms,50ms' if args.quick else
        '1ms,2ms,5ms,10ms,20ms,50ms,100ms')).split(',')
    for t in timeouts:
        duration_us(t)
    queues = (args.queues or ('2ms' if args.quick else '2ms,10ms,50ms')
              ).split(',')
    for q in queues:
        duration_us(q)
    rates = [float(r) for r in (args.rates or ('50' if args.quick
                                               else '20,50')).split(',')]
    modes = (args.modes or ('flowlet' if args.quick
                            else 'flowlet,letflow')).split(',')
    args.runs = args.runs or (1 if args.quick else 3)
    args.seconds = args.seconds or (3 if args.quick else 5)
    out = out_dir(NAME)
    results = []  # (regime, rows, knees, base) per regime
    if 'sweep' in parts:
        progress(NAME, '%d regimes x (%d timeouts and auto) x %s x %d runs '
                 'of %d s' % (len(queues) * len(rates), len(timeouts),
                              ','.join(modes), args.runs, args.seconds))
        for queue in queues:
            for bw in rates:
                results.append(((queue, bw),) + sweep(
                    args, (queue, bw), modes, timeouts, out))
        write_csv(os.path.join(out, 'runs.csv'),
                  ['mode', 'timeout', 'run', 'seed', 'goodput_pct',
                   'imbalance', 'receiver_ofo', 'ofo_per_1000_segments',
                   'retransmissions', 'source_ports', 'flowlets_started',
                   'median_flowlet_packets_bucket', 'cpu_busy', 'queue',
                   'mbit_per_path', 'retrans_per_1000_segments',
                   'auto_timeout_ns', 'goodput_mbit', 'path_changes_safe',
                   'path_changes_unsafe'],
                  [r for _, rows, _, base in results
                   for r in rows + [x for runs in base.values()
                                    for x in runs]])
    extra = []
    if 'timeline' in parts:
        seconds = TIMELINE_S // 2 if args.quick else TIMELINE_S
        progress(NAME, 'timeline: %d phases of %d s'
                 % (len(TIMELINE), seconds))
        samples, phases = timeline(args, rates[-1], seconds)
        write_csv(os.path.join(out, 'timeline.csv'),
                  ['seconds', 'phase', 'timeout_ns'] + list(AUTO_INPUTS) +
                  ['path%d_p99_ns' % (i + 1) for i in range(4)], samples)
        timeline_plot(samples, os.path.join(out, 'timeline.png'))
        extra = timeline_section(samples, phases, rates[-1], seconds)
    write_section(NAME, section(args, results, modes, timeouts, extra))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
