# shellcheck shell=bash
# Shared by the shell suites: the test runner, results, cleanup and the
# namespace diamond.
#
# A suite sources this file, defines its tests as functions named
# test_NAME, in the order they run, and ends with `run_tests "$@"`:
#
#   setup() { build_diamond 4; }       # optional: the suite's fixture,
#                                      # built once before the first test
#   between() { ctl detach s1-eth1; }  # optional: puts the fixture back
#                                      # after each test
#   test_attach() { check "attach" ctl attach ...; }
#   run_tests "$@"
#
# run_tests runs every test, or the one its argument names
# (tests/run.sh SUITE NAME; --list names them). Each test runs in a
# subshell of its own: what it registers with on_exit is undone when it
# ends, what it changes in variables stays with it. A test that reports
# nothing fails.
#
# Results go to stdout in TAP, as tests/tap.h describes: "ok N - NAME:
# what", "not ok N - NAME: what", "ok N - NAME: what # SKIP"; the last line
# is the suite's "N passed, N failed, N skipped" (tests/run.sh adds them
# up).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FLOWLETCTL="$ROOT/flowletctl"

# One letter per result (P, F or S), shared by the tests' subshells.
TAP_LOG=$(mktemp)
TEST_NAME=${TEST_NAME:-}

tap() {
	local letter=$1 word=$2 suffix=$3 what
	shift 3
	what="$*"
	echo "$letter" >>"$TAP_LOG"
	# One line per result, whatever the description quotes.
	echo "$word $(wc -l <"$TAP_LOG") - ${TEST_NAME:+$TEST_NAME: }${what//$'\n'/ }$suffix"
}
ok() { tap P "ok" "" "$@"; }
fail() { tap F "not ok" "" "$@"; }
skip() { tap S "ok" " # SKIP" "$@"; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds (its output
# is not shown; its errors are); returns whether it did.
check() {
	local what=$1
	shift
	if "$@" >/dev/null; then
		ok "$what"
	else
		fail "$what"
		return 1
	fi
}

# rejects DESCRIPTION PATTERN CMD...: CMD fails (with the exit status
# REJECT_STATUS, if set) and says why in one line on stderr (at most
# REJECT_LINES, if set) that matches the extended regular expression
# PATTERN. A suite may define rejected_ok CMD... to check more (that
# nothing was left half-done): it prints why not, if not.
rejects() {
	local what=$1 pattern=$2 err status lines why
	shift 2
	err=$(mktemp)
	"$@" >/dev/null 2>"$err"
	status=$?
	lines=$(wc -l <"$err")
	if [ $status -eq 0 ]; then
		fail "$what: exit status 0"
	elif [ -n "${REJECT_STATUS:-}" ] && [ $status -ne "$REJECT_STATUS" ]; then
		fail "$what: exit status $status, not $REJECT_STATUS: $(head -c 300 "$err")"
	elif [ "$lines" -lt 1 ] || [ "$lines" -gt "${REJECT_LINES:-1}" ]; then
		fail "$what: $lines lines on stderr: $(head -c 300 "$err")"
	elif ! grep -qE -- "$pattern" "$err"; then
		fail "$what: unexpected message: $(cat "$err")"
	elif declare -F rejected_ok >/dev/null && ! why=$(rejected_ok "$@"); then
		fail "$what: $why"
	else
		ok "$what: $(tail -n 1 "$err")"
	fi
	rm -f "$err"
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
	local passed failed skipped
	passed=$(grep -c P "$TAP_LOG")
	failed=$(grep -c F "$TAP_LOG")
	skipped=$(grep -c S "$TAP_LOG")
	echo "1..$((passed + failed + skipped))"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

# The suite's tests, in the order of its file.
suite_tests() { sed -n 's/^test_\([a-z0-9_]*\)() *{.*/\1/p' "$0"; }

run_tests() {
	local only=${1:-} name names before
	names=$(suite_tests)
	if [ "$only" = --list ]; then
		echo "$names"
		exit 0
	fi
	if [ -n "$only" ] && ! grep -qx -- "$only" <<<"$names"; then
		echo "$(basename "$0" .sh): no test named '$only' ($(echo $names))" >&2
		exit 2
	fi
	TEST_NAME=setup
	if declare -F setup >/dev/null && ! setup; then
		fail "the suite's fixture could not be built"
		finish
		exit 1
	fi
	for name in $names; do
		[ -n "$only" ] && [ "$name" != "$only" ] && continue
		before=$(wc -l <"$TAP_LOG")
		(
			CLEANUPS=()
			trap run_cleanups EXIT
			trap 'exit 130' INT TERM
			TEST_NAME=$name
			"test_$name"
		)
		[ "$(wc -l <"$TAP_LOG")" -gt "$before" ] ||
			TEST_NAME=$name fail "the test reported nothing"
		if declare -F between >/dev/null; then
			between >/dev/null 2>&1
		fi
	done
	finish
	exit
}

# Cleanup actions run in reverse order on exit (of the suite, or of the
# test that registered them), whatever happens.
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
on_exit rm -f "$TAP_LOG"

# A prefix no other run uses: namespaces are named ${UNIQ}h1 and so on.
# tests/run.sh chooses it (and then checks that nothing named so is left).
UNIQ=${FLOWLET_TEST_PREFIX:-fl$$x$RANDOM}

# on NODE CMD...: run CMD in the namespace of NODE (h1, s1, ...).
on() {
	local node=$1
	shift
	ip netns exec "$UNIQ$node" "$@"
}

# on_bg NODE CMD...: CMD in NODE's namespace in the background, ended
# with the test; its pid in BG_PID. (After `on NODE CMD &`, $! is the
# subshell's, and killing it leaves CMD running.)
on_bg() {
	local node=$1
	shift
	ip netns exec "$UNIQ$node" "$@" &
	BG_PID=$!
	on_exit kill "$BG_PID"
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
# arguments, DIAMOND_NODES to the nodes and H2 to h2's address.
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
			target) H2=$rest ;;
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

# unit_command UNIT KEY IFACE SBINDIR: the command line of UNIT's KEY=
# (without its "-" prefix) as systemd would run it for IFACE: %i is IFACE,
# $FLOWLET_ATTACH the unit's default (or FLOWLET_ATTACH, as a config file
# would set it), flowletctl the one in SBINDIR.
unit_command() {
	local attach=${FLOWLET_ATTACH:-$(sed -n 's/^Environment=FLOWLET_ATTACH=//p' "$1")}
	sed -n "s/^$2=-\{0,1\}//p" "$1" |
		sed "s/%i/$3/g; s#\\\$FLOWLET_ATTACH#$attach#; s#@SBINDIR@\|/usr/local/sbin#$4#"
}

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
