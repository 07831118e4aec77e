"""Traffic through flowlet's topologies (flowlet_mininet.py), for the demo
and the experiments: iperf3 and tools/flowgen.py flows h1 -> h2 with the
load each path carried sampled from its interface counters, the hosts' TCP counters
(nstat) and the machine's CPU use over the same interval. Run with
/usr/bin/python3, as root."""

import collections
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

from flowlet_mininet import tx_counters

IPERF_PORT = 5201
FLOWGEN_PORT = 5301
FLOWGEN = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'tools', 'flowgen.py')

# What a run reports. mbit: goodput at the receiver (UDP: what arrived);
# retrans: the sender's TcpRetransSegs; ofo: the receiver's
# TcpExtTCPOFOQueue (segments that arrived out of order); path_bytes:
# bytes each path delivered (see delivered()); samples: (seconds,
# [Mbit/s per path]); cpu: the busiest sample's share of both cores in
# use; ports: the data streams' source ports (with the seeds, what makes
# a run repeat).
Run = collections.namedtuple(
    'Run', 'mbit retrans ofo lost path_bytes samples cpu ports')

NSTAT = ('TcpRetransSegs', 'TcpExtTCPOFOQueue')


def use_mode(net, mode, nodes=None, **settings):
    """Balances with mode on nodes (default s1 and s6, which balance h1 <->
    h2 in the seed topology; 'kernel': flowlet detached, the kernel's
    multipath routes forward), then applies settings (timeout=,
    weights=, as for `flowletctl set`)."""
    for switch in nodes or net.get('s1', 's6'):
        if mode == 'kernel':
            if switch.attached:
                switch.detach()
            continue
        if not switch.attached:
            switch.attach()
        switch.set(mode=mode, **settings)


def nstat(host):
    """{counter: absolute value} of NSTAT in host's namespace (-s: the
    history file, shared by every namespace, is left alone)."""
    values = dict.fromkeys(NSTAT, 0)
    for line in host.cmd('nstat -asz', *NSTAT).splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] in values:
            values[fields[0]] = int(fields[1])
    return values


