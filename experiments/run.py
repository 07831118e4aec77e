"""make experiments: runs every experiment, then joins their sections
into results/REPORT.md. Run as root with /usr/bin/python3:

    experiments/run.py [--quick] [EXPERIMENT ...]

Each experiment is a module here with main(argv) that writes CSV, a plot
and its report section under results/<name>/: seed_repro (1), elephants
(2), weighted (3), asymmetry (4), timeout_sweep (5), fct (6), replay (7),
in the order of the issue that asked for them; tunnels (8), the host side
(Weighted Tunnels at the sender); fabric (9, fabric_failure.py), a remote failure in
a leaf-spine fabric with FRR; remote_asymmetry (10), a slow link beyond a
leaf's uplinks."""

import argparse
import os
import sys
import time

from common import RESULTS, progress

import asymmetry  # noqa: E402
import elephants  # noqa: E402
import fabric_failure  # noqa: E402
import fct  # noqa: E402
import remote_asymmetry  # noqa: E402
import replay  # noqa: E402
import seed_repro  # noqa: E402
import timeout_sweep  # noqa: E402
import tunnels  # noqa: E402
import weighted  # noqa: E402

EXPERIMENTS = [(m.NAME, m.main) for m in (seed_repro, elephants, weighted,
                                          asymmetry, timeout_sweep, fct,
                                          replay, tunnels, fabric_failure,
                                          remote_asymmetry)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='fewer repetitions (make experiments-quick)')
    parser.add_argument('--cc', default='cubic',
                        help='TCP congestion control in the hosts '
                        '(default cubic)')
    parser.add_argument('only', nargs='*', help='experiments to run')
    args = parser.parse_args()
    names = [name for name, _ in EXPERIMENTS]
    for name in args.only:
        if name not in names:
            parser.error('no experiment %s (%s)' % (name, ', '.join(names)))
    if os.geteuid() != 0:
        parser.error('run as root (Mininet needs it)')
    began = time.time()
    for name, run in EXPERIMENTS:
        if args.only and name not in args.only:
            continue
        start = time.time()
        if run(['--cc', args.cc] + (['--quick'] if args.quick else [])):
            sys.exit('experiments: %s failed' % name)
        progress(name, 'done in %.0f s' % (time.time() - start))
    sections = []
    for name, _ in EXPERIMENTS:
        path = os.path.join(RESULTS, name, 'section.md')
        if os.path.exists(path):
            with open(path) as section:
                sections.append(section.read())
    with open(os.path.join(RESULTS, 'REPORT.md'), 'w') as report:
        report.write('# flowlet experiments\n\n%s run, %s; every number '
                     'measured in the run that wrote its section. TCP '
                     'congestion control in the hosts: %s (this '
                     'machine\'s default is bbr).\n\n'
                     % ('A quick' if args.quick else 'A full',
                        time.strftime('%Y-%m-%d %H:%M'), args.cc))
        report.write('\n'.join(sections))
    print('Report: %s (%.0f s)' % (os.path.join(RESULTS, 'REPORT.md'),
                                   time.time() - began))


if __name__ == '__main__':
    main()
