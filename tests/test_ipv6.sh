#!/bin/bash
# IPv6 end to end in a dual-stack diamond: next hops given as IPv6
# addresses (resolved by neighbour discovery), ping6 through the XDP path,
# one ICMPv6 flow with gaps spreading over the paths by interface counters,
# and IPv4 still forwarded over the same paths.
DIAMOND_IPV6=1
DIAMOND_STATIC_NEIGH=0 # this suite resolves next hops by neighbour discovery
source "$(dirname "$0")/lib.sh"

PORTS=(s1-eth2 s1-eth3 s1-eth4 s1-eth5)
SEND="$ROOT/flowlet-send"
OUT=$(mktemp)
on_exit rm -f "$OUT"

setup() { build_diamond 4; }
between() { ctl detach s1-eth1; }

# Next hops by their global addresses, resolved by neighbour discovery.
test_global_nexthops() {
	local paths6=() i before after tx_before tx_after stats_before stats_after spread tx_spread used n
	for i in 1 2 3 4; do paths6+=(--path "s1-eth$((i + 1))@fd00:1$i::2"); done
	if ctl attach s1-eth1 "${paths6[@]}" --prefix fd00:6::/64 --prefix 10.0.6.0/24 \
		--timeout 10ms >"$OUT" 2>&1; then
		ok "attach with IPv6 next hops resolved by neighbour discovery"
	else
		fail "attach with IPv6 next hops: $(cat "$OUT")"
		return
	fi
	check "flowletctl shows the IPv6 next hops" stats_true s1 s1-eth1 \
		'[p["nexthop"] for p in d["paths"]] == ["fd00:11::2", "fd00:12::2", "fd00:13::2", "fd00:14::2"]'

	before=$(stats_eval s1 s1-eth1 'd["redirected"]')
	tx_before=$(path_tx s1 "${PORTS[@]}")
	stats_before=$(path_packets)
	check "ping6 h1 -> h2 through flowlet, 100 echoes 20ms apart" \
		on h1 ping -6 -c 100 -i 0.02 -W 2 fd00:6::2
	tx_after=$(path_tx s1 "${PORTS[@]}")
	stats_after=$(path_packets)
	after=$(stats_eval s1 s1-eth1 'd["redirected"]')
	spread=$(delta "$stats_before" "$stats_after")
	tx_spread=$(delta "$tx_before" "$tx_after")
	check "the echoes were redirected by XDP ($((after - before)) frames)" \
		test $((after - before)) -eq 100
	# Counted by flowlet (neighbour discovery moves the interface counters
	# too). Each echo is a flowlet on 1 of 4 paths: a path gets fewer than 5
	# of 100 with probability 1.8e-8.
	used=0
	for n in $spread; do [ "$n" -ge 5 ] && used=$((used + 1)); done
	check "one ICMPv6 flow with gaps > timeout spreads over all 4 paths (>= 5 each): $spread" \
		test $used -eq 4
	check "the interface counters saw at least what flowlet sent on each path: kernel $tx_spread, flowlet $spread" \
		/usr/bin/python3 -c 'import sys; a, b = (list(map(int, s.split())) for s in sys.argv[1:]); sys.exit(not all(x >= y for x, y in zip(a, b)))' "$tx_spread" "$spread"
	check "the flow table holds the IPv6 flow" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 | grep -q '^icmpv6 *\[fd00:1::1\]:0 *\[fd00:6::2\]:0'"
	check "IPv4 goes over the same paths (MACs from the IPv6 neighbours)" \
		on h1 ping -c 3 -i 0.2 -W 2 $H2
	check "detach" ctl detach s1-eth1
}

# flowlet-send over IPv6, the P4 exercise's flow: 100 TCP packets of one
# flow 30 ms apart through a 10 ms timeout, each a flowlet on 1 of 4
# paths: a path gets fewer than 5 with probability 1.8e-8.
test_send6() {
	local before after spread used=0 n
	check "attach for IPv6 destinations" ctl attach s1-eth1 "${S1_PATHS[@]}" \
		--prefix fd00:6::/64 --timeout 10ms || return
	before=$(path_packets)
	check "flowlet-send fd00:6::2 100 0.03" on h1 "$SEND" --quiet fd00:6::2 100 0.03
	after=$(path_packets)
	spread=$(delta "$before" "$after")
	for n in $spread; do [ "$n" -ge 5 ] && used=$((used + 1)); done
	check "its TCP flow spreads over all 4 paths (>= 5 each): $spread" test $used -eq 4
	check "the flow table holds it, ports and all" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 | grep -q '^tcp *\[fd00:1::1\]:1234 *\[fd00:6::2\]:80 '"
}

# watch --probe over IPv6: ICMPv6 echo requests out of each path, from the
# ingress port's address (fd00:1::fe), answered on every path.
test_probe6() {
	local paths6=() i pid
	for i in 1 2 3 4; do paths6+=(--path "s1-eth$((i + 1))@fd00:1$i::2"); done
	check "attach with IPv6 next hops" ctl attach s1-eth1 "${paths6[@]}" --prefix fd00:6::/64 || return
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" watch s1-eth1 --probe fd00:6::2 --probe-interval 20ms \
		>/dev/null 2>"$OUT" &
	pid=$!
	on_exit kill "$pid"
	wait_until 30 stats_true s1 s1-eth1 'len(d["delay"]) == 4 and all(e["answered"] >= 10 for e in d["delay"])'
	check "each of the 4 paths answered 10 ICMPv6 probes or more" stats_true s1 s1-eth1 \
		'len(d["delay"]) == 4 and all(e["answered"] >= 10 and e["target"] == "fd00:6::2" for e in d["delay"])'
}

# Paths from an IPv6 multipath route through link-local next hops (as
# routing daemons install them): the s2..s5 ends' EUI-64 addresses.
test_link_local_route() {
	local hops=() i mac ll stats_before
	for i in 1 2 3 4; do
		mac=$(on "s$((i + 1))" cat "/sys/class/net/s$((i + 1))-eth1/address")
		ll=$(/usr/bin/python3 -c 'import sys; b = bytes.fromhex(sys.argv[1].replace(":", "")); e = bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:]; print("fe80::%x:%x:%x:%x" % tuple(int.from_bytes(e[j:j + 2], "big") for j in range(0, 8, 2)))' "$mac")
		hops+=(nexthop via "$ll" dev "s1-eth$((i + 1))")
	done
	on s1 ip -6 route replace fd00:6::/64 "${hops[@]}"
	if ctl attach s1-eth1 --from-route fd00:6::/64 --timeout 10ms >"$OUT" 2>&1; then
		ok "attach --from-route with IPv6 link-local next hops"
	else
		fail "attach --from-route with IPv6 link-local next hops: $(cat "$OUT")"
	fi
	check "the paths are the route's link-local next hops on their devices" \
		stats_true s1 s1-eth1 "[(p['dev'], p['nexthop']) for p in d['paths']] == [$(for i in 1 2 3 4; do printf "('s1-eth%d', '%s'), " $((i + 1)) "${hops[$(((i - 1) * 5 + 2))]}"; done)]"
	stats_before=$(path_packets)
	check "ping6 h1 -> h2 through the link-local next hops" \
		on h1 ping -6 -c 40 -i 0.02 -W 2 fd00:6::2
	check "... spread over the paths: $(delta "$stats_before" "$(path_packets)")" \
		test "$(delta "$stats_before" "$(path_packets)" | tr ' ' '\n' | grep -c '^[1-9]')" -ge 2
	check "detach" ctl detach s1-eth1
}

run_tests "$@"
