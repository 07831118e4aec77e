"""A leaf-spine fabric with FRR (topo/fabric.py: 2 spines, 2 leaves, a host
on each): flowlet's path groups on a leaf equal the kernel's next hops
(which BGP installs) before, during and after the failure of a link
between a spine and the remote leaf, and traffic follows them: spray's
exact split by flowlet's own per-path counters, never a packet on the
spine that lost its way to the remote leaf. Every wait is for a state
(BGP converged, a route changed), bounded; the measured reaction times
are printed, never asserted. The teardown leaves no daemon, interface or
namespace behind. Run with /usr/bin/python3 (Debian's Mininet).
"""

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
from flowlet_mininet import SEND  # noqa: E402
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


def spray(leaf, src, dst_ip, count=100):
    """Sends count packets of one flow from src; the packets each of
    leaf's paths took, by device (flowlet's counters)."""
    def per_dev():
        return {p['dev']: p['packets'] for p in leaf.stats()['paths']}
    before = per_dev()
    src.cmd(SEND, '--quiet', '--sport', 4321, dst_ip, count, 0)
    after = per_dev()
    return {dev: after[dev] - before.get(dev, 0) for dev in after}


class Fabric:
    """The running fabric, as the tests see it."""

    def __init__(self, net, plan):
        self.net, self.plan = net, plan
        self.sp1, self.lf1, self.lf2 = (plan.spines[0], plan.leaves[0],
                                        plan.leaves[1])
        self.remote = plan.host_prefix[plan.hosts[1]]
        self.leaf = net.get(self.lf1)
        self.h1, self.h2 = net.get(plan.hosts[0]), net.get(plan.hosts[1])
        self.to_sp1 = plan.uplinks[self.sp1, self.lf1][0][1]

    def groups_match(self, what):
        """Checks that flowlet's groups on lf1 are the kernel's routes."""
        diffs, summary = self.leaf.routes_match()
        return check(not diffs, '%s flowlet\'s groups are the kernel\'s '
                     'routes (%s)' % (what, '; '.join(diffs) or summary))


def fixture_fabric():
    """2 spines x 2 leaves with FRR, spray on the leaves; None without
    FRR. Its teardown: no daemon, no interface left."""
    setLogLevel('warning')
    if not os.path.exists('/usr/lib/frr/bgpd') or not shutil.which('vtysh'):
        yield None
        return
    topo = fabric_topo(spines=2, leaves=2, hosts_per_leaf=1, prefix=PREFIX,
                       mode='spray')
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


def test_converged(fabric):
    if fabric is None:
        skip('FRR is not installed (apt-get install frr)')
        return
    check(len(fabric.daemons) == 8 and all(alive(p) for p in fabric.daemons),
          'zebra and bgpd run on every switch (%d daemons); BGP converged '
          'in %.1f s' % (len(fabric.daemons), fabric.net.converged_s))
    check(fabric.net.ping([fabric.h1, fabric.h2], timeout=2) == 0,
          'hosts on two leaves reach each other through the fabric')


def test_groups(fabric):
    if fabric is None:
        skip('FRR is not installed (apt-get install frr)')
        return
    fabric.groups_match('%s:' % fabric.lf1)
    check(len(hops(fabric.leaf, fabric.remote)) == 2,
          '%s\'s route to %s goes over both spines'
          % (fabric.lf1, fabric.remote))
    split = spray(fabric.leaf, fabric.h1, fabric.h2.IP())
    check(sorted(split.values()) == [50, 50],
          'spray splits 100 packets to %s evenly over the spines: %s'
          % (fabric.h2.IP(), split))


def test_remote_failure(fabric):
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
        split = spray(leaf, fabric.h1, fabric.h2.IP())
        check(split.get(fabric.to_sp1) == 0 and sum(split.values()) == 100,
              'no packet goes to spine 1 while it cannot reach %s: %s'
              % (fabric.lf2, split))
        check(fabric.net.ping([fabric.h1, fabric.h2], timeout=2) == 0,
              'the hosts still reach each other')
    finally:
        fabric.net.configLinkStatus(fabric.sp1, fabric.lf2, 'up')
    kernel_s = wait_for(lambda: len(hops(leaf, remote)) == 2)
    check(kernel_s is not None,
          'the link back, BGP puts spine 1 back into %s\'s route (within '
          '%d s; took %s s)' % (fabric.lf1, WAIT_S,
                                kernel_s and '%.1f' % kernel_s))
    wait_for(lambda: not leaf.routes_match()[0])
    fabric.groups_match('after the failure')
    split = spray(leaf, fabric.h1, fabric.h2.IP())
    check(sorted(split.values()) == [50, 50],
          'spray splits over both spines again: %s' % split)


if __name__ == '__main__':
    main(globals())
