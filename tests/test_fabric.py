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

from mininet.log import setLogLevel  # noqa: E402

from fabric import fabric_network, fabric_topo, node_run  # noqa: E402
from flowlet_frr import alive  # noqa: E402
from flowlet_mininet import SEND  # noqa: E402
from flowlet_routes import kernel_routes  # noqa: E402

RESULTS = {'passed': 0, 'failed': 0, 'skipped': 0}
WAIT_S = 30  # a bound for every wait on BGP, never an assertion on time


def check(ok, what):
    RESULTS['passed' if ok else 'failed'] += 1
    print('%s - %s' % ('ok  ' if ok else 'FAIL', what), flush=True)


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


def main():
    setLogLevel('warning')
    if not os.path.exists('/usr/lib/frr/bgpd') or not shutil.which('vtysh'):
        RESULTS['skipped'] += 1
        print('skip - FRR is not installed (apt-get install frr)')
        return
    prefix = os.environ.get('FLOWLET_TEST_PREFIX', 'tf')
    topo = fabric_topo(spines=2, leaves=2, hosts_per_leaf=1, prefix=prefix,
                       mode='spray')
    plan = topo.plan
    sp1, lf1, lf2 = plan.spines[0], plan.leaves[0], plan.leaves[1]
    remote = plan.host_prefix[plan.hosts[1]]
    daemons = []
    with fabric_network(topo, quiet=True) as net:
        leaf, h1, h2 = net.get(lf1), net.get(plan.hosts[0]), \
            net.get(plan.hosts[1])
        to_sp1 = plan.uplinks[sp1, lf1][0][1]
        daemons = [pid for n in net.switches for pid in n.frr.pids()]
        check(len(daemons) == 8 and all(alive(p) for p in daemons),
              'zebra and bgpd run on every switch (%d daemons); BGP '
              'converged in %.1f s' % (len(daemons), net.converged_s))
        check(net.ping([h1, h2], timeout=2) == 0,
              'hosts on two leaves reach each other through the fabric')
        diffs, summary = leaf.routes_match()
        check(not diffs and len(hops(leaf, remote)) == 2,
              '%s: flowlet\'s groups are the kernel\'s routes (%s): %s '
              'over both spines' % (lf1, '; '.join(diffs) or summary,
                                    remote))
        split = spray(leaf, h1, h2.IP())
        check(sorted(split.values()) == [50, 50],
              'spray splits 100 packets to %s evenly over the spines: %s'
              % (h2.IP(), split))

        # The link between spine 1 and the remote leaf fails: BGP
        # withdraws spine 1 from lf1's route, watch follows.
        cut = time.monotonic()
        net.configLinkStatus(sp1, lf2, 'down')
        kernel_s = wait_for(lambda: len(hops(leaf, remote)) == 1)
        flowlet_s = wait_for(lambda: not leaf.routes_match()[0])
        print('measured: the kernel\'s route on %s dropped spine 1 %s s '
              'after the link went down, flowlet\'s group %s s after'
              % (lf1, kernel_s and '%.2f' % kernel_s,
                 flowlet_s and '%.2f' % (time.monotonic() - cut)),
              flush=True)
        check(kernel_s is not None,
              'BGP withdraws spine 1 from %s\'s route to %s (within %d s)'
              % (lf1, remote, WAIT_S))
        diffs, summary = leaf.routes_match()
        check(flowlet_s is not None and not diffs,
              'during the failure flowlet\'s groups are the kernel\'s '
              'routes again (%s)' % ('; '.join(diffs) or summary))
        split = spray(leaf, h1, h2.IP())
        check(split.get(to_sp1) == 0 and sum(split.values()) == 100,
              'no packet goes to spine 1 while it cannot reach %s: %s'
              % (lf2, split))
        check(net.ping([h1, h2], timeout=2) == 0,
              'the hosts still reach each other')

        net.configLinkStatus(sp1, lf2, 'up')
        kernel_s = wait_for(lambda: len(hops(leaf, remote)) == 2)
        check(kernel_s is not None,
              'the link back, BGP puts spine 1 back into %s\'s route '
              '(within %d s; took %s s)'
              % (lf1, WAIT_S, kernel_s and '%.1f' % kernel_s))
        wait_for(lambda: not leaf.routes_match()[0])
        diffs, summary = leaf.routes_match()
        check(not diffs, 'after the failure flowlet\'s groups are the '
              'kernel\'s routes (%s)' % ('; '.join(diffs) or summary))
        split = spray(leaf, h1, h2.IP())
        check(sorted(split.values()) == [50, 50],
              'spray splits over both spines again: %s' % split)
    check(not any(alive(p) for p in daemons),
          'every FRR daemon has exited after the network stopped')
    out = subprocess.run(['ip', '-o', 'link'], capture_output=True,
                         text=True, check=True).stdout
    check(prefix + 'lf1' not in out, 'no interface of the fabric is left')


if __name__ == '__main__':
    main()
    print('%(passed)d passed, %(failed)d failed, %(skipped)d skipped'
          % RESULTS)
    sys.exit(1 if RESULTS['failed'] else 0)
