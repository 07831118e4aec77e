"""make demo: flowlet in the P4 exercise's seed topology, in Mininet.

1. One TCP flow sent with gaps longer than the flowlet timeout, as the P4
   exercise's send.py does: packets per path under ecmp and flowlet.
2. Four long iperf3 TCP flows h1 -> h2 over four bandwidth-limited paths:
   throughput and retransmissions under ecmp, flowlet, letflow, leastload
   and the kernel's own multipath route (L4 hash) with flowlet detached.
3. A plot of the load on each path over time during those runs.

Every number is measured in this run, from the kernel's interface counters
on s1's path ports and from iperf3. Run with /usr/bin/python3, as root.
"""

import argparse
import csv
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from mininet.log import setLogLevel  # noqa: E402

from flowlet_mininet import seed_network, send_flow  # noqa: E402

IPERF_PORT = 5201
SAMPLE_S = 0.5
RUNS = ('ecmp', 'flowlet', 'letflow', 'leastload', 'kernel')


def progress(step, text):
    print('[%s] %s' % (step, text), flush=True)


def part1(net, args):
    """The send.py experience: one flow, gaps > timeout."""
    h1, s1 = net.get('h1', 's1')
    ports = s1.path_ports()
    rows = []
    for mode in ('ecmp', 'flowlet'):
        progress('1/3', 'sending %d packets of one TCP flow, %s apart, in '
                 '%s mode' % (args.packets, args.gap, mode))
        for switch in net.get('s1', 's6'):
            switch.set(mode=mode)
        rows.append((mode, send_flow(h1, s1, '10.0.6.2', args.packets,
                                     args.gap, sport=1000 + len(rows))))
    print()
    print('One TCP flow (10.0.1.1 -> 10.0.6.2), %d packets %s apart, '
          'flowlet timeout %s:' % (args.packets, args.gap, args.timeout))
    print('packets per path, from s1\'s interface counters')
    print('  %-9s' % 'mode' + ''.join('%10s' % p for p in ports)
          + '   paths used')
    for mode, counts in rows:
        print('  %-9s' % mode + ''.join('%10d' % n for n in counts)
              + '%13d' % sum(1 for n in counts if n))
    print('ecmp hashes the 5-tuple: one path. flowlet starts a new flowlet '
          'after each gap\nand hashes it with its flowlet id: the packets '
          'spread over the paths.\n')


def iperf_run(net, label, args, samples):
    """Four parallel TCP flows h1 -> h2; returns (Mbit/s, retransmits,
    per-path share) and appends (label, t, Mbit/s per path) samples."""
    h1, s1 = net.get('h1', 's1')
    ports = s1.path_ports()
    client = h1.popen(['iperf3', '-c', '10.0.6.2', '-p', str(IPERF_PORT),
                       '-P', '4', '-t', str(args.duration), '-J'])
    start = time.time()
    last = s1.tx_counters(ports)
    total = dict.fromkeys(ports, 0)
    try:
        while client.poll() is None:
            time.sleep(SAMPLE_S)
            now = s1.tx_counters(ports)
            elapsed = time.time() - start
            rates = [(now[p][1] - last[p][1]) * 8 / SAMPLE_S / 1e6
                     for p in ports]
            samples.append((label, round(elapsed, 2), rates))
            for p in ports:
                total[p] += now[p][1] - last[p][1]
            last = now
        out, _ = client.communicate()
    finally:
        if client.poll() is None:  # interrupted: end what we started
            client.terminate()
            client.wait()
    result = json.loads(out)
    if 'error' in result:
        raise RuntimeError('iperf3: %s' % result['error'])
    end = result['end']
    all_bytes = sum(total.values()) or 1
    return (end['sum_received']['bits_per_second'] / 1e6,
            end['sum_sent'].get('retransmits', 0),
            [100.0 * total[p] / all_bytes for p in ports])


