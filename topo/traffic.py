"""Traffic through the seed topology, for the demo and the experiments:
iperf3 flows h1 -> h2 with the load on each of s1's paths sampled from its
interface counters, the hosts' TCP counters (nstat) and the machine's CPU
use over the same interval. Run with /usr/bin/python3, as root."""

import collections
import json
import subprocess
import sys
import time

IPERF_PORT = 5201

# What a run reports. mbit: goodput at the receiver (UDP: what arrived);
# retrans: the sender's TcpRetransSegs; ofo: the receiver's
# TcpExtTCPOFOQueue (segments that arrived out of order); path_bytes:
# bytes each of s1's path ports sent; samples: (seconds, [Mbit/s per
# path]); cpu: the busiest sample's share of both cores in use; ports: the
# data streams' source ports (with the seeds, what makes a run repeat).
Run = collections.namedtuple(
    'Run', 'mbit retrans ofo lost path_bytes samples cpu ports')

NSTAT = ('TcpRetransSegs', 'TcpExtTCPOFOQueue')


def use_mode(net, mode, **settings):
    """Balances h1 <-> h2 with mode on s1 and s6 ('kernel': flowlet
    detached, the kernel's multipath routes forward), then applies
    settings (timeout=, weights=, as for `flowletctl set`)."""
    for switch in net.get('s1', 's6'):
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


class Stuck(Exception):
    """iperf3 did not finish in time."""


def end_process(proc, wait=5):
    """SIGTERM, then SIGKILL if it is still there after wait seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def iperf(net, flows, seconds, udp=False, mbit=None, interval=0.5,
          on_tick=None, port=IPERF_PORT, attempts=3):
    """flows parallel iperf3 streams h1 -> h2 for seconds, TCP or UDP, at
    most mbit per stream (UDP: exactly; TCP: no limit when None). on_tick(seconds since start) is called at every
    sample. Returns a Run. Each attempt has a server of its own (`-1`,
    one test): an iperf3 server that lost a UDP stream's first datagram
    waits for it for good, and so would every later client. A run that
    takes 20 s longer than asked is ended and tried again."""
    for attempt in range(attempts):
        try:
            return _iperf_once(net, flows, seconds, udp, mbit, interval,
                               on_tick, port)
        except Stuck:
            print('iperf3 did not finish (attempt %d of %d)'
                  % (attempt + 1, attempts), file=sys.stderr, flush=True)
    raise RuntimeError('iperf3 did not finish %d times' % attempts)


def _iperf_once(net, flows, seconds, udp, mbit, interval, on_tick, port):
    h1, h2, s1 = net.get('h1', 'h2', 's1')
    paths = s1.path_ports()
    server = h2.popen(['iperf3', '-s', '-1', '-p', str(port)],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = None
    try:
        deadline = time.monotonic() + 5
        while ':%d ' % port not in h2.cmd('ss -ltnH'):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError('iperf3 -s did not start on h2')
            time.sleep(0.05)
        cmd = ['iperf3', '-c', '10.0.6.2', '-p', str(port), '-P',
               str(flows), '-t', str(seconds), '-J', '--connect-timeout',
               '3000']
        if udp:
            cmd += ['-u', '-l', '1400']
        if mbit:
            cmd += ['-b', '%gM' % mbit]
        sent0, got0 = nstat(h1), nstat(h2)
        client = h1.popen(cmd, stderr=subprocess.DEVNULL)
        start = time.monotonic()
        last = s1.tx_counters(paths)
        first = last
        ticks = cpu_ticks()
        samples, cpu = [], 0.0
        while client.poll() is None:
            time.sleep(interval)
            elapsed = time.monotonic() - start
            if elapsed > seconds + 20:
                raise Stuck()
            now = s1.tx_counters(paths)
            busy, total = cpu_ticks()
            if total > ticks[1]:
                cpu = max(cpu, (busy - ticks[0]) / (total - ticks[1]))
            ticks = (busy, total)
            samples.append((round(elapsed, 2),
                            [(now[p][1] - last[p][1]) * 8 / interval / 1e6
                             for p in paths]))
            last = now
            if on_tick:
                on_tick(elapsed)
        out, _ = client.communicate()
        sent1, got1 = nstat(h1), nstat(h2)
    finally:
        if client:
            end_process(client)
        end_process(server)
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
    return Run(mbit=goodput,
               retrans=sent1['TcpRetransSegs'] - sent0['TcpRetransSegs'],
               ofo=got1['TcpExtTCPOFOQueue'] - got0['TcpExtTCPOFOQueue'],
               lost=lost,
               path_bytes=[last[p][1] - first[p][1] for p in paths],
               samples=samples, cpu=cpu, ports=ports)


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
