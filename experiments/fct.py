"""Experiment 6, flow completion times: a web-search-like mix (many short
flows, a few long ones, Poisson arrivals) at 30%, 50% and 70% of 4 equal
shaped paths; mean and 99th-percentile completion time per mode, small and
large flows apart, normalised to the kernel's multipath route in the same
run. Claim (CONGA, LetFlow): flowlet switching cuts completion times
against ECMP as load rises, because colliding long flows are moved apart
at their pauses. At the middle load, the modes with flowlets also run at
fixed timeouts, against which their default (`auto`) is judged."""

import os
import sys
import tempfile

from common import (VARIANTS, cpu_sentence, duration_us, error_bars,
                    group_timeout, new_parser, out_dir, progress, pyplot,
                    use_variant, write_csv, write_section)

from flowlet_mininet import DEFAULT_TIMEOUT, FLOWLET_MODES  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402
from traffic import flowgen, median  # noqa: E402

NAME = 'fct'
# DCTCP's classes: small flows up to 100 KB, large from 10 MB, in the
# distribution's own sizes (before --scale).
SMALL, LARGE = 100e3, 10e6
STATS = ('all_mean', 'all_p99', 'small_mean', 'small_p99', 'large_mean',
         'large_p99')


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(pct / 100.0 * len(ordered)))]


def summarise(flows, scale):
    """{stat: seconds} over the finished flows, and how many did not
    finish."""
    done = [(size, fct) for _, size, fct, _ in flows if fct is not None]
    groups = {'all': [f for _, f in done],
              'small': [f for s, f in done if s <= SMALL * scale],
              'large': [f for s, f in done if s >= LARGE * scale]}
    out = {}
    for name, fcts in groups.items():
        out[name + '_mean'] = sum(fcts) / len(fcts) if fcts else None
        out[name + '_p99'] = percentile(fcts, 99) if fcts else None
    return out, len(flows) - len(done)


def ratios(rows, label, load, stat):
    """label's stat over the kernel's, per run."""
    col = 7 + STATS.index(stat)
    kernel = {r[2]: r[col] for r in rows if r[0] == 'kernel'
              and r[1] == load}
    return [r[col] / kernel[r[2]] for r in rows
            if r[0] == label and r[1] == load and r[col] and kernel[r[2]]]


def fixed_label(mode, timeout):
    """The variant label of mode at a fixed timeout."""
    return '%s-%s' % (mode, timeout)


def fixed_variants(timeouts):
    """(label, mode, settings) of each mode with flowlets at each fixed
    timeout."""
    return [(fixed_label(m, t), m, {'timeout': t})
            for m in FLOWLET_MODES for t in timeouts]


def timeout_lines(rows, timeouts, load):
    """At load: each mode with flowlets at its default against its best
    fixed timeout, by the mean FCT's ratio to the kernel's."""
    lines = ['**At %d%% load, the default timeout against fixed ones** '
             '(mean FCT over the kernel\'s, median over runs):' % (100 * load),
             '', '| mode | default | %s | best fixed | default / best | '
             'default chose |' % ' | '.join(timeouts),
             '|---|---|' + '---|' * len(timeouts) + '---|---|---|']
    for mode in FLOWLET_MODES:
        default = ratios(rows, mode, load, 'all_mean')
        fixed = {t: ratios(rows, fixed_label(mode, t), load, 'all_mean')
                 for t in timeouts}
        fixed = {t: median(v) for t, v in fixed.items() if v}
        if not default or not fixed:
            continue
        best = min(fixed, key=fixed.get)
        chosen = [r[-1] for r in rows if r[0] == mode and r[1] == load
                  and r[-1] != '']
        lines.append('| %s | %.2f | %s | %s | %.2f | %s |' % (
            mode, median(default), ' | '.join(
                '%.2f' % fixed[t] if t in fixed else '-' for t in timeouts),
            best, median(default) / fixed[best],
            '%.1f ms' % (median(chosen) / 1e6) if chosen else '-'))
    return lines + ['']


