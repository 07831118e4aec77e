"""make fabric: a leaf-spine fabric in Mininet, every switch a network
namespace running FRR (zebra and bgpd, eBGP with multipath; bfdd with
--bfd), flowlet on every leaf's host ports following the routes BGP
installs (attach --from-routes, one instance per leaf, flowletctl watch).

    /usr/bin/python3 topo/fabric.py [--spines S] [--leaves L]
        [--hosts-per-leaf H] [--parallel P] [--bw MBIT] [--mode MODE]
        [--timeout DURATION] [--bfd] [--ipv6 | --dual-stack]

It waits until BGP has converged (every leaf reaches every other leaf's
hosts over every uplink), says so, attaches flowlet and opens the Mininet
CLI with commands of its own (`vtysh NODE [COMMAND]`, `groups LEAF`); on
exit it stops every daemon it started (by its pid file) and the network.
The addresses are topo/flowlet_plan.py's fabric_plan: host k on leaf i is
l{i}h{k}, 10.i.k.2 (with --ipv6, fd00:i:k::2; --dual-stack, both).
"""

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mininet.cli import CLI  # noqa: E402
from mininet.log import setLogLevel  # noqa: E402
from mininet.net import Mininet  # noqa: E402
from mininet.node import Node  # noqa: E402
from mininet.topo import Topo  # noqa: E402

from flowlet_frr import Daemons  # noqa: E402
from flowlet_mininet import (DEFAULT_MODE, DEFAULT_TIMEOUT,  # noqa: E402
                             FLOWLET_PARAMS, MODES,
                             FlowletError, FlowletNode, Router, _terminate,
                             add_links, end_commands, full_checksums,
                             link_addresses,
                             no_rp_filter, peer_of)
from flowlet_plan import fabric_plan, host_address  # noqa: E402
from flowlet_routes import differences, kernel_routes  # noqa: E402


def node_run(node):
    """run(argv) -> stdout, in node's namespace."""
    return lambda argv: node.cmd(*(shlex.quote(a) for a in argv))


class FrrRouter(Router):
    """A Router whose routes come from FRR: speaker is its
    flowlet_plan.Speaker, frr_dir the directory its daemons keep their
    files in (one per node), bfd whether bfdd runs too."""

    def __init__(self, name, speaker=None, frr_dir=None, bfd=False,
                 **params):
        Router.__init__(self, name, **params)
        self.frr = Daemons(name, speaker, os.path.join(frr_dir, name),
                           node_run(self), bfd)

    def start(self, _controllers=None):
        Router.start(self)
        if self.frr.speaker.unnumbered:
            self.cmd('sysctl -qw net.ipv6.conf.all.forwarding=1')
        self.frr.start()

    def stop_frr(self):
        if self.frr:
            self.frr.stop()

    def stop(self, deleteIntfs=True):  # pylint: disable=invalid-name
        self.stop_frr()
        Node.stop(self, deleteIntfs=deleteIntfs)

    def terminate(self):
        self.stop_frr()
        Node.terminate(self)


class FlowletLeaf(FlowletNode, FrrRouter):
    """A leaf: FRR, and flowlet on its host ports (the first is the
    instance's name, the others --ingress) following every route of the
    main table. fabric_network() attaches it once BGP has converged (an
    attach before would find no route to balance)."""

    def __init__(self, name, host_ports=(), **params):
        flowlet = {k: params.pop(k) for k in list(params)
                   if k in FLOWLET_PARAMS}
        FrrRouter.__init__(self, name, **params)
        self.init_flowlet(ingress=host_ports[0], from_routes=True,
                          more_ingress=host_ports[1:], **flowlet)

    def start(self, _controllers=None):
        FrrRouter.start(self)
        intfs = [intf for intf in self.intfNames() if intf != 'lo']
        self.neigh_timers(intfs)
        for intf in intfs:
            peer = peer_of(self.intf(intf))
            if intf in [self.ingress] + self.more_ingress:
                # XDP cannot complete a partial checksum.
                peer.node.cmd('ethtool -K', peer.name, 'tx off')
            else:
                # A veth takes redirected frames if its peer has GRO.
                peer.node.cmd('ethtool -K', peer.name, 'gro on')

    def stop(self, deleteIntfs=True):  # pylint: disable=invalid-name
        self.leave()
        FrrRouter.stop(self, deleteIntfs=deleteIntfs)

    def terminate(self):
        self.stop_watch()
        FrrRouter.terminate(self)

    def routes_match(self):
        """(differences, summary) between flowlet's groups and the kernel's
        routes here (flowlet_routes.differences)."""
        return differences(node_run(self), self.flowletctl, self.ingress)


