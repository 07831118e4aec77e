#!/bin/bash
# Operations: Prometheus and the live view.
# - `stats --prometheus` is valid exposition text (promtool) that agrees
#   with stats --json; `flowletctl exporter` serves it, on loopback by
#   default, and stays up while instances come and go; a real Prometheus
#   server (Debian's) scrapes it and answers a per-path packet rate
#   through its HTTP API. All in s1 of a two-path diamond: its loopback is
#   the namespace's own.
# - `flowletctl top` in a real terminal (tmux, on a server of its own):
#   it draws the paths and their share, and q gives the terminal back.
# - `stats --watch` redraws in place on a terminal and appends into a
#   pipe with the interval's rates; `stats --reset` zeroes the counters.
source "$(dirname "$0")/lib.sh"

OUT=$(mktemp -d)
on_exit rm -rf "$OUT"
SEND="$ROOT/flowlet-send"
PORT=9477

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
	skip "prometheus and promtool are not installed (make test-deps)"
	finish
	exit
fi
TMUX_SOCKET=${UNIQ}top
pane() { tmux -L "$TMUX_SOCKET" capture-pane -p -t top; }
pane_has() { pane | grep -q -- "$1"; }
rejects_top() {
	on s1 "$FLOWLETCTL" top s1-eth1 >/dev/null 2>"$OUT/err"
	echo $?
}

setup() { build_diamond 2; }
between() {
	ctl detach s1-eth1 --hook xdp
	ctl detach s1-eth1 --hook tc-ingress
}

# attach_spray: flowlet on s1-eth1, spray over both paths, 40 packets sent.
attach_spray() {
	check "attach with spray" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 --mode spray || return
	on h1 "$SEND" --quiet $H2 40 0.001 >/dev/null
}

# start_exporter: flowletctl exporter on s1, its pid in EXPORTER (ip
# netns exec's own, which it prints), ended and waited for when the test
# ends, so that the next test's exporter gets the port.
start_exporter() {
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" exporter >"$OUT/exporter" 2>&1 &
	EXPORTER=$!
	on_exit "kill $EXPORTER; wait $EXPORTER"
	wait_until 30 grep -q serving "$OUT/exporter"
	grep -q "(pid $EXPORTER)" "$OUT/exporter" ||
		fail "the exporter did not start: $(head -c 300 "$OUT/exporter")"
}

test_stats_prometheus() {
	local prom_packets json_packets
	attach_spray || return
	ctl stats s1-eth1 --prometheus >"$OUT/stats.prom"
	check "stats --prometheus passes promtool check metrics" bash -c "promtool check metrics <'$OUT/stats.prom'"
	prom_packets=$(sed -n 's/^flowlet_path_packets_total{.*path="\([0-9]\)".*} \([0-9]*\)$/\1=\2/p' "$OUT/stats.prom" | tr '\n' ' ')
	json_packets=$(stats_field '" ".join("%d=%d" % (p["index"], p["packets"]) for p in d["paths"]) + " "')
	check "its per-path packets are stats --json's: $prom_packets" test "$prom_packets" = "$json_packets"
	check "it has the telemetry histograms" grep -q '^flowlet_gap_seconds_bucket{iface="s1-eth1",hook="xdp",kind="started",le="+Inf"}' "$OUT/stats.prom"
	check "it has passed by reason" grep -q '^flowlet_passed_total{iface="s1-eth1",hook="xdp",reason="not_balanced"} ' "$OUT/stats.prom"
	check "the paths' transmit failures, none (the far ends take redirected frames)" bash -c \
		"[ \"\$(grep -c '^flowlet_path_tx_failed_total{iface=\"s1-eth1\",hook=\"xdp\",path=\"[01]\",.*} 0$' '$OUT/stats.prom')\" = 2 ]"
	check "no watcher: flowlet_watched 0" grep -q '^flowlet_watched{iface="s1-eth1",hook="xdp"} 0$' "$OUT/stats.prom"
}

