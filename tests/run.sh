#!/bin/bash
# Runs every suite and sums their "N passed, N failed[, N skipped]" lines
# into the last line of the output. Exits non-zero on any failure.
# Usage: tests/run.sh [SUITE...]   (default: all; names as in tests/)
cd "$(dirname "$0")/.." || exit 1

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(format unit cli diamond ipv6 mininet)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
total_pass=0 total_fail=0 total_skip=0
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
	unit) cmd=(build/test_unit) ;;
	mininet) cmd=(/usr/bin/python3 tests/test_mininet.py) ;;
	*) cmd=(bash "tests/test_$suite.sh") ;;
	esac
	echo "== $suite"
	if [ "$(id -u)" != 0 ]; then
		echo "skip - $suite: needs root (BPF and network namespaces)"
		total_skip=$((total_skip + 1))
		continue
	fi
	"${cmd[@]}" 2>&1 | tee "$log"
	out=$(tail -n 1 "$log")
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
