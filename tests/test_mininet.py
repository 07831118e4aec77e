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

from mininet.log import setLogLevel  # noqa: E402

from flowlet_mininet import (seed_network, send_flow,  # noqa: E402
                             tunnels_network, tx_counters)
from traffic import end_process  # noqa: E402

FLOWLETCTL = os.path.join(ROOT, 'flowletctl')
RESULTS = {'passed': 0, 'failed': 0}


def check(ok, what):
    RESULTS['passed' if ok else 'failed'] += 1
    print('%s - %s' % ('ok  ' if ok else 'FAIL', what), flush=True)


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
        return h1.cmd('iperf3 -c 10.0.6.2 -p 5299 -J', *args)
    finally:
        end_process(server)


def tunnels(prefix):
    """The tunnels checks; the pids of the processes the network ran."""
    with tunnels_network(prefix=prefix, mode='spray', weights=[7, 3],
                         seed=4242) as net:
        h1, h2 = net.get(prefix + 'h1', prefix + 'h2')
        pids = [n.pid for n in net.hosts + net.switches] + [h1.watcher.pid]
        out = h1.cmd(FLOWLETCTL, 'status')
        check('%s: flowlet (tc-egress' % h1.ingress in out,
              'FlowletHost h1 runs flowlet at tc-egress: %s' % out.strip())
        check(net.ping([h1, h2], timeout=2) == 0,
              'pingall: h1 <-> h2 with h1 splitting its own packets')
        # Exact: spray's cursor is shared, 100 packets are ten rounds of
        # the 10-slot sequence wherever it starts, and with static
        # neighbours nothing else leaves h1.
        for weights in ([7, 3], [3, 7], [5, 5]):
            h1.set(weights=weights)
            split = send_flow(h1, h1, '10.0.6.2', 100, '1ms', sport=4100)
            check(split == [10 * w for w in weights],
                  'spray %d,%d set live: h1\'s own 100 packets leave by '
                  'its uplinks %s (interface counters)' % (*weights, split))
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
                  '%s through h1\'s spray 5,5: %s packets by uplink '
                  '(half each, within one round)' % (proto, sent))
    return pids


def main():
    setLogLevel('warning')
    # tests/run.sh chooses the prefix and checks that nothing named so is
    # left; interface names must stay under 16 characters.
    prefix = os.environ.get('FLOWLET_TEST_PREFIX',
                            'm%d' % (os.getpid() % 10000))
    pids = []
    try:
        with seed_network(paths=4, timeout='20ms', prefix=prefix,
                          seed=4242) as net:
            h1, h2, s1, s6 = (net.get(prefix + n)
                              for n in ('h1', 'h2', 's1', 's6'))
            pids = [node.pid for node in net.hosts + net.switches]
            watchers = [s.watcher.pid for s in (s1, s6)]
            pids += watchers
            out = s1.cmd(FLOWLETCTL, 'status', '--json')
            check('"watcher_pid":%d' % watchers[0] in out,
                  'FlowletSwitch runs flowletctl watch (status: %s)'
                  % out.strip())
            check(net.ping([h1, h2], timeout=2) == 0,
                  'pingall: h1 <-> h2 in both directions')
            out = s1.cmd(FLOWLETCTL, 'stats', s1.ingress)
            check('mode flowlet, timeout 20ms' in out,
                  'flowletctl stats from the Mininet host s1')
            seeds = (json.loads(s1.cmd(FLOWLETCTL, 'stats', s1.ingress,
                                       '--json'))['hash_seed'],
                     s1.cmd('sysctl -n net.ipv4.fib_multipath_hash_seed')
                     .strip())
            check(seeds == (4242, '4242'),
                  'seed=4242: flowlet\'s hash seed and the kernel\'s '
                  'multipath hash seed on s1: %s, %s' % seeds)
            out = s6.cmd(FLOWLETCTL, 'stats', s6.ingress, '--json')
            check('"redirected":0,' not in out and '"redirected"' in out,
                  'the reverse direction went through flowlet on s6')

            # Each packet is a flowlet on 1 of 4 paths: a path gets fewer
            # than 5 of 100 with probability 1.8e-8 (1 run in 10^7 fails).
            spread = send_flow(h1, s1, '10.0.6.2', 100, '30ms', sport=4000)
            check(min(spread) >= 5,
                  'flowlet: 100 packets of one flow 30ms apart (timeout '
                  '20ms) spread over all 4 paths, >= 5 each: %s' % spread)
            # Exact: the neighbours are static, nothing else crosses s1.
            s1.set(mode='ecmp')
            spread = send_flow(h1, s1, '10.0.6.2', 40, '30ms', sport=4001)
            check(sorted(spread) == [0, 0, 0, 40],
                  'ecmp: the same flow pattern stays on one path: %s'
                  % spread)
    except Exception as err:  # pylint: disable=broad-except
        check(False, 'the seed network: %s' % err)

    check(not root_links(prefix),
          'teardown: no interface of this network is left: %s'
          % root_links(prefix))
    alive = [pid for pid in pids if os.path.exists('/proc/%d' % pid)]
    check(pids and not alive,
          'teardown: every node process and watcher is gone (%d)'
          % len(pids))
    pids = []
    try:
        pids = tunnels(prefix)
    except Exception as err:  # pylint: disable=broad-except
        check(False, 'the tunnels network: %s' % err)
    check(not root_links(prefix),
          'tunnels teardown: no interface is left: %s' % root_links(prefix))
    alive = [pid for pid in pids if os.path.exists('/proc/%d' % pid)]
    check(pids and not alive,
          'tunnels teardown: every node process and watcher is gone (%d)'
          % len(pids))
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
