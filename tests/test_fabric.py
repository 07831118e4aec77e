"""A leaf-spine fabric with FRR (topo/fabric.py: 2 spines, 2 leaves, a host
on each), over IPv4 and again over IPv6 (BGP unnumbered, link-local next
hops), and in dual stack: flowlet's path groups on a leaf equal the
kernel's next hops (which BGP installs) before, during and after the failure of a link
between a spine and the remote leaf, and traffic follows them: spray's
exact split by flowlet's own per-path counters, never a packet on the
spine that lost its way to the remote leaf. Every wait is for a state
(BGP converged, a route changed), bounded; the measured reaction times
are printed, never asserted. The teardown leaves no daemon, interface or
namespace behind. Run with /usr/bin/python3 (Debian's Mininet).
"""

import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'topo'))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from mininet.log import setLogLevel  # noqa: E402

from fabric import fabric_network, fabric_topo, node_run  # noqa: E402
from flowlet_frr import alive  # noqa: E402
from flowlet_plan import host_address, host_addresses  # noqa: E402
from flowlet_routes import kernel_routes  # noqa: E402
from tap import check, main, skip  # noqa: E402

WAIT_S = 30  # a bound for every wait on BGP, never an assertion on time
PREFIX = os.environ.get('FLOWLET_TEST_PREFIX', 'tf')


def wait_for(cond, timeout=WAIT_S):
    """Waits until cond() is true; the seconds it took, or None."""
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            return None
        time.sleep(0.05)
    return time.monotonic() - start


def hops(leaf, prefix):
    """The kernel's next hops on leaf toward prefix."""
    return kernel_routes(node_run(leaf), 'main').get(prefix, [])


UDP_STREAM = os.path.join(ROOT, 'tests', 'udp_stream.py')


def spray(leaf, src, dst, dst_addr):
    """Sends about 100 datagrams of one flow from host src to host dst at
    dst_addr (IPv4 or IPv6), which receives them; how many the kernel
    took, and the packets each of leaf's paths took meanwhile, by device
    (flowlet's counters)."""
    def per_dev():
        # In dual stack a device carries a path of each family.
        packets = {}
        for path in leaf.stats()['paths']:
            packets[path['dev']] = packets.get(path['dev'], 0) + \
                path['packets']
        return packets
    receiver = dst.popen(['/usr/bin/python3', UDP_STREAM, 'recv', '--port',
                          '5001', '--idle', '1'], text=True)
    try:
        receiver.stdout.readline()  # ready
        before = per_dev()
        out = src.cmd('/usr/bin/python3', UDP_STREAM, 'send', dst_addr,
                      '--port', 5001, '--flows', 1, '--rate', 1000,
                      '--seconds', 0.1)
        after = per_dev()
    finally:
        receiver.kill()
        receiver.wait()
    sent = json.loads(out.strip().splitlines()[-1])['sent']
    return sent, {dev: after[dev] - before.get(dev, 0) for dev in after}


