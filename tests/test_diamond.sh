#!/bin/bash
# End to end in the seed diamond h1 - s1 - {s2..s5} - s6 - h2, built from
# veth pairs in network namespaces, flowlet attached on s1-eth1 with four
# paths. Path use is read from the kernel's interface counters on s1's
# egress ports, not from flowlet's own counters.
source "$(dirname "$0")/lib.sh"

SEND="$ROOT/flowlet-send"
PORTS=(s1-eth2 s1-eth3 s1-eth4 s1-eth5)

# send_flow SPORT N PAUSE: one TCP 5-tuple from h1 to h2; sets SPREAD to
# the packets each egress port sent meanwhile (interface counters).
send_flow() {
	local before after
	before=$(path_tx s1 "${PORTS[@]}")
	on h1 "$SEND" --quiet --sport "$1" $H2 "$2" "$3" >/dev/null
	after=$(path_tx s1 "${PORTS[@]}")
	SPREAD=$(delta "$before" "$after")
}

# used_paths MIN: how many ports carried at least MIN packets of SPREAD.
used_paths() {
	local n=0 p
	for p in $SPREAD; do [ "$p" -ge "$1" ] && n=$((n + 1)); done
	echo $n
}

# on_one_path N: SPREAD is N packets on one port and none on the others.
# Exact: the diamond's neighbours are static, so nothing else crosses s1.
on_one_path() { [ "$(used_paths 1)" -eq 1 ] && [ "$(used_paths "$1")" -eq 1 ]; }

# attach_s1 [OPTIONS]: flowlet on s1-eth1 over the four paths, timeout
# 10ms (its output in ATTACHED); a test starts with it, between() takes it
# away. Only a failure is a result.
attach_s1() {
	if ! ATTACHED=$(ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 --timeout 10ms "$@" 2>&1); then
		fail "attach: $ATTACHED"
		return 1
	fi
}

setup() { build_diamond 4; }
between() { ctl detach s1-eth1; }

test_attach() {
	attach_s1 || return
	ok "attach on s1-eth1 with four paths: $ATTACHED"
	check "the kernel shows flowlet_xdp on s1-eth1" bash -c \
		"ip netns exec ${UNIQ}s1 ip -d link show dev s1-eth1 | grep -q 'prog/xdp id [0-9]* name flowlet_xdp'"
	check "status lists the instance" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' status | grep -q '^s1-eth1: flowlet .*mode flowlet, timeout 10ms, 4 paths, '"
}

test_ping() {
	local before after
	attach_s1 || return
	before=$(stats_field 'd["redirected"]')
	check "ping h1 -> h2 through flowlet" on h1 ping -c 3 -i 0.2 -W 2 $H2
	after=$(stats_field 'd["redirected"]')
	check "the pings were redirected by XDP ($((after - before)) frames)" \
		test $((after - before)) -ge 3
}

# One 5-tuple with gaps > timeout spreads over the paths.
test_flowlet_spread() {
	local stats_before stats_after stats_spread
	attach_s1 || return
	stats_before=$(path_packets)
	send_flow 1234 100 0.03
	stats_after=$(path_packets)
	# Each packet is a flowlet hashed onto 1 of 4 paths: a path gets fewer
	# than 5 of 100 with probability 1.8e-8, so this fails 1 run in 10^7.
	check "flowlet mode: one TCP flow, 100 packets 30ms apart (timeout 10ms), spreads over all 4 paths (>= 5 each) by interface counters: $SPREAD" \
		test "$(used_paths 5)" -eq 4
	stats_spread=$(delta "$stats_before" "$stats_after")
	check "stats agrees exactly with the interface counters: stats $stats_spread, kernel $SPREAD" \
		test "$stats_spread" = "$SPREAD"
	check "flows lists the flow with its flowlets" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 --json | /usr/bin/python3 -c 'import json,sys; f=[f for f in json.load(sys.stdin) if f[\"src\"]==\"10.0.1.1:1234\" and f[\"dst\"]==\"$H2:80\"]; assert f and f[0][\"flowlets\"]>=50 and f[0][\"packets\"]==100, f'"
	check "bpftool map dump name flowlet_flows prints readable entries" bash -c \
		"bpftool map dump name flowlet_flows | grep -q '\"last_seen_ns\":'"
}

# The same kind of flow stays on one path under ecmp.
test_ecmp() {
	attach_s1 --mode ecmp || return
	send_flow 1235 100 0.03
	check "ecmp mode: the same flow pattern stays on one path: $SPREAD" \
		on_one_path 100
}

