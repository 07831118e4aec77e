"""FRR beside flowlet: the configuration of a BGP speaker (eBGP with
multipath and short timers, as a fabric wants) and its daemons.

In a fabric (topo/fabric.py) every switch runs zebra and bgpd (and bfdd
with bfd=True) in its own network namespace, each node with a directory
of its own for configuration, pid files, sockets and logs; the daemons
are stopped by their pid files, never by name.

For a real router, the same generator writes /etc/frr/frr.conf:

    flowlet_frr.py --asn 65101 --router-id 10.255.2.1 \\
        --neighbor 172.16.1.0:65000 --neighbor 172.16.2.0:65000 \\
        --network 10.1.1.0/24 [--bfd] [--hostname leaf1]

with BGP unnumbered (sessions over the link-local addresses of an
interface, carrying IPv4 and IPv6) and prefixes of both families:

    flowlet_frr.py --asn 65101 --router-id 10.255.2.1 \\
        --unnumbered eth1:65000 --unnumbered eth2:65000 \\
        --network 10.1.1.0/24 --network 2001:db8:1::/64

or the configuration of one node of a fabric plan (topo/flowlet_plan.py's
fabric_plan), to wire real routers as the plan does:

    flowlet_frr.py --fabric 2,2,1 [--family ipv4|ipv6|dual] --node lf1
"""

import argparse
import ipaddress
import os
import pwd
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from flowlet_plan import FAMILIES, Speaker, fabric_plan  # noqa: E402

FRR_DIR = '/usr/lib/frr'
# Keepalive and hold time (s), and the reconnect interval: a fabric
# converges in seconds and a dead peer is found in 3 s.
TIMERS = (1, 3)
CONNECT_S = 1
MAXIMUM_PATHS = 64
# Routes with their next hops in them, not in kernel nexthop objects:
# FRR 8.4's zebra, after a link flapped, may believe it replaced a nexthop
# group in the kernel with the link's next hops back in it while the
# kernel's group still lacks them (seen here: `show nexthop-group rib`
# against `ip nexthop`), and the route stays short of next hops for good.
ZEBRA_CONFIG = 'no zebra nexthop kernel enable\n'


def bgp_config(speaker, bfd=False):
    """The `router bgp` section of speaker (a flowlet_plan.Speaker): its
    IPv4 neighbours carry the IPv4 unicast family, its unnumbered
    sessions (over the link-local addresses of an interface) the families
    of speaker.unnumbered_families."""
    lines = ['router bgp %d' % speaker.asn,
             ' bgp router-id %s' % speaker.router_id,
             ' no bgp ebgp-requires-policy',
             ' no bgp network import-check',
             ' no bgp default ipv4-unicast',
             # Paths through different neighbouring ASes are equal too.
             ' bgp bestpath as-path multipath-relax',
             ' timers bgp %d %d' % TIMERS]
    peers = [(addr, ' neighbor %s remote-as %d' % (addr, asn))
             for addr, asn in speaker.neighbors]
    peers += [(intf, ' neighbor %s interface remote-as %d' % (intf, asn))
              for intf, asn in speaker.unnumbered]
    for peer, line in peers:
        lines += [line, ' neighbor %s timers connect %d' % (peer, CONNECT_S)]
        if bfd:
            lines.append(' neighbor %s bfd' % peer)
    for family in ('ipv4', 'ipv6'):
        sessions = [] if family == 'ipv6' else list(speaker.neighbors)
        if family in speaker.unnumbered_families:
            sessions += speaker.unnumbered
        if not sessions:
            continue
        lines += [' address-family %s unicast' % family]
        lines += ['  neighbor %s activate' % peer for peer, _ in sessions]
        lines += ['  network %s' % net for net in speaker.networks
                  if (':' in net) == (family == 'ipv6')]
        lines += ['  maximum-paths %d' % MAXIMUM_PATHS,
                  ' exit-address-family']
    return '\n'.join(lines) + '\n'


def header(hostname, log=None):
    """The lines every daemon's configuration starts with."""
    lines = ['frr defaults datacenter', 'hostname %s' % hostname]
    if log:
        lines.append('log file %s' % log)
    return '\n'.join(lines) + '\n'


def frr_conf(speaker, hostname=None, bfd=False):
    """An integrated frr.conf for a real router."""
    return (header(hostname or speaker.node) + ZEBRA_CONFIG + '!\n' +
            bgp_config(speaker, bfd) + '!\nline vty\n!\n')


