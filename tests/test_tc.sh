#!/bin/bash
# The TC hooks, end to end in namespaces, path use read from the kernel's
# interface counters:
#  - tc-ingress on the seed diamond's s1, like XDP, with h1's checksum
#    offload on (partial checksums, which XDP cannot forward);
#  - tc-egress on a host with two uplinks (h1 - {a, b} - h2), balancing
#    the host's own packets, and a second instance on the other uplink
#    that must not balance them again.
# Neighbours are static and IPv6 is off: no ARP or ND moves a counter.
source "$(dirname "$0")/lib.sh"

SEND="$ROOT/flowlet-send"
OUT=$(mktemp)
on_exit rm -f "$OUT"

# used N LINE: how many numbers of LINE are at least N.
used() {
	local n=0 v
	for v in $2; do [ "$v" -ge "$1" ] && n=$((n + 1)); done
	echo $n
}

# filter_on NODE DEV DIR PROG: the clsact filter on DEV's DIR runs PROG.
filter_on() { on "$1" tc filter show dev "$2" "$3" | grep -q "name $4 "; }

PORTS=(s1-eth2 s1-eth3 s1-eth4 s1-eth5)
UPLINKS=(h1-eth0 h1-eth1)
H1_PATHS=(--path h1-eth0@10.7.1.2 --path h1-eth1@10.7.2.2)

# The fixture: the seed diamond, and a host with two uplinks (e1 - {ea,
# eb} - e2):
# h1-eth0 10.7.1.1 - a 10.7.1.2 | a 10.7.3.1 - h2-eth0 10.7.3.2
# h1-eth1 10.7.2.1 - b 10.7.2.2 | b 10.7.4.1 - h2-eth1 10.7.4.2
# h2 answers on 10.7.9.2 (its lo); the kernel routes h1 -> h2 via a only.
setup() {
	local n
	build_diamond 4 || return 1
	for n in e1 ea eb e2; do
		add_node $n || return 1
		on $n sysctl -qw net.ipv4.conf.all.rp_filter=0
		on $n sysctl -qw net.ipv4.conf.default.rp_filter=0
	done
	link e1 h1-eth0 02:77:00:00:01:01 10.7.1.1/24 - ea a-eth0 02:77:00:00:01:02 10.7.1.2/24 - &&
		link e1 h1-eth1 02:77:00:00:02:01 10.7.2.1/24 - eb b-eth0 02:77:00:00:02:02 10.7.2.2/24 - &&
		link ea a-eth1 02:77:00:00:03:01 10.7.3.1/24 - e2 h2-eth0 02:77:00:00:03:02 10.7.3.2/24 - &&
		link eb b-eth1 02:77:00:00:04:01 10.7.4.1/24 - e2 h2-eth1 02:77:00:00:04:02 10.7.4.2/24 - ||
		return 1
	on e2 ip addr add 10.7.9.2/32 dev lo
	on e1 ip route add 10.7.9.0/24 via 10.7.1.2
	on ea ip route add 10.7.9.0/24 via 10.7.3.2
	on eb ip route add 10.7.9.0/24 via 10.7.4.2
	on e2 ip route add 10.7.1.0/24 via 10.7.3.1
	on e2 ip route add 10.7.2.0/24 via 10.7.4.1
	for n in ea eb; do on $n sysctl -qw net.ipv4.ip_forward=1; done
	on e1 ip neigh replace 10.7.1.2 lladdr 02:77:00:00:01:02 dev h1-eth0 nud permanent
	on e1 ip neigh replace 10.7.2.2 lladdr 02:77:00:00:02:02 dev h1-eth1 nud permanent
	on ea ip neigh replace 10.7.1.1 lladdr 02:77:00:00:01:01 dev a-eth0 nud permanent
	on ea ip neigh replace 10.7.3.2 lladdr 02:77:00:00:03:02 dev a-eth1 nud permanent
	on eb ip neigh replace 10.7.4.2 lladdr 02:77:00:00:04:02 dev b-eth1 nud permanent
	on e2 ip neigh replace 10.7.3.1 lladdr 02:77:00:00:03:01 dev h2-eth0 nud permanent
	on e2 ip neigh replace 10.7.4.1 lladdr 02:77:00:00:04:01 dev h2-eth1 nud permanent
}

