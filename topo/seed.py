"""make topo: the seed topology with flowlet running, and the Mininet CLI.

The equivalent of the P4 exercise's `sudo p4run`. In the CLI:
    mininet> pingall
    mininet> s1 ./flowletctl stats s1-eth1
    mininet> h1 ./flowlet-send 10.0.6.2 20 0.1
    mininet> s1 ./flowletctl set s1-eth1 --mode ecmp
Run with /usr/bin/python3, as root.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mininet.cli import CLI  # noqa: E402
from mininet.log import setLogLevel  # noqa: E402

from flowlet_mininet import MODES, FlowletError, seed_network  # noqa: E402


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
        'flowlet on s1 and s6, and the Mininet CLI.')
    parser.add_argument('--paths', type=int, default=4,
                        help='middle switches (paths), 1-16 (default 4)')
    parser.add_argument('--bw', type=bandwidths, default=None,
                        help='Mbit/s per path: one value or one per path, '
                        'e.g. 20,20,20,5 (default: unlimited)')
    parser.add_argument('--mode', choices=MODES, default='flowlet')
    parser.add_argument('--timeout', default='50ms',
                        help='flowlet timeout (default 50ms)')
    parser.add_argument('--weights', type=weights, default=None,
                        help='one weight per path, e.g. 3,1,1,1')
    parser.add_argument('--seed', type=int, default=None,
                        help='flowlet\'s and the kernel\'s multipath hash '
                        'seed (default random), so that runs repeat')
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error('run as root (Mininet needs it)')
    setLogLevel('info')
    try:
        with seed_network(paths=args.paths, bw=args.bw, mode=args.mode,
                          timeout=args.timeout, weights=args.weights,
                          seed=args.seed) as net:
            print('\nflowlet runs on s1-eth1 (h1 -> h2) and on s6\'s port '
                  'from h2 (h2 -> h1).\nTry: pingall | s1 ./flowletctl '
                  'stats s1-eth1 | h1 ./flowlet-send 10.0.6.2 20 0.1\n'
                  'To watch a path, capture where it arrives: s2 tcpdump '
                  '-ni s2-eth1 (s1-eth2 shows nothing: XDP redirects skip '
                  'its capture taps).\n')
            CLI(net)
    except (FlowletError, ValueError) as err:
        sys.exit('seed: %s' % err)


if __name__ == '__main__':
    main()