class Daemons:
    """zebra and bgpd (and bfdd) for one node, in directory (which holds
    their configuration, pid files, sockets and logs); run(argv) runs a
    command in the node's network namespace."""

    def __init__(self, name, speaker, directory, run, bfd=False):
        self.name = name
        self.speaker = speaker
        self.dir = directory
        self.run = run
        self.daemons = ['zebra'] + (['bfdd'] if bfd else []) + ['bgpd']
        self.bfd = bfd

    def path(self, leaf):
        return os.path.join(self.dir, leaf)

    def start(self):
        """Writes the configurations and starts the daemons (as user frr,
        which owns the directory)."""
        os.makedirs(self.dir, exist_ok=True)
        frr = pwd.getpwnam('frr')
        os.chown(self.dir, frr.pw_uid, frr.pw_gid)
        for daemon in self.daemons:
            body = {'bgpd': bgp_config(self.speaker, self.bfd),
                    'zebra': ZEBRA_CONFIG}.get(daemon, '')
            with open(self.path(daemon + '.conf'), 'w') as conf:
                conf.write(header(self.name, self.path(daemon + '.log')) +
                           body)
        for daemon in self.daemons:
            self.run([os.path.join(FRR_DIR, daemon), '-d', '-N', self.name,
                      '-f', self.path(daemon + '.conf'),
                      '-i', self.path(daemon + '.pid'),
                      '--vty_socket', self.dir,
                      '-z', self.path('zserv.api')])

    def pids(self):
        """The pids of the daemons that wrote a pid file."""
        pids = []
        for daemon in self.daemons:
            try:
                with open(self.path(daemon + '.pid')) as f:
                    pids.append(int(f.read().strip()))
            except (OSError, ValueError):
                pass
        return pids

    def stop(self, timeout=10):
        """SIGTERM to each daemon by its pid file, then waits until each has
        exited (SIGKILL after timeout seconds)."""
        pids = [pid for pid in self.pids() if alive(pid)]
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(alive(pid) for pid in pids):
            if time.monotonic() > deadline:
                for pid in pids:
                    if alive(pid):
                        os.kill(pid, signal.SIGKILL)
                deadline = float('inf')
            time.sleep(0.05)

    def vtysh(self, *commands):
        """vtysh's answer to commands, e.g. 'show bgp summary'."""
        argv = ['vtysh', '--vty_socket', self.dir]
        for command in commands:
            argv += ['-c', command]
        return self.run(argv)


def alive(pid):
    """pid runs (a zombie does not)."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser(
        description='frr.conf for a BGP speaker beside flowlet.')
    ap.add_argument('--fabric', metavar='S,L,H',
                    help='a node of fabric_plan(S spines, L leaves, H hosts '
                    'per leaf): give --node')
    ap.add_argument('--family', choices=FAMILIES, default='ipv4',
                    help='the fabric\'s address families (with --fabric)')
    ap.add_argument('--node', help='the fabric node (sp1, lf2, ...)')
    ap.add_argument('--asn', type=int)
    ap.add_argument('--router-id')
    ap.add_argument('--neighbor', action='append', default=[],
                    metavar='ADDRESS:ASN', help='an IPv4 session')
    ap.add_argument('--unnumbered', action='append', default=[],
                    metavar='INTERFACE:ASN',
                    help='a session over the link-local addresses of '
                    'INTERFACE, carrying IPv4 and IPv6')
    ap.add_argument('--network', action='append', default=[],
                    metavar='PREFIX',
                    help='a prefix to announce, IPv4 or IPv6')
    ap.add_argument('--hostname')
    ap.add_argument('--bfd', action='store_true',
                    help='BFD on every session (run bfdd)')
    args = ap.parse_args()
    if args.fabric:
        try:
            sizes = [int(n) for n in args.fabric.split(',')]
            if len(sizes) != 3:
                raise ValueError('three numbers: spines, leaves, hosts '
                                 'per leaf')
            plan = fabric_plan(*sizes, family=args.family)
        except ValueError as err:
            ap.error('--fabric %s: %s' % (args.fabric, err))
        if args.node not in plan.speakers:
            ap.error('--node: one of %s' % ' '.join(plan.speakers))
        speaker = plan.speakers[args.node]
    else:
        if not args.asn or not args.router_id or not (
                args.neighbor or args.unnumbered):
            ap.error('give --asn, --router-id and --neighbor or '
                     '--unnumbered (or --fabric)')
        sessions = {}
        for option, example in (('neighbor', '172.16.1.0:65000'),
                                ('unnumbered', 'eth1:65000')):
            try:
                sessions[option] = [
                    (n.rsplit(':', 1)[0], int(n.rsplit(':', 1)[1]))
                    for n in getattr(args, option)]
            except (IndexError, ValueError):
                ap.error('--%s: %s:ASN, e.g. %s' % (
                    option, 'ADDRESS' if option == 'neighbor'
                    else 'INTERFACE', example))
        for net in args.network:
            try:
                ipaddress.ip_network(net)
            except ValueError:
                ap.error('--network %s: not an IPv4 or IPv6 prefix' % net)
        speaker = Speaker(args.hostname or 'router', args.asn,
                          args.router_id, sessions['neighbor'], args.network,
                          sessions['unnumbered'], ('ipv4', 'ipv6'))
    sys.stdout.write(frr_conf(speaker, args.hostname, args.bfd))


if __name__ == '__main__':
    main()