def cpu_ticks():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open('/proc/stat') as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def end_process(proc, wait=5):
    """SIGTERM, then SIGKILL if it is still there after wait seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Stuck(RuntimeError):
    """A client ran 30 s longer than it was asked to."""


def iperf(net, flows, seconds, udp=False, mbit=None, interval=0.5,
          on_tick=None, port=IPERF_PORT):
    """flows parallel iperf3 streams h1 -> h2 for seconds, TCP or UDP, at
    most mbit per stream (UDP: exactly; TCP: no limit when None).
    on_tick(seconds since start) is called at every sample. Returns a
    Run. The server is a one-off (`-1`): an iperf3 server that lost a UDP
    stream's first datagram waits for it for good, and so would every
    later client of a long-lived one."""
    cmd = ['iperf3', '-c', net.topo.plan.target, '-p', str(port),
           '-P', str(flows),
           '-t', str(seconds), '-J', '--connect-timeout', '3000']
    if udp:
        cmd += ['-u', '-l', '1400']
    if mbit:
        cmd += ['-b', '%gM' % mbit]
    if getattr(net, 'tcp_cc', None) and not udp:
        cmd += ['-C', net.tcp_cc]
    for attempt in (1, 2, 3):
        try:
            out, seen = observe(net, ['iperf3', '-s', '-1', '-p', str(port)],
                                port, cmd, seconds, interval, on_tick)
            break
        except Stuck:
            if attempt == 3:
                raise
            print('iperf3 did not finish; once more', file=sys.stderr,
                  flush=True)
    result = json.loads(out)
    if 'error' in result:
        raise RuntimeError('iperf3: %s' % result['error'])
    end = result['end']
    if udp:
        goodput = end['sum']['bits_per_second'] * (
            1 - end['sum'].get('lost_percent', 0) / 100) / 1e6
        lost = end['sum'].get('lost_packets', 0)
    else:
        goodput = end['sum_received']['bits_per_second'] / 1e6
        lost = 0
    ports = [s['local_port'] for s in result['start']['connected']]
    return seen._replace(mbit=goodput, lost=lost, ports=ports)


def flowgen(net, seconds, out, *args, interval=0.5, port=FLOWGEN_PORT,
            hosts=('h1', 'h2'), on_tick=None, target=None):
    """tools/flowgen.py's client on hosts[0] (args: its options) against
    its server on hosts[1] at target (default: the plan's target in the
    seed topologies, else hosts[1]'s IPv4 address), for about seconds;
    returns (Run without mbit, lost and ports; [(start s, bytes,
    completion s or None, source port)])."""
    if getattr(net, 'tcp_cc', None):
        args += ('--cc', net.tcp_cc)
    if target is None:
        target = (net.topo.plan.target if hosts == ('h1', 'h2')
                  else net.get(hosts[1]).IP())
    _, seen = observe(net, [FLOWGEN, 'server', '--port', str(port)], port,
                      [FLOWGEN, 'client', target, '--port', str(port),
                       '--out', out] + [str(a) for a in args],
                      seconds, interval, on_tick, hosts)
    flows = []
    with open(out) as rows:
        for row in csv.DictReader(rows):
            flows.append((float(row['start_s']), int(row['bytes']),
                          float(row['fct_s']) if row['fct_s'] else None,
                          row['sport']))
    return seen, flows


def delivered(net):
    """Bytes each path has carried so far, where the plan counts them
    (plan.counted): in the seed topology, what its middle switch sent
    towards h2's side, after the path's shaper (s1's own port counters
    would count what the shaper then drops too); in the tunnels
    topology, what h1 sent by each uplink (the split it made)."""
    return [tx_counters(net.get(node), [port])[port][1]
            for node, port in net.topo.plan.counted]


def observe(net, server_cmd, port, client_cmd, seconds, interval, on_tick,
            hosts=('h1', 'h2')):
    """Runs server_cmd on hosts[1] until it listens on port, then
    client_cmd on hosts[0], sampling delivered() every interval seconds;
    a client still running 30 s after seconds is ended (an error). Ends
    both. Returns the client's output and a Run with the counters (mbit,
    lost and ports empty)."""
    h1, h2 = net.get(*hosts)
    server = h2.popen(server_cmd, stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL)
    client = None
    try:
        deadline = time.monotonic() + 5
        while ':%d ' % port not in h2.cmd('ss -ltnH'):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError('%s did not start on %s'
                                   % (server_cmd[0], h2.name))
            time.sleep(0.05)
        sent0, got0 = nstat(h1), nstat(h2)
        # Into a file, not a pipe: iperf3 -J writes its whole report at
        # the end (16 streams of 12 s: more than a pipe holds), and a
        # pipe nobody reads until the client ends would block it.
        report = tempfile.TemporaryFile()
        client = h1.popen(client_cmd, stdout=report,
                          stderr=subprocess.DEVNULL)
        start = time.monotonic()
        last = delivered(net)
        first = last
        ticks = cpu_ticks()
        samples, cpu = [], 0.0
        while client.poll() is None:
            time.sleep(interval)
            elapsed = time.monotonic() - start
            if elapsed > seconds + 30:
                raise Stuck('%s did not finish' % client_cmd[0])
            now = delivered(net)
            busy, total = cpu_ticks()
            if total > ticks[1]:
                cpu = max(cpu, (busy - ticks[0]) / (total - ticks[1]))
            ticks = (busy, total)
            samples.append((round(elapsed, 2),
                            [(n - b) * 8 / interval / 1e6
                             for n, b in zip(now, last)]))
            last = now
            if on_tick:
                on_tick(elapsed)
        client.wait()
        report.seek(0)
        out = report.read().decode()
        report.close()
        sent1, got1 = nstat(h1), nstat(h2)
    finally:
        if client:
            end_process(client)
        end_process(server)
    return out, Run(
        mbit=None, lost=None, ports=None,
        retrans=sent1['TcpRetransSegs'] - sent0['TcpRetransSegs'],
        ofo=got1['TcpExtTCPOFOQueue'] - got0['TcpExtTCPOFOQueue'],
        path_bytes=[n - b for n, b in zip(last, first)],
        samples=samples, cpu=cpu)


def telemetry_delta(before, after):
    """From two `stats --json` readings of one instance: (flowlets
    started, {bucket's lower bound: flowlets that ended} in packets)
    between them."""
    def sizes(stats):
        return {b['from']: b['flowlets']
                for b in stats.get('histograms', {}).get('flowlet_packets',
                                                         [])}
    then, now = sizes(before), sizes(after)
    return (after['flowlets'] - before['flowlets'],
            {k: v - then.get(k, 0) for k, v in now.items()
             if v - then.get(k, 0)})


def hist_median(buckets):
    """The lower bound of the bucket that holds the median, or None."""
    total = sum(buckets.values())
    seen = 0
    for low in sorted(buckets):
        seen += buckets[low]
        if 2 * seen >= total:
            return low
    return None


def paths_used(path_bytes, share=0.05):
    """Paths that carried at least share of the bytes."""
    total = sum(path_bytes) or 1
    return sum(1 for b in path_bytes if b >= share * total)


def imbalance(path_bytes):
    """max/mean of the paths' loads (1: even)."""
    mean = sum(path_bytes) / len(path_bytes)
    return max(path_bytes) / mean if mean else 0.0


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
