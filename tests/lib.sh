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

# wait_until SECONDS CMD...: waits for CMD to succeed, checking every
# 0.1s; fails after SECONDS. For readiness (a server listening, output
# that has appeared), never around an assertion.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# listening NODE PORT: a TCP socket listens on PORT in NODE.
listening() { on "$1" ss -Hltn "sport = :$2" | grep -q .; }

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
# tests/run.sh chooses it (and then checks that nothing named so is left).
UNIQ=${FLOWLET_TEST_PREFIX:-fl$$x$RANDOM}

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

# link NODE_A IF_A MAC_A ADDR_A ADDR6_A NODE_B IF_B MAC_B ADDR_B ADDR6_B: a
# veth between two nodes, as a "link" record of topo/flowlet_plan.py ('-': none).
link() {
	ip link add "$2" address "$3" netns "$UNIQ$1" type veth \
		peer name "$7" address "$8" netns "$UNIQ$6" || return 1
	local node=$1 intf=$2 addr=$4 addr6=$5 end
	for end in a b; do
		[ $end = b ] && node=$6 intf=$7 addr=$9 addr6=${10}
		on "$node" ip addr add "$addr" dev "$intf"
		[ "$addr6" != - ] && on "$node" ip -6 addr add "$addr6" dev "$intf" nodad
		on "$node" ip link set "$intf" up
	done
}

# DIAMOND_STATIC_NEIGH=0 before build_diamond leaves neighbours to ARP and
# neighbour discovery. Else every neighbour entry is written in advance,
# so that no ARP moves the interface counters the tests compare.
DIAMOND_STATIC_NEIGH=${DIAMOND_STATIC_NEIGH:-1}

# The seed diamond of topo/flowlet_plan.py with N paths (default 4): h1 - s1 -
# {s2..} - s6 - h2, h1 10.0.1.1, h2 10.0.6.2, path i through 10.1.i.0/24
# and 10.2.i.0/24 (fd00:1i::/64, fd00:2i::/64 when dual-stack). s1 and s6
# forward over the kernel's multipath routes (flowlet replaces them).
# Ready for an XDP forwarder on s1-eth1: GRO on the peers of s1's path
# ports, full checksums from the hosts. Sets S1_PATHS to s1's --path
# arguments and DIAMOND_NODES to the nodes.
build_diamond() {
	local plan kind node rest args=(--paths "${1:-4}") peer=() path
	[ "$DIAMOND_IPV6" = 1 ] && args+=(--ipv6)
	plan=$(/usr/bin/python3 "$ROOT/topo/flowlet_plan.py" "${args[@]}") || return 1
	while read -r kind node rest; do
		# shellcheck disable=SC2086 # records are space-separated
		case $kind in
		node)
			add_node "$node" || return 1
			DIAMOND_NODES+=("$node")
			;;
		link)
			link "$node" $rest || return 1
			set -- $rest
			peer+=("$1=$5:$6")
			;;
		route) on "$node" ip route replace $rest || return 1 ;;
		neigh)
			[ "$DIAMOND_STATIC_NEIGH" = 1 ] || continue
			set -- $rest
			on "$node" ip neigh replace "$2" lladdr "$3" dev "$1" \
				nud permanent || return 1
			;;
		flowlet)
			[ "$node" = s1 ] || continue
			set -- $rest
			shift 2
			S1_PATHS=()
			for path in "$@"; do S1_PATHS+=(--path "$path"); done
			;;
		esac
	done <<<"$plan"
	for node in $(sed -n 's/^node \(s.*\)/\1/p' <<<"$plan"); do
		on "$node" sysctl -qw net.ipv4.ip_forward=1
		on "$node" sysctl -qw net.ipv4.conf.all.rp_filter=0
		on "$node" sysctl -qw net.ipv6.conf.all.forwarding=$DIAMOND_IPV6
	done
	# The far ends of s1's paths take redirected frames (peer entries
	# are DEV=NODE:DEV).
	local entry far
	for path in "${S1_PATHS[@]}"; do
		for entry in "${peer[@]}"; do
			[ "${entry%%=*}" = "${path%@*}" ] || continue
			far=${entry#*=}
			on "${far%%:*}" ethtool -K "${far#*:}" gro on >/dev/null
		done
	done
	on h1 ethtool -K h1-eth0 tx off >/dev/null
	on h2 ethtool -K h2-eth0 tx off >/dev/null
}

# diamond_drops: every drop the kernel counted in the diamond, one line
# per kind: interface rx/tx drops, veth queue and XDP transmit errors
# (ethtool), and h2's UDP socket-buffer errors.
diamond_drops() {
	local node
	for node in "${DIAMOND_NODES[@]}"; do
		on "$node" ip -s -j link | /usr/bin/python3 -c '
import json, sys
print(sum(i["stats64"][d]["dropped"] for i in json.load(sys.stdin)
          for d in ("rx", "tx")))'
	done | awk '{s += $1} END {print "link", s}'
	for node in "${DIAMOND_NODES[@]}"; do
		for dev in $(on "$node" ls /sys/class/net); do
			[ "$dev" = lo ] && continue
			on "$node" ethtool -S "$dev" 2>/dev/null
		done
	done | awk '/_drops:|_errors:/ {s += $2} END {print "veth", s}'
	on h2 nstat -asz UdpRcvbufErrors | awk '/UdpRcvbufErrors/ {print "rcvbuf", $2}'
}

# drops_delta BEFORE AFTER: the drops counted between two diamond_drops
# outputs, by kind, then their sum.
drops_delta() {
	/usr/bin/python3 -c 'import sys; a, b = (dict((l.split()[0], int(l.split()[1])) for l in s.splitlines()) for s in sys.argv[1:]); print(" ".join("%s=%d" % (k, b[k] - a[k]) for k in a), sum(b[k] - a[k] for k in a))' "$1" "$2"
}

# stats_eval NODE IFACE EXPR: the Python expression EXPR over
# `flowletctl stats IFACE --json` (as d), run on NODE, printed.
stats_eval() {
	on "$1" "$FLOWLETCTL" stats "$2" --json |
		/usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($3)"
}

# stats_true NODE IFACE EXPR: succeeds when EXPR is true.
stats_true() { [ "$(stats_eval "$@")" = True ]; }

# ctl ARGS...: flowletctl on s1, the diamond's balancing switch.
ctl() { on s1 "$FLOWLETCTL" "$@"; }

# stats_field EXPR: stats_eval of EXPR for flowlet on s1-eth1.
stats_field() { stats_eval s1 s1-eth1 "$1"; }

# path_packets: the packets flowlet on s1-eth1 sent on each path, one line.
path_packets() { stats_field '" ".join(str(p["packets"]) for p in d["paths"])'; }

# json_field FILE KEY: KEY of the JSON object on FILE's last line.
json_field() {
	/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$1" "$2"
}

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
