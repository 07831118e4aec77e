"""Mininet node classes for flowlet, and what builds a network from an
address plan (topo/flowlet_plan.py); the example topologies, the seed
diamond and the Weighted Tunnels host, are in topo/flowlet_topos.py.

Router is a Mininet node in its own network namespace that forwards with
Linux routing; FlowletSwitch is a Router that runs flowlet on its ingress
port while the network runs. Both are added with addSwitch(), so Mininet
starts them after every interface has its address (next hops answer ARP)
and stops them before it tears the links down. FlowletHost is a host
that balances its own traffic (flowlet at the tc-egress hook of its
first uplink); network() attaches it once the network runs.

    from flowlet_mininet import FlowletSwitch
    s1 = topo.addSwitch('s1', cls=FlowletSwitch, ingress='s1-eth1',
                        paths=['s1-eth2@10.1.1.2', 's1-eth3@10.1.2.2'],
                        prefixes=['10.0.6.0/24'], mode='flowlet')

FlowletSwitch prepares what veth needs for an XDP forwarder: GRO on the
peers of its path ports (frames redirected into a veth are dropped unless
its peer has XDP or GRO) and full checksums from the host on its ingress
port (XDP cannot complete a partial checksum). Hosts further away that
send TCP through it need `ethtool -K IFACE tx off` too: full_checksums().

Run with Debian's Python: /usr/bin/python3. `mn --custom` works with the
example topologies:
    mn --custom topo/flowlet_topos.py --topo seed --controller none
"""

import contextlib
import inspect
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from mininet.net import Mininet
from mininet.node import Host, Node
from mininet.topo import Topo

# `mn --custom` runs this file through exec(), without __file__.
HERE = os.path.dirname(os.path.abspath(
    inspect.currentframe().f_code.co_filename))
sys.path.insert(0, HERE)
from flowlet_plan import neighbours, route_args  # noqa: E402
# Run from the repository: its binaries; installed (make install): the
# ones on the PATH.
REPO = os.path.dirname(HERE)
IN_REPO = os.path.exists(os.path.join(REPO, 'include', 'flowlet.h'))
FLOWLETCTL = (os.path.join(REPO, 'flowletctl') if IN_REPO
              else shutil.which('flowletctl') or 'flowletctl')
SEND = (os.path.join(REPO, 'flowlet-send') if IN_REPO
        else shutil.which('flowlet-send') or 'flowlet-send')


