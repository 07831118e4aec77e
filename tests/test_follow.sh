#!/bin/bash
# flowletctl watch keeps flowlet true to the kernel: a path whose link goes
# down (or whose next hop stops answering) is taken out of rotation and put
# back, a next hop's new MAC is used, local addresses are never balanced,
# and with --from-route the route's next hops and weights are followed.
# Outages and reaction times are measured and printed; the assertions
# are bounds a loaded machine meets (2 s), never the measured times.
source "$(dirname "$0")/lib.sh"

STREAM="/usr/bin/python3 $ROOT/tests/udp_stream.py"
OUT=$(mktemp -d)
on_exit rm -rf "$OUT"

# The fixture: the diamond, s1's neighbour timers on path 3 as short as
# the topologies set them, and s6's route back (S6_ROUTE, which a test
# may change and puts back).
setup() {
	local knob
	build_diamond 4 || return 1
	for knob in base_reachable_time_ms=1000 delay_first_probe_time=1 \
		retrans_time_ms=200 interval_probe_time_ms=1000; do
		on s1 sysctl -qw "net.ipv4.neigh.s1-eth5.$knob"
	done
	S6_ROUTE=$(on s6 ip route show 10.0.1.0/24 | tr -s ' \t\n' ' ')
}
# flowlet detached, s1's path links up.
between() {
	local dev
	ctl detach s1-eth1
	for dev in s1-eth2 s1-eth3 s1-eth4 s1-eth5; do on s1 ip link set "$dev" up; done
}

now() { date +%s.%N; }

# watch_start: flowletctl watch --json on s1-eth1 in the background, its
# lines in $OUT/watch, its pid in WATCH_PID.
watch_start() {
	: >"$OUT/watch"
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" watch s1-eth1 --json \
		>"$OUT/watch" 2>"$OUT/watch.err" &
	WATCH_PID=$!
	on_exit kill "$WATCH_PID"
	wait_until 30 watch_line 'd["event"] == "watching"'
}

# watch_line EXPR [T]: the first line of the watch's output printed after
# wall-clock time T (default 0) for which the Python expression EXPR (over
# the line as d) is true, then the first commit line from there on: prints
# the milliseconds from T to that commit, the moment the change was in
# force. Fails if there are no such lines (yet).
watch_line() {
	/usr/bin/python3 - "$OUT/watch" "$1" "${2:-0}" <<'EOF'
import json, sys
t, found = float(sys.argv[3]), False
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d["time"] < t:
        continue
    found = found or eval(sys.argv[2])
    if found and d["event"] in ("commit", "watching", "local"):
        print("%.1f" % ((d["time"] - t) * 1000 if t else 0))
        sys.exit(0)
sys.exit(1)
EOF
}

# after T EXPR: waits (up to 30 s) for watch_line EXPR T; prints its
# milliseconds.
after() {
	wait_until 30 watch_line "$2" "$1" || return 1
	watch_line "$2" "$1"
}

# link_flap NODE up|down: the link from NODE (a middle switch) to s1 fails
# at NODE's end as a cut cable does: every frame arriving there is lost
# (an XDP drop program: a veth whose end is down still takes frames
# redirected into its peer for a while) and s1 sees its carrier go. Up
# again restores the routes the kernel flushed with the link. Sets
# LINK_DOWN_AT to the wall-clock time the link was set down.
link_flap() {
	if [ "$2" = down ]; then
		on "$1" ip link set dev "$1-eth1" xdpdrv obj "$ROOT/build/xdp_drop.bpf.o" sec xdp
		LINK_DOWN_AT=$(now)
		on "$1" ip link set "$1-eth1" down
		return
	fi
	on "$1" ip link set dev "$1-eth1" xdpdrv off
	on "$1" ip link set "$1-eth1" up
	/usr/bin/python3 "$ROOT/topo/flowlet_plan.py" --paths 4 | while read -r kind node rest; do
		[ "$kind" = route ] && [ "$node" = "$1" ] && on "$node" ip route replace $rest
	done
}

# flood N: N one-packet UDP flows from h1 to h2 (not listened to).
flood() {
	on h1 $STREAM flood $H2 --rate 20000 --seconds "$(awk "BEGIN {print $1 / 20000}")" >/dev/null
}

# path_delta BEFORE: the packets of each path since BEFORE (path_packets).
path_delta() { delta "$1" "$(path_packets)"; }

