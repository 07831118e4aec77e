#!/bin/bash
# attach --from-routes: every route through gateways of s1's table is
# balanced over its own path group (its next hops, with its weights), other
# routes stay the kernel's, and watch keeps the groups equal to the
# kernel's routes as they come, change and go, with flows keeping a next
# hop that stays in their group. Every count is flowlet's own or a fixed
# number of packets sent; nothing here depends on timing.
source "$(dirname "$0")/lib.sh"

SEND="$ROOT/flowlet-send"
MATCH="/usr/bin/python3 $ROOT/topo/flowlet_routes.py"
OUT=$(mktemp -d)
on_exit rm -rf "$OUT"

# The fixture: the dual-stack diamond with more destinations and routes,
# and h3 behind s1-eth6.
setup() {
	DIAMOND_IPV6=1 build_diamond 4 || return 1

	# Destinations beyond h2: 10.0.7.2 and so on, each on h2's loopback and
	# routed there by every switch after s1 as 10.0.6.0/24 is.
	for n in 7 8 9 10 11; do
		on h2 ip addr add "10.0.$n.2/32" dev lo
		on s6 ip route add "10.0.$n.0/24" via $H2
		for s in s2 s3 s4 s5; do
			# shellcheck disable=SC2046 # the route's "via GW dev DEV"
			on $s ip route add "10.0.$n.0/24" $(on $s ip route show 10.0.6.0/24 | cut -d' ' -f2-)
		done
	done

	# s1's routes: 10.0.6.0/24 and fd00:6::/64 over the four paths (the
	# diamond's), 10.0.7.0/24 and 10.0.9.0/24 over s2 and s3 (one group),
	# 10.0.8.0/24 over s4 and s5 at 3:1, 10.0.11.0/24 and 10.0.13.0/24
	# through one nexthop group object (as FRR installs them), 10.0.6.128/25
	# a device route inside a balanced prefix.
	on s1 ip route add 10.0.7.0/24 nexthop via 10.1.1.2 nexthop via 10.1.2.2
	on s1 ip route add 10.0.8.0/24 nexthop via 10.1.3.2 weight 3 nexthop via 10.1.4.2 weight 1
	on s1 ip route add 10.0.9.0/24 nexthop via 10.1.1.2 nexthop via 10.1.2.2
	on s1 ip nexthop add id 101 via 10.1.3.2 dev s1-eth4
	on s1 ip nexthop add id 102 via 10.1.4.2 dev s1-eth5
	on s1 ip nexthop add id 110 group 101/102
	on s1 ip route add 10.0.11.0/24 nhid 110
	on s1 ip route add 10.0.13.0/24 nhid 110
	on s1 ip route add 10.0.6.128/25 dev s1-eth5

	# h3 behind s1-eth6, a second ingress port.
	add_node h3 || return 1
	link h3 h3-eth0 02:f1:00:00:30:01 10.0.3.1/24 - s1 s1-eth6 02:f1:00:00:30:02 10.0.3.254/24 - || return 1
	on h3 ip route add default via 10.0.3.254
	on h3 ethtool -K h3-eth0 tx off >/dev/null
	on h3 ip neigh replace 10.0.3.254 lladdr 02:f1:00:00:30:02 dev h3-eth0 nud permanent
	on s1 ip neigh replace 10.0.3.1 lladdr 02:f1:00:00:30:01 dev s1-eth6 nud permanent
}
between() {
	ctl detach s1-eth1 --hook xdp
	ctl detach s1-eth1 --hook tc-ingress
}

# match: flowlet_routes.py compares the groups with the kernel's routes.
match() { on s1 $MATCH "$FLOWLETCTL" s1-eth1 "$@"; }

# path_packets (lib.sh) by path index; path_delta BEFORE: since BEFORE.
path_delta() { delta "$1" "$(path_packets)"; }

# bad input, before anything is attached
test_bad_input() {
	rejects "--from-routes with --path" "--path and --from-routes" \
		ctl attach s1-eth1 --from-routes --path s1-eth2@10.1.1.2
	rejects "--from-routes with --prefix" "--prefix and --from-routes" \
		ctl attach s1-eth1 --from-routes --prefix 10.0.6.0/24
	rejects "--from-routes with --weights" "--weights and --from-routes" \
		ctl attach s1-eth1 --from-routes --weights 1,1
	check "a refused attach leaves nothing attached" bash -c \
		"! ip -n ${UNIQ}s1 link show s1-eth1 | grep -q xdp"

}

