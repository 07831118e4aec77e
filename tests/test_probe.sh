#!/bin/bash
# flowletctl watch --probe measures each path's delay: echo requests out of
# every path of the target's group, their round trips in stats. A path
# whose queue is deep shows it; a target that does not answer, or an
# address flowlet does not balance, is said so. No assertion is a timing
# bound: the one comparison of delays (test_deep_queue) is between a
# queue the tbf keeps tens of milliseconds deep and an idle path, and
# says what it takes to fail.
source "$(dirname "$0")/lib.sh"

OUT=$(mktemp -d)
on_exit rm -rf "$OUT"

setup() { build_diamond 4; }
between() {
	ctl detach s1-eth1 >/dev/null 2>&1
	local mid
	for mid in s2 s3 s4 s5; do
		on "$mid" tc qdisc del dev "$mid-eth2" root 2>/dev/null
	done
	on s3 ip route del blackhole "$H2/32" 2>/dev/null
	true
}

# watch_probe ARGS...: flowlet over the four paths, and watch_probe_only.
watch_probe() {
	check "attach" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 || return 1
	watch_probe_only "$@"
}

# watch_probe_only ARGS...: flowletctl watch with ARGS on the instance
# attached (its pid in WATCH_PID).
watch_probe_only() {
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" watch s1-eth1 --json "$@" \
		>"$OUT/watch" 2>"$OUT/watch.err" &
	WATCH_PID=$!
	on_exit kill "$WATCH_PID"
}

# delays EXPR: EXPR (Python, over the stats' delay entries as ds, the
# entry of path i as p[i]) evaluated on s1's stats.
delays() {
	stats_eval s1 s1-eth1 "(lambda ds: (lambda p: $1)({e['path']: e for e in ds}))(d['delay'])"
}
delays_true() { [ "$(delays "$1")" = True ]; }

# tx_packets DEV: s1's transmit counter of DEV, as the kernel counts it.
tx_packets() { on s1 cat "/sys/class/net/$1/statistics/tx_packets"; }

# Every path of the group is probed and answered; what stats says of the
# probes is what the kernel sent.
test_idle_paths() {
	local before=() after=() sent=() dev i
	for dev in s1-eth2 s1-eth3 s1-eth4 s1-eth5; do before+=("$(tx_packets "$dev")"); done
	watch_probe --probe "$H2" --probe-interval 20ms || return
	wait_until 30 delays_true 'len(p) == 4 and all(e["answered"] >= 20 for e in ds)'
	check "each of the 4 paths answered 20 probes or more" \
		delays_true 'len(p) == 4 and all(e["answered"] >= 20 and e["state"] == "ok" for e in ds)'
	check "each delay is ordered: min <= p50 <= p99" \
		delays_true 'all(0 < e["min_ns"] <= e["p50_ns"] <= e["p99_ns"] for e in ds)'
	check "the probe rate is the interval's: 50/s of 58-byte frames, 23200 bit/s" \
		delays_true 'all(e["probe_interval_ns"] == 20000000 and e["probe_bps"] == 23200 for e in ds)'
	# stats counts a probe after the kernel took it: read stats first.
	read -r -a sent <<<"$(delays '" ".join(str(p[i]["sent"]) for i in range(4))')"
	for dev in s1-eth2 s1-eth3 s1-eth4 s1-eth5; do after+=("$(tx_packets "$dev")"); done
	for i in 0 1 2 3; do
		check "path $i's interface sent at least the ${sent[i]} probes stats counts (kernel: $((after[i] - before[i])))" \
			[ $((after[i] - before[i])) -ge "${sent[i]}" ]
	done
	check "no probe was answered on another path (each reply names its pair)" \
		delays_true 'all(e["answered"] + e["lost"] <= e["sent"] for e in ds)'
	ctl stats s1-eth1 --prometheus >"$OUT/stats.prom"
	check "stats --prometheus has the four paths' p50 delays" bash -c "[ \"\$(sed -n 's/^flowlet_path_delay_seconds{.*path=\"\\([0-9]\\)\".*target=\"$H2\",percentile=\"50\"} .*/\\1/p' '$OUT/stats.prom' | tr -d '\\n')\" = 0123 ]"
	if command -v promtool >/dev/null; then
		check "and passes promtool check metrics" bash -c "promtool check metrics <'$OUT/stats.prom'"
	else
		skip "promtool is not installed (make test-deps)"
	fi
}

