#!/bin/bash
# Runs every suite and sums their "N passed, N failed[, N skipped]" lines
# into the last line of the output. Exits non-zero on any failure.
# Usage: tests/run.sh [SUITE [TEST]]
#   SUITE  format, unit, bench, cli, replay, flowgen, diamond, ipv6, tc, ops,
#          hitless, follow or mininet (default:
#          all of them: make test), flood, or stress (unit with the long
#          counts of FLOWLET_STRESS=1, then flood: make stress)
#   TEST   unit only: the tests whose name starts with TEST
#          (build/test_unit --list names them); the other suites are
#          scripts whose checks build on each other and run whole.
cd "$(dirname "$0")/.." || exit 1

ALL_SUITES=(format unit bench cli replay flowgen diamond ipv6 tc ops hitless follow groups mininet fabric)
suites=("${ALL_SUITES[@]}")
[ $# -gt 0 ] && suites=("$1")
if [ "${1:-}" = stress ]; then
	suites=(unit flood)
	export FLOWLET_STRESS=1
fi
only=${2:-}
if [ $# -gt 2 ] || { [ -n "$only" ] && [ "$1" != unit ]; }; then
	echo "usage: tests/run.sh [SUITE [TEST]] (TEST for the unit suite only)" >&2
	exit 2
fi

log=$(mktemp)
errlog=$(mktemp)
trap 'rm -f "$log" "$errlog"' EXIT
total_pass=0 total_fail=0 total_skip=0

# What a suite run with FLOWLET_TEST_PREFIX=$1 left behind: namespaces and
# root-namespace links named with the prefix, processes carrying it in
# their environment, flowlet objects pinned in bpffs. (Programs and maps
# live only as long as an interface, a process or a pin holds them; the
# unit and diamond suites check that detach frees them.)
leftovers() {
	local prefix=$1 left deadline=$((SECONDS + 30))
	while :; do
		left=$(
			ip netns list | awk -v p="$prefix" 'index($1, p) == 1 {print "namespace " $1}'
			ip -o link | awk -F': ' -v p="$prefix" 'index($2, p) == 1 {print "link " $2}'
			grep -lsz "^FLOWLET_TEST_PREFIX=$prefix\$" /proc/[0-9]*/environ |
				sed 's#/proc/\([0-9]*\)/environ#process \1#'
			find /sys/fs/bpf -name 'flowlet*' 2>/dev/null | sed 's/^/pin /'
		)
		[ -z "$left" ] || [ $SECONDS -ge $deadline ] && break
		sleep 0.2
	done
	echo "$left"
}
for suite in "${suites[@]}"; do
	case $suite in
	format)
		echo "== format"
		if make -s check-format; then
			echo "ok   - clang-format clean"
			total_pass=$((total_pass + 1))
		else
			echo "FAIL - clang-format: run make format"
			total_fail=$((total_fail + 1))
		fi
		continue
		;;
	unit) cmd=(build/test_unit ${only:+"$only"}) ;;
	bench) cmd=(build/bench_cost --check) ;;
	mininet) cmd=(/usr/bin/python3 tests/test_mininet.py) ;;
	fabric) cmd=(/usr/bin/python3 tests/test_fabric.py) ;;
	cli | diamond | ipv6 | tc | ops | hitless | follow | groups | replay | flowgen) cmd=(bash "tests/test_$suite.sh") ;;
	flood) cmd=(bash tests/stress_flood.sh) ;;
	*)
		echo "tests/run.sh: unknown suite '$suite' (${ALL_SUITES[*]} flood stress)" >&2
		exit 2
		;;
	esac
	echo "== $suite"
	if [ "$(id -u)" != 0 ]; then
		echo "skip - $suite: needs root (BPF and network namespaces)"
		total_skip=$((total_skip + 1))
		continue
	fi
	prefix=t$(printf '%04x' $((RANDOM % 65536)))
	# Result lines only: what a suite says on stderr (the messages of the
	# bad inputs it tries, progress) is shown only when it fails.
	FLOWLET_TEST_PREFIX=$prefix "${cmd[@]}" 2>"$errlog" | tee "$log"
	out=$(tail -n 1 "$log")
	if ! [[ $out =~ ^[0-9]+\ passed,\ 0\ failed ]] && [ -s "$errlog" ]; then
		echo "# $suite's stderr:"
		sed 's/^/#   /' "$errlog"
	fi
	left=$(leftovers "$prefix")
	if [ -z "$left" ]; then
		echo "ok   - clean exit: $suite left no namespace, link, process or pin"
		total_pass=$((total_pass + 1))
	else
		echo "FAIL - clean exit: $suite left $(echo $left | tr '\n' ' ')"
		total_fail=$((total_fail + 1))
	fi
	if [[ $out =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		total_pass=$((total_pass + BASH_REMATCH[1]))
		total_fail=$((total_fail + BASH_REMATCH[2]))
		total_skip=$((total_skip + ${BASH_REMATCH[4]:-0}))
	else
		echo "FAIL - $suite ended without a result line"
		total_fail=$((total_fail + 1))
	fi
done
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