def flowletctl_table():
    """flowletctl's own description of itself (`flowletctl docs json`):
    its commands and options, the modes and hooks of its name tables, its
    defaults and duration units, from the C constants that set them."""
    out = subprocess.run([FLOWLETCTL, 'docs', 'json'], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


TABLE = flowletctl_table()
MODES = tuple(TABLE['modes'])
DURATION_UNITS = sorted(TABLE['duration_units'].items(),
                        key=lambda unit: -unit[1])  # largest first


def duration_ns(text):
    """A duration with a unit, as flowletctl takes it ('50ms', '1.5us'),
    in ns; ValueError without a unit."""
    for unit, scale in DURATION_UNITS:
        number = text[:-len(unit)]
        if text.endswith(unit) and number.replace('.', '', 1).isdigit():
            return float(number) * scale
    raise ValueError('a duration with a unit (%s): %s'
                     % (', '.join(u for u, _ in DURATION_UNITS), text))


def format_ns(ns):
    """ns in the largest unit it reaches: 1.5ms, 500us, 20ns."""
    for unit, scale in DURATION_UNITS:
        if ns >= scale or scale == 1:
            return '%g%s' % (ns / scale, unit)
    return '%gns' % ns


# flowletctl's default flowlet timeout ('auto': each path group's from
# the delays watch measures), and auto's value until measured ('50ms').
DEFAULT_TIMEOUT = TABLE['default_timeout']
UNMEASURED_TIMEOUT = format_ns(TABLE['default_timeout_ns'])
# The modes that switch per flowlet, where the timeout matters.
FLOWLET_MODES = TABLE['flowlet_modes']
# A shaper's queue (tbf latency): short, as a switch's shallow buffer.
DEFAULT_QUEUE = '20ms'
DEFAULT_MODE = TABLE['default_mode']


class FlowletError(Exception):
    """flowletctl refused: its one-line message."""


def peer_of(intf):
    """The interface at the other end of intf's link."""
    link = intf.link
    return link.intf2 if link.intf1 is intf else link.intf1


def send_flow(host, switch, dst, count, pause, sport=1234):
    """Sends one TCP flow with flowlet-send from host; returns the packets
    each of switch's path ports sent meanwhile (interface counters). The
    switch may be the host itself (a FlowletHost)."""
    ports = switch.path_ports()
    before = tx_counters(switch, ports)
    host.cmd(SEND, '--quiet', '--sport', sport, dst, count, pause)
    after = tx_counters(switch, ports)
    return [after[p][0] - before[p][0] for p in ports]


def full_checksums(hosts):
    """Hosts send complete TCP/UDP checksums (XDP cannot finish them)."""
    for host in hosts:
        for intf in host.intfList():
            if intf.name != 'lo':
                host.cmd('ethtool -K', intf.name, 'tx off')


class Router(Node):
    """A namespace that forwards IPv4 with the kernel.

    routes: `ip route add` argument strings, e.g.
            '10.0.6.0/24 nexthop via 10.1.1.2 nexthop via 10.1.2.2'.
    shape:  {interface name: Mbit/s}: a token bucket on that egress port.
    queue:  the token bucket's queue, as its latency (the longest a packet
            waits there), e.g. '20ms'.
    seed:   the kernel's multipath hash seed in this namespace
            (net.ipv4.fib_multipath_hash_seed), so that runs repeat.
    """

    def __init__(self, name, routes=(), shape=None, queue=DEFAULT_QUEUE,
                 seed=None, **params):
        # addSwitch() passes the network's default (root namespace).
        params['inNamespace'] = True
        Node.__init__(self, name, **params)
        self.routes = list(routes)
        self.shape = dict(shape or {})
        self.queue = queue
        self.seed = seed

    # Mininet calls these for switches.
    def start(self, _controllers=None):
        self.cmd('ip link set lo up')
        self.cmd('sysctl -qw net.ipv4.ip_forward=1')
        no_rp_filter(self)
        self.cmd('sysctl -qw net.ipv4.fib_multipath_hash_policy=1')
        if self.seed is not None:
            self.cmd('sysctl -qw net.ipv4.fib_multipath_hash_seed=%d'
                     % self.seed)
        for route in self.routes:
            self.cmd('ip route replace', route)
        for intf, mbit in self.shape.items():
            shape_port(self, intf, mbit, self.queue)

    def connected(self):  # pylint: disable=no-self-use
        """For Mininet's waitConnected(): no controller to wait for."""
        return True

    def tx_counters(self, intfs):
        """{interface: (tx packets, tx bytes)} from the kernel of this node."""
        return tx_counters(self, intfs)


def tx_counters(node, intfs):
    """{interface: (tx packets, tx bytes)} of intfs, from node's kernel."""
    counters = {}
    for line in node.cmd('cat /proc/net/dev').splitlines():
        name, _, data = line.partition(':')
        name = name.strip()
        if name in intfs and data:
            fields = data.split()
            counters[name] = (int(fields[9]), int(fields[8]))
    return counters


def no_rp_filter(node):
    """No reverse-path filtering in node: a packet balanced onto another
    path keeps its source address, which the kernel may route back by
    another interface (or not at all)."""
    for intf in ['all'] + node.intfNames():
        node.cmd('sysctl -qw net.ipv4.conf.%s.rp_filter=0' % intf)


def shape_port(node, intf, mbit, queue=DEFAULT_QUEUE):
    """Limits intf's egress to mbit with a queue of at most queue (tbf
    latency: how long a packet may wait)."""
    burst = max(15000, int(mbit * 1e6 / 8 * 0.002))
    node.cmd('tc qdisc replace dev %s root tbf rate %smbit burst %d '
             'latency %s' % (intf, mbit, burst, queue))


# Neighbour timers on a flowlet switch's path ports, so that a next hop
# that stops answering is found within seconds (the defaults take tens):
# the kernel keeps managed entries resolved by probing every
# interval_probe_time_ms, and declares one FAILED after
# delay_first_probe_time plus ucast_solicit probes retrans_time_ms apart.
NEIGH_SYSCTLS = {'base_reachable_time_ms': 1000, 'delay_first_probe_time': 1,
                 'retrans_time_ms': 200, 'interval_probe_time_ms': 1000}


class FlowletNode:
    """What runs flowlet on a node (mixed into FlowletSwitch, FlowletHost).

    ingress:  the interface flowlet is attached to: a router's ingress
              port (hook xdp or tc-ingress), a host's uplink (tc-egress).
    paths:    ['DEV@NEXTHOP', ...], the egress ports and next hops.
    from_route: instead of paths, a prefix whose kernel route (multipath,
              or a nexthop group) gives the paths and weights.
    from_routes: instead, every route through gateways of the main table,
              each over its own path group (attach --from-routes).
    more_ingress: more ingress ports of the same instance (--ingress).
    prefixes: destinations to balance (default: from_route's, else all).
    mode, timeout, weights, hook: as for `flowletctl attach`.
    seed:     flowlet's hash seed (`attach --seed`) and, on a Router, the
              kernel's multipath hash seed there; None: random.
    watch:    run `flowletctl watch` while the node runs (default), so that
              flowlet follows link, neighbour, address and route changes;
              its JSON lines go to self.watch_log.
    """

    def init_flowlet(self, ingress=None, paths=(), prefixes=(),
                     mode=DEFAULT_MODE, timeout=DEFAULT_TIMEOUT, weights=None,
                     flowletctl=FLOWLETCTL, from_route=None, watch=True,
                     hook='xdp', seed=None, from_routes=False,
                     more_ingress=()):
        self.ingress = ingress
        self.paths = list(paths)
        self.from_route = from_route
        self.from_routes = from_routes
        self.more_ingress = list(more_ingress)
        self.prefixes = list(prefixes)
        self.mode = mode
        self.timeout = timeout
        self.weights = weights
        self.flowletctl = flowletctl
        self.watch = watch
        self.hook = hook
        self.seed = seed
        self.watcher = None
        self.watch_log = None
        self.attached = False

    def ctl(self, *args):
        """Runs flowletctl in this node; returns its output, raises
        FlowletError with its message when it fails."""
        out = self.cmd(self.flowletctl, *args, '2>&1; echo "exit=$?"')
        body, _, status = out.rstrip().rpartition('exit=')
        if status.strip() != '0':
            raise FlowletError('%s: %s' % (self.name, body.strip()))
        return body

    def instance_args(self, command):
        """flowletctl COMMAND's arguments naming this node's instance."""
        return [command, self.ingress, '--hook', self.hook]

    def start_watch(self, wait=10):
        """Starts flowletctl watch in this node and waits (up to wait
        seconds) until it watches."""
        fd, self.watch_log = tempfile.mkstemp(
            prefix='flowlet-watch-%s-' % self.name, suffix='.log')
        with os.fdopen(fd, 'w') as log:
            self.watcher = self.popen(
                [self.flowletctl] + self.instance_args('watch') + ['--json'],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.watcher.poll() is None:
            with open(self.watch_log) as log:
                if '"event":"watching"' in log.read():
                    return
            time.sleep(0.05)
        raise FlowletError('%s: flowletctl watch did not start: %s'
                           % (self.name, open(self.watch_log).read()))

    def stop_watch(self):
        """Ends the watcher (SIGTERM: it exits, flowlet stays as it is)."""
        if self.watcher is None:
            return
        if self.watcher.poll() is None:
            self.watcher.terminate()
            try:
                self.watcher.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.watcher.kill()
                self.watcher.wait()
        self.watcher = None
        if self.watch_log:
            os.unlink(self.watch_log)
            self.watch_log = None

    def attach(self):
        args = self.instance_args('attach') + ['--mode', self.mode,
                                               '--timeout', self.timeout]
        if self.from_route:
            args += ['--from-route', self.from_route]
        if self.from_routes:
            args.append('--from-routes')
        for port in self.more_ingress:
            args += ['--ingress', port]
        for spec in self.paths:
            args += ['--path', spec]
        for prefix in self.prefixes:
            args += ['--prefix', prefix]
        if self.weights:
            args += ['--weights', ','.join(str(w) for w in self.weights)]
        if self.seed is not None:
            args += ['--seed', str(self.seed)]
        self.ctl(*args)
        self.attached = True
        if self.watch and self.watcher is None:
            self.start_watch()

    def detach(self):
        self.stop_watch()
        self.ctl(*self.instance_args('detach'))
        self.attached = False

    def set(self, **changes):
        """set(mode='ecmp', timeout='10ms', weights=[7, 3])"""
        args = self.instance_args('set')
        for key, value in changes.items():
            if key == 'weights':
                value = ','.join(str(w) for w in value)
            args += ['--' + key.replace('_', '-'), str(value)]
        return self.ctl(*args)

    def stats(self):
        """`flowletctl stats --json` of this node's instance, parsed."""
        return json.loads(self.ctl(*self.instance_args('stats'), '--json'))

    def path_ports(self):
        return [spec.split('@')[0] for spec in self.paths]

    def neigh_timers(self, intfs):
        """NEIGH_SYSCTLS on intfs (before their neighbour entries exist)."""
        for intf in intfs:
            for key, value in NEIGH_SYSCTLS.items():
                for family in ('ipv4', 'ipv6'):
                    self.cmd('sysctl -qw net.%s.neigh.%s.%s=%s'
                             % (family, intf, key, value))

    def leave(self):
        """Ends the watcher and detaches flowlet, as a node stops.
        Mininet.stop() deletes the links before it stops the switches, and
        an XDP program goes with its interface: detach only when the node
        is stopped on its own."""
        self.stop_watch()
        if self.attached and self.ingress in self.intfNames():
            try:
                self.detach()
            except FlowletError:
                pass  # the interface is being deleted anyway


class FlowletSwitch(FlowletNode, Router):
    """A Router that runs flowlet on its ingress port (FlowletNode's
    parameters; Router's routes and shape)."""

    def __init__(self, name, routes=(), shape=None, seed=None, **params):
        flowlet = {k: params.pop(k) for k in list(params)
                   if k in FLOWLET_PARAMS}
        Router.__init__(self, name, routes=routes, shape=shape, seed=seed,
                        **params)
        self.init_flowlet(seed=seed, **flowlet)

    def start(self, _controllers=None):
        Router.start(self)
        self.neigh_timers(self.path_ports())
        if self.hook == 'xdp':
            self.prepare_veth()
        self.attach()

    def stop(self, deleteIntfs=True):  # pylint: disable=invalid-name
        self.leave()
        Node.stop(self, deleteIntfs=deleteIntfs)

    def prepare_veth(self):
        """GRO on the path ports' peers, full checksums on the ingress
        port's peer."""
        for spec in self.paths:
            peer = peer_of(self.intf(spec.split('@')[0]))
            peer.node.cmd('ethtool -K', peer.name, 'gro on')
        ingress_peer = peer_of(self.intf(self.ingress))
        ingress_peer.node.cmd('ethtool -K', ingress_peer.name, 'tx off')


class FlowletHost(FlowletNode, Host):
    """A host that balances its own traffic over its uplinks: flowlet at
    the tc-egress hook of ingress (the uplink its routes use), with
    FlowletNode's parameters. network() attaches it once every link is
    up; terminating the host ends its watcher."""

    def __init__(self, name, **params):
        flowlet = {k: params.pop(k) for k in list(params)
                   if k in FLOWLET_PARAMS}
        flowlet.setdefault('hook', 'tc-egress')
        Host.__init__(self, name, **params)
        self.init_flowlet(**flowlet)

    def terminate(self):
        self.stop_watch()
        Host.terminate(self)


FLOWLET_PARAMS = set(inspect.signature(
    FlowletNode.init_flowlet).parameters) - {'self'}


class PlanTopo(Topo):
    """A topology from an address plan of topo/flowlet_plan.py: its hosts (a
    FlowletHost where the plan runs flowlet on a host), flowlet's
    switches (FlowletSwitch) and the middle switches (Router), each path
    shaped where it leaves its middle switch (the plan's exits).

    bw: Mbit/s per path, one number or one per path (asymmetry); None:
        unshaped.
    queue: the shapers' queue, as tbf latency (default DEFAULT_QUEUE).
    mode, timeout, weights: every flowlet instance's.
    seed: flowlet's and the kernel's multipath hash seeds on every node
        (None: random), so that a run repeats.
    """

    def build_plan(self, plan, bw=None, queue=DEFAULT_QUEUE,
                   mode=DEFAULT_MODE, timeout=DEFAULT_TIMEOUT,
                   weights=None, seed=None):
        self.plan = plan
        paths = len(plan.exits)
        bws = bw if isinstance(bw, (list, tuple)) else [bw] * paths
        if len(bws) != paths:
            raise ValueError('bw: one value per path')
        routes = {}
        for route in plan.routes:
            routes.setdefault(route.node, []).append(route)
        addr = link_addresses(plan.links)
        flowlets = {spec.node: dict(
            ingress=spec.ingress, paths=spec.paths, prefixes=[spec.prefix],
            hook=spec.hook, mode=mode, timeout=timeout, weights=weights,
            seed=seed) for spec in plan.flowlets}
        for host in plan.hosts:
            default = [r for r in routes[host] if r.dst == 'default'][0]
            extra = {}
            if host in flowlets:
                extra = dict(cls=FlowletHost, **flowlets[host])
            self.addHost(host, ip=addr[host + '-eth0'],
                         defaultRoute='via ' + default.vias[0], **extra)
        for switch in plan.switches:
            self.addSwitch(switch, cls=FlowletSwitch,
                           routes=[route_args(r) for r in routes[switch]],
                           **flowlets[switch])
        for mid, mbit, exits in zip(plan.middles, bws, plan.exits):
            shape = {intf: mbit for _, intf in exits} if mbit else {}
            self.addSwitch(mid, cls=Router, shape=shape, queue=queue,
                           seed=seed,
                           routes=[route_args(r)
                                   for r in routes.get(mid, [])])
        add_links(self, plan.links)


def link_addresses(links):
    """{interface: its address with prefix length} of the plan's links."""
    addr = {}
    for link in links:
        addr[link.intf_a] = link.addr_a
        addr[link.intf_b] = link.addr_b
    return addr


def add_links(topo, links):
    """The plan's links into topo, with their names, MACs and addresses."""
    for link in links:
        topo.addLink(link.node_a, link.node_b, intfName1=link.intf_a,
                     intfName2=link.intf_b, addr1=link.mac_a,
                     addr2=link.mac_b, params1={'ip': link.addr_a},
                     params2={'ip': link.addr_b})


def static_neighbours(net):
    """Writes every neighbour entry of the plan in advance: no ARP in the
    interface counters (a test compares them exactly)."""
    for node, intf, address, mac in neighbours(net.topo.plan):
        net.get(node).cmd('ip neigh replace', address, 'lladdr', mac, 'dev',
                          intf, 'nud permanent')


@contextlib.contextmanager
def network(topo, cc=None):
    """topo's network, started, flowlet attached on its hosts, with full
    checksums on them where an XDP instance forwards (and net.tcp_cc = cc:
    the TCP congestion control, e.g. 'cubic', that traffic.py's senders ask
    for; None: the machine's default); always stopped on the way out
    (also on Ctrl-C, SIGTERM or an error), which removes every interface,
    namespace and process it made."""
    net = Mininet(topo=topo, controller=None, build=False)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        net.build()
        for node in net.hosts + net.switches:
            # IPv4 only: no router solicitations or MLD in the counters.
            node.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
        # Before start: flowlet resolves its next hops when it attaches.
        static_neighbours(net)
        net.start()
        if any(spec.hook == 'xdp' for spec in topo.plan.flowlets):
            full_checksums(net.hosts)
        for host in net.hosts:
            no_rp_filter(host)
            if isinstance(host, FlowletHost):
                host.attach()
        # Per socket (traffic.py): outside the first namespace the
        # default may only be an algorithm of
        # net.ipv4.tcp_allowed_congestion_control (here reno and bbr).
        net.tcp_cc = cc
        yield net
    finally:
        try:
            end_commands(net)
            net.stop()
        finally:
            signal.signal(signal.SIGTERM, previous)


def end_commands(net):
    """Interrupted inside node.cmd(): ends that command, or Mininet cannot
    run the commands that stop the network."""
    for node in net.hosts + net.switches:
        if getattr(node, 'waiting', False):
            node.sendInt()
            node.waitOutput()


def _terminate(_signum, _frame):
    raise KeyboardInterrupt('SIGTERM')