# A deep queue on path 0 (tbf at 2 Mbit/s holding up to 50 ms, under 10
# Mbit/s of UDP that only path 0 carries) shows in path 0's delay. To fail,
# the median of path 1's idle round trips (tens of microseconds here)
# would have to come within 10 ms of a queue that tbf keeps full.
test_deep_queue() {
	on s2 tc qdisc replace dev s2-eth2 root tbf rate 2mbit burst 4kb latency 50ms
	check "attach, every new flowlet on path 0" ctl attach s1-eth1 "${S1_PATHS[@]}" \
		--prefix 10.0.6.0/24 --weights 1,0,0,0 || return
	on_bg h1 /usr/bin/python3 "$ROOT/tests/udp_stream.py" flood "$H2" --rate 20000 --seconds 60 >/dev/null
	sleep 1
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" watch s1-eth1 --probe "$H2" --probe-interval 20ms \
		>"$OUT/watch" 2>"$OUT/watch.err" &
	on_exit kill $!
	wait_until 40 delays_true 'p[0]["samples"] >= 32 and p[1]["samples"] >= 32'
	check "path 0's queue shows: its p50 is 10 ms or more above idle path 1's ($(delays '"%.3f ms against %.3f ms" % (p[0]["p50_ns"] / 1e6, p[1]["p50_ns"] / 1e6)'))" \
		delays_true 'p[0]["p50_ns"] >= p[1]["p50_ns"] + 10000000'
}

# path_flowlets: the flowlets flowlet on s1-eth1 started on each path, one
# line.
path_flowlets() { stats_field '" ".join(str(p["flowlets"]) for p in d["paths"])'; }

# fewest_flowlets: path 0 started fewer flowlets between the arrays
# before and after (the caller's) than each other path.
fewest_flowlets() {
	local i
	for i in 1 2 3; do
		[ $((after[0] - before[0])) -lt $((after[i] - before[i])) ] || return 1
	done
}

# share_true EXPR: EXPR over group 0's share entries by path (c[i]: path
# i's capacity, bytes/s) is true.
share_true() {
	stats_true s1 s1-eth1 "(lambda c: $1)({e['path']: e['capacity_bytes_per_s'] for e in d['share'] if e['group'] == 0})"
}

# Mode share measures a slow path and sends it fewer new flowlets. Path
# 0's tbf carries 1 Mbit/s (125 kB/s), the others 10 (1.25 MB/s), each
# with a queue of up to 50 ms. Four cubic TCP flows start on path 0 alone
# (the others at weight 0) and fill it: the watcher measures it (its
# probes wait in its queue). With every path's weight back, the flows
# leave it for paths that offer more, fill them, and those are measured
# too. Then a stream of new flows of a packet each (500 a second) goes
# where a new flow gets the most, and path 0 offers a tenth of what the
# others do: it takes fewer of them than each other path (none, by the
# rule, while its estimate stands: 10 s after its last full look; the 3 s
# counted begin within a second of the measurement). It fails only if
# TCP left a 10 Mbit/s path's queue empty for most of 40 s.
test_share_slow_path() {
	local before after mid
	on s2 tc qdisc replace dev s2-eth2 root tbf rate 1mbit burst 4kb latency 50ms
	for mid in s3 s4 s5; do
		on "$mid" tc qdisc replace dev "$mid-eth2" root tbf rate 10mbit burst 15kb latency 50ms
	done
	check "attach --mode share, new flowlets on path 0" ctl attach s1-eth1 \
		"${S1_PATHS[@]}" --prefix 10.0.6.0/24 --mode share --weights 1,0,0,0 || return
	watch_probe_only --probe "$H2" --probe-interval 20ms
	on_bg h2 iperf3 -s -1 -p 5297 >/dev/null 2>&1
	wait_until 30 listening h2 5297
	on_bg h1 iperf3 -c "$H2" -p 5297 -P 4 -t 60 -C cubic >/dev/null 2>&1
	wait_until 30 share_true 'c.get(0, 0) > 0'
	check "path 0 full: measured ($(stats_field '[(e["path"], e["capacity_bytes_per_s"], e["flows"]) for e in d["share"]]'))" \
		share_true 'c.get(0, 0) > 0'
	ctl set s1-eth1 --weights 1,1,1,1 >/dev/null
	wait_until 40 share_true 'len(c) == 4 and 0 < 2 * c[0] < min(c[1], c[2], c[3])'
	check "every path's weight back: path 0 is measured at under half of each other path ($(stats_field '[(e["path"], e["capacity_bytes_per_s"], e["flows"]) for e in d["share"]]'))" \
		share_true 'len(c) == 4 and 0 < 2 * c[0] < min(c[1], c[2], c[3])'
	on_bg h1 /usr/bin/python3 "$ROOT/tests/udp_stream.py" flood "$H2" --rate 500 --seconds 10 >/dev/null
	before=($(path_flowlets))
	sleep 3
	after=($(path_flowlets))
	check "over 3 s it took fewer new flowlets than each other path (${before[*]} -> ${after[*]})" \
		fewest_flowlets
	check "the exporter counts what share rerouted" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --prometheus | grep -q '^flowlet_rerouted_total{'"
}