class FabricTopo(Topo):
    """fabric_plan(spines, leaves, hosts_per_leaf, parallel, prefix) as a
    Mininet topology. bw: Mbit/s of every spine port toward a leaf (a
    token bucket: the direction a spine forwards with the kernel; a
    leaf's uplinks carry flowlet's XDP redirects, which skip qdiscs);
    None: unshaped. mode, timeout: flowlet's on every leaf. frr_dir: where
    the nodes' FRR directories go. bfd: run bfdd, BFD on every session."""

    def build(self, spines=2, leaves=2, hosts_per_leaf=1, parallel=1,
              prefix='', bw=None, mode=DEFAULT_MODE, timeout=DEFAULT_TIMEOUT,
              frr_dir=None, bfd=False, family='ipv4'):
        # pylint: disable=arguments-differ
        plan = fabric_plan(spines, leaves, hosts_per_leaf, parallel, prefix,
                           family)
        self.plan = plan
        # Mininet sets IPv4 addresses and routes; fabric_network() the
        # IPv6 ones.
        addr = link_addresses(plan.links)
        for host in plan.hosts:
            v4 = [r for r in plan.routes
                  if r.node == host and ':' not in r.vias[0]]
            self.addHost(host, ip=addr[host + '-eth0'],
                         defaultRoute='via ' + v4[0].vias[0] if v4 else None)
        for spine in plan.spines:
            shape = {}
            if bw:
                shape = {sp_intf: bw for (sp, _), pairs in
                         plan.uplinks.items() if sp == spine
                         for sp_intf, _ in pairs}
            self.addSwitch(spine, cls=FrrRouter, frr_dir=frr_dir, bfd=bfd,
                           speaker=plan.speakers[spine], shape=shape)
        for leaf in plan.leaves:
            self.addSwitch(leaf, cls=FlowletLeaf, frr_dir=frr_dir, bfd=bfd,
                           speaker=plan.speakers[leaf],
                           host_ports=plan.host_ports[leaf], mode=mode,
                           timeout=timeout)
        add_links(self, plan.links)


def converged(net):
    """Whether every leaf's kernel reaches every other leaf's hosts over
    every uplink, and every spine every leaf's hosts over every link to
    it, in every family of the plan."""
    plan = net.topo.plan
    parallel = len(plan.uplinks[plan.spines[0], plan.leaves[0]])
    announced = [prefix for leaf in plan.leaves
                 for prefix in plan.speakers[leaf].networks]
    for node in plan.spines + plan.leaves:
        routes = kernel_routes(node_run(net.get(node)), 'main')
        ways = parallel * (len(plan.spines) if node in plan.leaves else 1)
        for prefix in announced:
            if prefix in plan.speakers[node].networks:
                continue
            if len(routes.get(prefix, ())) != ways:
                return False
    return True


def ipv6_addresses(net):
    """The plan's IPv6 addresses and the hosts' IPv6 default routes
    (Mininet sets IPv4 only); on a plan without IPv6, IPv6 off (no router
    solicitations or MLD in the counters)."""
    plan = net.topo.plan
    if not any(link.addr6_a for link in plan.links):
        for node in net.hosts + net.switches:
            node.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
        return
    for link in plan.links:
        for node, intf, addr in ((link.node_a, link.intf_a, link.addr6_a),
                                 (link.node_b, link.intf_b, link.addr6_b)):
            if addr:
                net.get(node).cmd('ip -6 addr add', addr, 'dev', intf,
                                  'nodad')
    for route in plan.routes:
        if ':' in route.vias[0]:
            net.get(route.node).cmd('ip -6 route replace default via',
                                    route.vias[0])