test_exporter() {
	attach_spray || return
	start_exporter || return
	check "exporter serves http://127.0.0.1:$PORT/metrics: $(head -1 "$OUT/exporter")" \
		grep -q "serving http://127.0.0.1:$PORT/metrics" "$OUT/exporter"
	check "it listens on loopback only by default" bash -c \
		"[ \"\$(ip netns exec ${UNIQ}s1 ss -Hltn 'sport = :$PORT' | awk '{print \$4}')\" = 127.0.0.1:$PORT ]"
	check "/metrics passes promtool check metrics" bash -c \
		"ip netns exec ${UNIQ}s1 curl -sf http://127.0.0.1:$PORT/metrics | promtool check metrics"
	check "another path answers 404" test \
		"$(on s1 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 404
	rejects_listen() {
		ip netns exec "${UNIQ}s1" "$FLOWLETCTL" exporter "$@" >/dev/null 2>"$OUT/err"
		echo $?
	}
	check "a second exporter on the same port exits 1: $(
		rejects_listen >/dev/null
		cat "$OUT/err"
	)" \
		test "$(rejects_listen)" = 1
	check "a bad --listen exits 2: $(
		rejects_listen --listen 10.0.0:80 >/dev/null
		cat "$OUT/err"
	)" \
		test "$(rejects_listen --listen 10.0.0:80)" = 2
	check "an unknown IFACE exits 1: $(
		rejects_listen nosuch0 >/dev/null
		cat "$OUT/err"
	)" \
		test "$(rejects_listen nosuch0)" = 1
}

# A real Prometheus server scrapes the exporter.
test_prometheus_scrapes() {
	local sender
	attach_spray || return
	start_exporter || return
	cat >"$OUT/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: flowlet
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
	ip netns exec "${UNIQ}s1" prometheus --config.file="$OUT/prometheus.yml" \
		--storage.tsdb.path="$OUT/tsdb" --web.listen-address=127.0.0.1:9090 \
		>"$OUT/prometheus.log" 2>&1 &
	on_exit "kill $!; wait $!"
	if wait_until 60 on s1 curl -sf http://127.0.0.1:9090/-/ready; then
		ok "prometheus is ready on s1's loopback"
	else
		fail "prometheus did not start: $(tail -c 300 "$OUT/prometheus.log")"
	fi
	# Traffic for as long as the query needs (at most a minute), then stop.
	ip netns exec "${UNIQ}h1" "$SEND" --quiet $H2 6000 0.01 >/dev/null &
	sender=$!
	on_exit kill $sender
	if wait_until 60 query; then
		ok "Prometheus's HTTP API returns the per-path packet rate: $(query)"
	else
		fail "no per-path rate from Prometheus: $(head -c 300 "$OUT/query.json")"
	fi
}

# query: Prometheus's per-path packet rates; fails unless both paths have
# one above 0.
query() {
	on s1 curl -sf http://127.0.0.1:9090/api/v1/query \
		--data-urlencode 'query=sum by (path) (rate(flowlet_path_packets_total{iface="s1-eth1"}[5s]))' \
		>"$OUT/query.json"
	/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
rates = {s["metric"]["path"]: float(s["value"][1]) for s in r}
print(" ".join("path %s %.1f/s" % kv for kv in sorted(rates.items())))
sys.exit(0 if len(rates) == 2 and min(rates.values()) > 0 else 1)' "$OUT/query.json"
}

# Instances come and go; the exporter stays.
test_exporter_stays() {
	attach_spray || return
	start_exporter || return
	check "detach" ctl detach s1-eth1
	check "after detach the exporter answers without flowlet samples" bash -c \
		"ip netns exec ${UNIQ}s1 curl -sf http://127.0.0.1:$PORT/metrics >'$OUT/m' && ! grep -q '^flowlet_path_packets_total' '$OUT/m' && grep -q '^# TYPE flowlet_path_packets_total counter' '$OUT/m'"
	check "attach --hook tc-ingress" ctl attach s1-eth1 --hook tc-ingress "${S1_PATHS[@]}" --prefix 10.0.6.0/24
	check "the new instance is served, with its hook" bash -c \
		"ip netns exec ${UNIQ}s1 curl -sf http://127.0.0.1:$PORT/metrics | grep -q '^flowlet_info{iface=\"s1-eth1\",hook=\"tc-ingress\"'"
	check "the exporter (pid $EXPORTER) is still the same process" kill -0 "$EXPORTER"
	kill "$EXPORTER"
	check "SIGTERM ends it" wait_until 10 bash -c "! kill -0 $EXPORTER 2>/dev/null"
}

