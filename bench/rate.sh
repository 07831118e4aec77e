#!/bin/bash
# make bench, part 2: forwarding rate through s1 in the namespace diamond
# (tests/lib.sh): h1 generates 64-byte UDP frames with live frames
# (bench_rate send), s1 forwards them over its 4 paths, and each path's
# far end (s2-eth1 .. s5-eth1) counts and drops them in XDP. The rate is
# the frames the far ends got over the generator's time: the whole chain
# shares the machine's CPUs, so the figures are for comparing, in one
# run: every flowlet mode, the stateless and minimal floors, the kernel
# forwarding with a single route and with a 4-nexthop multipath route (L4
# hash), and the NFQUEUE forwarder (bench/nfq.c: per packet in user space,
# marks routed by policy). Then TCP: one iperf3 flow h1 -> h2, flowlet
# against the kernel's multipath route. Variants take turns, round by
# round; each figure is the median. Last, the time flowletctl attach takes
# with the default flow table and with a 1M-flow one, and the probes
# flowletctl watch sends per path and second at its defaults.
#
# usage: bench/rate.sh [--quick] [JSON]
source "$(dirname "$0")/../tests/lib.sh"

FRAMES=2000000
ROUNDS=3
TCP_SECONDS=4
if [ "${1:-}" = --quick ]; then
	FRAMES=500000
	ROUNDS=1
	TCP_SECONDS=2
	shift
fi
JSON=${1:-}
OUT=$(mktemp -d)
on_exit rm -rf "$OUT"
RATE="$ROOT/build/bench_rate"
MODES=($(/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from flowlet_mininet import MODES; print(" ".join(MODES))' "$ROOT/topo"))
VARIANTS=("${MODES[@]}" stateless minimal kernel-multipath kernel-single nfqueue)
FLOWS=(64 65536)
# Flow table entries, flowlet's and the minimal floor's alike: room for the
# most flows (an LRU hash evicts before it is full).
TABLE=131072

FAR=(s2 s3 s4 s5)
# diamond: a namespace diamond (tests/lib.sh, named after UNIQ) whose far
# ends count and drop in XDP.
diamond() {
	build_diamond 4 || { echo "bench: cannot build the namespace diamond" >&2; exit 1; }
	for node in "${FAR[@]}"; do
		on "$node" ip link set dev "$node-eth1" xdpdrv obj "$ROOT/build/xdp_drop.bpf.o" sec xdp
	done
	# The kernel's own forwarding takes frames from h1 only with GRO on
	# s1-eth1.
	on s1 ethtool -K s1-eth1 gro on >/dev/null
	on s1 sysctl -qw net.ipv4.fib_multipath_hash_policy=1
}

# The NFQUEUE forwarder gets a diamond of its own: its policy routing
# rules (mark i+1 down path i) and xtables hooks would slow every packet
# the kernel forwards there, and a namespace keeps them once added. The
# rule is legacy xtables: this kernel has no nft queue.
NET=$UNIQ
NFQ_NET=${UNIQ}q
UNIQ=$NFQ_NET
diamond
nfq_paths=0
for path in "${S1_PATHS[@]}"; do
	[ "$path" = --path ] && continue
	nfq_paths=$((nfq_paths + 1))
	on s1 ip route replace 10.0.6.0/24 via "${path#*@}" dev "${path%@*}" table $((100 + nfq_paths))
	on s1 ip rule add fwmark $nfq_paths table $((100 + nfq_paths))
done
ip netns exec "${UNIQ}s1" "$ROOT/build/bench_nfq" 0 "$(printf '1%.0s,' $(seq $nfq_paths) | sed 's/,$//')" >"$OUT/nfq" &
NFQ_PID=$!
on_exit kill $NFQ_PID
wait_until 30 grep -q ready "$OUT/nfq" || { echo "bench: the NFQUEUE forwarder did not start" >&2; exit 1; }
on s1 iptables-legacy -t mangle -A PREROUTING -i s1-eth1 -d 10.0.6.0/24 -j NFQUEUE --queue-num 0
UNIQ=$NET
diamond
S1_MAC=$(on s1 cat /sys/class/net/s1-eth1/address)

# far_count: the frames the far ends' XDP programs have seen.
far_count() {
	local node total=0
	for node in "${FAR[@]}"; do
		total=$((total + $(on "$node" ethtool -S "$node-eth1" | awk '/rx_queue_0_xdp_packets/ {print $2}')))
	done
	echo $total
}

# use VARIANT: s1 forwards the way VARIANT says (nfqueue: in its diamond,
# as it is).
use() {
	UNIQ=$NET
	[ "$1" = nfqueue ] && UNIQ=$NFQ_NET && return
	on s1 ip link set dev s1-eth1 xdp off 2>/dev/null
	case $1 in
	kernel-single) on s1 ip route replace 10.0.6.0/24 via 10.1.1.2 ;;
	kernel-multipath)
		on s1 ip route replace 10.0.6.0/24 nexthop via 10.1.1.2 \
			nexthop via 10.1.2.2 nexthop via 10.1.3.2 nexthop via 10.1.4.2
		;;
	stateless | minimal) on s1 "$RATE" floor "$1" s1-eth1 $TABLE s1-eth2 s1-eth3 s1-eth4 s1-eth5 ;;
	*) ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 --mode "$1" --flow-table $TABLE >/dev/null ;;
	esac
}

