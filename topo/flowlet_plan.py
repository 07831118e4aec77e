"""The address plans of flowlet's topologies, in one place: the seed
diamond (seed_plan) and the Weighted Tunnels host (tunnels_plan).

h1 - s1 - {s2 .. s(N+1)} - sL - h2, the P4 flowlet exercise's topology
with N paths (sL is s6 for up to 4 paths, s(N+2) beyond):

    h1 10.0.1.1 <-> s1-eth1 10.0.1.254                      (fd00:1::/64)
    path i (1..N): s1-eth(i+1) 10.1.i.1 <-> s(i+1)-eth1 10.1.i.2
                   s(i+1)-eth2 10.2.i.1 <-> sL-eth(i) 10.2.i.2
                   (fd00:1i::/64 and fd00:2i::/64 for i <= 9)
    sL-eth(N+1) 10.0.6.254 <-> h2 10.0.6.2                  (fd00:6::/64)

s1 balances h1 -> h2 over the paths (flowlet on s1-eth1), sL balances
h2 -> h1 (flowlet on its port from h2); the kernel's multipath routes
there are what flowlet replaces. Every interface has a MAC from the plan,
so that neighbour entries can be written in advance (no ARP in the
interface counters a test compares).

The Mininet topologies (flowlet_mininet.py) import this module; the shell
suites read the seed plan through the command line:

    /usr/bin/python3 topo/flowlet_plan.py [--paths N] [--ipv6] [--prefix P]

prints one record per line, fields separated by spaces ('-' for none):

    node NAME
    link NODE_A IF_A MAC_A ADDR4_A ADDR6_A NODE_B IF_B MAC_B ADDR4_B ADDR6_B
    route NODE IP-ROUTE-ARGUMENTS...          (for `ip route replace`)
    neigh NODE IF ADDRESS MAC                 (a neighbour entry)
    flowlet NODE INGRESS PREFIX DEV@NEXTHOP [DEV@NEXTHOP...]
    target NODE ADDRESS                       (h2, where traffic goes)
"""

import argparse
import collections

Link = collections.namedtuple(
    'Link', 'node_a intf_a mac_a addr_a addr6_a '
    'node_b intf_b mac_b addr_b addr6_b')
Route = collections.namedtuple('Route', 'node dst vias')
# hook: where flowlet runs (FLOWLET_HOOKS in include/flowlet_consts.h).
Flowlet = collections.namedtuple('Flowlet', 'node ingress prefix paths hook',
                                 defaults=('xdp',))
# target: h2's address, where traffic goes; exits: per path, the
# (node, interface) pairs where it leaves a middle switch, to shape;
# counted: per path, the (node, interface) whose transmitted bytes are
# the path's load.
Plan = collections.namedtuple('Plan', 'hosts switches middles links '
                              'routes flowlets target exits counted')

MAX_PATHS = 16
# The hosts' addresses in both plans: h1 sends to h2.
H1 = '10.0.1.1'
H2 = '10.0.6.2'


def _mac(link, side, plan=0):
    return '02:f1:00:%02x:%02x:%02x' % (plan, link, side)


