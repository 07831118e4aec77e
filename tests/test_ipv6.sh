#!/bin/bash
# IPv6 end to end in a dual-stack diamond: next hops given as IPv6
# addresses (resolved by neighbour discovery), ping6 through the XDP path,
# one ICMPv6 flow with gaps spreading over the paths by interface counters,
# and IPv4 still forwarded over the same paths.
DIAMOND_IPV6=1
source "$(dirname "$0")/lib.sh"

PORTS=(s1-eth2 s1-eth3 s1-eth4 s1-eth5)
OUT=$(mktemp)
on_exit rm -f "$OUT"
ctl() { on s1 "$FLOWLETCTL" "$@"; }

build_diamond 4 || { fail "cannot build the dual-stack diamond"; finish; exit; }
paths6=()
for i in 1 2 3 4; do paths6+=(--path "s1-eth$((i + 1))@fd00:1$i::2"); done

if ctl attach s1-eth1 "${paths6[@]}" --prefix fd00:6::/64 --prefix 10.0.6.0/24 \
	--timeout 10ms >"$OUT" 2>&1; then
	ok "attach with IPv6 next hops resolved by neighbour discovery"
else
	fail "attach with IPv6 next hops: $(cat "$OUT")"
	finish
	exit
fi
check "flowletctl shows the IPv6 next hops" stats_true s1 s1-eth1 \
	'[p["nexthop"] for p in d["paths"]] == ["fd00:11::2", "fd00:12::2", "fd00:13::2", "fd00:14::2"]'

before=$(stats_eval s1 s1-eth1 'd["redirected"]')
tx_before=$(path_tx s1 "${PORTS[@]}")
check "ping6 h1 -> h2 through flowlet, 40 echoes 30ms apart" \
	on h1 ping -6 -c 40 -i 0.03 -W 2 fd00:6::2
tx_after=$(path_tx s1 "${PORTS[@]}")
after=$(stats_eval s1 s1-eth1 'd["redirected"]')
spread=$(delta "$tx_before" "$tx_after")
check "the echoes were redirected by XDP ($((after - before)) frames)" \
	test $((after - before)) -ge 40
used=0
for n in $spread; do [ "$n" -ge 4 ] && used=$((used + 1)); done
check "one ICMPv6 flow with gaps > timeout spreads over >= 3 paths: $spread" \
	test $used -ge 3
check "the flow table holds the IPv6 flow" bash -c \
	"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 | grep -q '^icmpv6 *\[fd00:1::1\]:0 *\[fd00:6::2\]:0'"
check "IPv4 goes over the same paths (MACs from the IPv6 neighbours)" \
	on h1 ping -c 3 -i 0.2 -W 2 10.0.6.2
check "detach" ctl detach s1-eth1
finish