# mpps FLOWS: one run of the generator, after every flow was established
# (two datagrams each, slowly); prints Mpps delivered.
mpps() {
	local before after secs
	on h1 "$RATE" establish "$1" || return 1
	before=$(far_count)
	secs=$(on h1 "$RATE" send h1-eth0 "$S1_MAC" "$1" "$FRAMES") || return 1
	after=$(far_count)
	awk -v n=$((after - before)) -v s="$secs" 'BEGIN {printf "%.3f\n", n / s / 1e6}'
}

declare -A RESULT
# The generator needs live frames, which a kernel may refuse: then the
# rate table is left out, and the report says why.
use kernel-single
if ! SKIPPED=$(on h1 "$RATE" send h1-eth0 "$S1_MAC" 1 1 2>&1 >/dev/null); then
	echo "bench: the forwarding rate is not measured: $SKIPPED" >&2
	ROUNDS_RATE=0
else
	SKIPPED=""
	ROUNDS_RATE=$ROUNDS
fi
for ((round = 0; round < ROUNDS_RATE; round++)); do
	for flows in "${FLOWS[@]}"; do
		for variant in "${VARIANTS[@]}"; do
			use "$variant" || exit 1
			RESULT[$variant,$flows]+="$(mpps "$flows") "
		done
	done
done
UNIQ=$NET
on s1 ip link set dev s1-eth1 xdp off 2>/dev/null

# TCP: one iperf3 flow h1 -> h2 through s1 (the far ends forward again),
# flowlet against the kernel's multipath route, taking turns.
for node in "${FAR[@]}"; do
	on "$node" ip link set dev "$node-eth1" xdpdrv off
done
ip netns exec "${UNIQ}h2" iperf3 -s -p 5201 >/dev/null 2>&1 &
IPERF_SERVER=$!
on_exit kill $IPERF_SERVER
wait_until 30 listening h2 5201
TCP_VARIANTS=(flowlet kernel-multipath)
for ((round = 0; round < ROUNDS; round++)); do
	for variant in "${TCP_VARIANTS[@]}"; do
		use "$variant" || exit 1
		RESULT[tcp,$variant]+="$(on h1 iperf3 -c "$H2" -p 5201 -t "$TCP_SECONDS" --json |
			/usr/bin/python3 -c 'import json, sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))') "
	done
done
on s1 ip link set dev s1-eth1 xdp off 2>/dev/null

# attach: flowletctl attach where no instance is (load, configure, attach),
# with the default flow table and a 1M-flow one.
TABLES=(65536 1048576)
for ((round = 0; round < ROUNDS; round++)); do
	for table in "${TABLES[@]}"; do
		start=$(date +%s%N)
		ctl attach s1-eth1 "${S1_PATHS[@]}" --flow-table "$table" >/dev/null || exit 1
		RESULT[attach,$table]+="$((($(date +%s%N) - start) / 1000)) "
		ctl detach s1-eth1 >/dev/null || exit 1
	done
done

# Probes: what `flowletctl watch` sends to measure the paths at its
# defaults (--timeout auto, the destination of the largest flow, one echo
# request per path and interval), counted by the watcher as the kernel
# took them, over PROBE_SECONDS with a UDP flow to h2 running.
PROBE_SECONDS=$((ROUNDS * 3))
ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 >/dev/null || exit 1
on_bg h2 /usr/bin/python3 "$ROOT/tests/udp_stream.py" recv --port 5202 --idle 60 >/dev/null
on_bg h1 /usr/bin/python3 "$ROOT/tests/udp_stream.py" send "$H2" --port 5202 --flows 1 \
	--rate 200 --seconds $((PROBE_SECONDS + 30)) >/dev/null