def seed_plan(paths=4, prefix='', ipv6=False):
    """The plan for N paths; every node name starts with prefix. Prefix
    lengths are part of the addresses (10.0.1.1/24)."""
    if not 1 <= paths <= MAX_PATHS:
        raise ValueError('paths: 1 to %d' % MAX_PATHS)
    if ipv6 and paths > 9:
        raise ValueError('ipv6: at most 9 paths')

    def v6(addr):
        return addr if ipv6 else None

    last = 's%d' % (paths + 2) if paths > 4 else 's6'
    h1, h2, s1, sl = (prefix + n for n in ('h1', 'h2', 's1', last))
    mids = ['%ss%d' % (prefix, i + 2) for i in range(paths)]
    links = [Link(h1, h1 + '-eth0', None, H1 + '/24', v6('fd00:1::1/64'),
                  s1, s1 + '-eth1', None, '10.0.1.254/24',
                  v6('fd00:1::fe/64'))]
    routes = []
    for i, mid in enumerate(mids, 1):
        links.append(Link(s1, '%s-eth%d' % (s1, i + 1), None,
                          '10.1.%d.1/24' % i, v6('fd00:1%d::1/64' % i),
                          mid, mid + '-eth1', None, '10.1.%d.2/24' % i,
                          v6('fd00:1%d::2/64' % i)))
        links.append(Link(mid, mid + '-eth2', None, '10.2.%d.1/24' % i,
                          v6('fd00:2%d::1/64' % i),
                          sl, '%s-eth%d' % (sl, i), None, '10.2.%d.2/24' % i,
                          v6('fd00:2%d::2/64' % i)))
        routes.append(Route(mid, '10.0.6.0/24', ['10.2.%d.2' % i]))
        routes.append(Route(mid, '10.0.1.0/24', ['10.1.%d.1' % i]))
        if ipv6:
            routes.append(Route(mid, 'fd00:6::/64', ['fd00:2%d::2' % i]))
            routes.append(Route(mid, 'fd00:1::/64', ['fd00:1%d::1' % i]))
    links.append(Link(sl, '%s-eth%d' % (sl, paths + 1), None,
                      '10.0.6.254/24', v6('fd00:6::fe/64'),
                      h2, h2 + '-eth0', None, H2 + '/24',
                      v6('fd00:6::2/64')))
    links = [link._replace(mac_a=_mac(n, 1), mac_b=_mac(n, 2))
             for n, link in enumerate(links, 1)]
    s1_hops = ['10.1.%d.2' % i for i in range(1, paths + 1)]
    sl_hops = ['10.2.%d.1' % i for i in range(1, paths + 1)]
    routes += [Route(s1, '10.0.6.0/24', s1_hops),
               Route(sl, '10.0.1.0/24', sl_hops),
               Route(h1, 'default', ['10.0.1.254']),
               Route(h2, 'default', ['10.0.6.254'])]
    if ipv6:
        routes += [
            Route(s1, 'fd00:6::/64',
                  ['fd00:1%d::2' % i for i in range(1, paths + 1)]),
            Route(sl, 'fd00:1::/64',
                  ['fd00:2%d::1' % i for i in range(1, paths + 1)]),
            Route(h1, 'default', ['fd00:1::fe']),
            Route(h2, 'default', ['fd00:6::fe'])]
    flowlets = [
        Flowlet(s1, s1 + '-eth1', '10.0.6.0/24',
                ['%s-eth%d@%s' % (s1, i + 2, hop)
                 for i, hop in enumerate(s1_hops)]),
        Flowlet(sl, '%s-eth%d' % (sl, paths + 1), '10.0.1.0/24',
                ['%s-eth%d@%s' % (sl, i + 1, hop)
                 for i, hop in enumerate(sl_hops)])]
    return Plan(hosts=[h1, h2], switches=[s1, sl], middles=mids,
                links=links, routes=routes, flowlets=flowlets,
                target=H2,
                exits=[[(m, m + '-eth1'), (m, m + '-eth2')] for m in mids],
                counted=[(m, m + '-eth2') for m in mids])


