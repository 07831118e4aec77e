"""make topo: the seed topology with flowlet running, and the Mininet CLI
(or, with --topo tunnels, the Weighted Tunnels host).

The equivalent of the P4 exercise's `sudo p4run`; options with
make topo ARGS="--paths 2 --weights 7,3". It prints the commands to try
in the CLI with flowletctl's full path, so they work from any directory.
Run with /usr/bin/python3, as root.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mininet.cli import CLI  # noqa: E402
from mininet.log import setLogLevel  # noqa: E402

from flowlet_plan import H2  # noqa: E402
from flowlet_mininet import (DEFAULT_MODE, DEFAULT_TIMEOUT,  # noqa: E402
                             FLOWLETCTL, MODES, SEND, FlowletError)
from flowlet_topos import seed_network, tunnels_network  # noqa: E402


def bandwidths(text):
    """'20' or '20,20,10,10' (Mbit/s per path)."""
    values = [float(v) for v in text.split(',')]
    if any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError('bandwidths must be positive')
    return values if len(values) > 1 else values[0]


def weights(text):
    return [int(w) for w in text.split(',')]


def main():
    parser = argparse.ArgumentParser(
        description='The seed topology h1 - s1 - {s2..} - s6 - h2 with '
        'flowlet on s1 and s6 (or the tunnels topology: h1 splitting its '
        'own traffic over two uplinks), and the Mininet CLI.')
    parser.add_argument('--topo', choices=('seed', 'tunnels'),
                        default='seed',
                        help='seed (default) or tunnels (2 paths, flowlet '
                        'at h1\'s tc-egress)')
    parser.add_argument('--paths', type=int, default=4,
                        help='middle switches (paths), 1-16 (default 4; '
                        'seed only)')
    parser.add_argument('--bw', type=bandwidths, default=None,
                        help='Mbit/s per path: one value or one per path, '
                        'e.g. 20,20,20,5 (default: unlimited)')
    parser.add_argument('--mode', choices=MODES, default=DEFAULT_MODE)
    parser.add_argument('--timeout', default=DEFAULT_TIMEOUT,
                        help='flowlet timeout (default %(default)s)')
    parser.add_argument('--weights', type=weights, default=None,
                        help='one weight per path, e.g. 3,1,1,1')
    parser.add_argument('--seed', type=int, default=None,
                        help='flowlet\'s and the kernel\'s multipath hash '
                        'seed (default random), so that runs repeat')
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error('run as root (Mininet needs it)')
    setLogLevel('info')
    common = dict(bw=args.bw, mode=args.mode, timeout=args.timeout,
                  weights=args.weights, seed=args.seed)
    try:
        if args.topo == 'tunnels':
            with tunnels_network(**common) as net:
                print('\nflowlet runs at h1-eth0\'s tc-egress: h1 splits '
                      'its own traffic to h2 (%s) over h1-eth0 and '
                      'h1-eth1.\nTry: h1 %s stats h1-eth0 | h1 %s set '
                      'h1-eth0 --mode spray --weights 7,3 | h1 %s %s '
                      '20 0.1\n' % (H2, FLOWLETCTL, FLOWLETCTL, SEND, H2))
                CLI(net)
            return
        with seed_network(paths=args.paths, **common) as net:
            print('\nflowlet runs on s1-eth1 (h1 -> h2) and on s6\'s port '
                  'from h2 (h2 -> h1).\nTry: pingall | s1 %s stats '
                  's1-eth1 | h1 %s %s 20 0.1\nTo watch a path, '
                  'capture where it arrives: s2 tcpdump -ni s2-eth1 '
                  '(s1-eth2 shows nothing: XDP redirects skip its capture '
                  'taps).\n' % (FLOWLETCTL, SEND, H2))
            CLI(net)
    except (FlowletError, ValueError) as err:
        sys.exit('seed: %s' % err)


if __name__ == '__main__':
    main()