# group_timeout: group 0's timeout in force, in ns; timeout_in LOW HIGH:
# it is within [LOW, HIGH].
group_timeout() { stats_field 'd["group_timeouts_ns"][0]'; }
timeout_in() {
	local t
	t=$(group_timeout) && [ "$t" -ge "$1" ] && [ "$t" -le "$2" ]
}

# --timeout auto follows the paths: 50 ms until measured; over idle equal
# paths 5 ms or less (the least is 1 ms: this fails only if for 30 s every
# 1.3 s window of probes held a round trip 3.8 ms above another path's
# least, a machine stalled that long); then more than 20 ms once path 0's
# queue holds tens of ms (the bound of test_deep_queue). The rule's
# arithmetic is the unit test delay_timeout. A fixed timeout set later
# ends it.
test_auto_timeout() {
	check "attach --timeout auto" ctl attach s1-eth1 "${S1_PATHS[@]}" \
		--prefix 10.0.6.0/24 --weights 1,0,0,0 --timeout auto || return
	check "until measured, the group's timeout is the fixed 50ms" [ "$(group_timeout)" = 50000000 ]
	watch_probe_only --probe "$H2" --probe-interval 20ms
	wait_until 30 timeout_in 1000000 5000000
	check "idle equal paths: 5ms or less ($(group_timeout) ns)" timeout_in 1000000 5000000
	check "watch said so" grep -qE '"event":"timeout".*"to_ns":[1-4][0-9]{6},' "$OUT/watch"
	on s2 tc qdisc replace dev s2-eth2 root tbf rate 2mbit burst 4kb latency 50ms
	on_bg h1 /usr/bin/python3 "$ROOT/tests/udp_stream.py" flood "$H2" --rate 20000 --seconds 60 >/dev/null
	wait_until 40 timeout_in 20000001 500000000
	check "path 0's deep queue: the timeout rose above 20ms ($(group_timeout) ns), within 500ms" \
		timeout_in 20000001 500000000
	# The flood (a new flow per datagram) fills path 0's queue for good:
	# once the window holds only such samples, its least round trip is
	# tens of ms above the idle paths' (the bound of test_deep_queue), and
	# the timeout is above it (its bound: not a fixed figure, since a
	# flood sender held off the CPU for tens of ms lowers the least). Two
	# flows of 100 datagrams a second each are flows the look counts.
	local flows_pid
	on_bg h1 /usr/bin/python3 "$ROOT/tests/udp_stream.py" send "$H2" --port 9 --flows 2 --rate 200 --seconds 60 >/dev/null
	flows_pid=$BG_PID
	wait_until 30 stats_true s1 s1-eth1 'd["auto"][0]["base_ns"] >= 10000000 and d["auto"][0]["flows"] >= 1'
	check "stats says what it came from: a base of 10ms or more, a timeout above it, the two flows, a move timeout ($(stats_field 'd["auto"]'))" \
		stats_true s1 s1-eth1 '(lambda a: a["group"] == 0 and a["timeout_ns"] > a["base_ns"] and a["base_ns"] >= 10000000 and a["spread_ns"] >= a["base_ns"] and a["flows"] >= 1 and a["move_ns"] > 0)(d["auto"][0])'
	check "the exporter has them" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --prometheus | grep -c '^flowlet_group_auto_seconds{.*group=\"0\",input=\"\(spread\|base\|move\)\"} ' | grep -qx 3"
	check "UDP only: no TCP segments resent" \
		stats_true s1 s1-eth1 'd["auto"][0]["retransmits"] == 0'
	check "the exporter has it too, and none resent after moves" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --prometheus | grep -c '^flowlet_group_auto_\(retransmits\|resent_after_moves\){.*group=\"0\"} 0$' | grep -qx 2"
	# Its source ports are the next tests' too.
	kill "$flows_pid"
	wait "$flows_pid" 2>/dev/null
	ctl set s1-eth1 --timeout 5ms >/dev/null
	check "set --timeout 5ms: fixed again, every group 5ms, nothing auto in stats" \
		stats_true s1 s1-eth1 'not d["timeout_auto"] and d["group_timeouts_ns"] == [5000000] and d["auto"] == []'
	check "the exporter's group timeout is it" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --prometheus | grep -q '^flowlet_group_timeout_seconds{.*group=\"0\"} 0.005$'"
}