def tunnels_plan(prefix=''):
    """The Weighted Tunnels setting: h1 has two uplinks into two disjoint
    paths to h2 and splits its own traffic over them (flowlet at h1's
    tc-egress); the kernel alone sends everything by uplink 1.

        h1-eth0 10.0.1.1 <-> s1-eth1 10.0.1.254    (path 1)
        h1-eth1 10.0.2.1 <-> s2-eth1 10.0.2.254    (path 2)
        s1-eth2 10.0.6.254 <-> h2-eth0 10.0.6.2
        s2-eth2 10.2.2.1 <-> h2-eth1 10.2.2.2      (s2 routes 10.0.6.0/24 here)

    Packets on path 2 keep h1's address on uplink 1 (10.0.1.1), so s2
    and h2 must not filter by reverse path (rp_filter 0): s2 has no route
    back to it, h2's goes by path 1. h2 answers by path 1."""
    h1, h2, s1, s2 = (prefix + n for n in ('h1', 'h2', 's1', 's2'))
    links = [
        Link(h1, h1 + '-eth0', None, H1 + '/24', None,
             s1, s1 + '-eth1', None, '10.0.1.254/24', None),
        Link(h1, h1 + '-eth1', None, '10.0.2.1/24', None,
             s2, s2 + '-eth1', None, '10.0.2.254/24', None),
        Link(s1, s1 + '-eth2', None, '10.0.6.254/24', None,
             h2, h2 + '-eth0', None, H2 + '/24', None),
        Link(s2, s2 + '-eth2', None, '10.2.2.1/24', None,
             h2, h2 + '-eth1', None, '10.2.2.2/24', None)]
    links = [link._replace(mac_a=_mac(0x80 + n, 1), mac_b=_mac(0x80 + n, 2))
             for n, link in enumerate(links, 1)]
    routes = [Route(h1, 'default', ['10.0.1.254']),
              Route(s2, '10.0.6.0/24', ['10.2.2.2']),
              Route(h2, 'default', ['10.0.6.254'])]
    flowlets = [Flowlet(h1, h1 + '-eth0', '10.0.6.0/24',
                        [h1 + '-eth0@10.0.1.254', h1 + '-eth1@10.0.2.254'],
                        'tc-egress')]
    return Plan(hosts=[h1, h2], switches=[], middles=[s1, s2], links=links,
                routes=routes, flowlets=flowlets, target=H2,
                exits=[[(s1, s1 + '-eth2')], [(s2, s2 + '-eth2')]],
                counted=[(h1, h1 + '-eth0'), (h1, h1 + '-eth1')])


# A BGP speaker of a fabric: its AS, router id, neighbours [(address,
# AS)] and the prefixes it announces (of either family); unnumbered: its
# sessions over the link-local addresses of an interface [(interface,
# AS)], each peer found on its link, which carry the families of
# unnumbered_families (IPv4 with IPv6 next hops, RFC 8950).
Speaker = collections.namedtuple(
    'Speaker', 'node asn router_id neighbors networks unnumbered '
    'unnumbered_families', defaults=((), ('ipv6',)))
# spines, leaves, hosts: node names; links: every Link (spine-leaf ones
# first); speakers: {node: Speaker}; host_ports: {leaf: [its ports to
# hosts]} (flowlet's ingress ports); uplinks: {(spine, leaf): [(spine's
# interface, leaf's interface), ...]}, one per parallel link; host_prefix:
# {host: its subnet, in the plan's first family}; counted: per spine link
# to the last leaf, (spine, its port), whose transmitted bytes are what
# that path delivered there.
FabricPlan = collections.namedtuple(
    'FabricPlan', 'spines leaves hosts links routes speakers host_ports '
    'uplinks host_prefix counted')

SPINE_ASN = 65000
LEAF_ASN = 65100


FAMILIES = ('ipv4', 'ipv6', 'dual')