def wait_converged(net, timeout):
    """Waits until converged(net); its time in seconds. Raises
    FlowletError after timeout seconds."""
    start = time.monotonic()
    while not converged(net):
        if time.monotonic() - start > timeout:
            raise FlowletError('BGP did not converge within %d s' % timeout)
        time.sleep(0.2)
    return time.monotonic() - start


def leaves(net):
    return [net.get(leaf) for leaf in net.topo.plan.leaves]


def mem_available_kb():
    with open('/proc/meminfo') as meminfo:
        for line in meminfo:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1])
    return 0


def rss_kb(pid):
    try:
        with open('/proc/%d/status' % pid) as status:
            for line in status:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def footprint(net):
    """What the fabric takes, in KiB: FRR's daemons' resident memory, and
    the memory of the flowlet maps on this machine (as the kernel
    accounts it; maps are not per namespace)."""
    frr = sum(rss_kb(pid) for node in net.switches
              for pid in node.frr.pids())
    out = subprocess.run(['bpftool', '-j', 'map', 'show'],
                         capture_output=True, text=True, check=False).stdout
    maps = sum(m.get('bytes_memlock', 0) for m in json.loads(out or '[]')
               if m.get('name', '').startswith('flowlet_')) // 1024
    return frr, maps


@contextlib.contextmanager
def fabric_network(topo, converge_timeout=120, quiet=False):
    """topo's network (a FabricTopo) started, BGP converged, flowlet
    attached on every leaf with a watcher; always stopped on the way out
    (also on Ctrl-C, SIGTERM or an error): every FRR daemon by its pid
    file, then the network. net.converged_s: how long BGP took."""
    own_dir = topo.frr_dir_owned
    net = Mininet(topo=topo, controller=None, build=False)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        net.build()
        net.mem_before_kb = mem_available_kb()
        started = time.monotonic()
        net.start()
        ipv6_addresses(net)
        full_checksums(net.hosts)
        for host in net.hosts:
            no_rp_filter(host)
        net.converged_s = wait_converged(net, converge_timeout)
        net.start_s = time.monotonic() - started
        if not quiet:
            print('fabric: BGP converged %.1f s after start: every leaf '
                  'reaches every other leaf\'s hosts over all its uplinks'
                  % net.converged_s, flush=True)
        for leaf in leaves(net):
            leaf.attach()
        yield net
    finally:
        try:
            end_commands(net)
            for switch in net.switches:
                if isinstance(switch, FlowletLeaf):
                    switch.stop_watch()
                if isinstance(switch, FrrRouter):
                    switch.stop_frr()
            net.stop()
        finally:
            signal.signal(signal.SIGTERM, previous)
            if own_dir:
                shutil.rmtree(topo.frr_dir, ignore_errors=True)


def fabric_topo(frr_dir=None, **params):
    """A FabricTopo with its FRR files under frr_dir (None: a temporary
    directory, removed with the network)."""
    owned = frr_dir is None
    if owned:
        frr_dir = tempfile.mkdtemp(prefix='flowlet-fabric-')
        os.chmod(frr_dir, 0o755)
    topo = FabricTopo(frr_dir=frr_dir, **params)
    topo.frr_dir = frr_dir
    topo.frr_dir_owned = owned
    return topo


