#!/bin/bash
# Runs every suite, or one, or one test of one, as one TAP stream: the
# suites' results numbered in a row, each suite's summary as a comment,
# then the plan and the line "N passed, N failed, N skipped" summed over
# the suites. Exits non-zero on any failure.
#
# Usage: tests/run.sh [SUITE [TEST | --list]]
#   SUITE   one of SUITES below (default: all of them: make test), flood,
#           or stress (unit with the long counts of FLOWLET_STRESS=1,
#           then flood: make stress)
#   TEST    one test of SUITE (unit: a test, a prefix of test names, or
#           TEST/SUBTEST); --list names them
cd "$(dirname "$0")/.." || exit 1

SUITES=(format unit bench cli replay flowgen diamond ipv6 tc ops hitless follow probe groups mininet fabric)

# The format suite: one check.
format_suite() {
	if make -s check-format; then
		printf 'ok 1 - clang-format clean\n1..1\n1 passed, 0 failed\n'
	else
		printf 'not ok 1 - clang-format: run make format\n1..1\n0 passed, 1 failed\n'
	fi
}

# The command that runs SUITE, in the array cmd.
suite_command() {
	case $1 in
		format) cmd=(format_suite) ;;
		unit) cmd=(build/test_unit) ;;
		bench) cmd=(build/bench_cost --check) ;; # TEST: a variant
		mininet | fabric) cmd=(/usr/bin/python3 "tests/test_$1.py") ;;
		flood) cmd=(bash tests/stress_flood.sh) ;;
		*) [ -f "tests/test_$1.sh" ] && cmd=(bash "tests/test_$1.sh") ;;
	esac
}

suites=("${SUITES[@]}")
if [ $# -gt 0 ]; then
	suites=("$1")
	cmd=()
	[ "$1" = stress ] || suite_command "$1"
	if [ "$1" != stress ] && [ ${#cmd[@]} -eq 0 ]; then
		echo "tests/run.sh: unknown suite '$1' (${SUITES[*]} flood stress)" >&2
		exit 2
	fi
fi
if [ "${1:-}" = stress ]; then
	suites=(unit flood)
	export FLOWLET_STRESS=1
fi
only=${2:-}
if [ $# -gt 2 ] || { [ -n "$only" ] && [[ $1 =~ ^(format|stress)$ ]]; }; then
	echo "usage: tests/run.sh [SUITE [TEST | --list]] (format is one test)" >&2
	exit 2
fi
if [ "$only" = --list ]; then
	"${cmd[@]}" --list
	exit
fi
if [ -n "$only" ] && [ "$1" != unit ] && ! "${cmd[@]}" --list | grep -qxF -- "$only"; then
	echo "tests/run.sh: $1 has no test '$only' (tests/run.sh $1 --list)" >&2
	exit 2
fi

errlog=$(mktemp)
trap 'rm -f "$errlog"' EXIT
total_pass=0 total_fail=0 total_skip=0 n=0
shopt -s lastpipe

# result OK WHAT: one result of run.sh's own.
result() {
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $n - $2"
		total_pass=$((total_pass + 1))
	else
		echo "not ok $n - $2"
		total_fail=$((total_fail + 1))
	fi
}

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
	echo "# $suite"
	cmd=()
	suite_command "$suite"
	if [ "$suite" != format ] && [ "$(id -u)" != 0 ]; then
		n=$((n + 1))
		echo "ok $n - $suite # SKIP needs root (BPF and network namespaces)"
		total_skip=$((total_skip + 1))
		continue
	fi
	prefix=t$(printf '%04x' $((RANDOM % 65536)))
	# The suite's results, renumbered; its stderr (the messages of the bad
	# inputs it tries, progress) is shown only when it fails.
	out=
	FLOWLET_TEST_PREFIX=$prefix "${cmd[@]}" ${only:+"$only"} 2>"$errlog" |
		while IFS= read -r line; do
			if [[ $line =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
				n=$((n + 1))
				echo "${BASH_REMATCH[1]}ok $n${BASH_REMATCH[2]}"
			elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
				:
			elif [[ $line =~ ^[0-9]+\ passed, ]]; then
				out=$line
				echo "# $suite: $line"
			else
				echo "$line"
			fi
		done
	if ! [[ $out =~ ^[0-9]+\ passed,\ 0\ failed ]] && [ -s "$errlog" ]; then
		echo "# $suite's stderr:"
		sed 's/^/#   /' "$errlog"
	fi
	if [ "$suite" != format ]; then
		left=$(leftovers "$prefix")
		if [ -z "$left" ]; then
			result 1 "clean exit: $suite left no namespace, link, process or pin"
		else
			result 0 "clean exit: $suite left $(echo $left | tr '\n' ' ')"
		fi
	fi
	if [[ $out =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		total_pass=$((total_pass + BASH_REMATCH[1]))
		total_fail=$((total_fail + BASH_REMATCH[2]))
		total_skip=$((total_skip + ${BASH_REMATCH[4]:-0}))
	else
		result 0 "$suite ended without a result line"
	fi
done
echo "1..$n"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