def fabric_plan(spines=2, leaves=2, hosts_per_leaf=1, parallel=1,
                prefix='', family='ipv4'):
    """A leaf-spine fabric: every leaf linked to every spine (parallel
    links per pair), hosts on the leaves, eBGP everywhere (the spines
    share AS 65000, leaf i is AS 65100+i), so that a leaf reaches another
    leaf's hosts over every spine (ECMP). family: 'ipv4', 'ipv6' (IPv6
    only) or 'dual' (both):

        spine j - leaf i, link l: the n-th (n = (i-1)*parallel + l-1)
            sp{j}-eth{n+1} <-> lf{i}-eth{(j-1)*parallel+l}
            IPv4 only: 172.16.j.(2n)/31 <-> 172.16.j.(2n+1)/31, a session
            between the two; IPv6 and dual stack: link-local addresses
            only, an unnumbered session (each end names the interface)
            that carries both families (one session per link: an
            interface's unnumbered peer takes every connection over it)
        host k on leaf i: lf{i}-eth{spines*parallel+k} <-> l{i}h{k}-eth0
            IPv4: 10.i.k.1/24 <-> 10.i.k.2/24 (leaf i announces 10.i.k.0/24)
            IPv6: fd00:i:k::1/64 <-> fd00:i:k::2/64 (i, k in hexadecimal)
        router ids: spine j 10.255.1.j, leaf i 10.255.2.i
    """
    if not (1 <= spines <= 64 and 1 <= leaves <= 64 and
            1 <= hosts_per_leaf <= 16 and 1 <= parallel <= 4 and
            leaves * parallel <= 128):
        raise ValueError('spines 1-64, leaves 1-64, hosts per leaf 1-16, '
                         'parallel links 1-4 (leaves x parallel <= 128)')
    if family not in FAMILIES:
        raise ValueError('family: one of %s' % ', '.join(FAMILIES))
    v4, v6 = family != 'ipv6', family != 'ipv4'
    numbered = family == 'ipv4'
    carried = {'ipv6': ('ipv6',), 'dual': ('ipv4', 'ipv6')}.get(family, ())
    sps = ['%ssp%d' % (prefix, j) for j in range(1, spines + 1)]
    lfs = ['%slf%d' % (prefix, i) for i in range(1, leaves + 1)]
    links, routes, uplinks = [], [], {}
    neighbors = {node: [] for node in sps + lfs}
    unnumbered = {node: [] for node in sps + lfs}
    for j, sp in enumerate(sps, 1):
        for i, lf in enumerate(lfs, 1):
            for l in range(1, parallel + 1):
                n = (i - 1) * parallel + l - 1
                spine_addr = '172.16.%d.%d' % (j, 2 * n)
                leaf_addr = '172.16.%d.%d' % (j, 2 * n + 1)
                link = Link(sp, '%s-eth%d' % (sp, n + 1), None,
                            spine_addr + '/31' if numbered else None, None,
                            lf, '%s-eth%d' % (lf, (j - 1) * parallel + l),
                            None, leaf_addr + '/31' if numbered else None,
                            None)
                links.append(link)
                uplinks.setdefault((sp, lf), []).append(
                    (link.intf_a, link.intf_b))
                if numbered:
                    neighbors[sp].append((leaf_addr, LEAF_ASN + i))
                    neighbors[lf].append((spine_addr, SPINE_ASN))
                else:
                    unnumbered[sp].append((link.intf_a, LEAF_ASN + i))
                    unnumbered[lf].append((link.intf_b, SPINE_ASN))
    # host_prefix: each host's subnet in the plan's first family;
    # networks: every subnet a leaf announces.
    hosts, host_ports, host_prefix, networks = [], {}, {}, {}
    for i, lf in enumerate(lfs, 1):
        for k in range(1, hosts_per_leaf + 1):
            host = '%sl%dh%d' % (prefix, i, k)
            port = '%s-eth%d' % (lf, spines * parallel + k)
            net4, net6 = '10.%d.%d.' % (i, k), 'fd00:%x:%x::' % (i, k)
            leaf_addrs = (net4 + '1/24' if v4 else None,
                          net6 + '1/64' if v6 else None)
            host_addrs = (net4 + '2/24' if v4 else None,
                          net6 + '2/64' if v6 else None)
            links.append(Link(lf, port, None, *leaf_addrs, host,
                              host + '-eth0', None, *host_addrs))
            ours = ([net4 + '0/24'] if v4 else []) + (
                [net6 + '/64'] if v6 else [])
            routes += [Route(host, 'default', [net4 + '1'])] if v4 else []
            routes += [Route(host, 'default', [net6 + '1'])] if v6 else []
            hosts.append(host)
            host_ports.setdefault(lf, []).append(port)
            host_prefix[host] = ours[0]
            networks.setdefault(lf, []).extend(ours)
    # MACs of their own (0x10 and up in the third byte).
    links = [link._replace(mac_a=_mac(n % 256, 1, 0x10 + n // 256),
                           mac_b=_mac(n % 256, 2, 0x10 + n // 256))
             for n, link in enumerate(links)]
    speakers = {}
    for j, sp in enumerate(sps, 1):
        speakers[sp] = Speaker(sp, SPINE_ASN, '10.255.1.%d' % j,
                               neighbors[sp], [], unnumbered[sp], carried)
    for i, lf in enumerate(lfs, 1):
        speakers[lf] = Speaker(lf, LEAF_ASN + i, '10.255.2.%d' % i,
                               neighbors[lf], networks[lf], unnumbered[lf],
                               carried)
    return FabricPlan(spines=sps, leaves=lfs, hosts=hosts, links=links,
                      routes=routes, speakers=speakers,
                      host_ports=host_ports, uplinks=uplinks,
                      host_prefix=host_prefix,
                      counted=[(sp, sp_intf) for sp in sps
                               for sp_intf, _ in uplinks[sp, lfs[-1]]])


def host_addresses(plan, host):
    """host's addresses in plan (a fabric plan): IPv4 first, if any."""
    for link in plan.links:
        if link.node_b == host:
            return [a.split('/')[0] for a in (link.addr_b, link.addr6_b)
                    if a]
    raise ValueError('no host %s in the plan' % host)


def host_address(plan, host):
    """host's address in plan (a fabric plan), in its first family."""
    return host_addresses(plan, host)[0]


def route_args(route, weights=None):
    """The `ip route replace` arguments of a route; weights: one per via
    (a weight of 0 leaves that next hop out)."""
    if len(route.vias) == 1:
        return '%s via %s' % (route.dst, route.vias[0])
    if not weights:
        return route.dst + ''.join(' nexthop via ' + v for v in route.vias)
    return route.dst + ''.join(' nexthop via %s weight %d' % (v, w)
                               for v, w in zip(route.vias, weights) if w)


def neighbours(plan):
    """(node, interface, address, MAC) for both ends of every link: the
    neighbour entries that make ARP and ND unnecessary."""
    for link in plan.links:
        for a, b in (('a', 'b'), ('b', 'a')):
            for addr in ('addr', 'addr6'):
                peer = getattr(link, '%s_%s' % (addr, b))
                if peer:
                    yield (getattr(link, 'node_' + a),
                           getattr(link, 'intf_' + a),
                           peer.split('/')[0], getattr(link, 'mac_' + b))


def main():
    parser = argparse.ArgumentParser(
        description='The seed diamond address plan, one record per line.')
    parser.add_argument('--paths', type=int, default=4)
    parser.add_argument('--ipv6', action='store_true')
    parser.add_argument('--prefix', default='')
    args = parser.parse_args()
    try:
        plan = seed_plan(args.paths, args.prefix, args.ipv6)
    except ValueError as err:
        parser.error(str(err))
    for node in plan.hosts + plan.switches + plan.middles:
        print('node', node)
    for link in plan.links:
        print('link', ' '.join(field or '-' for field in link))
    for route in plan.routes:
        print('route', route.node, route_args(route))
    for entry in neighbours(plan):
        print('neigh', ' '.join(entry))
    for flowlet in plan.flowlets:
        print('flowlet', flowlet.node, flowlet.ingress, flowlet.prefix,
              ' '.join(flowlet.paths))
    print('target', plan.hosts[1], plan.target)


if __name__ == '__main__':
    main()