def plot(rows, variants, loads, path):
    plt = pyplot()
    panels = (('all_mean', 'all flows: mean'),
              ('small_p99', 'small flows: 99th percentile'),
              ('large_mean', 'large flows: mean'))
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharey=True)
    for ax, (stat, title) in zip(axes, panels):
        for label, _, _ in variants:
            measured = [load for load in loads
                        if ratios(rows, label, load, stat)]
            xs = [100 * load for load in measured]
            meds, lows, highs = error_bars(
                [ratios(rows, label, load, stat) for load in measured])
            ax.errorbar(xs, meds, yerr=[lows, highs], marker='o', capsize=3,
                        label=label)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel('offered load (% of capacity)')
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel('completion time / the kernel\'s (median, min-max)')
    axes[0].legend(fontsize=8)
    fig.suptitle('Web-search mix over 4 equal paths: FCT normalised to the '
                 'kernel\'s multipath route')
    fig.tight_layout()
    fig.savefig(path)


def section(args, rows, variants, loads, timeouts):
    lines = ['## 6. Flow completion times: a web-search mix',
             '',
             'Claim (CONGA, LetFlow): flowlet switching cuts flow '
             'completion times against ECMP as the load rises.',
             '',
             'Setup: seed topology, 4 paths of %g Mbit/s, flowlet timeout '
             '%s, seeds %d; `tools/flowgen.py`: Poisson arrivals for %d s '
             'per point, sizes from the web-search distribution scaled by '
             '%g (mean %.0f KB: a full-size mix needs runs longer than '
             'this machine\'s budget), the same arrivals and sizes for '
             'every variant of a run (its seed); %d runs. Small flows: up '
             'to %.0f KB, large: from %.0f KB (DCTCP\'s 100 KB and 10 MB, '
             'scaled). Completion: connect to the receiver\'s answer that '
             'all bytes arrived. Ratios to the kernel\'s multipath route '
             'in the same run, then the median over runs. Data: '
             '`results/%s/runs.csv` (one row per run), `results/%s/'
             'flows.csv` (every flow); plot: `results/%s/fct.png`.'
             % (args.bw, args.timeout, args.seed, args.seconds, args.scale,
                args.mean / 1e3, args.runs, SMALL * args.scale / 1e3,
                LARGE * args.scale / 1e3, NAME, NAME, NAME),
             '']
    for load in loads:
        lines += ['**%d%% load** (kernel: mean %.1f ms over %d flows)'
                  % (100 * load, 1000 * median(
                      [r[7] for r in rows if r[0] == 'kernel'
                       and r[1] == load]),
                     median([r[4] for r in rows if r[0] == 'kernel'
                             and r[1] == load])),
                  '',
                  '| variant | ' + ' | '.join(s.replace('_', ' ')
                                              for s in STATS)
                  + ' | unfinished |',
                  '|---|' + '---|' * (len(STATS) + 1)]
        for label, _, _ in variants:
            cells = []
            for stat in STATS:
                values = ratios(rows, label, load, stat)
                cells.append('%.2f' % median(values) if values else '-')
            unfinished = sum(r[5] for r in rows
                             if r[0] == label and r[1] == load)
            lines.append('| %s | %s | %d |' % (label, ' | '.join(cells),
                                              unfinished))
        lines.append('')
    mid = middle(loads)
    if timeouts:
        lines += timeout_lines(rows, timeouts, mid)
    at = {label: median(ratios(rows, label, mid, 'all_mean') or [0])
          for label, _, _ in variants if label != 'kernel'}
    best = min(at, key=at.get)
    lines += ['Completion time over the kernel\'s (below 1: faster). What '
              'this run says: at %d%% load the mean FCT ratio was %s; the '
              'lowest, `%s` at %.2f.'
              % (100 * mid, ', '.join('`%s` %.2f' % (k, v)
                                      for k, v in at.items()), best,
                 at[best])]
    lines += ['', cpu_sentence(max(r[6] for r in rows))]
    return '\n'.join(lines)