# top in a terminal, with watch measuring the paths.
test_top() {
	local sender delays
	check "attach for top" ctl attach s1-eth1 "${S1_PATHS[@]}" --prefix 10.0.6.0/24 --mode spray || return
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" watch s1-eth1 --probe "$H2" --probe-interval 20ms \
		>"$OUT/watch" 2>&1 &
	on_exit kill $!
	tmux -L "$TMUX_SOCKET" new-session -d -s top -x 120 -y 30 \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' top s1-eth1; echo exited=\$?; sleep 120"
	on_exit tmux -L "$TMUX_SOCKET" kill-server
	ip netns exec "${UNIQ}h1" "$SEND" --quiet $H2 1000 0.01 >/dev/null &
	sender=$!
	on_exit kill $sender
	# Two paths under spray carry half each: a bar of '#' on each row.
	if wait_until 30 bash -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t top | grep -c '^[01] .*% .*  #' | grep -qx 2"; then
		ok "top draws both paths with their share and a bar: $(pane | grep -m1 '^0 ' | tr -s ' ')"
	else
		fail "top did not draw the paths: $(pane | head -8 | tr '\n' '|')"
	fi
	# After the share: p50 and p99 (ms), the samples and their age.
	delays='^[01] .*% +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} +[1-9][0-9]* +[0-9]+\.[0-9] '
	if wait_until 30 bash -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t top | grep -Ec '$delays' | grep -qx 2"; then
		ok "top shows each path's measured delay: $(pane | grep -m1 '^1 ' | tr -s ' ')"
	else
		fail "top did not show the paths' delays: $(pane | head -8 | tr '\n' '|')"
	fi
	check "and whose round trips they are" pane_has "delays: round trips to $H2"
	check "the exporter's text says it is watched: flowlet_watched 1" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --prometheus | grep -q '^flowlet_watched{iface=\"s1-eth1\",hook=\"xdp\"} 1$'"
	check "top shows the instance and the busiest flow" bash -c \
		"tmux -L '$TMUX_SOCKET' capture-pane -p -t top | grep -q '^flowlet top: s1-eth1 (xdp), mode spray' &&
	 tmux -L '$TMUX_SOCKET' capture-pane -p -t top | grep -q '10.0.1.1:1234 .*$H2:80'"
	tmux -L "$TMUX_SOCKET" send-keys -t top q
	check "q quits top with status 0" wait_until 10 pane_has exited=0
	check "and gives the terminal back (its screen is gone)" bash -c \
		"! tmux -L '$TMUX_SOCKET' capture-pane -p -t top | grep -q 'flowlet top:'"
	kill $sender 2>/dev/null
	check "top without a terminal exits 2: $(
		rejects_top >/dev/null
		cat "$OUT/err"
	)" \
		test "$(rejects_top)" = 2
}

# stats: --reset, and --watch into a pipe.
test_stats_reset_watch() {
	local watcher lines
	attach_spray || return
	on h1 "$SEND" --quiet $H2 20 0.001 >/dev/null
	check "stats --reset prints the counters, then zeroes them" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 --reset | grep -q 'counters zeroed'"
	check "after --reset the counters start from 0 (the flows stay)" stats_true s1 s1-eth1 \
		'd["redirected"] == 0 and all(p["packets"] == 0 for p in d["paths"]) and d["flows_active"] > 0'
	check "flows fits 80 columns: $(ctl flows s1-eth1 | head -2 | tail -1 | tr -s ' ')" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' flows s1-eth1 | awk 'length > 80 {bad = 1} END {exit bad}'"
	ctl set s1-eth1 --weights 3,1 >/dev/null
	ip netns exec "${UNIQ}s1" "$FLOWLETCTL" stats s1-eth1 --json --watch 1 >"$OUT/watch.json" 2>&1 &
	watcher=$!
	on_exit kill $watcher
	wait_until 10 grep -q . "$OUT/watch.json"
	on h1 "$SEND" --quiet $H2 1000 0.002 >/dev/null
	# Two more readings: one wholly after the last packet.
	lines=$(wc -l <"$OUT/watch.json")
	wait_until 10 bash -c "[ \$(wc -l <'$OUT/watch.json') -ge $((lines + 2)) ]"
	kill $watcher
	# Summed over the intervals, pps times the interval is every packet sent
	# after the first reading, whatever the intervals were: spray 3,1 puts
	# 750 of the 1000 on path 0, give or take a partial round of 4.
	check "stats --watch --json appends one object per interval with its rates and SHARE" \
		/usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
# %.3f rounding: at most 0.25 packet per interval.
sent = [sum(r["paths"][i]["pps"] * r["interval_s"] for r in rows[1:])
        for i in (0, 1)]
assert all("share" in p for r in rows for p in r["paths"]), rows[-1]
assert abs(sum(sent) - 1000) < 3 and abs(sent[0] - 750) < 5, sent' "$OUT/watch.json"
}

run_tests "$@"