class FabricCLI(CLI):
    """Mininet's CLI with the fabric's own commands."""

    prompt = 'fabric> '

    def do_vtysh(self, line):
        """vtysh NODE [COMMAND]: FRR's shell of NODE (a spine or leaf), or
        one COMMAND's answer, e.g. vtysh lf1 show bgp summary."""
        args = line.split(None, 1)
        node = self.mn.nameToNode.get(args[0]) if args else None
        if not isinstance(node, FrrRouter):
            print('usage: vtysh NODE [COMMAND] (NODE: a spine or leaf)')
            return
        if len(args) == 1:
            os.system('vtysh --vty_socket %s' % shlex.quote(node.frr.dir))
        else:
            print(node.frr.vtysh(args[1]), end='')

    def do_groups(self, line):
        """groups LEAF: flowlet's path groups on LEAF, and whether they are
        the kernel's routes."""
        node = self.mn.nameToNode.get(line.strip())
        if not isinstance(node, FlowletLeaf):
            print('usage: groups LEAF')
            return
        print(node.ctl(*node.instance_args('stats')), end='')
        diffs, summary = node.routes_match()
        print('\n'.join(diffs) if diffs else summary)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--spines', type=int, default=2)
    ap.add_argument('--leaves', type=int, default=2)
    ap.add_argument('--hosts-per-leaf', type=int, default=1)
    ap.add_argument('--parallel', type=int, default=1,
                    help='links between each spine and leaf')
    ap.add_argument('--bw', type=float,
                    help='Mbit/s of each spine port toward a leaf')
    ap.add_argument('--mode', choices=MODES, default=DEFAULT_MODE)
    ap.add_argument('--timeout', default=DEFAULT_TIMEOUT)
    ap.add_argument('--bfd', action='store_true')
    ap.add_argument('--ipv6', dest='family', action='store_const',
                    const='ipv6', default='ipv4',
                    help='IPv6 only: host subnets fd00:LEAF:HOST::/64, BGP '
                    'unnumbered between spines and leaves (link-local '
                    'addresses, link-local next hops)')
    ap.add_argument('--dual-stack', dest='family', action='store_const',
                    const='dual', help='IPv4 and IPv6 on the hosts; the '
                    'unnumbered sessions of --ipv6 carry both families')
    ap.add_argument('--prefix', default='',
                    help='put before every node name')
    ap.add_argument('--no-cli', action='store_true',
                    help='start, report, stop (for timing a fabric)')
    args = ap.parse_args()
    if os.geteuid() != 0:
        ap.error('needs root (Mininet, BPF)')
    if not shutil.which('vtysh') or not os.path.exists(
            '/usr/lib/frr/bgpd'):
        ap.error('needs FRR: apt-get install frr')
    setLogLevel('warning')
    try:
        topo = fabric_topo(spines=args.spines, leaves=args.leaves,
                           hosts_per_leaf=args.hosts_per_leaf,
                           parallel=args.parallel, bw=args.bw,
                           mode=args.mode, timeout=args.timeout,
                           bfd=args.bfd, prefix=args.prefix,
                           family=args.family)
    except ValueError as err:
        ap.error(str(err))
    try:
        with fabric_network(topo) as net:
            plan = topo.plan
            print('fabric: %d spines, %d leaves, %d hosts; flowlet (%s, '
                  '%s) on every leaf\'s host ports, following its routes'
                  % (len(plan.spines), len(plan.leaves), len(plan.hosts),
                     args.mode, args.timeout))
            for leaf in leaves(net):
                diffs, summary = leaf.routes_match()
                print('  %s: %s' % (leaf.name, '; '.join(diffs) or summary))
            if args.no_cli:
                frr, maps = footprint(net)
                print('fabric: up %.1f s after start (BGP %.1f s); memory '
                      'taken %.0f MiB in all (MemAvailable), FRR\'s daemons '
                      '%.0f MiB resident, flowlet\'s maps %.0f MiB'
                      % (net.start_s, net.converged_s,
                         (net.mem_before_kb - mem_available_kb()) / 1024,
                         frr / 1024, maps / 1024))
                return 0
            a, b = plan.hosts[0], plan.hosts[-1]
            print('try:  %s ping -c 3 %s\n      groups %s\n'
                  '      vtysh %s show bgp summary\n'
                  '      link %s %s down   (then groups %s again)'
                  % (a, host_address(plan, b), plan.leaves[0],
                     plan.leaves[0],
                     plan.spines[0], plan.leaves[-1], plan.leaves[0]))
            FabricCLI(net)
    except FlowletError as err:
        print('fabric: %s' % err, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
