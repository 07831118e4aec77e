"""Mininet end to end: the seed topology with FlowletSwitch on s1 and s6,
then the Weighted Tunnels topology with FlowletHost h1.

Seed: connectivity both ways, flowletctl from a Mininet host, one flow
with gaps spreading over the paths in flowlet mode and staying on one in
ecmp mode (by the kernel's interface counters). Tunnels: h1 splits its own
traffic over its two uplinks by weight, changed live, exactly under spray,
UDP and TCP. Each teardown leaves no interface and no process behind. Node names carry a prefix of this run's
own, so that the test never touches another network.
Run with /usr/bin/python3 (Debian's Mininet).
"""

import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'topo'))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from mininet.log import setLogLevel  # noqa: E402

from flowlet_plan import H2  # noqa: E402
from flowlet_mininet import send_flow, tx_counters  # noqa: E402
from flowlet_topos import seed_network, tunnels_network  # noqa: E402
from tap import check, main  # noqa: E402
from traffic import end_process  # noqa: E402

FLOWLETCTL = os.path.join(ROOT, 'flowletctl')
# tests/run.sh chooses the prefix and checks that nothing named so is left;
# interface names must stay under 16 characters.
PREFIX = os.environ.get('FLOWLET_TEST_PREFIX', 'm%d' % (os.getpid() % 10000))


def root_links(prefix):
    out = subprocess.run(['ip', '-o', 'link'], capture_output=True,
                         text=True, check=True).stdout
    return [line.split(':')[1].strip() for line in out.splitlines()
            if line.split(':')[1].strip().startswith(prefix)]


def iperf_once(h1, h2, args):
    """iperf3 args from h1 against a one-off server on h2; its JSON."""
    server = h2.popen(['iperf3', '-s', '-1', '-p', '5299'],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if h2.cmd('ss -ltnH "sport = :5299"').strip():
                break
            time.sleep(0.05)
        return h1.cmd('iperf3 -c', H2, '-p 5299 -J', *args)
    finally:
        end_process(server)


def torn_down(pids):
    """The teardown checks: no interface, no node process, no watcher."""
    check(not root_links(PREFIX),
          'no interface of this network is left: %s' % root_links(PREFIX))
    alive = [pid for pid in pids if os.path.exists('/proc/%d' % pid)]
    check(pids and not alive,
          'every node process and watcher is gone (%d)' % len(pids))


def fixture_seed():
    """The seed network, FlowletSwitch on s1 and s6: (net, h1, h2, s1,
    s6)."""
    setLogLevel('warning')
    pids = []
    with seed_network(paths=4, timeout='20ms', prefix=PREFIX,
                      seed=4242) as net:
        nodes = [net.get(PREFIX + n) for n in ('h1', 'h2', 's1', 's6')]
        pids = [node.pid for node in net.hosts + net.switches]
        pids += [s.watcher.pid for s in nodes[2:]]
        yield [net] + nodes
    torn_down(pids)


def test_watcher(seed):
    s1 = seed[3]
    out = s1.cmd(FLOWLETCTL, 'status', '--json')
    check('"watcher_pid":%d' % s1.watcher.pid in out,
          'FlowletSwitch runs flowletctl watch (status: %s)' % out.strip())


def test_ping(seed):
    net, h1, h2 = seed[:3]
    check(net.ping([h1, h2], timeout=2) == 0,
          'pingall: h1 <-> h2 in both directions')


def test_stats(seed):
    net, h1, h2, s1, s6 = seed
    out = s1.cmd(FLOWLETCTL, 'stats', s1.ingress)
    check('mode flowlet, timeout 20ms' in out,
          'flowletctl stats from the Mininet host s1')
    seeds = (json.loads(s1.cmd(FLOWLETCTL, 'stats', s1.ingress,
                               '--json'))['hash_seed'],
             s1.cmd('sysctl -n net.ipv4.fib_multipath_hash_seed').strip())
    check(seeds == (4242, '4242'),
          'seed=4242: flowlet\'s hash seed and the kernel\'s multipath '
          'hash seed on s1: %s, %s' % seeds)
    net.ping([h1, h2], timeout=2)
    out = s6.cmd(FLOWLETCTL, 'stats', s6.ingress, '--json')
    check('"redirected":0,' not in out and '"redirected"' in out,
          'the reverse direction went through flowlet on s6')


def test_flowlet_spread(seed):
    h1, s1 = seed[1], seed[3]
    s1.set(mode='flowlet')
    # Each packet is a flowlet on 1 of 4 paths: a path gets fewer than 5
    # of 100 with probability 1.8e-8 (1 run in 10^7 fails).
    spread = send_flow(h1, s1, H2, 100, '30ms', sport=4000)
    check(min(spread) >= 5,
          'flowlet: 100 packets of one flow 30ms apart (timeout 20ms) '
          'spread over all 4 paths, >= 5 each: %s' % spread)


def test_ecmp(seed):
    h1, s1 = seed[1], seed[3]
    # Exact: the neighbours are static, nothing else crosses s1.
    s1.set(mode='ecmp')
    spread = send_flow(h1, s1, H2, 40, '30ms', sport=4001)
    check(sorted(spread) == [0, 0, 0, 40],
          'ecmp: the same flow pattern stays on one path: %s' % spread)


def fixture_tunnels():
    """The Weighted Tunnels network, h1 splitting its own traffic at
    tc-egress: (net, h1, h2)."""
    setLogLevel('warning')
    pids = []
    with tunnels_network(prefix=PREFIX, mode='spray', weights=[7, 3],
                         seed=4242) as net:
        h1, h2 = net.get(PREFIX + 'h1', PREFIX + 'h2')
        pids = [n.pid for n in net.hosts + net.switches] + [h1.watcher.pid]
        yield net, h1, h2
    torn_down(pids)


def test_tunnels_host(tunnels):
    net, h1, h2 = tunnels
    out = h1.cmd(FLOWLETCTL, 'status')
    check('%s: flowlet (tc-egress' % h1.ingress in out,
          'FlowletHost h1 runs flowlet at tc-egress: %s' % out.strip())
    check(net.ping([h1, h2], timeout=2) == 0,
          'pingall: h1 <-> h2 with h1 splitting its own packets')


def test_tunnels_weights(tunnels):
    h1 = tunnels[1]
    # Exact: spray's cursor is shared, 100 packets are ten rounds of the
    # 10-slot sequence wherever it starts, and with static neighbours
    # nothing else leaves h1.
    for weights in ([7, 3], [3, 7], [5, 5]):
        h1.set(weights=weights)
        split = send_flow(h1, h1, H2, 100, '1ms', sport=4100)
        check(split == [10 * w for w in weights],
              'spray %d,%d set live: h1\'s own 100 packets leave by its '
              'uplinks %s (interface counters)' % (*weights, split))


def test_tunnels_transfers(tunnels):
    _, h1, h2 = tunnels
    h1.set(weights=[5, 5])
    for proto, args in (('UDP', ['-u', '-b', '20M', '-l', '1400',
                                 '-n', '1M']),
                        ('TCP', ['-n', '4M'])):
        ports = h1.path_ports()
        before = tx_counters(h1, ports)
        out = iperf_once(h1, h2, args)
        after = tx_counters(h1, ports)
        sent = [after[p][0] - before[p][0] for p in ports]
        # A partial round of the 10-slot sequence is at most 7 off.
        check('"end"' in out and '"error"' not in out
              and abs(sent[0] - 0.5 * sum(sent)) <= 7,
              '%s through h1\'s spray 5,5: %s packets by uplink (half '
              'each, within one round)' % (proto, sent))


if __name__ == '__main__':
    main(globals())