# a table without routes yet (a router at boot, before its routing
# daemon): attach warns, and watch balances the routes when they come.
test_empty_table() {
	empty=$(ctl attach s1-eth1 --from-routes --table 100 --mode spray 2>&1)
	check "attach --from-routes on an empty table warns and attaches: $empty" \
		grep -q "table 100 has no route through gateways yet" <<<"$empty"
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" watch s1-eth1 --json >"$OUT/watch0" 2>&1 &
	WATCH0=$!
	on_exit kill "$WATCH0"
	wait_until 30 grep -q '"watching"' "$OUT/watch0"
	unbalanced=$(stats_field 'd["passed"]["not_balanced"]')
	on h1 "$SEND" --quiet 10.0.8.2 4 0 >/dev/null
	check "with no route everything goes to the kernel (4 not_balanced)" \
		test "$(($(stats_field 'd["passed"]["not_balanced"]') - unbalanced))" = 4
	on s1 ip route add 10.0.8.0/24 table 100 nexthop via 10.1.3.2 nexthop via 10.1.4.2
	wait_until 30 grep -q '"prefix":"10.0.8.0/24"' "$OUT/watch0"
	before=$(path_packets)
	on h1 "$SEND" --quiet 10.0.8.2 10 0 >/dev/null
	check "the first route, when it comes, is balanced: $(path_delta "$before")" \
		test "$(path_delta "$before")" = "5 5"
	kill "$WATCH0"
	wait "$WATCH0" 2>/dev/null
	on s1 ip route flush table 100
	ctl detach s1-eth1 >/dev/null

}

# flow_path: the path of the flow 10.0.1.1:4000 -> 10.0.7.2:80.
flow_path() {
	ctl flows s1-eth1 --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(str(f["path"]) for f in json.load(sys.stdin)
               if f["dst"] == "10.0.7.2:80" and f["src"].endswith(":4000")))'
}
# group_of PREFIX: the group PREFIX is balanced over.
group_of() { stats_field "[g['group'] for g in d['groups'] if '$1' in g['routes']][0]"; }
# route_event PREFIX FROM: from line FROM of the watch's output on, a
# change of PREFIX's route, then a commit.
route_event() {
	tail -n +"$2" "$OUT/watch" | /usr/bin/python3 -c '
import json, sys
seen = False
for line in sys.stdin:
    d = json.loads(line)
    seen = seen or (d["event"] == "route" and d["prefix"] == sys.argv[1])
    if seen and d["event"] == "commit":
        sys.exit(0)
sys.exit(1)' "$1"
}
# route_change PREFIX IP-ARGS...: changes s1's routes with ip IP-ARGS, then
# waits (up to 30 s) until watch has committed the change of PREFIX.
route_change() {
	local prefix=$1 from
	shift
	from=$(($(wc -l <"$OUT/watch") + 1))
	on s1 ip "$@" && wait_until 30 route_event "$prefix" "$from"
}

# attach_routes [OPTIONS]: flowlet on s1-eth1 with --from-routes, spray
# unless OPTIONS say otherwise (its output in ATTACHED).
attach_routes() {
	ATTACHED=$(ctl attach s1-eth1 --from-routes --mode spray "$@") && return
	fail "attach --from-routes: $ATTACHED"
	return 1
}

# Every route through gateways is a group, as the kernel has them.
test_attach_routes() {
	attach_routes || return
	check "attach --from-routes: $ATTACHED" grep -q "8 paths, 5 path groups from table 254" <<<"$ATTACHED"
	check "flowlet's groups are the kernel's routes: $(match)" match --quiet
	check "two routes through one nexthop object share a group" test \
		"$(stats_eval s1 s1-eth1 "[g['group'] for g in d['groups'] if '10.0.11.0/24' in g['routes'] and '10.0.13.0/24' in g['routes']] != []")" = True
	rejects "set --weights on routes" "change the routes' weights" ctl set s1-eth1 --weights 1,1,1,1,1,1,1,1

}

