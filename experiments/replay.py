"""Experiment 7, trace replay: `flowletctl replay` runs flowlet's own data
path over a packet trace, its clock the trace's timestamps, once per
timeout: flowlets per flow, packets per flowlet, path changes and balance
against the timeout, for a trace captured here (the web-search mix of
experiment 6 through the seed topology, captured on s1's ingress) or one
given with --trace. Claim: the timeout plot of a real trace, without a
network to run it on."""

import json
import os
import subprocess
import sys
import time

from common import (ROOT, new_parser, out_dir, progress, pyplot, write_csv,
                    write_section)

from flowlet_plan import H2  # noqa: E402
from flowlet_mininet import UNMEASURED_TIMEOUT, format_ns  # noqa: E402
from flowlet_topos import seed_network  # noqa: E402
from traffic import end_process, flowgen, use_mode  # noqa: E402

NAME = 'replay'
FLOWLETCTL = os.path.join(ROOT, 'flowletctl')
MODES = ('flowlet', 'letflow', 'leastload')


def capture(path, seconds, load, seed, cc):
    """The web-search mix h1 -> h2 for seconds, captured (headers only) on
    s1's port from h1, the kernel forwarding."""
    with seed_network(cc=cc, paths=4, bw=50, seed=seed) as net:
        use_mode(net, 'kernel')
        s1 = net.get('s1')
        dump = s1.popen(['tcpdump', '-i', 's1-eth1', '-s', '96', '-U', '-w',
                         path, 'tcp and dst host ' + H2],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            # tcpdump says "listening on" once its socket is open.
            deadline = time.monotonic() + 10
            line = b''
            while b'listening' not in line:
                if time.monotonic() > deadline or dump.poll() is not None:
                    raise RuntimeError('tcpdump did not start on s1')
                line = dump.stderr.readline()
            flowgen(net, seconds, path + '.flows.csv', '--load', load,
                    '--capacity', 200, '--seconds', seconds, '--scale', 0.1,
                    '--seed', seed, '--grace', 20)
        finally:
            dump.send_signal(2)  # SIGINT: tcpdump flushes and exits
            try:
                dump.wait(timeout=10)
            except subprocess.TimeoutExpired:
                end_process(dump)
        os.unlink(path + '.flows.csv')


def replay(trace, *args):
    out = subprocess.run([FLOWLETCTL, 'replay', trace, '--json'] + list(args),
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def plot(rows, timeouts, path):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    xs = [t / 1e3 for t in timeouts]
    for ax, col, what in ((axes[0], 3, 'flowlets per flow'),
                          (axes[1], 5, 'path changes'),
                          (axes[2], 6, 'balance (max/mean bytes per path)')):
        for mode in MODES:
            ax.plot(xs, [r[col] for r in rows if r[0] == mode], marker='o',
                    label=mode)
        ax.set_xscale('log')
        if col != 6:
            ax.set_yscale('log')
        ax.set_xlabel('flowlet timeout (us, log)')
        ax.set_title(what, fontsize=10)
        ax.grid(True, which='both', alpha=0.3)
    axes[0].legend()
    fig.suptitle('flowletctl replay over the trace: the timeout\'s effect')
    fig.tight_layout()
    fig.savefig(path)


def section(args, info, rows, timeouts):
    lines = ['## 7. Trace replay: the timeout plot of a trace',
             '',
             'Claim: `flowletctl replay TRACE --sweep ...` shows what a '
             'timeout does to a real trace with flowlet\'s own data path '
             '(`BPF_PROG_TEST_RUN`, the clock from the trace), without a '
             'network.',
             '',
             'Trace: %s: %d packets, %d flows, %.1f s (%s). Replayed over '
             '%d paths for each timeout and mode (seed %d). Data: '
             '`results/%s/sweep.csv`, plot: `results/%s/replay.png`.'
             % (info['trace'] if args.trace else
                'captured in this run: the web-search mix of experiment 6 '
                'at %d%% load for %d s, h1 -> h2, on s1\'s ingress '
                '(`results/%s/trace.pcap`, headers only)'
                % (100 * args.load, args.seconds, NAME),
                info['packets'], info['flows'], info['seconds'],
                info['link_type'], args.paths, args.seed, NAME, NAME),
             '',
             '| timeout | ' + ' | '.join(
                 '%s: flowlets/flow | path changes | balance' % m
                 for m in MODES) + ' |',
             '|---|' + '---|---|---|' * len(MODES)]
    for t in timeouts:
        cells = []
        for mode in MODES:
            r = next(r for r in rows if r[0] == mode and r[1] == t)
            cells += ['%.2f' % r[3], '%d' % r[5], '%.2f' % r[6]]
        lines.append('| %s | %s |' % (format_ns(t), ' | '.join(cells)))
    flowlet = [r for r in rows if r[0] == 'flowlet']
    one = next((r for r in flowlet if r[3] <= 1.5), None)
    lines += ['', 'What this trace says: at the shortest timeout a flow '
              'had %.1f flowlets (flowlet mode), at the longest %.2f; '
              'flows are nearly one flowlet each (at most 1.5) from %s on. '
              'Balance is the data path\'s own per-path byte count.'
              % (flowlet[0][3], flowlet[-1][3],
                 format_ns(one[1]) if one else 'no timeout tried')]
    return '\n'.join(lines)


def main(argv=None):
    parser = new_parser(__doc__, 'a 4 s capture')
    parser.add_argument('--trace', help='replay this pcap instead of '
                        'capturing one')
    parser.add_argument('--sweep', default='10us,50us,100us,500us,1ms,2ms,'
                        '5ms,10ms,20ms,50ms,100ms,200ms,500ms')
    parser.add_argument('--paths', type=int, default=4)
    parser.add_argument('--load', type=float, default=0.5)
    parser.add_argument('--seconds', type=int, default=None)
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (4 if args.quick else 15)
    out = out_dir(NAME)
    trace = args.trace or os.path.join(out, 'trace.pcap')
    if not args.trace:
        progress(NAME, 'capturing the web-search mix for %d s'
                 % args.seconds)
        capture(trace, args.seconds, args.load, args.seed, args.cc)
    common = ['--paths', str(args.paths), '--seed', str(args.seed)]
    info = replay(trace, '--timeout', UNMEASURED_TIMEOUT, *common)
    rows = []
    for mode in MODES:
        progress(NAME, 'replaying %s over %d timeouts' % (
            mode, len(args.sweep.split(','))))
        for point in replay(trace, '--mode', mode, '--sweep', args.sweep,
                            *common)['sweep']:
            rows.append([mode, point['timeout_ns'], point['flowlets'],
                         point['flowlets_per_flow'],
                         point['packets_per_flowlet'],
                         point['path_changes'], point['balance']])
    timeouts = [r[1] for r in rows if r[0] == MODES[0]]
    write_csv(os.path.join(out, 'sweep.csv'),
              ['mode', 'timeout_ns', 'flowlets', 'flowlets_per_flow',
               'packets_per_flowlet', 'path_changes', 'balance'], rows)
    plot(rows, timeouts, os.path.join(out, 'replay.png'))
    write_section(NAME, section(args, info, rows, timeouts))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