# Every instance of the fixture detached (the host's by hook), h1's
# checksum offload off again.
between() {
	local dev hook
	ctl detach s1-eth1
	on s1 tc qdisc del dev s1-eth1 clsact 2>/dev/null
	on h1 ethtool -K h1-eth0 tx off
	for dev in h1-eth0 h1-eth1; do
		for hook in tc-egress tc-ingress; do
			on e1 "$FLOWLETCTL" detach $dev --hook $hook
		done
	done
}

# host_attach DEV: flowlet at DEV's tc-egress over both uplinks.
host_attach() {
	if on e1 "$FLOWLETCTL" attach "$1" --hook tc-egress "${H1_PATHS[@]}" \
		--prefix 10.7.9.0/24 --timeout 10ms >"$OUT" 2>&1; then
		ok "attach --hook tc-egress on $1, paths over both uplinks: $(cat "$OUT")"
	else
		fail "attach --hook tc-egress on $1: $(cat "$OUT")"
		return 1
	fi
}

# tc-ingress on a router: the diamond's s1.
test_router_ingress() {
	local before after spread stats_before FLOWGEN
	if ctl attach s1-eth1 --hook tc-ingress "${S1_PATHS[@]}" --prefix 10.0.6.0/24 \
		--timeout 10ms >"$OUT" 2>&1; then
		ok "attach --hook tc-ingress on s1-eth1: $(cat "$OUT")"
	else
		fail "attach --hook tc-ingress: $(cat "$OUT")"
		return
	fi
	check "the kernel shows flowlet_tc_in on s1-eth1's clsact ingress" \
		filter_on s1 s1-eth1 ingress flowlet_tc_in
	check "status lists it at tc-ingress" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' status | grep -q '^s1-eth1: flowlet (tc-ingress, prog [0-9]*), mode flowlet'"
	before=$(path_tx s1 "${PORTS[@]}")
	stats_before=$(path_packets)
	on h1 "$SEND" --quiet --sport 1234 $H2 100 0.03 >/dev/null
	after=$(path_tx s1 "${PORTS[@]}")
	spread=$(delta "$before" "$after")
	# As in the diamond suite: a path gets fewer than 5 of 100 one-packet
	# flowlets with probability 1.8e-8.
	check "tc-ingress, flowlet mode: 100 packets 30ms apart spread over all 4 paths (>= 5 each) by interface counters: $spread" \
		test "$(used 5 "$spread")" -eq 4
	check "stats agrees exactly with the interface counters" \
		test "$(delta "$stats_before" "$(path_packets)")" = "$spread"

	# Partial checksums: h1's TCP leaves checksumming to the device. flowgen
	# times a transfer until the receiver says every byte arrived (iperf3 -n
	# may end with data still unsent), so all 4 MB of it crossed s1.
	on h1 ethtool -K h1-eth0 tx on >/dev/null
	FLOWGEN="$ROOT/tools/flowgen.py"
	ip netns exec "${UNIQ}h2" /usr/bin/python3 "$FLOWGEN" server --port 5299 >/dev/null 2>&1 &
	on_exit kill $!
	wait_until 30 listening h2 5299
	before=$(bytes)
	if on h1 /usr/bin/python3 "$FLOWGEN" client $H2 --port 5299 --size 4000000 \
		--count 1 --out "$OUT.csv" >/dev/null 2>&1 && finished; then
		after=$(bytes)
		check "a 4 MB TCP transfer with h1's checksum offload on, through tc-ingress: $((after - before)) bytes redirected" \
			test $((after - before)) -ge 4000000
	else
		fail "a TCP transfer with checksum offload through tc-ingress: $(cat "$OUT.csv" 2>/dev/null | head -c 300)"
	fi
	on_exit rm -f "$OUT.csv"
	check "set works at tc-ingress" ctl set s1-eth1 --mode ecmp
	check "flows works at tc-ingress" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 --json | grep -q '$H2'"
	check "detach at tc-ingress" ctl detach s1-eth1
	check "detach took the filter and the clsact qdisc away" bash -c \
		"! ip netns exec ${UNIQ}s1 tc qdisc show dev s1-eth1 | grep -q clsact"
	check "ping h1 -> h2 through the kernel after detach" on h1 ping -c 2 -i 0.2 -W 2 $H2
}