# The groups in Prometheus's format.
test_prometheus() {
	attach_routes || return
	if command -v promtool >/dev/null; then
		check "stats --prometheus with groups passes promtool" bash -c \
			"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --prometheus | promtool check metrics"
	else
		skip "promtool is not installed"
	fi
	check "flowlet_group_routes: 10.0.7.0/24's group has 2 routes" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --prometheus | grep -q 'flowlet_group_routes{iface=\"s1-eth1\",hook=\"xdp\",group=\"$(group_of 10.0.7.0/24)\"} 2'"
	check "flowlet_group_path_weight: 10.0.8.0/24's group weighs path 2 at 3" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --prometheus | grep -q '^flowlet_group_path_weight{iface=\"s1-eth1\",hook=\"xdp\",path=\"2\",dev=\"s1-eth4\",nexthop=\"10.1.3.2\",group=\"$(group_of 10.0.8.0/24)\"} 3'"

}

# Each prefix over its own group.
test_per_prefix() {
	attach_routes || return
	before=$(path_packets)
	on h1 "$SEND" --quiet 10.0.8.2 100 0 >/dev/null
	check "spray to 10.0.8.0/24 splits 100 packets 3:1 over its paths 2 and 3: $(path_delta "$before")" \
		test "$(path_delta "$before")" = "0 0 75 25 0 0 0 0"
	before=$(path_packets)
	on h1 "$SEND" --quiet 10.0.11.2 100 0 >/dev/null
	check "a route through a nexthop group object: 50/50 over its paths: $(path_delta "$before")" \
		test "$(path_delta "$before")" = "0 0 50 50 0 0 0 0"
	before=$(path_packets)
	on h1 "$SEND" --quiet 10.0.7.2 100 0 >/dev/null
	on h1 "$SEND" --quiet 10.0.9.2 100 0 >/dev/null
	check "10.0.7.0/24 and 10.0.9.0/24 share the group of paths 0 and 1: $(path_delta "$before")" \
		test "$(path_delta "$before")" = "100 100 0 0 0 0 0 0"
	unbalanced=$(stats_field 'd["passed"]["not_balanced"]')
	on h1 "$SEND" --quiet 10.0.6.200 10 0 >/dev/null
	check "a device route inside a balanced prefix stays the kernel's (10 not_balanced)" \
		test "$(($(stats_field 'd["passed"]["not_balanced"]') - unbalanced))" = 10

}