def even(sent, split):
    """spray's split of sent packets over two paths: exact, the odd one
    out aside."""
    return sorted(split.values()) == [sent // 2, sent - sent // 2]


class Fabric:
    """The running fabric, as the tests see it."""

    def __init__(self, net, plan):
        self.net, self.plan = net, plan
        self.sp1, self.lf1, self.lf2 = (plan.spines[0], plan.leaves[0],
                                        plan.leaves[1])
        self.remote = plan.host_prefix[plan.hosts[1]]
        self.leaf = net.get(self.lf1)
        self.h1, self.h2 = net.get(plan.hosts[0]), net.get(plan.hosts[1])
        self.h1_addr, self.h2_addr = (host_address(plan, host)
                                      for host in plan.hosts[:2])
        self.to_sp1 = plan.uplinks[self.sp1, self.lf1][0][1]

    def reach(self):
        """h1 and h2 reach each other (ping, in the plan's family)."""
        return all(src.cmd('ping -c 1 -W 2 %s >/dev/null; echo $?' % dst)
                   .strip() == '0' for src, dst in
                   ((self.h1, self.h2_addr), (self.h2, self.h1_addr)))

    def groups_match(self, what):
        """Checks that flowlet's groups on lf1 are the kernel's routes."""
        diffs, summary = self.leaf.routes_match()
        return check(not diffs, '%s flowlet\'s groups are the kernel\'s '
                     'routes (%s)' % (what, '; '.join(diffs) or summary))


def fixture_fabric():
    """2 spines x 2 leaves with FRR, spray on the leaves, IPv4; None
    without FRR. Its teardown: no daemon, no interface left."""
    yield from a_fabric('ipv4')


def fixture_fabric6():
    """The same over IPv6 only."""
    yield from a_fabric('ipv6')


def fixture_fabric46():
    """The same in dual stack: IPv4 carried over the unnumbered sessions
    too (RFC 8950: through 169.254.0.1 on each link)."""
    yield from a_fabric('dual')


def a_fabric(family):
    setLogLevel('warning')
    if not os.path.exists('/usr/lib/frr/bgpd') or not shutil.which('vtysh'):
        yield None
        return
    topo = fabric_topo(spines=2, leaves=2, hosts_per_leaf=1, prefix=PREFIX,
                       mode='spray', family=family)
    daemons = []
    with fabric_network(topo, quiet=True) as net:
        daemons = [pid for n in net.switches for pid in n.frr.pids()]
        fab = Fabric(net, topo.plan)
        fab.daemons = daemons
        yield fab
    check(not any(alive(p) for p in daemons),
          'every FRR daemon has exited after the network stopped')
    out = subprocess.run(['ip', '-o', 'link'], capture_output=True,
                         text=True, check=True).stdout
    check(PREFIX + 'lf1' not in out, 'no interface of the fabric is left')


def converged(fabric):
    if fabric is None:
        skip('FRR is not installed (apt-get install frr)')
        return
    check(len(fabric.daemons) == 8 and all(alive(p) for p in fabric.daemons),
          'zebra and bgpd run on every switch (%d daemons); BGP converged '
          'in %.1f s' % (len(fabric.daemons), fabric.net.converged_s))
    check(fabric.reach(),
          'hosts on two leaves reach each other through the fabric')


def groups(fabric):
    if fabric is None:
        skip('FRR is not installed (apt-get install frr)')
        return
    fabric.groups_match('%s:' % fabric.lf1)
    check(len(hops(fabric.leaf, fabric.remote)) == 2,
          '%s\'s route to %s goes over both spines: %s'
          % (fabric.lf1, fabric.remote, hops(fabric.leaf, fabric.remote)))
    sent, split = spray(fabric.leaf, fabric.h1, fabric.h2, fabric.h2_addr)
    check(sent > 0 and even(sent, split),
          'spray splits %d packets to %s evenly over the spines: %s'
          % (sent, fabric.h2_addr, split))


def remote_failure(fabric):
    """The link between spine 1 and the remote leaf fails: BGP withdraws
    spine 1 from lf1's route, watch follows; then it comes back."""
    if fabric is None:
        skip('FRR is not installed (apt-get install frr)')
        return
    leaf, remote = fabric.leaf, fabric.remote
    cut = time.monotonic()
    fabric.net.configLinkStatus(fabric.sp1, fabric.lf2, 'down')
    try:
        kernel_s = wait_for(lambda: len(hops(leaf, remote)) == 1)
        flowlet_s = wait_for(lambda: not leaf.routes_match()[0])
        print('# measured: the kernel\'s route on %s dropped spine 1 %s s '
              'after the link went down, flowlet\'s group %s s after'
              % (fabric.lf1, kernel_s and '%.2f' % kernel_s,
                 flowlet_s and '%.2f' % (time.monotonic() - cut)),
              flush=True)
        check(kernel_s is not None,
              'BGP withdraws spine 1 from %s\'s route to %s (within %d s)'
              % (fabric.lf1, remote, WAIT_S))
        fabric.groups_match('during the failure')
        sent, split = spray(leaf, fabric.h1, fabric.h2, fabric.h2_addr)
        check(split.get(fabric.to_sp1) == 0 and
              sum(split.values()) == sent > 0,
              'no packet goes to spine 1 while it cannot reach %s: %s of %d'
              % (fabric.lf2, split, sent))
        check(fabric.reach(), 'the hosts still reach each other')
    finally:
        fabric.net.configLinkStatus(fabric.sp1, fabric.lf2, 'up')
    kernel_s = wait_for(lambda: len(hops(leaf, remote)) == 2)
    check(kernel_s is not None,
          'the link back, BGP puts spine 1 back into %s\'s route (within '
          '%d s; took %s s)' % (fabric.lf1, WAIT_S,
                                kernel_s and '%.1f' % kernel_s))
    wait_for(lambda: not leaf.routes_match()[0])
    fabric.groups_match('after the failure')
    sent, split = spray(leaf, fabric.h1, fabric.h2, fabric.h2_addr)
    check(sent > 0 and even(sent, split),
          'spray splits %d packets over both spines again: %s'
          % (sent, split))


def share_by_dev(leaf, group):
    """Mode share on leaf: {device: capacity (bytes/s)} of group's paths."""
    stats = leaf.stats()
    devs = {p['index']: p['dev'] for p in stats['paths']}
    return {devs[e['path']]: e['capacity_bytes_per_s']
            for e in stats['share'] if e['group'] == group}


def flowlets_by_dev(leaf):
    """The flowlets each device's paths started, by flowlet's counters."""
    out = {}
    for path in leaf.stats()['paths']:
        out[path['dev']] = out.get(path['dev'], 0) + path['flowlets']
    return out


def remote_slow(fabric):
    """Mode share on the leaves; spine 1's link to the far leaf at 1
    Mbit/s (a queue of up to 50 ms). Four cubic TCP flows from h1 to h2:
    while lf1 knows no capacity they spread by their count, and a flow
    with three others beside it and an empty path beside that (gain 4)
    moves after 600 KB, so spine 1 carries one at least, its queue fills,
    and lf1's probes through spine 1 to h2 wait in it: lf1 measures the
    path through spine 1 at what it carries, a tenth of the other's. Then
    a stream of new flows of a packet each: lf1 sends fewer of them to
    spine 1 than to spine 2 (by the rule, none while the estimate stands,
    10 s after its last full look; the 3 s counted begin within a second
    of the measurement)."""
    if fabric is None:
        skip('FRR is not installed (apt-get install frr)')
        return
    leaf, net = fabric.leaf, fabric.net
    sp1 = net.get(fabric.sp1)
    slow = fabric.plan.uplinks[fabric.sp1, fabric.lf2][0][0]
    to_sp2 = fabric.plan.uplinks[fabric.plan.spines[1], fabric.lf1][0][1]
    group = [g['group'] for g in leaf.stats()['groups']
             if fabric.remote in g['routes']]
    server = client = flood = None
    try:
        for node in (leaf, net.get(fabric.lf2)):
            node.set(mode='share')
        sp1.cmd('tc qdisc replace dev %s root tbf rate 1mbit burst 4kb '
                'latency 50ms' % slow)
        server = fabric.h2.popen(['iperf3', '-s', '-1', '-p', '5299'])
        time.sleep(0.5)
        client = fabric.h1.popen(['iperf3', '-c', fabric.h2_addr, '-p',
                                  '5299', '-P', '4', '-t', '60', '-C',
                                  'cubic'])

        def measured():
            caps = share_by_dev(leaf, group[0]) if group else {}
            return (caps.get(fabric.to_sp1, 0) > 0 and
                    caps.get(to_sp2, 0) > 10 * caps[fabric.to_sp1])
        took = wait_for(measured, 60)
        check(took is not None,
              '%s measures the path through spine 1 at under a tenth of '
              'the other (%s, bytes/s)'
              % (fabric.lf1, group and share_by_dev(leaf, group[0])))
        before = flowlets_by_dev(leaf)
        flood = fabric.h1.popen(['/usr/bin/python3', UDP_STREAM, 'flood',
                                 fabric.h2_addr, '--rate', '500',
                                 '--seconds', '3'])
        flood.wait()
        after = flowlets_by_dev(leaf)
        new = {dev: after[dev] - before.get(dev, 0) for dev in after}
        check(new.get(fabric.to_sp1, 0) < new.get(to_sp2, 0),
              'then it sends spine 1 fewer new flowlets than spine 2: %s'
              % new)
    finally:
        for proc in (flood, client, server):
            if proc:
                proc.kill()
                proc.wait()
        sp1.cmd('tc qdisc del dev %s root' % slow)
        for node in (leaf, net.get(fabric.lf2)):
            node.set(mode='spray')


def test_converged(fabric):
    converged(fabric)


def test_groups(fabric):
    groups(fabric)


def test_remote_failure(fabric):
    remote_failure(fabric)


def test_remote_slow(fabric):
    remote_slow(fabric)


def test_converged6(fabric6):
    converged(fabric6)


def test_groups6(fabric6):
    groups(fabric6)


def test_remote_failure6(fabric6):
    remote_failure(fabric6)


def test_dual_stack(fabric46):
    """Both families over the same sessions: each remote subnet over both
    spines, flowlet's groups the kernel's routes, spray's split in
    each family."""
    if fabric46 is None:
        skip('FRR is not installed (apt-get install frr)')
        return
    fab = fabric46
    fab.groups_match('%s, both families:' % fab.lf1)
    remote = fab.plan.speakers[fab.lf2].networks
    check(len(remote) == 2 and all(len(hops(fab.leaf, net)) == 2
                                   for net in remote),
          '%s reaches %s over both spines: %s' % (
              fab.lf1, ' and '.join(remote),
              [hops(fab.leaf, net) for net in remote]))
    for addr in host_addresses(fab.plan, fab.plan.hosts[1]):
        sent, split = spray(fab.leaf, fab.h1, fab.h2, addr)
        check(sent > 0 and even(sent, split),
              'spray splits %d packets to %s evenly over the spines: %s'
              % (sent, addr, split))


if __name__ == '__main__':
    main(globals())