def part2(net, args, samples):
    h2 = net.get('h2')
    s1, s6 = net.get('s1', 's6')
    server = h2.popen(['iperf3', '-s', '-p', str(IPERF_PORT)])
    results = {}
    try:
        time.sleep(0.5)
        for label in RUNS:
            if label == 'kernel':
                s1.detach()
                s6.detach()
            else:
                s1.set(mode=label)
                s6.set(mode=label)
            for run in range(args.repeat):
                progress('2/3', '%s: 4 iperf3 flows for %ds (run %d of %d)%s'
                         % (label, args.duration, run + 1, args.repeat,
                            ', flowlet detached, kernel multipath route '
                            'with L4 hash' if label == 'kernel' else ''))
                results.setdefault(label, []).append(
                    iperf_run(net, label, args, samples))
    finally:
        server.terminate()
        server.wait()
    print()
    print('Four TCP flows h1 -> h2 (iperf3 -P 4, %ds, %d runs each), four '
          'paths of %g Mbit/s:' % (args.duration, args.repeat, args.bw))
    print('  %-10s %8s  %-16s %8s  %s' % ('mode', 'Mbit/s', 'per run',
                                          'retrans', 'paths used per run'))
    for label in RUNS:
        runs = results[label]
        print('  %-10s %8.1f  %-16s %8d  %s' % (
            label, sum(r[0] for r in runs) / len(runs),
            ' '.join('%.1f' % r[0] for r in runs),
            sum(r[1] for r in runs) / len(runs),
            ' '.join(str(sum(1 for share in r[2] if share > 10))
                     for r in runs)))
    print('A path carries 1/4 of the capacity: 4 paths used is the full %g '
          'Mbit/s.\necmp and the kernel hash each flow onto one path for '
          'good: colliding flows share\na path while another idles. '
          'flowlet and letflow pick blindly too (hash, random), and\nlong '
          'TCP flows seldom pause %s, so they seldom move. leastload sends '
          'each new\nflowlet to the least loaded path, which tends to spread '
          'flows that start together.\nThe numbers move from run to run; '
          'part 1 shows the flowlet mechanism itself.\n'
          % (4 * args.bw, args.timeout))


def part3(samples, out_dir, ports):
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    os.makedirs(out_dir, exist_ok=True)
    csv_path = os.path.join(out_dir, 'path-load.csv')
    with open(csv_path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['run', 'time_s'] + ['%s_mbit' % p for p in ports])
        for label, t, rates in samples:
            writer.writerow([label, t] + ['%.3f' % r for r in rates])
    fig, axes = plt.subplots(len(RUNS), 1, sharex=True, sharey=True,
                             figsize=(9, 2.2 * len(RUNS)))
    for ax, label in zip(axes, RUNS):
        rows = [(i * SAMPLE_S, rates) for i, (_, rates) in enumerate(
            (t, r) for run, t, r in samples if run == label)]
        for i, port in enumerate(ports):
            ax.plot([t for t, _ in rows], [r[i] for _, r in rows],
                    label=port)
        ax.set_title(label, loc='left', fontsize=10)
        ax.set_ylabel('Mbit/s')
        ax.grid(alpha=0.3)
    axes[0].legend(ncol=len(ports), fontsize=8, loc='upper right')
    axes[-1].set_xlabel('seconds')
    fig.suptitle('Load per path (s1 egress), 4 iperf3 flows h1 -> h2, '
                 'runs one after another')
    fig.tight_layout()
    png_path = os.path.join(out_dir, 'path-load.png')
    fig.savefig(png_path, dpi=100)
    return png_path, csv_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--bw', type=float, default=20,
                        help='Mbit/s per path (default 20)')
    parser.add_argument('--timeout', default='50ms',
                        help='flowlet timeout (default 50ms)')
    parser.add_argument('--packets', type=int, default=40,
                        help='packets of the one-flow run (default 40)')
    parser.add_argument('--gap', default='60ms',
                        help='gap between them (default 60ms)')
    parser.add_argument('--duration', type=int, default=5,
                        help='seconds per iperf3 run (default 5)')
    parser.add_argument('--repeat', type=int, default=2,
                        help='iperf3 runs per mode (default 2)')
    parser.add_argument('--out', default=os.path.join(ROOT, 'demo-out'),
                        help='where the plot and CSV go')
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error('run as root (Mininet needs it)')
    setLogLevel('warning')
    began = time.time()
    progress('0/3', 'starting the seed topology h1 - s1 - {s2..s5} - s6 - '
             'h2, %g Mbit/s per path, flowlet on s1 and s6'
             % args.bw)
    samples = []
    with seed_network(paths=4, bw=args.bw, timeout=args.timeout) as net:
        part1(net, args)
        part2(net, args, samples)
        progress('3/3', 'plotting the load per path')
        png, csv_path = part3(samples, args.out, net.get('s1').path_ports())
    print('Plot: %s\nData: %s' % (png, csv_path))
    print('Done in %.0fs; the network is down again.' % (time.time() - began))


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        print('\ndemo: interrupted; the network is down again.',
              file=sys.stderr)
        sys.exit(130)
