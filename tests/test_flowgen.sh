#!/bin/bash
# tools/flowgen.py, the experiments' workload: in a namespace of its own,
# over its loopback. Fixed-size flows all finish and are timed; a Poisson
# run draws the web-search sizes at the rate its load asks for (counted,
# not timed); the drawn sizes follow the distribution's mean; congestion
# control is set per socket; bad input gets one line and a non-zero exit.
source "$(dirname "$0")/lib.sh"

FLOWGEN="$ROOT/tools/flowgen.py"
PORT=5399
# csv FILE EXPR: a Python expression over the rows (dicts) of a flowgen CSV.
csv() { /usr/bin/python3 -c 'import csv, sys; rows = list(csv.DictReader(open(sys.argv[1]))); print(eval(sys.argv[2]))' "$@"; }
client() { on g /usr/bin/python3 "$FLOWGEN" client 127.0.0.1 --port $PORT "$@"; }

# The fixture: a namespace g with flowgen's server on its loopback; DIR.
setup() {
	DIR=$(mktemp -d) || return 1
	on_exit rm -rf "$DIR"
	add_node g || return 1
	server_pid=$(on g bash -c "/usr/bin/python3 '$FLOWGEN' server --port $PORT >/dev/null 2>&1 & echo \$!")
	on_exit kill "$server_pid"
	check "the server listens" wait_until 10 listening g $PORT
}

test_fixed_sizes() {
	client --size 200000 --count 5 --cc reno --out "$DIR/fixed.csv" >/dev/null
	check "5 flows of 200000 bytes started together: all 5 finished, each timed" \
		test "$(csv "$DIR/fixed.csv" '(len(rows), sum(1 for r in rows if r["bytes"] == "200000" and float(r["fct_s"]) > 0))')" = "(5, 5)"
	check "every flow has its own source port" \
		test "$(csv "$DIR/fixed.csv" 'len({r["sport"] for r in rows})')" = 5
}

# The server takes IPv6 as well; the client goes by the address.
test_ipv6() {
	on g sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0
	on g /usr/bin/python3 "$FLOWGEN" client ::1 --port $PORT --size 20000 --count 3 \
		--out "$DIR/v6.csv" >/dev/null
	check "3 flows to ::1: all 3 finished, each timed" \
		test "$(csv "$DIR/v6.csv" 'sum(1 for r in rows if float(r["fct_s"] or 0) > 0)')" = 3
}

# A Poisson process at load 0.5 of 200 Mbit/s with sizes scaled by 0.001
# (mean 1711 bytes): 7,305 flows a second. Over 0.5 s, the count is
# Poisson with mean 3,653: it lies within 3,300 and 4,000 (5.8 standard
# deviations) with a chance of failure below 1e-8.
test_poisson() {
	local n
	client --load 0.5 --capacity 200 --seconds 0.5 --scale 0.001 --seed 3 \
		--out "$DIR/poisson.csv" >/dev/null
	n=$(csv "$DIR/poisson.csv" 'len(rows)')
	check "load 0.5 of 200 Mbit/s, mean 1711 bytes, 0.5 s: $n flows (3,653 expected)" \
		test "$n" -ge 3300 -a "$n" -le 4000
	check "the same seed draws the same sizes" test "$(
		client --load 0.5 --capacity 200 --seconds 0.5 --scale 0.001 --seed 3 \
			--out "$DIR/again.csv" >/dev/null
		csv "$DIR/again.csv" '[r["bytes"] for r in rows][:500]'
	)" = "$(csv "$DIR/poisson.csv" '[r["bytes"] for r in rows][:500]')"
}

# The sizes' mean: 200,000 draws of a distribution whose standard
# deviation is 3.97 MB (mean 1.71 MB): the sample mean's standard error is
# 8.9 KB, so 1.71 MB +- 60 KB (6.8 of them) fails below 1e-10.
test_size_mean() {
	check "200,000 web-search sizes average 1.711 MB +- 60 KB" /usr/bin/python3 -c "
import random, sys
sys.path.insert(0, '$ROOT/tools')
import flowgen
rng = random.Random(5)
mean = sum(flowgen.draw_size(rng, 1.0) for _ in range(200000)) / 200000
assert abs(mean - flowgen.mean_size(1.0)) < 60000, mean
assert flowgen.mean_size(1.0) == 1711250.0
"

}

test_bad_input() {
	REJECT_LINES=2 rejects "an unknown congestion control" "congestion control nosuch" \
		client --size 1000 --cc nosuch --out "$DIR/x.csv"
	REJECT_LINES=2 rejects "a load of 2" "--load: a fraction between 0 and 1" \
		client --load 2 --capacity 100 --seconds 1 --out "$DIR/x.csv"
	REJECT_LINES=2 rejects "neither sizes nor a load" "either --size, or --load" \
		client --out "$DIR/x.csv"
}

run_tests "$@"