# tcp_resent NODE: the TCP segments NODE's kernel sent again, in all.
tcp_resent() { on "$1" nstat -asz TcpRetransSegs | awk '/TcpRetransSegs/ {print $2}'; }

# A TCP sender's losses, as flowlet counts them: cubic through path 0's tbf
# of 2 Mbit/s with a queue of a few packets grows its window until the
# queue overflows, again and again for as long as it runs (20 s), so
# flowlet on s1 sees segments sent again while it does (the flow stays on
# path 0, the only one with a weight); and it never counts more than
# h1's kernel sent again (each crosses s1, and the watcher's count is
# over its last 10 s only).
test_tcp_resent() {
	local before client shown
	check "attach" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 \
		--weights 1,0,0,0 || return
	on s2 tc qdisc replace dev s2-eth2 root tbf rate 2mbit burst 4kb latency 5ms
	watch_probe_only --probe "$H2" --probe-interval 20ms
	before=$(tcp_resent h1)
	on_bg h2 iperf3 -s -1 -p 5298 >/dev/null 2>&1
	wait_until 30 listening h2 5298
	on_bg h1 iperf3 -c "$H2" -p 5298 -t 20 -C cubic >/dev/null 2>&1
	client=$BG_PID
	wait_until 30 stats_true s1 s1-eth1 'len(d["auto"]) > 0 and d["auto"][0]["retransmits"] >= 1'
	shown=$(stats_field 'd["auto"][0]["retransmits"]')
	check "TCP through a queue that overflows: s1 saw its sender resend ($(stats_field 'd["auto"]'))" \
		[ "$shown" -ge 1 ]
	kill "$client" 2>/dev/null
	wait "$client" 2>/dev/null
	check "s1's resent segments ($shown) are at most h1's kernel's ($(($(tcp_resent h1) - before)))" \
		[ "$shown" -le $(($(tcp_resent h1) - before)) ]
	check "the flow never changed paths: none of them resent after a move" \
		stats_true s1 s1-eth1 'd["auto"][0]["resent_after_moves"] == 0 and d["path_changes"] == 0'
}

# delay_targets: the targets stats shows delays for, sorted, one line.
delay_targets() { stats_eval s1 s1-eth1 "' '.join(sorted({e['target'] for e in d['delay']}))"; }
targets_are() { [ "$(delay_targets)" = "$1" ]; }

