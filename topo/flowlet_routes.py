#!/usr/bin/python3
"""Compares flowlet's path groups with the kernel's routes, in this network
namespace: every route through gateways of the table (but through the
instance's ingress ports) must be balanced by
flowlet over exactly its next hops (device and gateway), with its weights
in the same proportions, and flowlet must balance no other prefix.

usage: routes_match.py FLOWLETCTL IFACE [--table T] [--quiet]
Prints "match: N routes over G groups" and exits 0, or prints each
difference and exits 1.
"""
import argparse
import json
import subprocess
import sys
from fractions import Fraction


def local_run(argv):
    return subprocess.run(argv, check=True, capture_output=True,
                          text=True).stdout


def run_json(run, *cmd):
    return json.loads(run(list(cmd)) or "[]")


def nexthop_object(run, nhid):
    """The (dev, gateway, weight) next hops of nexthop object nhid."""
    obj = run_json(run, "ip", "-j", "nexthop", "show", "id", str(nhid))
    obj = obj[0] if isinstance(obj, list) else obj
    if "group" not in obj:
        return [(obj.get("dev"), obj.get("gateway"), 1)]
    hops = []
    for member in obj["group"]:
        (dev, gw, _), = nexthop_object(run, member["id"])
        hops.append((dev, gw, member.get("weight", 1)))
    return hops


def kernel_routes(run, table, ingress=()):
    """Prefix -> sorted next hops of every unicast route through
    gateways (of several to one prefix, the lowest metric's) that does
    not leave through an ingress port (the set ingress)."""
    routes, metric = {}, {}
    for family in ("-4", "-6"):
        for r in run_json(run, "ip", "-j", family, "route", "show", "table",
                          str(table)):
            if r.get("type", "unicast") != "unicast":
                continue
            dst = r["dst"]
            if dst == "default":
                dst = "0.0.0.0/0" if family == "-4" else "::/0"
            elif "/" not in dst:
                dst += "/32" if family == "-4" else "/128"
            if "nhid" in r and "nexthops" not in r and "gateway" not in r:
                hops = nexthop_object(run, r["nhid"])
            elif "nexthops" in r:
                hops = [(h.get("dev"), h.get("gateway"), h.get("weight", 1))
                        for h in r["nexthops"]]
            else:
                hops = [(r.get("dev"), r.get("gateway"), 1)]
            if any(gw is None or dev in ingress for dev, gw, _ in hops):
                continue  # a device route, or back out: the kernel's
            m = r.get("metric", 0)
            if dst in metric and metric[dst] <= m:
                continue
            metric[dst] = m
            routes[dst] = sorted(hops)
    return routes


def proportions(hops):
    total = sum(w for _, _, w in hops)
    return sorted((dev, gw, Fraction(w, total)) for dev, gw, w in hops)


def flowlet_routes(run, flowletctl, iface):
    """Prefix -> sorted next hops as flowlet balances them, the number of
    groups and the instance's ingress ports."""
    d = run_json(run, flowletctl, "stats", iface, "--json")
    if not d.get("from_routes"):
        raise ValueError("%s: flowlet does not follow the routes" % iface)
    paths = d["paths"]
    routes = {}
    for g in d["groups"]:
        hops = sorted((paths[p]["dev"], paths[p]["nexthop"], w)
                      for p, w in zip(g["paths"], g["weights"]))
        for prefix in g["routes"]:
            routes[prefix] = hops
    return routes, len(d["groups"]), set(d["ingress"])


def differences(run, flowletctl, iface, table="main"):
    """The differences between the kernel's routes and flowlet's groups, one
    line each, and a summary line."""
    ours, groups, ingress = flowlet_routes(run, flowletctl, iface)
    kernel = kernel_routes(run, table, ingress)
    diffs = []
    for prefix in sorted(set(kernel) | set(ours)):
        k, f = kernel.get(prefix), ours.get(prefix)
        if k is None:
            diffs.append("%s: balanced by flowlet %s, not a route of the "
                         "kernel's" % (prefix, f))
        elif f is None:
            diffs.append("%s: the kernel's route %s, not balanced by "
                         "flowlet" % (prefix, k))
        elif proportions(k) != proportions(f):
            diffs.append("%s: the kernel's next hops %s, flowlet's %s"
                         % (prefix, k, f))
    return diffs, "match: %d routes over %d groups" % (len(kernel), groups)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("flowletctl")
    ap.add_argument("iface")
    ap.add_argument("--table", default="main")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    try:
        diffs, summary = differences(local_run, args.flowletctl, args.iface,
                                     args.table)
    except (ValueError, subprocess.CalledProcessError) as err:
        sys.exit(str(err))
    for line in diffs:
        print(line)
    if not diffs and not args.quiet:
        print(summary)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