# set under traffic: mode, weights, timeout; the flow table stays.
test_set_live() {
	local flows_before flows_after sender sport
	attach_s1 || return
	# Three flows that send nothing more: they stay only if the table does.
	for sport in 3001 3002 3003; do
		on h1 "$SEND" --quiet --sport $sport $H2 1 0 >/dev/null
	done
	on_bg h1 "$SEND" --quiet --sport 3000 $H2 150 0.01 >/dev/null
	sender=$BG_PID
	wait_until 10 stats_true s1 s1-eth1 'd["flows_active"] >= 4'
	flows_before=$(stats_field 'd["flows_active"]')
	check "set --mode spray --weights 4,1,1,1 under traffic" \
		ctl set s1-eth1 --mode spray --weights 4,1,1,1
	sleep 0.3
	check "set --timeout 1s under traffic" ctl set s1-eth1 --timeout 1s
	wait $sender
	flows_after=$(stats_field 'd["flows_active"]')
	check "the flow table survives set ($flows_before -> $flows_after flows)" \
		test "$flows_after" -ge "$flows_before" -a "$flows_before" -ge 4
	check "stats shows the new mode, weights and timeout" test \
		"$(stats_field '(d["mode"], d["timeout_ns"], [p["weight"] for p in d["paths"]])')" = \
		"('spray', 1000000000, [4, 1, 1, 1])"
	send_flow 1236 70 0.002
	# Exact: spray's cursor is shared by the CPUs, and 70 packets are ten
	# rounds of the 7-slot weighted sequence wherever the cursor starts.
	check "spray 4,1,1,1: 70 packets of one flow split exactly 40/10/10/10 by interface counters: $SPREAD" \
		test "$SPREAD" = "40 10 10 10"
	check "set --mode flowlet --weights 1,1,1,1 --timeout 10s" \
		ctl set s1-eth1 --mode flowlet --weights 1,1,1,1 --timeout 10s
	send_flow 1237 50 0.03
	check "flowlet mode with timeout 10s: gaps of 30ms keep the flow on one path: $SPREAD" \
		on_one_path 50
}

# A TCP transfer end to end.
test_tcp() {
	local server before after rate out
	attach_s1 --timeout 50ms || return
	out=$(mktemp)
	on_exit rm -f "$out"
	on h2 iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
	server=$!
	on_exit kill $server
	wait_until 30 listening h2 5299
	before=$(stats_field 'd["redirected"]')
	if on h1 iperf3 -c $H2 -p 5299 -t 2 -J >"$out" 2>&1; then
		rate=$(/usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$out")
		after=$(stats_field 'd["redirected"]')
		check "iperf3 TCP h1 -> h2 through flowlet: ${rate} Mbit/s, $((after - before)) frames redirected" \
			test "$rate" -gt 0 -a $((after - before)) -gt 1000
	else
		fail "iperf3 h1 -> h2: $(head -c 300 "$out")"
	fi
	wait $server 2>/dev/null
}

# A hitless re-attach keeps the flow table.
test_reattach() {
	local old_prog new_prog flows_before flows_after out
	attach_s1 || return
	on h1 "$SEND" --quiet --sport 1238 $H2 10 0 >/dev/null
	old_prog=$(stats_field 'd["prog_id"]')
	flows_before=$(stats_field 'd["flows_active"]')
	if out=$(ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 --timeout 10ms 2>&1); then
		new_prog=$(stats_field 'd["prog_id"]')
		flows_after=$(stats_field 'd["flows_active"]')
		check "re-attach replaces the program ($old_prog -> $new_prog) and keeps $flows_after of $flows_before flows" \
			test "$new_prog" != "$old_prog" -a "$flows_after" -ge "$flows_before" -a "$flows_before" -ge 1
		check "ping after re-attach" on h1 ping -c 2 -i 0.2 -W 2 $H2
	else
		fail "re-attach: $out"
	fi
}

# detach returns forwarding to the kernel and frees the program and maps.
test_detach() {
	local prog maps
	attach_s1 || return
	prog=$(stats_field 'd["prog_id"]')
	maps=$(bpftool prog show id "$prog" | sed -n 's/.*map_ids //p' | tr ',' ' ')
	check "detach" ctl detach s1-eth1
	gone() {
		! bpftool prog show id "$prog" >/dev/null 2>&1 || return 1
		for m in $maps; do ! bpftool map show id "$m" >/dev/null 2>&1 || return 1; done
	}
	# The kernel frees them after an RCU grace period: wait up to 30s.
	check "detach frees the program ($prog) and its maps ($maps)" wait_until 30 gone
	check "the kernel shows no XDP program on s1-eth1" bash -c \
		"! ip netns exec ${UNIQ}s1 ip link show dev s1-eth1 | grep -q xdp"
	check "ping h1 -> h2 through the kernel after detach" on h1 ping -c 2 -i 0.2 -W 2 $H2
	check "stats after detach fails" bash -c \
		"! ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 2>/dev/null"
}

run_tests "$@"