# share BEFORE PATH: PATH's percentage of the packets since BEFORE.
share() {
	/usr/bin/python3 -c 'import sys; d = list(map(int, sys.argv[1].split())); print("%.1f" % (100.0 * d[int(sys.argv[2])] / sum(d)))' "$(path_delta "$1")" "$2"
}

# within VALUE LOW HIGH (a VALUE of inf: not measured, out of bounds)
within() { /usr/bin/python3 -c "import sys; sys.exit(not $2 <= float('$1') <= $3)"; }

# without a watcher: stats names the real cause of lost frames
test_without_watcher() {
	ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 --mode spray >/dev/null
	on s1 ip link set s1-eth3 down
	on h1 ping -c 8 -i 0.05 -W 0.2 $H2 >/dev/null
	check "stats blames the down link for the frames path 1 lost, not GRO" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 | grep -q 'warning: path 1 (s1-eth3) lost redirected frames: its link is down'"
	on s1 ip link set s1-eth3 up
	ctl detach s1-eth1 >/dev/null

}

# watched: flowlet on s1-eth1 over the four paths, and watch on it
# (watch_start); a failure is a result.
watched() {
	check "attach" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 || return
	watch_start
}

# watch says it runs, refuses a second watcher and makes the next hops'
# neighbour entries managed: path 3's, removed first, is resolved by the
# kernel (short timers, from setup).
test_watch_announce() {
	on s1 ip neigh del 10.1.4.2 dev s1-eth5
	watched || return
	check "watch announces itself" watch_line 'd["event"] == "watching"'
	check "status shows the watcher's pid" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' status --json | grep -q '\"watcher_pid\":$WATCH_PID'"
	rejects_second=$(ctl watch s1-eth1 2>&1 >/dev/null)
	check "a second watcher is refused: $rejects_second" \
		grep -q "already watched by pid $WATCH_PID" <<<"$rejects_second"
	check "watch made the resolved next hop's entry managed" bash -c \
		"ip netns exec ${UNIQ}s1 ip neigh show 10.1.4.2 dev s1-eth5 | grep -q managed"
}

# A link failure under a fixed-rate, sequence-numbered stream.
test_link_failure_udp() {
	watched || return
	RATE=10000
	ip netns exec "${UNIQ}h2" $STREAM recv --port 7000 --idle 2 >"$OUT/recv" &
	on_exit kill $!
	RECV=$!
	wait_until 30 grep -q ready "$OUT/recv"
	ip netns exec "${UNIQ}h1" $STREAM send $H2 --port 7000 --flows 64 --rate $RATE --seconds 3 >"$OUT/send" &
	SEND=$!
	sleep 1
	link_flap s3 down
	T_DOWN=$LINK_DOWN_AT
	down_ms=$(after "$T_DOWN" 'd["event"] == "state" and d["path"] == 1 and d["to"] == "link down"')
	check "watch takes path 1 out when its link goes down (${down_ms} ms < 2000 ms)" within "${down_ms:-inf}" 0 2000
	check "stats shows why: link down" stats_true s1 s1-eth1 'd["paths"][1]["state"] == "link down" and not d["paths"][1]["up"]'
	sleep 0.5
	T_UP=$(now)
	link_flap s3 up
	up_ms=$(after "$T_UP" 'd["event"] == "state" and d["path"] == 1 and d["to"] == "up"')
	check "watch puts path 1 back when its link comes up (${up_ms} ms < 2000 ms)" within "${up_ms:-inf}" 0 2000
	wait $SEND
	wait $RECV
	# The lost datagrams' send times lie between those of the datagrams that
	# arrived around them.
	read -r lost outage span early < <(
		/usr/bin/python3 - "$OUT/send" "$OUT/recv" "$T_DOWN" <<'EOF'
import json, sys
sent = json.loads(open(sys.argv[1]).read().splitlines()[-1])
recv = json.loads(open(sys.argv[2]).read().splitlines()[-1])
t_down = float(sys.argv[3])
runs = recv["missing"]
last = runs[-1][3] if runs else t_down
first = (runs[0][2] or runs[0][3]) if runs else t_down
print(sent["sent"] - recv["received"], "%.1f" % ((last - t_down) * 1000),
      "%.1f" % ((last - first) * 1000), "%.1f" % ((t_down - first) * 1000))
EOF
	)
	echo "# measured: link failure ($RATE datagrams/s over 64 flows): $lost of $(json_field "$OUT/send" sent) lost, over ${span} ms from the far end's first drop (${early} ms before its link went down), the last sent at most ${outage} ms after the link went down; the commit that took the path out returned ${down_ms} ms after it (the active config flips first, then the commit waits a grace period); back up ${up_ms} ms after the link returned"
	check "the stream lost only what was sent before the path was taken out (outage ${outage} ms < 2000 ms)" \
		within "$outage" -1 2000
	flowlet_before=$(path_packets)
	flood 400
	check "new flows use path 1 again: $(path_delta "$flowlet_before")" \
		bash -c "[ $(path_delta "$flowlet_before" | cut -d' ' -f2) -gt 0 ]"
}