bytes() { stats_field 'sum(p["bytes"] for p in d["paths"])'; }
finished() {
	/usr/bin/python3 -c 'import csv, sys; r = list(csv.DictReader(open(sys.argv[1]))); sys.exit(not (len(r) == 1 and r[0]["bytes"] == "4000000" and r[0]["fct_s"]))' "$OUT.csv"
}
# host_send SPORT N: N packets from h1 to h2, 30ms apart; sets UP and
# DOWN to the packets h1's uplinks sent and h2's links received.
host_send() {
	local up0 down0
	up0=$(path_tx e1 "${UPLINKS[@]}")
	down0=$(on e2 ip -s -j link | /usr/bin/python3 -c 'import json,sys; print(sum(i["stats64"]["rx"]["packets"] for i in json.load(sys.stdin) if i["ifname"] != "lo"))')
	on e1 "$SEND" --quiet --sport "$1" 10.7.9.2 "$2" 0.03 >/dev/null
	UP=$(delta "$up0" "$(path_tx e1 "${UPLINKS[@]}")")
	DOWN=$(($(on e2 ip -s -j link | /usr/bin/python3 -c 'import json,sys; print(sum(i["stats64"]["rx"]["packets"] for i in json.load(sys.stdin) if i["ifname"] != "lo"))') - down0))
}
# host_stats DEV EXPR: stats_eval on h1's instance at DEV's tc-egress.
host_stats() {
	on e1 "$FLOWLETCTL" stats "$1" --hook tc-egress --json |
		/usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

# tc-egress on a host with two uplinks: its own packets balanced.
test_host_egress() {
	local stats_before old_prog flows
	host_attach h1-eth0 || return
	check "the kernel shows flowlet_tc_out on h1-eth0's clsact egress" \
		filter_on e1 h1-eth0 egress flowlet_tc_out
	stats_before=$(host_stats h1-eth0 '" ".join(str(p["packets"]) for p in d["paths"])')
	host_send 2000 100
	# 100 one-packet flowlets hashed onto 2 paths: fewer than 5 on one with
	# probability 4e-23.
	check "tc-egress: h1's own 100 packets 30ms apart leave by both uplinks (>= 5 each): $UP" \
		test "$(used 5 "$UP")" -eq 2
	check "all 100 reach h2 (by h2's interface counters): $DOWN" test "$DOWN" -eq 100
	check "stats agrees exactly with the uplinks' counters" test \
		"$(delta "$stats_before" "$(host_stats h1-eth0 '" ".join(str(p["packets"]) for p in d["paths"])')")" = "$UP"

	old_prog=$(host_stats h1-eth0 'd["prog_id"]')
	flows=$(host_stats h1-eth0 'd["flows_active"]')
	check "re-attach at tc-egress replaces the filter's program and keeps the flows" bash -c \
		"ip netns exec ${UNIQ}e1 '$FLOWLETCTL' attach h1-eth0 --hook tc-egress ${H1_PATHS[*]} --prefix 10.7.9.0/24 --timeout 10ms >/dev/null &&
	 [ \"\$(ip netns exec ${UNIQ}e1 tc filter show dev h1-eth0 egress | grep -c 'name flowlet_tc_out ')\" = 1 ]"
	check "the new program ($(host_stats h1-eth0 'd["prog_id"]'), was $old_prog) kept the $flows flows" test \
		"$(host_stats h1-eth0 'd["prog_id"] != '"$old_prog"' and d["flows_active"] == '"$flows")" = True

}

# A second instance on the other uplink: what the first redirects there
# passes through unbalanced (steered), once.
test_second_instance() {
	local p1_before steered_before p1 steered
	host_attach h1-eth0 && host_attach h1-eth1 || return
	p1_before=$(host_stats h1-eth0 'd["paths"][1]["packets"]')
	steered_before=$(host_stats h1-eth1 'd["passed"]["steered"]')
	host_send 2001 100
	p1=$(($(host_stats h1-eth0 'd["paths"][1]["packets"]') - p1_before))
	steered=$(($(host_stats h1-eth1 'd["passed"]["steered"]') - steered_before))
	check "each packet h1-eth0's instance sent to h1-eth1 ($p1) passed h1-eth1's as steered ($steered), none balanced twice" \
		test "$p1" -gt 0 -a "$p1" -eq "$steered"
	check "still exactly 100 packets out of the uplinks ($UP) and into h2 ($DOWN)" \
		test $(($(echo "$UP" | tr ' ' '+'))) -eq 100 -a "$DOWN" -eq 100
}

uplink_state() { [ "$(host_stats h1-eth0 'd["paths"][1]["state"]')" = "$1" ]; }

# watch keeps a tc-egress instance true to the kernel as it does XDP's: an
# uplink that goes down leaves the rotation and comes back with its link.
# Not through on(), a function: $! must be the watcher itself.
test_host_watch() {
	local watcher
	host_attach h1-eth0 || return
	ip netns exec "${UNIQ}e1" "$FLOWLETCTL" watch h1-eth0 --hook tc-egress >"$OUT.watch" 2>&1 &
	watcher=$!
	on_exit kill $watcher
	on_exit rm -f "$OUT.watch"
	if wait_until 30 grep -q watching "$OUT.watch"; then
		on e1 ip link set h1-eth1 down
		check "watch --hook tc-egress takes the uplink whose link went down out of rotation" \
			wait_until 30 uplink_state "link down"
		host_send 2003 20
		check "with h1-eth1 down all 20 packets leave by h1-eth0 ($UP) and reach h2 ($DOWN)" \
			test "$UP" = "20 0" -a "$DOWN" -eq 20
		on e1 ip link set h1-eth1 up
		check "... and puts it back when the link is up again" wait_until 30 uplink_state up
	else
		fail "watch --hook tc-egress did not start: $(head -c 300 "$OUT.watch")"
	fi
	kill $watcher 2>/dev/null
	wait $watcher 2>/dev/null
}

# other_seen: the packets somebody else's clsact filter (other_tc) saw,
# from its one map; add_other: that filter on s1-eth1's ingress, after
# flowlet's priority; del_other: it taken away.
other_seen() {
	bpftool map dump name other_tc_seen -j |
		/usr/bin/python3 -c '
import json, sys
# With BTF, "formatted" has the number; else the value is its bytes.
print(sum(e["formatted"]["value"] if "formatted" in e else
          int.from_bytes(bytes(int(b, 16) for b in e["value"]), "little")
          for e in json.load(sys.stdin)))'
}
add_other() {
	on s1 tc qdisc add dev s1-eth1 clsact 2>/dev/null
	on s1 tc filter add dev s1-eth1 ingress pref 2 bpf da obj "$ROOT/build/xdp_pass.bpf.o" sec tc
}
del_other() { on s1 tc filter del dev s1-eth1 ingress pref 2; }

# s1_pings: 3 pings from h1 to s1's own address, which flowlet leaves to
# the kernel (and to the filters after it); other_saw_pings BEFORE: the
# other filter saw them.
s1_pings() { on h1 ping -c 3 -i 0.2 -W 1 10.0.1.254 >/dev/null; }
other_saw_pings() { s1_pings && [ "$(other_seen)" -ge $(($1 + 3)) ]; }

# forwards: 20 packets of a flow to h2 through flowlet at s1's
# tc-ingress, every one redirected.
forwards() {
	local before
	before=$(stats_field 'd["redirected"]')
	on h1 "$ROOT/flowlet-send" --quiet "$H2" 20 0.001 >/dev/null &&
		[ "$(stats_field 'd["redirected"]')" -eq $((before + 20)) ]
}

# Sharing an interface: flowlet at tc-ingress beside another clsact
# filter, attached before it or after it; each detached leaves the
# other running. (An XDP program is one per interface: test_other_xdp.)
test_shared_ingress() {
	local seen
	check "another clsact filter on s1-eth1's ingress" add_other || return
	check "attach --hook tc-ingress beside it" ctl attach s1-eth1 --hook tc-ingress \
		"${S1_PATHS[@]}" --prefix 10.0.6.0/24 --timeout 10ms || return
	check "both filters are there" bash -c \
		"ip netns exec ${UNIQ}s1 tc filter show dev s1-eth1 ingress | grep -q 'name flowlet_tc_in ' &&
		 ip netns exec ${UNIQ}s1 tc filter show dev s1-eth1 ingress | grep -q 'name other_tc '"
	check "flowlet forwards the flow to h2" forwards
	seen=$(other_seen)
	check "what flowlet leaves to the kernel reaches the other filter (3 pings to s1)" \
		other_saw_pings "$seen"
	check "detach flowlet" ctl detach s1-eth1
	check "the other filter stays" bash -c \
		"ip netns exec ${UNIQ}s1 tc filter show dev s1-eth1 ingress | grep -q 'name other_tc '"
	seen=$(other_seen)
	check "and still sees every packet" other_saw_pings "$seen"
	del_other
	check "attach --hook tc-ingress, alone" ctl attach s1-eth1 --hook tc-ingress \
		"${S1_PATHS[@]}" --prefix 10.0.6.0/24 --timeout 10ms || return
	check "the other filter after it" add_other
	seen=$(other_seen)
	check "both run: flowlet forwards" forwards
	check "and the other sees what flowlet leaves" other_saw_pings "$seen"
	check "the other filter taken away" del_other
	check "flowlet still there and forwarding" forwards
}

# Two hooks on one interface: commands ask which.
test_two_hooks() {
	local rc
	host_attach h1-eth0 && host_attach h1-eth1 || return
	check "attach --hook tc-ingress on h1-eth0 as well" on e1 "$FLOWLETCTL" \
		attach h1-eth0 --hook tc-ingress --path h1-eth1@10.7.2.2
	on e1 "$FLOWLETCTL" stats h1-eth0 >"$OUT" 2>&1
	rc=$?
	check "stats h1-eth0 with two instances exits 1 and asks for --hook: $(head -1 "$OUT")" \
		bash -c "[ $rc -eq 1 ] && grep -q 'say which with --hook' '$OUT'"
	check "stats h1-eth0 --hook tc-egress" on e1 "$FLOWLETCTL" stats h1-eth0 --hook tc-egress
	check "status lists all three instances" test \
		"$(on e1 "$FLOWLETCTL" status | grep -c '^h1-eth.: flowlet (tc-')" -eq 3
	check "detach --hook tc-ingress leaves tc-egress running" bash -c \
		"ip netns exec ${UNIQ}e1 '$FLOWLETCTL' detach h1-eth0 --hook tc-ingress >/dev/null &&
	 ip netns exec ${UNIQ}e1 tc filter show dev h1-eth0 egress | grep -q flowlet_tc_out"
	check "detach h1-eth1 and h1-eth0" bash -c \
		"ip netns exec ${UNIQ}e1 '$FLOWLETCTL' detach h1-eth1 >/dev/null &&
	 ip netns exec ${UNIQ}e1 '$FLOWLETCTL' detach h1-eth0 >/dev/null"
	check "no clsact left on h1's uplinks" bash -c \
		"! ip netns exec ${UNIQ}e1 tc qdisc show | grep -q clsact"
	host_send 2002 20
	check "after detach the kernel's route carries h1's packets (uplinks $UP)" \
		test "$UP" = "20 0" -a "$DOWN" -eq 20
}

run_tests "$@"