def middle(loads):
    """The load at which the fixed timeouts run: 50%, or the middle
    one."""
    return 0.5 if 0.5 in loads else loads[len(loads) // 2]


def main(argv=None):
    parser = new_parser(__doc__, '50%% load only, 1 run of 8 s')
    parser.add_argument('--loads', default=None,
                        help='default 0.3,0.5,0.7')
    parser.add_argument('--bw', type=float, default=50)
    parser.add_argument('--timeout', default=DEFAULT_TIMEOUT)
    parser.add_argument('--scale', type=float, default=0.1)
    parser.add_argument('--seconds', type=int, default=None)
    parser.add_argument('--runs', type=int, default=None)
    parser.add_argument('--timeouts', default=None,
                        help='fixed timeouts for the modes with flowlets at '
                        'the middle load (default 1ms,5ms,20ms,50ms; quick: '
                        '5ms,50ms; "none": none)')
    args = parser.parse_args(argv)
    timeouts = (args.timeouts or ('5ms,50ms' if args.quick
                                  else '1ms,5ms,20ms,50ms')).split(',')
    if timeouts == ['none']:
        timeouts = []
    for t in timeouts:
        try:
            duration_us(t)
        except ValueError as err:
            parser.error('--timeouts: %s' % err)
    loads = [float(v) for v in (args.loads or (
        '0.5' if args.quick else '0.3,0.5,0.7')).split(',')]
    args.runs = args.runs or (1 if args.quick else 2)
    args.seconds = args.seconds or (8 if args.quick else 20)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), 'tools'))
    from flowgen import mean_size  # pylint: disable=import-outside-toplevel
    args.mean = mean_size(args.scale)
    out = out_dir(NAME)
    rows, every = [], []
    fixed = fixed_variants(timeouts)
    progress(NAME, 'loads %s x %d variants (and %d at %g) x %d runs of %d s'
             % (','.join('%g' % v for v in loads), len(VARIANTS), len(fixed),
                middle(loads), args.runs, args.seconds))
    with seed_network(cc=args.cc, paths=4, bw=args.bw, timeout=args.timeout,
                      seed=args.seed) as net, \
            tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for load in loads:
                for label, mode, settings in VARIANTS + (
                        fixed if load == middle(loads) else []):
                    use_variant(net, mode, settings, args.timeout)
                    seen, flows = flowgen(
                        net, args.seconds, os.path.join(tmp, 'flows.csv'),
                        '--load', load, '--capacity', 4 * args.bw,
                        '--seconds', args.seconds, '--scale', args.scale,
                        '--seed', args.seed + run, '--grace', 20)
                    stats, unfinished = summarise(flows, args.scale)
                    # The timeout in force on s1 at the end (auto's
                    # choice), in the modes with flowlets.
                    timeout = (group_timeout(net.get('s1').stats())
                               if mode in FLOWLET_MODES else '')
                    rows.append([label, load, run, args.seed + run,
                                 len(flows), unfinished, round(seen.cpu, 2)]
                                + [stats[s] for s in STATS] + [timeout])
                    every += [[label, load, run] + list(f) for f in flows]
                progress(NAME, 'run %d of %d: load %g done'
                         % (run + 1, args.runs, load))
    write_csv(os.path.join(out, 'runs.csv'),
              ['variant', 'load', 'run', 'seed', 'flows', 'unfinished',
               'cpu_busy'] + ['%s_s' % s for s in STATS] + ['timeout_ns'],
              rows)
    write_csv(os.path.join(out, 'flows.csv'),
              ['variant', 'load', 'run', 'start_s', 'bytes', 'fct_s',
               'sport'], every)
    plot(rows, VARIANTS, loads, os.path.join(out, 'fct.png'))
    write_section(NAME, section(args, rows, VARIANTS, loads, timeouts))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
