"""flowlet's example topologies, built from the address plans of
topo/flowlet_plan.py with the node classes of topo/flowlet_mininet.py:
the seed diamond of the P4 flowlet exercise (SeedTopo) and the Weighted
Tunnels host (TunnelsTopo), and networks of them, started and stopped
(seed_network, tunnels_network). A topology of your own is written the
same way: a PlanTopo over a plan, or a Topo with FlowletSwitch nodes.

    mn --custom topo/flowlet_topos.py --topo seed --controller none

Run with Debian's Python: /usr/bin/python3.
"""

import inspect
import os
import sys

# `mn --custom` runs this file through exec(), without __file__.
sys.path.insert(0, os.path.dirname(os.path.abspath(
    inspect.currentframe().f_code.co_filename)))
from flowlet_mininet import PlanTopo, network  # noqa: E402
from flowlet_plan import seed_plan, tunnels_plan  # noqa: E402


class SeedTopo(PlanTopo):
    """h1 - s1 - {s2 .. s(N+1)} - s6 - h2, the P4 flowlet exercise's
    topology with N paths (default 4), addressed by topo/flowlet_plan.py (h1
    10.0.1.1, h2 10.0.6.2, path i through 10.1.i.0/24 and 10.2.i.0/24).
    s1 balances h1 -> h2, s6 balances h2 -> h1; the middle switches
    forward with plain routes and are shaped on both ports (bw).

    prefix: put before every node name, so that several networks can run
        at once (interface names stay under 15 characters).
    The other parameters are PlanTopo's.
    """

    def build(self, paths=4, prefix='', **params):
        # pylint: disable=arguments-differ
        self.build_plan(seed_plan(paths, prefix), **params)


class TunnelsTopo(PlanTopo):
    """The Weighted Tunnels setting (tunnels_plan in topo/flowlet_plan.py): h1
    with two uplinks into two disjoint paths to h2 (10.0.6.2), each
    shaped to bw where it leaves its middle switch; flowlet at h1's
    tc-egress splits h1's own traffic over them by weight. Parameters:
    PlanTopo's, and prefix as for SeedTopo."""

    def build(self, prefix='', **params):
        # pylint: disable=arguments-differ
        self.build_plan(tunnels_plan(prefix), **params)


def seed_network(cc=None, **topo_args):
    """network() of the seed topology (SeedTopo's arguments)."""
    return network(SeedTopo(**topo_args), cc)


def tunnels_network(cc=None, **topo_args):
    """network() of the Weighted Tunnels topology (TunnelsTopo's)."""
    return network(TunnelsTopo(**topo_args), cc)


# For `mn --custom topo/flowlet_topos.py --topo seed[,paths]` (or
# tunnels).
topos = {'seed': SeedTopo, 'tunnels': TunnelsTopo}