ip netns exec "${UNIQ}s1" "$ROOT/flowletctl" watch s1-eth1 --json >"$OUT/watch" 2>&1 &
WATCH_PID=$!
on_exit kill $WATCH_PID
# probes_sent: the probes the watcher sent on each path so far, one line.
probes_sent() { stats_eval s1 s1-eth1 '" ".join(str(e["sent"]) for e in sorted(d["delay"], key=lambda e: e["path"]))'; }
wait_until 30 stats_true s1 s1-eth1 'len(d["delay"]) == 4' ||
	{ echo "bench: watch did not probe the 4 paths" >&2; exit 1; }
read -r -a PROBES0 <<<"$(probes_sent)"
start=$(date +%s%N)
sleep "$PROBE_SECONDS"
read -r -a PROBES1 <<<"$(probes_sent)"
PROBE_TIME=$((($(date +%s%N) - start) / 1000))
PROBE_BPS=$(stats_eval s1 s1-eth1 'd["delay"][0]["probe_bps"]')
kill $WATCH_PID
wait $WATCH_PID 2>/dev/null
ctl detach s1-eth1 >/dev/null

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
json=""
if [ -n "$SKIPPED" ]; then
	echo "Forwarding rate through s1: not measured ($SKIPPED)"
	VARIANTS=()
else
	echo "Forwarding rate through s1, Mpps of 64-byte frames delivered (median of $ROUNDS rounds of $FRAMES frames; the generator, s1 and the far ends share the CPUs: compare within the table); (x): the ratio to flowlet"
	printf '%-18s' ""
	for flows in "${FLOWS[@]}"; do printf ' %20s' "$flows flows"; done
	echo
fi
for variant in "${VARIANTS[@]}"; do
	printf '%-18s' "$variant"
	row=""
	for flows in "${FLOWS[@]}"; do
		m=$(median <<<"${RESULT[$variant,$flows]}")
		f=$(median <<<"${RESULT[flowlet,$flows]}")
		printf ' %12s (%5.2fx)' "$m" "$(awk -v a="$m" -v b="$f" 'BEGIN {print (b > 0 ? a / b : 0)}')"
		row+="${row:+,}$m"
	done
	echo
	json+="${json:+,}\"$variant\":[$row]"
done
echo
echo "TCP, one iperf3 flow h1 -> h2 for ${TCP_SECONDS}s through s1 (median of $ROUNDS), Mbit/s:"
tcp_json=""
for variant in "${TCP_VARIANTS[@]}"; do
	m=$(median <<<"${RESULT[tcp,$variant]}")
	printf '%-18s %12s\n' "$variant" "$m"
	tcp_json+="${tcp_json:+,}\"$variant\":$m"
done
echo
echo "flowletctl attach (median of $ROUNDS), ms:"
attach_json=""
for table in "${TABLES[@]}"; do
	m=$(median <<<"${RESULT[attach,$table]}")
	printf '%-18s %12.1f\n' "$table flows" "$(awk -v us="$m" 'BEGIN {print us / 1000}')"
	attach_json+="${attach_json:+,}\"$table\":$(awk -v us="$m" 'BEGIN {print us / 1000}')"
done
echo
probe_json=""
for i in "${!PROBES1[@]}"; do
	probe_json+="${probe_json:+,}$(awk -v n=$((PROBES1[i] - PROBES0[i])) -v us="$PROBE_TIME" 'BEGIN {printf "%.2f", n / us * 1e6}')"
done
echo "flowletctl watch's probes at its defaults, per path, per second (over ${PROBE_SECONDS}s): ${probe_json//,/ }; $PROBE_BPS bit/s each"
if [ -n "$JSON" ]; then
	echo "{\"frames\":$FRAMES,\"rounds\":$ROUNDS,\"flows\":[$(IFS=,; echo "${FLOWS[*]}")],\"mpps\":{$json},\"tcp_mbit\":{$tcp_json},\"attach_ms\":{$attach_json},\"probes_per_s\":[$probe_json],\"probe_bps\":$PROBE_BPS,\"rate_skipped\":\"${SKIPPED//\"/}\"}" >"$JSON"
fi
