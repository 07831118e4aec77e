"""What every experiment of `make experiments` shares: where results go,
CSV, progress lines, the report section. Run with /usr/bin/python3."""

import argparse
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(ROOT, 'results')
sys.path.insert(0, os.path.join(ROOT, 'topo'))

from flowlet_mininet import MODES, duration_ns  # noqa: E402
from traffic import median, use_mode  # noqa: E402

# (label, mode, settings): the kernel's multipath route with flowlet
# detached, then every mode of include/flowlet_consts.h at the experiment's
# timeout.
VARIANTS = [('kernel', 'kernel', {})] + [(m, m, {}) for m in MODES]


def out_dir(name):
    """results/<name>/, created."""
    path = os.path.join(RESULTS, name)
    os.makedirs(path, exist_ok=True)
    return path


def progress(name, text):
    print('[%s] %s' % (name, text), flush=True)


def write_csv(path, header, rows):
    with open(path, 'w', newline='') as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def write_section(name, text):
    """The experiment's section of results/REPORT.md (run.py joins them)."""
    with open(os.path.join(out_dir(name), 'section.md'), 'w') as out:
        out.write(text.rstrip() + '\n')


def new_parser(doc, quick):
    """An experiment's argument parser: its docstring's first line, and
    --quick (what it then does: quick), --seed and --cc."""
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help=quick)
    add_run_options(parser)
    return parser


def cpu_sentence(cpu):
    """What the busiest sample's CPU use (0-1) says, for a section."""
    return ('The busiest half-second used %.0f%% of both cores%s.'
            % (100 * cpu, ' (the hosts may have been a bottleneck)'
               if cpu > 0.9 else ': the paths, not the CPU, were the '
               'bottleneck'))


def add_run_options(parser):
    """--seed and --cc, which every experiment takes."""
    parser.add_argument('--seed', type=int, default=1,
                        help='flowlet\'s and the kernel\'s hash seeds '
                        '(default 1)')
    parser.add_argument('--cc', default='cubic',
                        help='TCP congestion control in h1 and h2 '
                        '(default cubic, Linux\'s own default; this '
                        'machine\'s is bbr, which ignores most loss)')


def use_variant(net, mode, settings, timeout, **more):
    """use_mode() with the experiment's timeout unless settings have
    their own (a variant's settings must not outlive it)."""
    if mode == 'kernel':
        use_mode(net, mode)
    else:
        use_mode(net, mode, **dict({'timeout': timeout}, **settings, **more))


def group_timeout(stats):
    """The timeout in force in the first path group (ns) of an instance's
    `stats --json`, or ''."""
    timeouts = stats.get('group_timeouts_ns') or ['']
    return timeouts[0]


def pyplot():
    """matplotlib's pyplot, drawing into files."""
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    return plt


def error_bars(groups, centre=median):
    """For a list of value lists: each list's centre, and its distances
    down to the minimum and up to the maximum (errorbar's yerr)."""
    centres = [centre(values) for values in groups]
    return (centres, [c - min(v) for c, v in zip(centres, groups)],
            [max(v) - c for c, v in zip(centres, groups)])


def duration_us(text):
    """A duration with a unit, as flowletctl takes it, in microseconds;
    ValueError without one."""
    return duration_ns(text) / 1e3


def spread(values, fmt):
    """'median (min-max)' of values, each formatted with fmt."""
    return '%s (%s-%s)' % (fmt % median(values), fmt % min(values),
                           fmt % max(values))