# watch follows the routes; a flow keeps a next hop that stays in its
# group (flowlet mode with a long timeout: the flow's flowlet never
# ends). What changes is put back afterwards.
test_watch_routes() {
	attach_routes || return
	on_exit on s1 ip -6 route replace fd00:6::/64 $(for i in 1 2 3 4; do printf 'nexthop via fd00:1%d::2 ' $i; done)
	on_exit on s1 ip nexthop replace id 110 group 101/102
	on_exit on s1 ip route del 10.0.10.0/24
	on_exit on s1 ip route replace 10.0.9.0/24 nexthop via 10.1.1.2 nexthop via 10.1.2.2
	on_exit on s1 ip route replace 10.0.7.0/24 nexthop via 10.1.1.2 nexthop via 10.1.2.2
	ctl set s1-eth1 --mode flowlet --timeout 60s >/dev/null
	on h1 "$SEND" --quiet --sport 4000 10.0.7.2 3 0 >/dev/null
	p=$(flow_path)
	other=$((1 - p))
	check "the flow to 10.0.7.2 is on one path of its group: path $p" test "$p" = 0 -o "$p" = 1

	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" watch s1-eth1 --json >"$OUT/watch" 2>"$OUT/watch.err" &
	WATCH_PID=$!
	on_exit kill "$WATCH_PID"
	wait_until 30 grep -q '"watching"' "$OUT/watch"
	check "watch starts with nothing to change" bash -c "! grep -q '\"route\"' '$OUT/watch'"

	changes=$(stats_field 'd["path_changes"]')
	check "watch: 10.0.7.0/24 moves to a group of paths $p and 2" \
		route_change 10.0.7.0/24 route replace 10.0.7.0/24 nexthop via "10.1.$((p + 1)).2" nexthop via 10.1.3.2
	check "the groups are the kernel's routes again: $(match)" match --quiet
	on h1 "$SEND" --quiet --sport 4000 10.0.7.2 3 0 >/dev/null
	check "the flow keeps path $p, which stays in its new group (path $(flow_path), $(($(stats_field 'd["path_changes"]') - changes)) path changes)" \
		test "$(flow_path)" = "$p" -a "$(stats_field 'd["path_changes"]')" = "$changes"
	check "watch: 10.0.7.0/24 moves to paths $other and 2" \
		route_change 10.0.7.0/24 route replace 10.0.7.0/24 nexthop via "10.1.$((other + 1)).2" nexthop via 10.1.3.2
	on h1 "$SEND" --quiet --sport 4000 10.0.7.2 3 0 >/dev/null
	moved=$(flow_path)
	check "the flow leaves path $p once its route drops it: path $moved" \
		test "$moved" = "$other" -o "$moved" = 2
	check "the groups are the kernel's routes again: $(match)" match --quiet

	check "watch: 10.0.9.0/24 goes" route_change 10.0.9.0/24 route del 10.0.9.0/24
	unbalanced=$(stats_field 'd["passed"]["not_balanced"]')
	on h1 "$SEND" --quiet 10.0.9.2 5 0 >/dev/null
	check "a route that goes is no longer balanced (5 not_balanced)" \
		test "$(($(stats_field 'd["passed"]["not_balanced"]') - unbalanced))" = 5
	check "watch: 10.0.10.0/24 comes" \
		route_change 10.0.10.0/24 route add 10.0.10.0/24 nexthop via 10.1.2.2 nexthop via 10.1.4.2
	ctl set s1-eth1 --mode spray >/dev/null
	before=$(path_packets)
	on h1 "$SEND" --quiet 10.0.10.2 100 0 >/dev/null
	check "a new route is balanced over its next hops: $(path_delta "$before")" \
		test "$(path_delta "$before")" = "0 50 0 50 0 0 0 0"
	check "watch: nexthop group 110 loses a member" \
		route_change 10.0.11.0/24 nexthop replace id 110 group 101
	before=$(path_packets)
	on h1 "$SEND" --quiet 10.0.11.2 10 0 >/dev/null
	check "a nexthop group object that loses a member: its route follows: $(path_delta "$before")" \
		test "$(path_delta "$before")" = "0 0 10 0 0 0 0 0"
	check "the groups are the kernel's routes again: $(match)" match --quiet
	check "watch: fd00:6::/64 changes" \
		route_change fd00:6::/64 route replace fd00:6::/64 nexthop via fd00:12::2 nexthop via fd00:13::2
	check "IPv6 routes are followed too: $(match)" match --quiet
	on_exit on s1 ip route replace 10.0.6.128/25 dev s1-eth5
	check "watch: the device route 10.0.6.128/25, the kernel's, goes" \
		route_change 10.0.6.128/25 route del 10.0.6.128/25
	before=$(stats_field 'd["redirected"]')
	on h1 "$SEND" --quiet 10.0.6.200 5 0 >/dev/null
	check "its addresses are balanced again, as 10.0.6.0/24's (5 redirected)" \
		test "$(($(stats_field 'd["redirected"]') - before))" = 5
	check "the groups are the kernel's routes again: $(match)" match --quiet

}

# A re-attach keeps the groups and the flows' paths.
test_reattach() {
	attach_routes || return
	ctl set s1-eth1 --mode flowlet >/dev/null
	on h1 "$SEND" --quiet --sport 4000 10.0.7.2 1 0 >/dev/null
	p=$(flow_path)
	replaced=$(ctl attach s1-eth1 --from-routes --timeout 60s)
	check "a re-attach: $replaced" grep -q "replaced" <<<"$replaced"
	on h1 "$SEND" --quiet --sport 4000 10.0.7.2 3 0 >/dev/null
	check "the flow keeps its path across the re-attach (path $p -> $(flow_path))" test "$(flow_path)" = "$p"
	check "the groups are the kernel's routes after the re-attach: $(match)" match --quiet

}

