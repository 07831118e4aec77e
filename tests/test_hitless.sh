#!/bin/bash
# Hitless changes under load: a UDP stream of 64 flows at a fixed rate
# crosses s1 while flowlet is re-attached (another build, the same maps)
# and every kind of `set` is made; then a TCP transfer across two
# re-attaches. Loss is counted at the end hosts (datagrams sent and
# received), and every drop the kernel counted elsewhere (socket buffer,
# veth queues, XDP transmit errors) is reported apart: the assertion is
# "no loss that only flowlet can explain", not "no loss on a busy box".
# Flows keep their paths across a re-attach (from flows --json). A TCP
# transfer across two re-attaches has no fast retransmission beyond the
# kernel's drops (timer retransmissions are reported, not asserted).
source "$(dirname "$0")/lib.sh"

STREAM="/usr/bin/python3 $ROOT/tests/udp_stream.py"
ALT="$ROOT/build/alt/flowletctl"
OUT=$(mktemp)
RECV=$(mktemp)
on_exit rm -f "$OUT" "$RECV"
RATE=20000 SECONDS_SENT=8 PORT=9000

attach() { on s1 "$1" attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 "${@:2}"; }

# flow_paths: "sport:path:flowlets" of the stream's flows, sorted.
flow_paths() {
	ctl flows s1-eth1 --json --limit 1000 | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted("%s:%d:%d" % (f["src"].split(":")[1], f["path"], f["flowlets"])
                      for f in json.load(sys.stdin) if f["dst"].endswith(":'$PORT'"))))'
}

# attach_s1 [OPTIONS]: flowlet on s1-eth1 (a failure is a result).
attach_s1() {
	attach "$FLOWLETCTL" "$@" >"$OUT" 2>&1 && return
	fail "attach: $(cat "$OUT")"
	return 1
}

setup() { build_diamond 4; }
between() { ctl detach s1-eth1; }

# stream_start SECONDS: 64 UDP flows at RATE datagrams/s from h1 to h2
# for SECONDS, the kernel's drops counted before; stream_end: once it
# ended, SENT, RECEIVED, LOST (datagrams), COUNTED (the kernel's drops by
# kind) and KERNEL_DROPS (their sum).
stream_start() {
	ip netns exec "${UNIQ}h2" $STREAM recv --port $PORT >"$RECV" &
	STREAM_RECEIVER=$!
	on_exit kill $STREAM_RECEIVER
	wait_until 30 grep -q ready "$RECV" || fail "the UDP receiver did not start"
	STREAM_DROPS=$(diamond_drops)
	ip netns exec "${UNIQ}h1" $STREAM send $H2 --port $PORT --flows 64 \
		--rate $RATE --seconds "$1" >"$OUT" &
	STREAM_SENDER=$!
	on_exit kill $STREAM_SENDER
}
stream_end() {
	wait $STREAM_SENDER
	SENT=$(json_field "$OUT" sent)
	wait $STREAM_RECEIVER
	RECEIVED=$(json_field "$RECV" received)
	read -r -a COUNTED <<<"$(drops_delta "$STREAM_DROPS" "$(diamond_drops)")"
	KERNEL_DROPS=${COUNTED[-1]}
	LOST=$((SENT - RECEIVED))
	echo "# measured: sent $SENT, received $RECEIVED, lost $LOST; kernel drops ${COUNTED[*]}"
}

# no_loss SECONDS WHAT: the stream's loss check after WHAT.
no_loss() {
	check "no loss flowlet alone explains across $2: $LOST of $SENT datagrams lost, $KERNEL_DROPS drops counted by the kernel outside flowlet" \
		test "$SENT" -gt $((RATE * $1 / 2)) -a "$LOST" -le "$KERNEL_DROPS"
}