# A TCP transfer across a link failure: take down the data's path,
# with the ACKs coming back over another path that stays up.
test_link_failure_tcp() {
	watched || return
	ip netns exec "${UNIQ}h2" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	on_exit kill $!
	wait_until 30 listening h2 5201
	ip netns exec "${UNIQ}h1" iperf3 -c $H2 -p 5201 -t 4 -b 200M --json >"$OUT/iperf" 2>&1 &
	IPERF=$!
	on_exit kill $IPERF
	wait_until 30 bash -c "ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 --json | grep -q ':5201'"
	sleep 0.5
	data_path=$(ctl flows s1-eth1 --json | /usr/bin/python3 -c '
import json, sys
flows = [f for f in json.load(sys.stdin) if f["dst"].endswith(":5201")]
print(max(flows, key=lambda f: f["packets"])["path"])')
	ack_path=$(((data_path + 1) % 4))
	on s6 ip route replace 10.0.1.0/24 via "10.2.$((ack_path + 1)).1"
	on_exit on s6 ip route replace $S6_ROUTE
	T_DOWN=$(now)
	link_flap "s$((data_path + 2))" down
	tcp_ms=$(after "$T_DOWN" "d[\"event\"] == \"state\" and d[\"path\"] == $data_path and d[\"to\"] == \"link down\"")
	sleep 1
	link_flap "s$((data_path + 2))" up
	wait $IPERF
	iperf_status=$?
	read -r sent_bytes recv_bytes < <(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["end"]
print(d["sum_sent"]["bytes"], d["sum_received"]["bytes"])' "$OUT/iperf" 2>/dev/null)
	echo "# measured: TCP: path $data_path taken down for 1 s (marked down after ${tcp_ms} ms): $sent_bytes bytes sent, $recv_bytes received"
	check "a TCP transfer across the failure of its path completes (exit $iperf_status, $recv_bytes of $sent_bytes bytes)" \
		test "$iperf_status" = 0 -a -n "$recv_bytes" -a "$recv_bytes" = "$sent_bytes"
}

# A next hop's MAC changes. ecmp keeps each of 64 flows on one path, so
# flowlet's flow table says how many datagrams went down path 1 (whatever
# else crosses s1 meanwhile).
test_nexthop_mac() {
	watched || return
	local old_mac
	ctl set s1-eth1 --mode ecmp >/dev/null
	NEW_MAC=02:f1:00:00:aa:02
	old_mac=$(on s3 cat /sys/class/net/s3-eth1/address)
	on s3 ip link set s3-eth1 address $NEW_MAC
	on_exit on s3 ip link set s3-eth1 address "$old_mac"
	on_exit on s1 ip neigh replace 10.1.2.2 dev s1-eth3 lladdr "$old_mac" nud permanent
	# udp_burst PORT: 128 datagrams from h1 over 64 flows to h2:PORT; prints
	# how many h2 got, then how many flowlet sent down path 1.
	udp_burst() {
		ip netns exec "${UNIQ}h2" $STREAM recv --port "$1" --idle 1 >"$OUT/burst" &
		local recv=$!
		wait_until 30 grep -q ready "$OUT/burst"
		on h1 $STREAM send $H2 --port "$1" --flows 64 --rate 1280 --seconds 0.1 >/dev/null
		wait $recv
		echo "$(json_field "$OUT/burst" received)" "$(ctl flows s1-eth1 --json --limit 0 |
			/usr/bin/python3 -c 'import json, sys; print(sum(f["packets"] for f in json.load(sys.stdin) if f["dst"].endswith(":" + sys.argv[1]) and f["path"] == 1))' "$1")"
	}
	# Each flow is on path 1 with probability 1/4: none of 64 is, (3/4)^64 =
	# 1e-8 of the time.
	read -r got on_path1 < <(udp_burst 7001)
	check "control: with the old MAC, what went down path 1 is lost ($got of 128 arrive, $on_path1 went down path 1)" \
		test "$on_path1" -gt 0 -a "$got" = $((128 - on_path1))
	T_MAC=$(now)
	on s1 ip neigh replace 10.1.2.2 dev s1-eth3 lladdr $NEW_MAC nud permanent
	mac_ms=$(after "$T_MAC" "d[\"event\"] == \"mac\" and d[\"path\"] == 1 and d[\"to\"] == \"$NEW_MAC\"")
	check "watch follows path 1's new next-hop MAC (${mac_ms} ms < 2000 ms)" within "${mac_ms:-inf}" 0 2000
	read -r got on_path1 < <(udp_burst 7002)
	check "every datagram arrives through the new MAC ($got of 128; $on_path1 went down path 1)" \
		test "$on_path1" -gt 0 -a "$got" = 128
}

# A local address appears: never balanced, so s1 answers for it. Pings
# to it before make an established flow (ICMP: ports 0), whose packets the
# data path forwards without a prefix lookup until watch deletes it (which
# it does before it reports the address).
test_local_address() {
	watched || return
	on h1 ping -c 3 -i 0.1 -W 1 10.0.6.77 >/dev/null || true
	n77=$(ctl flows s1-eth1 --json --limit 0 | /usr/bin/python3 -c 'import json, sys
print(sum(f["packets"] for f in json.load(sys.stdin) if f["dst"].split(":")[0] == "10.0.6.77"))')
	check "control: pings to a foreign address are balanced (an established flow, $n77 packets)" \
		test "${n77:-0}" -ge 2
	T_ADDR=$(now)
	on s1 ip addr add 10.0.6.77/32 dev lo
	addr_ms=$(after "$T_ADDR" 'd["event"] == "local" and d["address"] == "10.0.6.77/32" and d["change"] == "added"')
	check "watch adds a new local address to the never-balanced set (${addr_ms} ms < 2000 ms)" within "${addr_ms:-inf}" 0 2000
	check "s1 answers for its new address: flowlet leaves it to the kernel" \
		on h1 ping -c 2 -i 0.1 -W 1 10.0.6.77
	on s1 ip addr del 10.0.6.77/32 dev lo
	check "watch removes a local address that went away" \
		wait_until 30 watch_line 'd["event"] == "local" and d["address"] == "10.0.6.77/32" and d["change"] == "removed"'
}

# A dead next hop behind a live link: s5 stops answering ARP (path 3,
# whose neighbour timers setup shortened).
test_dead_nexthop() {
	# The kernel's own entry (not the diamond's permanent one), which
	# watch makes managed.
	on s1 ip neigh del 10.1.4.2 dev s1-eth5
	watched || return
	T_DEAD=$(now)
	on s5 ip link set s5-eth1 arp off
	on_exit on s5 ip link set s5-eth1 arp on
	dead_ms=$(after "$T_DEAD" 'd["event"] == "state" and d["path"] == 3 and d["to"] == "neighbour failed"')
	check "watch takes out the path whose next hop stopped answering (${dead_ms} ms)" test -n "$dead_ms"
	before=$(path_packets)
	flood 400
	check "no new flow goes to the dead next hop: $(path_delta "$before")" \
		test "$(path_delta "$before" | cut -d' ' -f4)" = 0
	T_ALIVE=$(now)
	on s5 ip link set s5-eth1 arp on
	alive_ms=$(after "$T_ALIVE" 'd["event"] == "state" and d["path"] == 3 and d["to"] == "up"')
	check "watch puts it back when it answers again (${alive_ms} ms)" test -n "$alive_ms"
	echo "# measured: dead next hop marked down ${dead_ms} ms after it stopped answering ARP, up ${alive_ms} ms after it answered again (managed neighbour, base_reachable_time_ms=1000, interval_probe_time_ms=1000)"
}

# Weight 0 by hand: out of rotation without a re-attach.
test_weight_zero() {
	watched || return
	check "set --weights 7,3,0,0 takes paths 2 and 3 out of rotation" \
		ctl set s1-eth1 --weights 7,3,0,0
	check "stats says why: weight 0" stats_true s1 s1-eth1 \
		'[p["state"] for p in d["paths"]] == ["up", "up", "weight 0", "weight 0"]'
	before=$(path_packets)
	flood 400
	check "no new flow goes to a path of weight 0: $(path_delta "$before")" \
		test "$(path_delta "$before" | cut -d' ' -f3-)" = "0 0"
}

# The ingress interface's MAC changes: flowlet routes frames sent to
# the new one (else it would leave them all to the kernel as not_for_us).
test_ingress_mac() {
	watched || return
	local old_mac
	old_mac=$(on s1 cat /sys/class/net/s1-eth1/address)
	T_ING=$(now)
	on s1 ip link set s1-eth1 address 02:f1:00:00:aa:01
	on_exit on s1 ip link set s1-eth1 address "$old_mac"
	on_exit on h1 ip neigh replace 10.0.1.254 dev h1-eth0 lladdr "$old_mac" nud permanent
	ing_ms=$(after "$T_ING" 'd["event"] == "ingress" and d["to"] == "02:f1:00:00:aa:01"')
	on h1 ip neigh replace 10.0.1.254 dev h1-eth0 lladdr 02:f1:00:00:aa:01 nud permanent
	# icmp_packets: the packets of h1's ICMP flow to h2 in flowlet's table.
	icmp_packets() {
		ctl flows s1-eth1 --json --limit 0 | /usr/bin/python3 -c '
import json, sys
print(sum(f["packets"] for f in json.load(sys.stdin)
          if f["proto"] == "icmp" and f["dst"] == sys.argv[1] + ":0"))' "$H2"
	}
	before=$(icmp_packets)
	on h1 ping -c 4 -i 0.05 -W 1 $H2 >/dev/null
	check "watch follows the ingress MAC (${ing_ms} ms): frames to it are forwarded ($(($(icmp_packets) - before)) of 4)" \
		test $(($(icmp_packets) - before)) = 4
}

# SIGTERM: watch ends with 0 and leaves flowlet attached.
test_sigterm() {
	watched || return
	kill -TERM "$WATCH_PID"
	wait "$WATCH_PID"
	status=$?
	check "watch exits 0 on SIGTERM (exit $status)" test $status = 0
	check "... and leaves flowlet attached" ctl stats s1-eth1
}

# paths from a multipath route, followed live
test_from_route() {
	ctl detach s1-eth1 >/dev/null
	on s1 ip route replace 10.0.6.0/24 nexthop via 10.1.1.2 weight 3 nexthop via 10.1.2.2 weight 1
	ctl attach s1-eth1 --from-route 10.0.6.0/24 --mode ecmp >/dev/null
	check "attach --from-route takes the route's next hops and weights" \
		stats_true s1 s1-eth1 '[(p["dev"], p["nexthop"], p["weight"]) for p in d["paths"]] == [("s1-eth2", "10.1.1.2", 3), ("s1-eth3", "10.1.2.2", 1)] and d["route"] == "10.0.6.0/24"'
	watch_start
	before=$(path_packets)
	flood 2000
	s=$(share "$before" 0)
	check "route weights 3,1: 2000 flows split $s% / $(share "$before" 1)% (75 +- 5)" within "$s" 70 80

	T_ROUTE=$(now)
	on s1 ip route replace 10.0.6.0/24 nexthop via 10.1.1.2 weight 1 nexthop via 10.1.2.2 weight 3
	route_ms=$(after "$T_ROUTE" 'd["event"] == "commit"')
	before=$(path_packets)
	flood 2000
	s=$(share "$before" 1)
	check "route weights changed to 1,3: the split follows, $(share "$before" 0)% / $s% (75 +- 5 on path 1; in force ${route_ms} ms after ip route)" \
		within "$s" 70 80

	T_ROUTE=$(now)
	on s1 ip route replace 10.0.6.0/24 via 10.1.1.2
	removed_ms=$(after "$T_ROUTE" 'd["event"] == "state" and d["path"] == 1 and d["to"] == "not in route"')
	before=$(path_packets)
	flood 2000
	check "a next hop removed from the route gets no traffic (${removed_ms} ms): $(path_delta "$before")" \
		test "$(path_delta "$before" | cut -d" " -f2)" = 0

	on s1 ip nexthop add id 101 via 10.1.1.2 dev s1-eth2
	on s1 ip nexthop add id 102 via 10.1.3.2 dev s1-eth4
	on s1 ip nexthop add id 110 group 101,3/102,1
	on_exit ip netns exec "${UNIQ}s1" ip nexthop flush
	T_ROUTE=$(now)
	on s1 ip route replace 10.0.6.0/24 nhid 110
	group_ms=$(after "$T_ROUTE" 'd["event"] == "added" and d["dev"] == "s1-eth4"')
	check "a nexthop group replaces the route: its new member takes the removed path's place (${group_ms} ms)" \
		stats_true s1 s1-eth1 '[(p["dev"], p["weight"], p["state"]) for p in d["paths"]] == [("s1-eth2", 3, "up"), ("s1-eth4", 1, "up")]'
	T_ROUTE=$(now)
	on s1 ip nexthop replace id 110 group 101,1/102,3
	nh_ms=$(after "$T_ROUTE" 'd["event"] == "commit"')
	before=$(path_packets)
	flood 2000
	s=$(share "$before" 1)
	check "the group's weights change (nexthop event only): the split follows, $s% on the new member (75 +- 5; ${nh_ms} ms)" \
		within "$s" 70 80
	echo "# measured: route changes in force (ip route/ip nexthop to commit): weights ${route_ms} ms, next hop removed ${removed_ms} ms, nexthop group ${group_ms} ms, group weights ${nh_ms} ms"
	slowest=$(printf '%s\n' "${route_ms:-inf}" "${removed_ms:-inf}" "${group_ms:-inf}" "${nh_ms:-inf}" | sort -g | tail -1)
	check "every route change was in force within 2 s (the slowest ${slowest} ms)" \
		within "$slowest" 0 2000

	# weights beyond the slot table are scaled, and stats says so
	on s1 ip route replace 10.0.6.0/24 nexthop via 10.1.1.2 weight 200 nexthop via 10.1.3.2 weight 100
	wait_until 30 stats_true s1 s1-eth1 'd["weights_scaled"]'
	check "route weights 200,100 (over 256) are scaled: stats shows both" \
		stats_true s1 s1-eth1 '[(p["dev"], p["weight"], p["route_weight"]) for p in d["paths"]] == [("s1-eth2", 170, 200), ("s1-eth4", 85, 100)] and d["weights_scaled"]'
	refusal=$(ctl set s1-eth1 --weights 1,1 2>&1)
	status=$?
	check "set --weights is refused on paths that follow a route (exit $status): $refusal" \
		bash -c "[ $status = 1 ] && grep -q \"change the route's weights\" <<<\"\$0\"" "$refusal"

	# a route in another table
	on s1 ip route add 10.0.6.0/24 table 100 nexthop via 10.1.3.2 nexthop via 10.1.4.2
	ctl set s1-eth1 --mode flowlet >/dev/null
	if on s1 "$FLOWLETCTL" attach s1-eth1 --from-route 10.0.6.0/24 --table 100 >"$OUT/attach" 2>&1; then
		check "attach --from-route --table 100 takes that table's route" stats_true s1 s1-eth1 \
			'd["route_table"] == 100 and [p["dev"] for p in d["paths"] if p["state"] == "up"] == ["s1-eth4", "s1-eth5"]'
	else
		fail "attach --from-route --table 100: $(cat "$OUT/attach")"
	fi

	# a route with a next hop that does not answer: attached, that path down
	on s1 ip route add 10.0.6.0/24 table 101 nexthop via 10.1.1.2 nexthop via 10.1.2.99
	if on s1 "$FLOWLETCTL" attach s1-eth1 --from-route 10.0.6.0/24 --table 101 >"$OUT/attach" 2>&1; then
		check "attach --from-route warns about the next hop that does not answer" \
			grep -q "warning: cannot resolve next hop 10.1.2.99 on s1-eth3: no neighbour answered within 3000ms (is it up?): the path is down until it answers" "$OUT/attach"
		check "... and marks its path down, the other up" stats_true s1 s1-eth1 \
			'[(p["nexthop"], p["state"]) for p in d["paths"]] == [("10.1.1.2", "up"), ("10.1.2.99", "neighbour failed")]'
	else
		fail "attach --from-route with a dead next hop: $(cat "$OUT/attach")"
	fi

}

# detach ends the watch
test_detach_ends_watch() {
	check "attach" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 || return
	watch_start
	ctl detach s1-eth1 >/dev/null
	wait "$WATCH_PID"
	status=$?
	check "watch ends (exit $status) when flowlet is detached, saying so" \
		bash -c "[ $status = 1 ] && grep -q 'flowlet is no longer attached; watch ends' '$OUT/watch.err'"

}

run_tests "$@"
