# shellcheck shell=bash
# Shared by the shell suites: results, cleanup and the namespace diamond.
# A suite sources this file, calls its checks, and ends with `finish`.
#
# Results go to stdout as "ok|FAIL|skip - description"; finish prints the
# suite's "N passed, N failed, N skipped" line (tests/run.sh adds them up).

PASSED=0
FAILED=0
SKIPPED=0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FLOWLETCTL="$ROOT/flowletctl"

ok() { PASSED=$((PASSED + 1)); echo "ok   - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "skip - $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds (its output
# is not shown; its errors are).
check() {
	local what=$1
	shift
	if "$@" >/dev/null; then ok "$what"; else fail "$what"; fi
}

finish() {
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
}

# Cleanup actions run in reverse order on exit, whatever happens.
CLEANUPS=()
on_exit() { CLEANUPS+=("$*"); }
run_cleanups() {
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[i]}" >/dev/null 2>&1 || true
	done
	CLEANUPS=()
}
trap run_cleanups EXIT
trap 'exit 130' INT TERM

# A prefix no other run uses: namespaces are named ${UNIQ}h1 and so on.
UNIQ="fl$$x$RANDOM"

# on NODE CMD...: run CMD in the namespace of NODE (h1, s1, ...).
on() {
	local node=$1
	shift
	ip netns exec "$UNIQ$node" "$@"
}

# DIAMOND_IPV6=1 before build_diamond makes the diamond dual-stack. Else
# IPv6 is off, so that router solicitations and MLD reports do not move the
# interface counters the tests compare.
DIAMOND_IPV6=${DIAMOND_IPV6:-0}

add_node() {
	ip netns add "$UNIQ$1" || return 1
	on_exit ip netns del "$UNIQ$1"
	on "$1" ip link set lo up
	local off=$((DIAMOND_IPV6 ? 0 : 1))
	on "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=$off
	on "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=$off
}

# link A IFA ADDRA B IFB ADDRB [ADDR6A ADDR6B]: a veth between two nodes,
# addressed /24 (and /64 when IPv6 addresses are given).
link() {
	ip link add "$2" netns "$UNIQ$1" type veth peer name "$5" \
		netns "$UNIQ$4" || return 1
	on "$1" ip addr add "$3/24" dev "$2"
	on "$4" ip addr add "$6/24" dev "$5"
	if [ -n "${7:-}" ]; then
		on "$1" ip -6 addr add "$7/64" dev "$2" nodad
		on "$4" ip -6 addr add "$8/64" dev "$5" nodad
	fi
	on "$1" ip link set "$2" up
	on "$4" ip link set "$5" up
}

# v6 ADDRESS: ADDRESS when the diamond is dual-stack, else nothing.
v6() { [ "$DIAMOND_IPV6" = 1 ] && echo "$1"; }

# The seed diamond h1 - s1 - {s2..s(N+1)} - s6 - h2 with N paths (<= 4).
# h1 10.0.1.1, h2 10.0.6.2; path i: s1-eth(i+1) 10.1.i.1 <-> s(i+1)-eth1
# 10.1.i.2, s(i+1)-eth2 10.2.i.1 <-> s6-eth(i) 10.2.i.2. s1 forwards
# h1->h2 over a kernel multipath route (flowlet replaces it), s6 forwards
# h2->h1 over path 1. Ready for an XDP forwarder on s1-eth1: GRO on the
# middle switches' receiving ends, full checksums from the hosts.
# Dual-stack (DIAMOND_IPV6=1): fd00:1::1 and fd00:6::2 for the hosts,
# fd00:1i::/64 and fd00:2i::/64 for path i, the same routes.
build_diamond() {
	local paths=${1:-4} i mid nexthops=() nexthops6=()
	for node in h1 s1 s6 h2; do add_node $node || return 1; done
	link h1 h1-eth0 10.0.1.1 s1 s1-eth1 10.0.1.254 \
		$(v6 fd00:1::1) $(v6 fd00:1::fe) || return 1
	link s6 s6-eth5 10.0.6.254 h2 h2-eth0 10.0.6.2 \
		$(v6 fd00:6::fe) $(v6 fd00:6::2) || return 1
	for ((i = 1; i <= paths; i++)); do
		mid=s$((i + 1))
		add_node $mid || return 1
		link s1 s1-eth$((i + 1)) 10.1.$i.1 $mid $mid-eth1 10.1.$i.2 \
			$(v6 fd00:1$i::1) $(v6 fd00:1$i::2) || return 1
		link $mid $mid-eth2 10.2.$i.1 s6 s6-eth$i 10.2.$i.2 \
			$(v6 fd00:2$i::1) $(v6 fd00:2$i::2) || return 1
		on $mid ip route add 10.0.6.0/24 via 10.2.$i.2
		on $mid ip route add 10.0.1.0/24 via 10.1.$i.1
		if [ "$DIAMOND_IPV6" = 1 ]; then
			on $mid ip -6 route add fd00:6::/64 via fd00:2$i::2
			on $mid ip -6 route add fd00:1::/64 via fd00:1$i::1
		fi
		on $mid ethtool -K $mid-eth1 gro on >/dev/null
		nexthops+=(nexthop via 10.1.$i.2)
		nexthops6+=(nexthop via fd00:1$i::2)
	done
	for node in s1 s6 $(seq -f 's%g' 2 $((paths + 1))); do
		on "$node" sysctl -qw net.ipv4.ip_forward=1
		on "$node" sysctl -qw net.ipv4.conf.all.rp_filter=0
		on "$node" sysctl -qw net.ipv6.conf.all.forwarding=$DIAMOND_IPV6
	done
	on s1 ip route add 10.0.6.0/24 "${nexthops[@]}"
	on s6 ip route add 10.0.1.0/24 via 10.2.1.1
	on h1 ip route add default via 10.0.1.254
	on h2 ip route add default via 10.0.6.254
	if [ "$DIAMOND_IPV6" = 1 ]; then
		on s1 ip -6 route add fd00:6::/64 "${nexthops6[@]}"
		on s6 ip -6 route add fd00:1::/64 via fd00:21::1
		on h1 ip -6 route add default via fd00:1::fe
		on h2 ip -6 route add default via fd00:6::fe
	fi
	on h1 ethtool -K h1-eth0 tx off >/dev/null
	on h2 ethtool -K h2-eth0 tx off >/dev/null
}

# The --path arguments for s1 in the diamond.
diamond_paths() {
	local i
	for ((i = 1; i <= ${1:-4}; i++)); do
		printf -- '--path s1-eth%d@10.1.%d.2 ' $((i + 1)) "$i"
	done
}

# stats_eval NODE IFACE EXPR: the Python expression EXPR over
# `flowletctl stats IFACE --json` (as d), run on NODE, printed.
stats_eval() {
	on "$1" "$FLOWLETCTL" stats "$2" --json |
		/usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($3)"
}

# stats_true NODE IFACE EXPR: succeeds when EXPR is true.
stats_true() { [ "$(stats_eval "$@")" = True ]; }

# path_tx NODE IFACE...: tx_packets of each IFACE, one line, read from the
# kernel over netlink.
path_tx() {
	local node=$1 dev
	shift
	for dev in "$@"; do
		on "$node" ip -s -j link show dev "$dev" |
			/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"], end=" ")'
	done
	echo
}

# delta BEFORE AFTER: element-wise AFTER - BEFORE of two path_tx lines.
delta() {
	/usr/bin/python3 -c 'import sys; a, b = (list(map(int, s.split())) for s in sys.argv[1:]); print(" ".join(str(y - x) for x, y in zip(a, b)))' "$1" "$2"
}