# one instance on two ingress ports: h3 behind s1-eth6
test_two_ports() {
	check "attach --from-routes on s1-eth1" ctl attach s1-eth1 --from-routes || return
	# A route through the second port: the kernel's once it is an ingress port.
	on s1 ip route add 10.0.12.0/24 via 10.0.3.1
	on_exit on s1 ip route del 10.0.12.0/24
	rejects "--ingress naming the interface itself" "--ingress s1-eth1: already an ingress port" \
		ctl attach s1-eth1 --from-routes --ingress s1-eth1
	rejects "--ingress on tc-egress" "--ingress is for the ingress hooks" \
		ctl attach s1-eth1 --from-routes --ingress s1-eth6 --hook tc-egress
	two=$(ctl attach s1-eth1 --from-routes --ingress s1-eth6 --mode spray)
	check "attach --ingress: $two" grep -q "replaced (also on s1-eth6)" <<<"$two"
	prog_on() { ip -n "${UNIQ}s1" -j link show "$1" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[0].get("xdp", {}).get("prog", {}).get("id", "none"))'; }
	check "both ports run the same program ($(prog_on s1-eth1), $(prog_on s1-eth6))" \
		test "$(prog_on s1-eth1)" = "$(prog_on s1-eth6)" -a "$(prog_on s1-eth6)" != none
	before=$(path_packets)
	on h3 "$SEND" --quiet 10.0.8.2 100 0 >/dev/null
	# 10.0.8.0/24's group: paths 2 and 3 at 3:1, nothing on the others.
	check "packets entering the second port are balanced by the same instance: $(path_delta "$before")" \
		test "$(path_delta "$before" | sed 's/ 0//g')" = "0 75 25"
	check "stats on either port is the instance's" test \
		"$(stats_eval s1 s1-eth6 'd["redirected"], d["ingress"]')" = \
		"$(stats_eval s1 s1-eth1 'd["redirected"], d["ingress"]')"
	check "a route through an ingress port stays the kernel's: $(match)" match --quiet
	rejects "attaching through a port beside the first" \
		"s1-eth6 is an ingress port of the flowlet instance on s1-eth1: attach there" \
		ctl attach s1-eth6 --path s1-eth2@10.1.1.2
	one=$(ctl attach s1-eth1 --from-routes)
	check "a re-attach without --ingress leaves s1-eth6 ($(prog_on s1-eth6))" \
		test "$(prog_on s1-eth6)" = none
	ctl attach s1-eth1 --from-routes --ingress s1-eth6 >/dev/null
	again=$(ctl attach s1-eth1 --from-routes --ingress s1-eth6 2>&1)
	check "a re-attach that keeps the second port replaces the program on both ($(prog_on s1-eth1), $(prog_on s1-eth6)): $again" \
		test "$(prog_on s1-eth1)" = "$(prog_on s1-eth6)" -a "$(prog_on s1-eth6)" != none -a "$(wc -l <<<"$again")" = 1
	detached=$(ctl detach s1-eth6)
	check "detach on either port detaches the instance from both: $(echo $detached)" \
		test "$(prog_on s1-eth1) $(prog_on s1-eth6) $(echo $detached)" = "none none s1-eth1: detached s1-eth6: detached"

}

# the same at tc-ingress
test_tc_ingress_ports() {
	tc=$(ctl attach s1-eth1 --from-routes --hook tc-ingress --ingress s1-eth6 --mode spray)
	check "attach --hook tc-ingress --ingress: $tc" grep -q "attached (also on s1-eth6)" <<<"$tc"
	dev_packets() { stats_field "sum(p['packets'] for p in d['paths'] if p['dev'] == '$1')"; }
	a4=$(dev_packets s1-eth4)
	a5=$(dev_packets s1-eth5)
	on h3 "$SEND" --quiet 10.0.8.2 100 0 >/dev/null
	split="$(($(dev_packets s1-eth4) - a4)) $(($(dev_packets s1-eth5) - a5))"
	check "at tc-ingress the second port's packets are balanced too: 10.0.8.0/24 3:1 ($split)" \
		test "$split" = "75 25"
	ctl detach s1-eth6 >/dev/null
	check "detach removes the filters and clsact from both ports" bash -c \
		"! tc -n ${UNIQ}s1 qdisc show dev s1-eth1 | grep -q clsact && ! tc -n ${UNIQ}s1 qdisc show dev s1-eth6 | grep -q clsact"
}

run_tests "$@"
