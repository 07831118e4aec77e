#!/bin/bash
# flowletctl replay: the data path over traces this suite writes
# (tests/make_trace.py) with known gaps: flowlets, gaps and sizes come out
# exact; every link type gives the same answer; snap-length cuts, frames
# too large to run and non-IP frames are counted; bad input gets one line
# and a non-zero exit. No namespace: test runs transmit nothing.
source "$(dirname "$0")/lib.sh"

trace() { /usr/bin/python3 "$ROOT/tests/make_trace.py" "$@"; }
replay() { "$FLOWLETCTL" replay "$@"; }
# field JSON EXPR: a Python expression over the replay's JSON, d.
field() { /usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
# bucket N: the histogram bucket holding N.
bucket() { /usr/bin/python3 -c 'import sys; n = int(sys.argv[1]); print(n.bit_length() - 1 if n else 0)' "$1"; }

# The fixture: in DIR, eth.pcap: flow 0, 40 packets 60 ms apart; flow 1,
# 40 packets 10 ms apart; 3 ARPs. eth.json: its replay at 50ms.
setup() {
	DIR=$(mktemp -d) || return 1
	on_exit rm -rf "$DIR"
	trace "$DIR/eth.pcap" ethernet 0:40:60000 1:40:10000 arp:3 &&
		replay "$DIR/eth.pcap" --timeout 50ms --json >"$DIR/eth.json"
}

test_flowlets() {
	local b60 b10
	check "replay reads the trace: 83 packets, 80 redirected, 3 ARPs to the kernel (not_ip)" \
		test "$(field "$DIR/eth.json" '(d["packets"], d["redirected"], d["passed"]["not_ip"])')" = "(83, 80, 3)"
	check "timeout 50ms: 60 ms gaps start 40 flowlets, 10 ms gaps none: 41 flowlets of 2 flows" \
		test "$(field "$DIR/eth.json" '(d["flows"], d["flowlets"])')" = "(2, 41)"
	b60=$(bucket 60000000)
	b10=$(bucket 10000000)
	check "the gaps: 39 of 60 ms started a flowlet, 39 of 10 ms did not" \
		test "$(field "$DIR/eth.json" "(sum(g['started'] for g in d['gaps'] if g['from'] == 1 << $b60), sum(g['continued'] for g in d['gaps'] if g['from'] == 1 << $b10), sum(g['started'] + g['continued'] for g in d['gaps']))")" = "(39, 39, 78)"
	check "flowlet sizes: 40 of 1 packet, 1 of 40; flows of 1 and of 40 flowlets" \
		test "$(field "$DIR/eth.json" "([(g['from'], g['flowlets']) for g in d['flowlet_packets'] if g['flowlets']], [(g['from'], g['flows']) for g in d['flow_flowlets'] if g['flows']])")" = "([(0, 40), (32, 1)], [(0, 1), (32, 1)])"
	check "per-path packets add up to the redirected ones, shares to 100%" \
		test "$(field "$DIR/eth.json" '(sum(p["packets"] for p in d["per_path"]), round(sum(p["share"] for p in d["per_path"])))')" = "(80, 100)"
}

test_timeout_and_modes() {
	replay "$DIR/eth.pcap" --timeout 5ms --json >"$DIR/short.json"
	check "timeout 5ms: the 10 ms gaps start flowlets too: 80 flowlets" \
		test "$(field "$DIR/short.json" 'd["flowlets"]')" = 80
	replay "$DIR/eth.pcap" --timeout 50ms --mode ecmp --json >"$DIR/ecmp.json"
	check "ecmp: the same flowlets, no path change" \
		test "$(field "$DIR/ecmp.json" '(d["flowlets"], d["path_changes"])')" = "(41, 0)"
	replay "$DIR/eth.pcap" --paths 2 --weights 3,1 --mode spray --json >"$DIR/spray.json"
	check "spray over 2 paths weighted 3,1: 60 and 20 packets" \
		test "$(field "$DIR/spray.json" '[p["packets"] for p in d["per_path"]]')" = "[60, 20]"
}

test_sweep() {
	replay "$DIR/eth.pcap" --sweep 5ms,50ms,100ms --json >"$DIR/sweep.json"
	check "--sweep 5ms,50ms,100ms: one row per timeout, 80, 41 and 2 flowlets" \
		test "$(field "$DIR/sweep.json" '[(r["timeout_ns"], r["flowlets"]) for r in d["sweep"]]')" = "[(5000000, 80), (50000000, 41), (100000000, 2)]"
}

# A seed makes a run repeat: flowlet's paths are a hash of the flow, its
# flowlet and the seed.
test_seed() {
	trace "$DIR/many.pcap" ethernet 0:5:70000 1:5:70000 2:5:70000 3:5:70000 4:5:70000 5:5:70000
	replay "$DIR/many.pcap" --seed 11 --json >"$DIR/seed1.json"
	replay "$DIR/many.pcap" --seed 11 --json >"$DIR/seed2.json"
	check "the same --seed, the same paths" \
		test "$(field "$DIR/seed1.json" 'd["per_path"]')" = "$(field "$DIR/seed2.json" 'd["per_path"]')"
}

# The same packets in every link type replay reads, at either timestamp
# precision: the same answer.
test_link_types() {
	local same=0 link nano
	for link in sll sll2 raw; do
		for nano in "" --nano; do
			trace "$DIR/$link.pcap" "$link" $nano 0:40:60000 1:40:10000
			replay "$DIR/$link.pcap" --timeout 50ms --json >"$DIR/$link.json"
			[ "$(field "$DIR/$link.json" '(d["redirected"], d["flowlets"], d["path_changes"], d["per_path"], d["gaps"])')" = \
				"$(field "$DIR/eth.json" '(d["redirected"], d["flowlets"], d["path_changes"], d["per_path"], d["gaps"])')" ] &&
				same=$((same + 1))
		done
	done
	check "Linux cooked (v1, v2) and raw IP traces, microsecond and nanosecond, replay as Ethernet does ($same of 6)" \
		test "$same" = 6
}

# Headers only (snap length 64 of 1000 bytes): the data path sees whole
# packets (zeros after the capture), not malformed ones; frames longer
# than a test run takes are counted, not run.
test_snap_length() {
	trace "$DIR/snap.pcap" ethernet --snap 64 0:10:1000:1000 1:5:1000:5000
	replay "$DIR/snap.pcap" --json >"$DIR/snap.json"
	check "a trace cut at 64 bytes replays: 10 redirected, none malformed, 10000 bytes; 5 too large to run" \
		test "$(field "$DIR/snap.json" '(d["redirected"], d["passed"]["malformed"], sum(p["bytes"] for p in d["per_path"]), d["too_large"])')" = "(10, 0, 10000, 5)"
	check "the text output names the trace and its link type" \
		bash -c "'$FLOWLETCTL' replay '$DIR/snap.pcap' | head -1 | grep -q 'snap.pcap: Ethernet, 15 packets'"

}

# Bad input: one line on stderr, exit 1 (the trace) or 2 (arguments).
test_bad_input() {
	local status pattern what args
	echo "not a trace" >"$DIR/text.pcap"
	trace "$DIR/wifi.pcap" 105 0:2:1000
	while IFS='|' read -r status pattern what args; do
		# shellcheck disable=SC2086 # the arguments are space-separated
		REJECT_STATUS=$status rejects "$what" "$pattern" replay $args
	done <<EOF
1|nosuch.pcap|a missing trace|$DIR/nosuch.pcap
1|text.pcap|a file that is not a pcap|$DIR/text.pcap
1|link type .* is not replayed|a link type replay does not read|$DIR/wifi.pcap
2|missing TRACE|no trace|
2|unexpected argument|two traces|$DIR/eth.pcap $DIR/eth.pcap
2|paths|--paths 0|$DIR/eth.pcap --paths 0
2|paths|--paths 17|$DIR/eth.pcap --paths 17
2|2 weights for 4 paths|weights for another path count|$DIR/eth.pcap --weights 1,2
2|timeout|a bad timeout|$DIR/eth.pcap --timeout soon
2|--timeout auto follows a live instance|--timeout auto (no live delays)|$DIR/eth.pcap --timeout auto
2|mode|a bad mode|$DIR/eth.pcap --mode fastest
2|seed|a bad seed|$DIR/eth.pcap --seed -1
2|sweep|a bad --sweep|$DIR/eth.pcap --sweep 1ms,,later
2|sweep|an empty --sweep|$DIR/eth.pcap --sweep ,
2|one or the other|--timeout with --sweep|$DIR/eth.pcap --timeout 1ms --sweep 1ms
EOF
}

run_tests "$@"