# Without --probe, at the default timeout (auto), watch probes the
# destination of each group's largest recent flow, lets go of one that
# never answers (its group keeps the fixed timeout, never zero) and takes
# the next, and probes nothing in a mode without flowlets.
# watch's timeout lines from the fixed 50ms so far.
from_fixed_lines() { grep -c '"event":"timeout","group":0,"from_ns":50000000,' "$OUT/watch"; }
test_auto_targets() {
	check "attach at defaults" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 || return
	check "the default timeout is auto" stats_true s1 s1-eth1 'd["timeout_auto"]'
	# The largest flow goes to an address nobody answers at: 100 packets
	# and more before the flood starts, whose flows are a packet each.
	on_bg h1 /usr/bin/python3 "$ROOT/tests/udp_stream.py" send 10.0.6.99 --port 9 --flows 1 --rate 2000 --seconds 120 >/dev/null
	wait_until 30 stats_true s1 s1-eth1 'd["redirected"] >= 100'
	on_bg h1 /usr/bin/python3 "$ROOT/tests/udp_stream.py" flood "$H2" --rate 200 --seconds 120 >/dev/null
	wait_until 30 stats_true s1 s1-eth1 'd["flows_active"] >= 2'
	watch_probe_only --probe-interval 20ms
	wait_until 30 grep -q '"event":"probe","target":"'"$H2"'"' "$OUT/watch"
	check "the largest flow's destination is probed first" \
		grep -qE '"event":"probe","target":"10.0.6.99","group":0,' "$OUT/watch"
	check "it is let go: it answered no probe" \
		grep -qE '"event":"unprobe","target":"10.0.6.99",.*"why":"it answered no probe"' "$OUT/watch"
	check "then the next flow's, which answers" grep -q '"event":"probe","target":"'"$H2"'","group":0,' "$OUT/watch"
	check "the silent one is not picked again" [ "$(grep -c '"event":"probe","target":"10.0.6.99"' "$OUT/watch")" = 1 ]
	# Idle paths measure well under 20ms: failing takes the machine
	# stalling the probes for over 15ms in the window's worst sample.
	wait_until 30 timeout_in 1000000 20000000
	check "idle equal paths: the group's timeout follows them off the fixed 50ms ($(group_timeout) ns)" timeout_in 1000000 20000000
	check "every path's delay is the flow's destination's" \
		delays_true 'len(p) == 4 and all(e["target"] == "'"$H2"'" and e["state"] == "ok" for e in ds)'
	# set --timeout auto starts the groups again from the fixed 50ms,
	# behind the watcher's back: it must notice, and measure them again.
	# Its timeout lines say from what: a watcher that kept its own copy of
	# the config would never move a group from 50ms again (idle paths
	# measure 1-20ms, never 50ms).
	local from_fixed
	from_fixed=$(from_fixed_lines)
	ctl set s1-eth1 --mode letflow --timeout auto >/dev/null
	wait_until 30 test "$(from_fixed_lines)" -gt "$from_fixed"
	check "set --timeout auto: the watcher moves the group off the fixed 50ms again" \
		test "$(from_fixed_lines)" -gt "$from_fixed"
	check "and measures it ($(group_timeout) ns)" timeout_in 1000000 20000000
	ctl set s1-eth1 --mode ecmp >/dev/null
	wait_until 30 grep -q '"event":"unprobe","target":"'"$H2"'"' "$OUT/watch"
	check "ecmp has no flowlets: the target is let go" \
		grep -q '"event":"unprobe","target":"'"$H2"'",.*"why":"the timeout is fixed or the mode has no flowlets"' "$OUT/watch"
	wait_until 30 delays_true 'not ds'
	check "and nothing is probed" delays_true 'not ds'
	check "the watcher still runs" kill -0 "$WATCH_PID"
}

# A balanced destination that does not answer: every probe lost, said so.
test_no_answer() {
	watch_probe --probe 10.0.6.99 --probe-interval 50ms || return
	wait_until 30 delays_true 'len(p) == 4 and all(e["lost"] >= 2 for e in ds)'
	check "every path says no reply, none answered, the timeout's probes lost" \
		delays_true 'len(p) == 4 and all(e["state"] == "no reply" and e["answered"] == 0 and e["samples"] == 0 and e["lost"] >= 2 for e in ds)'
	check "stats' text names the state" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 | grep -q '10.0.6.99 .* no reply'"
	check "the watcher still runs" kill -0 "$WATCH_PID"
}