# A fixed-rate UDP stream across re-attach and every set.
test_udp_changes() {
	local prog_before prog_after changes made change verb binary
	attach_s1 || return
	prog_before=$(stats_field 'd["prog_id"]')
	stream_start $SECONDS_SENT
	changes=(
		"attach $ALT"
		"set --mode ecmp"
		"set --weights 4,3,2,1"
		"set --mode spray"
		"set --mode letflow --timeout 1ms"
		"set --mode leastload --load-halflife 5ms"
		"attach $FLOWLETCTL"
		"set --mode flowlet --weights 1,1,1,1 --timeout 50ms"
	)
	made=0
	for change in "${changes[@]}"; do
		sleep 0.6
		read -r verb binary <<<"$change"
		if [ "$verb" = attach ]; then
			attach "$binary" >/dev/null && made=$((made + 1))
		else
			# shellcheck disable=SC2086 # the change is a list of options
			ctl set s1-eth1 ${change#set } >/dev/null && made=$((made + 1))
		fi
	done
	stream_end
	prog_after=$(stats_field 'd["prog_id"]')
	check "${#changes[@]} changes under a ${RATE} pps stream of 64 UDP flows: 2 re-attaches (prog $prog_before -> $prog_after) and 6 sets all succeeded ($made)" \
		test "$made" -eq ${#changes[@]} -a "$prog_after" != "$prog_before"
	check "flowlet dropped nothing: $(stats_field 'd["dropped"]')" \
		stats_true s1 s1-eth1 'sum(d["dropped"].values()) == 0'
	no_loss $SECONDS_SENT "the changes"
}

# flowlet@.service's commands, run as systemd runs them (no systemd
# here), under the stream: ExecStartPre and ExecStart; the watcher killed
# (SIGKILL: a crash) and ExecStopPost as systemd runs it after a failure
# ($SERVICE_RESULT signal); the restart's ExecStartPre and ExecStart; a
# reload (ExecReload) with a changed config file (another timeout and
# weights). Timeouts of seconds: no gap in the stream starts a flowlet,
# so a flow that changed paths was moved by the restart or the reload.
UNIT="$ROOT/systemd/flowlet@.service"
unit_run() { unit_command "$UNIT" "$1" s1-eth1 "$ROOT"; }
unit_start() {
	# shellcheck disable=SC2046 # the unit's command line, split as systemd does
	on s1 $(unit_run ExecStartPre) >/dev/null || return 1
	# shellcheck disable=SC2046
	ip netns exec "${UNIQ}s1" $(unit_run ExecStart) >"$OUT.watch" 2>&1 &
	WATCHER=$!
	on_exit kill $WATCHER
	wait_until 30 grep -q watching "$OUT.watch"
}
test_unit_restart() {
	local before after prog
	on_exit rm -f "$OUT.watch"
	export FLOWLET_ATTACH="${S1_PATHS[*]} --prefix 10.0.6.0/24 --timeout 10s"
	check "ExecStartPre and ExecStart: flowlet attached and watched" unit_start || return
	stream_start 10
	wait_until 30 bash -c "[ \$(ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 | grep -c ':$PORT ') -ge 64 ]"
	before=$(flow_paths)
	prog=$(stats_field 'd["prog_id"]')
	kill -KILL $WATCHER
	wait $WATCHER 2>/dev/null
	# shellcheck disable=SC2046
	SERVICE_RESULT=signal on s1 $(unit_run ExecStopPost) >"$OUT.stop" 2>&1
	check "ExecStopPost after the watcher's crash leaves flowlet attached: $(cat "$OUT.stop")" \
		stats_true s1 s1-eth1 "d['prog_id'] == $prog"
	rm -f "$OUT.stop"
	check "the restart attaches in place and watches" unit_start
	FLOWLET_ATTACH="${S1_PATHS[*]} --prefix 10.0.6.0/24 --timeout 5s --weights 2,1,1,1"
	# shellcheck disable=SC2046
	check "ExecReload with a changed config" on s1 $(unit_run ExecReload)
	check "the changed config is in force: timeout 5s, weights 2,1,1,1" \
		stats_true s1 s1-eth1 'd["timeout_ns"] == 5000000000 and [p["weight"] for p in d["paths"]] == [2, 1, 1, 1]'
	after=$(flow_paths)
	check "the 64 flows kept their paths and flowlets across the crash, the restart and the reload" \
		test -n "$before" -a "$before" = "$after" -a "$(wc -w <<<"$before")" -eq 64
	check "the restarted watcher still runs" kill -0 $WATCHER
	stream_end
	no_loss 10 "the crash, the restart and the reload"
	kill -TERM $WATCHER
	wait $WATCHER
	# shellcheck disable=SC2046
	check "after a stop (the watcher ends on SIGTERM) ExecStopPost detaches" \
		bash -c "SERVICE_RESULT=success ip netns exec ${UNIQ}s1 $(unit_run ExecStopPost) >/dev/null &&
			 ! ip -n ${UNIQ}s1 link show s1-eth1 | grep -q xdp"
}

# Flows keep their paths across a re-attach (a 10s timeout: no gap in the
# stream can start a flowlet meanwhile).
test_flows_keep_paths() {
	local receiver sender before after
	attach_s1 --timeout 10s || return
	ip netns exec "${UNIQ}h2" $STREAM recv --port $PORT >"$RECV" &
	receiver=$!
	on_exit kill $receiver
	wait_until 30 grep -q ready "$RECV"
	ip netns exec "${UNIQ}h1" $STREAM send $H2 --port $PORT --flows 64 \
		--rate 2000 --seconds 5 >/dev/null &
	sender=$!
	wait_until 30 bash -c "[ \$(ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 | grep -c ':$PORT ') -ge 64 ]"
	before=$(flow_paths)
	attach "$ALT" --timeout 10s >/dev/null
	after=$(flow_paths)
	wait $sender
	wait $receiver
	check "the 64 flows keep their paths and flowlets across a re-attach ($(wc -w <<<"$before") flows)" \
		test -n "$before" -a "$before" = "$after" -a "$(wc -w <<<"$before")" -eq 64
}

# tcp_retrans: h1's retransmission counters, "NAME=VALUE ...".
tcp_retrans() {
	on h1 nstat -asz TcpExtTCPFastRetrans TcpExtTCPLossProbes TcpExtTCPTimeouts |
		awk '/^Tcp/ {printf "%s=%s ", $1, $2}'
}

# A TCP transfer across two re-attaches, with a 10s timeout, so that only
# a re-attach could move the flow. A retransmission is caused by the
# network when the sender saw duplicate ACKs or SACKs (a fast retransmit:
# loss or reordering); a timer's (tail loss probe, timeout) fires when
# ACKs come late, which a loaded 2-core machine does.
test_tcp_reattach() {
	local server client status drops_before drops_after retrans_before retrans_after counted fast retrans
	attach_s1 --timeout 10s || return
	on h2 iperf3 -s -1 -p 5399 >/dev/null 2>&1 &
	server=$!
	on_exit kill $server
	wait_until 30 listening h2 5399
	drops_before=$(diamond_drops)
	retrans_before=$(tcp_retrans)
	on h1 iperf3 -c $H2 -p 5399 -t 4 -b 200M -J >"$OUT" 2>&1 &
	client=$!
	sleep 1
	attach "$FLOWLETCTL" --timeout 10s >/dev/null
	sleep 1
	attach "$ALT" --timeout 10s >/dev/null
	wait $client
	status=$?
	wait $server 2>/dev/null
	drops_after=$(diamond_drops)
	retrans_after=$(tcp_retrans)
	read -r -a counted <<<"$(drops_delta "$drops_before" "$drops_after")"
	fast=$(/usr/bin/python3 -c 'import sys; a, b = (dict(w.split("=") for w in s.split()) for s in sys.argv[1:]); print(int(b["TcpExtTCPFastRetrans"]) - int(a["TcpExtTCPFastRetrans"]))' "$retrans_before" "$retrans_after")
	if [ $status -eq 0 ]; then
		retrans=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_sent"]["retransmits"])' "$OUT")
		echo "# measured: TCP across 2 re-attaches: $retrans retransmissions ($fast fast; counters before: $retrans_before, after: $retrans_after); kernel drops ${counted[*]}"
		check "a TCP transfer (200 Mbit/s, 4s) across 2 re-attaches: $fast fast retransmissions ($retrans in all), no more than the ${counted[-1]} drops the kernel counted" \
			test "$fast" -le "${counted[-1]}"
	else
		fail "iperf3 across re-attaches: $(head -c 300 "$OUT")"
	fi
	check "detach" ctl detach s1-eth1
}

run_tests "$@"