# A path that loses every probe (s3 drops what goes to h2; the replies,
# which s6 routes back by its own hash, cross s3 unharmed) is said so in
# stats, and keeps the group at the fixed 50ms: never a timeout measured
# without it, never 0. Once it answers again, the group follows the four
# paths (idle, under 20ms: the bound of auto_targets).
test_path_loses_probes() {
	on s3 ip route add blackhole "$H2/32"
	check "attach at defaults" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 || return
	watch_probe_only --probe "$H2" --probe-interval 20ms
	wait_until 30 delays_true 'len(p) == 4 and p[1]["lost"] >= 2 and all(p[i]["state"] == "ok" for i in (0, 2, 3))'
	check "path 1 says no reply, the other three ok" \
		delays_true 'p[1]["state"] == "no reply" and p[1]["answered"] == 0 and p[1]["lost"] >= 2 and all(p[i]["state"] == "ok" for i in (0, 2, 3))'
	check "stats' text names it" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 | grep -qE '^$H2 +1 +s1-eth3 +no reply '"
	check "the group keeps the fixed 50ms ($(group_timeout) ns)" [ "$(group_timeout)" = 50000000 ]
	check "watch never moved it" bash -c "! grep -q '\"event\":\"timeout\"' '$OUT/watch'"
	on s3 ip route del blackhole "$H2/32"
	wait_until 30 timeout_in 1000000 20000000
	check "path 1 answers again: the group follows the four paths ($(group_timeout) ns)" \
		timeout_in 1000000 20000000
}

# The watcher that probed is gone: stats keeps the last measurements
# (their age grows); a new watcher starts from nothing.
test_new_watcher_forgets() {
	watch_probe --probe "$H2" --probe-interval 20ms || return
	wait_until 30 delays_true 'len(p) == 4'
	kill "$WATCH_PID"
	wait "$WATCH_PID" 2>/dev/null
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" watch s1-eth1 --probe 10.0.6.99 --probe-interval 1s \
		>"$OUT/watch" 2>"$OUT/watch.err" &
	on_exit kill $!
	# Its first probe is written after it cleared the map.
	wait_until 30 delays_true 'any(e["target"] == "10.0.6.99" for e in ds)'
	check "the new watcher's stats hold only its own target" \
		delays_true 'all(e["target"] == "10.0.6.99" for e in ds)'
}

# Bad --probe input: one line and a non-zero exit, and no watcher left.
rejected_ok() {
	if on s1 "$FLOWLETCTL" status | grep -q watched; then
		echo "a watcher was left running"
		return 1
	fi
}
test_bad_probe() {
	local nine=() i
	check "attach" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 || return
	for i in 1 2 3 4 5 6 7 8 9; do nine+=(--probe "10.0.6.$i"); done
	REJECT_STATUS=2 rejects "--probe takes an address" "--probe 10.0.6: not an IPv4 or IPv6 address" \
		ctl watch s1-eth1 --probe 10.0.6
	REJECT_STATUS=2 rejects "at most 8 targets" "--probe: at most 8 addresses" \
		ctl watch s1-eth1 "${nine[@]}"
	REJECT_STATUS=2 rejects "--probe-interval is bounded" "--probe-interval 1ms: from 10ms to 10s" \
		ctl watch s1-eth1 --probe "$H2" --probe-interval 1ms
	REJECT_STATUS=1 rejects "a destination flowlet does not balance" \
		"--probe 10.0.1.1: not a destination s1-eth1 balances" \
		ctl watch s1-eth1 --probe 10.0.1.1
	check "attach h1-eth0 --hook tc-egress" on h1 "$FLOWLETCTL" attach h1-eth0 --hook tc-egress \
		--path h1-eth0@10.0.1.254 --prefix 10.0.6.0/24 || return
	on_exit on h1 "$FLOWLETCTL" detach h1-eth0
	REJECT_STATUS=1 rejects "not at tc-egress, where the probes would be balanced" \
		"--probe: not at tc-egress" on h1 "$FLOWLETCTL" watch h1-eth0 --probe "$H2"
}

run_tests "$@"
