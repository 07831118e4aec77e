#!/bin/bash
# flowletctl's command line: every bad input prints one line, exits
# non-zero and leaves nothing attached; help and version; the warning for
# a path whose veth peer drops redirected frames. Runs in a two-path
# diamond of network namespaces.
source "$(dirname "$0")/lib.sh"

ERR=$(mktemp)
on_exit rm -f "$ERR"
SEND="$ROOT/flowlet-send"

xdp_attached() { on s1 ip link show dev s1-eth1 | grep -q 'prog/xdp'; }

# What rejects (lib.sh) checks besides the message: s1-eth1 has no XDP
# program afterwards (unless ATTACHED=1: a program was there before and
# stays).
ATTACHED=0
rejected_ok() {
	if [ "$ATTACHED" = 0 ] && xdp_attached; then
		echo "left an XDP program on s1-eth1"
		return 1
	fi
}

P2=(--path s1-eth2@10.1.1.2 --path s1-eth3@10.1.2.2)

setup() { build_diamond 2; }
# Whatever a test left on s1-eth1 goes; s3 takes redirected frames again.
between() {
	ctl detach s1-eth1
	on s1 ip link set dev s1-eth1 xdpgeneric off
	on s3 ethtool -K s3-eth1 gro on
}

# help and version
test_help() {
	check "--help lists every command" bash -c \
		"'$FLOWLETCTL' --help | grep -c '^flowletctl \(attach\|set\|watch\|stats\|flows\|status\|replay\|detach\) ' | grep -qx 8"
	check "--help lists every mode of the mode table" bash -c \
		"'$FLOWLETCTL' --help | grep -cE '^  (flowlet|ecmp|letflow|leastload|spray|share) ' | grep -qx 6"
	check "attach --help documents --path and exits 0" bash -c \
		"'$FLOWLETCTL' attach --help | grep -q -- '--path DEV@NEXTHOP'"
	check "--version prints a version" bash -c \
		"'$FLOWLETCTL' --version | grep -qE '^flowletctl [0-9]+\.[0-9]+'"
	for cmd in status "stats s1-eth1" "attach s1-eth1 ${P2[*]}" "exporter"; do
		rejects "$cmd without root" "${cmd%% *}: needs root \\(or CAP_BPF and CAP_NET_ADMIN\\)" \
			setpriv --reuid=nobody --regid=nogroup --clear-groups "$FLOWLETCTL" $cmd
	done
	check "attach --help needs no root" setpriv --reuid=nobody --regid=nogroup \
		--clear-groups "$FLOWLETCTL" attach --help
	rejects "no command" "usage" bash -c "'$FLOWLETCTL' 2>&1 >/dev/null | head -1 >&2; exit 2"
	rejects "unknown command" "unknown command 'frob'" ctl frob
	rejects "unknown global option" "unknown option '--frob'" ctl --frob stats s1-eth1

}

# one command table: --help, the man page, the completion, the docs
test_command_table() {
	check "docs check: every option a synopsis names is a row, every row has help" "$FLOWLETCTL" docs check
	# What scripts read: the modes of --help, attach's default timeout.
	check "docs json: the modes of --help and the default timeout (auto, and its value until measured) attach --help prints" \
		/usr/bin/python3 -c '
import json, re, subprocess, sys
ctl = sys.argv[1]
d = json.loads(subprocess.run([ctl, "docs", "json"], capture_output=True,
                              text=True, check=True).stdout)
helps = subprocess.run([ctl, "--help"], capture_output=True, text=True).stdout
modes = re.findall(r"^  (\w+) ", helps.split("Modes:\n")[1].split("Hooks:")[0], re.M)
attach = subprocess.run([ctl, "attach", "--help"], capture_output=True, text=True).stdout
timeout = re.search(r"--timeout DURATION\|auto [^(]*auto \(the default\)[^(]*\((\d+)ms until",
                    re.sub(r"\s+", " ", attach)).group(1)
assert d["modes"] == modes, (d["modes"], modes)
assert d["default_timeout"] == "auto", d["default_timeout"]
assert d["default_timeout_ns"] == int(timeout) * 1000000, timeout
assert set(d["flowlet_modes"]) == {"flowlet", "letflow", "leastload", "share"}, d["flowlet_modes"]
assert d["exit_statuses"] == {"OK": 0, "FAIL": 1, "USAGE": 2}, d["exit_statuses"]
assert [c["name"] for c in d["commands"]][0] == "attach"' "$FLOWLETCTL"
	# docs/flowletctl.md's generated block (as make docs finds it).
	readme_block() {
		/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[2]); import readme_cli; t = open(sys.argv[1]).read(); a, b = readme_cli.generated_region(t); print(t[a:b], end="")' "$ROOT/docs/flowletctl.md" "$ROOT/scripts"
	}
	if diff <("$FLOWLETCTL" docs readme) <(readme_block) >"$ERR"; then
		ok "docs/flowletctl.md's command reference is the table's (flowletctl docs readme)"
	else
		fail "docs/flowletctl.md's command reference drifted from the table (make docs): $(head -c 300 "$ERR")"
	fi
	man_sections=$(MANWIDTH=100 man -l "$ROOT/flowletctl.8" 2>/dev/null | sed -n 's/^   \([a-z]*\)$/\1/p' | tr '\n' ' ')
	table=$("$FLOWLETCTL" --help | sed -n 's/^flowletctl \([a-z]*\) .*/\1/p' | grep -v '^$' | tr '\n' ' ')
	check "man ./flowletctl.8 has a section per command of --help: $man_sections" \
		test "$man_sections" = "$table"
	complete_words() {
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _flowletctl; echo "${COMPREPLY[*]}"' \
			- "$ROOT/build/flowletctl.bash" "$@"
	}
	check "completion: commands" test "$(complete_words flowletctl ex)" = exporter
	check "completion: a command's options" test "$(complete_words flowletctl attach --ho)" = --hook
	check "completion: modes" test "$(complete_words flowletctl set lo --mode le)" = "letflow leastload"
	check "completion: hooks" test "$(complete_words flowletctl stats lo --hook tc-e)" = tc-egress
	check "completion: interface names" test "$(complete_words flowletctl flows l)" = lo
	check "completion: --path DEV@" test "$(complete_words flowletctl attach lo --path l)" = lo@

}

# attach: bad arguments
test_attach_bad_args() {
	rejects "unknown option" "unknown option '--frobnicate'" \
		ctl attach s1-eth1 "${P2[@]}" --frobnicate
	rejects "option without value" "'--mode' needs a value" \
		ctl attach s1-eth1 "${P2[@]}" --mode
	rejects "missing IFACE" "missing IFACE" ctl attach "${P2[@]}"
	rejects "two IFACEs" "unexpected argument 's1-eth2'" \
		ctl attach s1-eth1 s1-eth2 "${P2[@]}"
	rejects "unknown interface" "interface 'nosuch0' not found" \
		ctl attach nosuch0 "${P2[@]}"
	rejects "missing --path" "give the paths: --path DEV@NEXTHOP ..., --from-route PREFIX or --from-routes" \
		ctl attach s1-eth1
	rejects "--path and --from-route" "come from one or the other" \
		ctl attach s1-eth1 "${P2[@]}" --from-route 10.0.6.0/24
	rejects "--weights and --from-route" "the route's weights are used" \
		ctl attach s1-eth1 --from-route 10.0.6.0/24 --weights 1,1
	rejects "--table without --from-route" "--table is for --from-route" \
		ctl attach s1-eth1 "${P2[@]}" --table 7
	rejects "--from-route with a bad prefix" "bad prefix '10.0.6.0'" \
		ctl attach s1-eth1 --from-route 10.0.6.0
	rejects "--from-route with a bad table" "bad --table 'main'" \
		ctl attach s1-eth1 --from-route 10.0.6.0/24 --table main
	rejects "--from-route without such a route" \
		"route 10.9.9.0/24 in table 254: no such route" \
		ctl attach s1-eth1 --from-route 10.9.9.0/24
	rejects "--from-route in another table" \
		"route 10.0.6.0/24 in table 7: no such route" \
		ctl attach s1-eth1 --from-route 10.0.6.0/24 --table 7
	on s1 ip route add blackhole 10.9.8.0/24
	rejects "--from-route of a blackhole route" "not a unicast route through gateways" \
		ctl attach s1-eth1 --from-route 10.9.8.0/24
	on s1 ip route add 10.9.7.0/24 dev s1-eth2
	rejects "--from-route of a device route" "not a unicast route through gateways" \
		ctl attach s1-eth1 --from-route 10.9.7.0/24
	on s1 ip route add 10.9.6.0/24 via 10.0.1.1 dev s1-eth1
	rejects "--from-route through the ingress interface" \
		"the route leaves through the ingress interface s1-eth1" \
		ctl attach s1-eth1 --from-route 10.9.6.0/24
	rejects "--path without @" "bad --path 's1-eth2'" \
		ctl attach s1-eth1 --path s1-eth2
	rejects "--path with a bad address" "bad --path 's1-eth2@10.1.1'" \
		ctl attach s1-eth1 --path s1-eth2@10.1.1
	rejects "--path without a device" "bad --path '@10.1.1.2'" \
		ctl attach s1-eth1 --path @10.1.1.2
	rejects "--path on an unknown device" "interface 'nosuch1' not found" \
		ctl attach s1-eth1 --path nosuch1@10.1.1.2
	rejects "--path given twice" "given twice" \
		ctl attach s1-eth1 --path s1-eth2@10.1.1.2 --path s1-eth2@10.1.1.2
	rejects "--path on the ingress interface" "is an ingress interface" \
		ctl attach s1-eth1 --path s1-eth1@10.0.1.1
	many=()
	for i in $(seq 17); do many+=(--path "s1-eth2@10.1.1.$i"); done
	rejects "17 paths" "more than 16 --path" ctl attach s1-eth1 "${many[@]}"
	rejects "unknown mode" "unknown mode 'fast'" \
		ctl attach s1-eth1 "${P2[@]}" --mode fast
	rejects "all weights zero" "no usable path: every path is down or has weight 0" \
		ctl attach s1-eth1 "${P2[@]}" --weights 0,0
	rejects "negative weight" "bad --weights '-1,1'" \
		ctl attach s1-eth1 "${P2[@]}" --weights=-1,1
	rejects "weight over 255" "bad --weights '1,256'" \
		ctl attach s1-eth1 "${P2[@]}" --weights 1,256
	rejects "too many weights" "more than 16 weights" \
		ctl attach s1-eth1 "${P2[@]}" --weights "$(seq -s, 17)"
	rejects "weights not matching paths" "3 weights for 2 paths" \
		ctl attach s1-eth1 "${P2[@]}" --weights 1,2,3
	rejects "weights over the slot table" "weights add up to 300" \
		ctl attach s1-eth1 "${P2[@]}" --weights 200,100
	rejects "duration without unit" "bad --timeout '50'" \
		ctl attach s1-eth1 "${P2[@]}" --timeout 50
	rejects "duration with a bad unit" "bad --timeout '5x'" \
		ctl attach s1-eth1 "${P2[@]}" --timeout 5x
	rejects "negative duration" "bad --timeout '-5ms'" \
		ctl attach s1-eth1 "${P2[@]}" --timeout=-5ms
	rejects "zero duration" "bad --timeout '0ms'" \
		ctl attach s1-eth1 "${P2[@]}" --timeout 0ms
	rejects "prefix length 33" "bad prefix '10.0.6.0/33'" \
		ctl attach s1-eth1 "${P2[@]}" --prefix 10.0.6.0/33
	rejects "prefix with host bits" "bits set beyond the prefix length" \
		ctl attach s1-eth1 "${P2[@]}" --prefix 10.0.6.1/24
	rejects "prefix without length" "bad prefix '10.0.6.0'" \
		ctl attach s1-eth1 "${P2[@]}" --prefix 10.0.6.0
	rejects "bad xdp mode" "bad --xdp-mode 'turbo'" \
		ctl attach s1-eth1 "${P2[@]}" --xdp-mode turbo
	rejects "bad flow table size" "bad --flow-table '0'" \
		ctl attach s1-eth1 "${P2[@]}" --flow-table 0
	rejects "bad hash seed" "bad --seed '4294967296'" \
		ctl attach s1-eth1 "${P2[@]}" --seed 4294967296
	rejects "unknown hook" "--hook: unknown hook 'tc' \\(xdp, tc-ingress or tc-egress\\)" \
		ctl attach s1-eth1 "${P2[@]}" --hook tc
	rejects "--xdp-mode with a TC hook" "--xdp-mode is for --hook xdp" \
		ctl attach s1-eth1 "${P2[@]}" --hook tc-egress --xdp-mode native
	rejects "stats with an unknown hook" "--hook: unknown hook 'egress'" \
		ctl stats s1-eth1 --hook egress
	rejects "stats at a hook without flowlet" \
		"s1-eth1: flowlet is not attached at tc-egress" ctl stats s1-eth1 --hook tc-egress
	rejects "bad telemetry switch" "bad --telemetry 'maybe': expected on or off" \
		ctl attach s1-eth1 "${P2[@]}" --telemetry maybe
	rejects "unresolvable next hop" \
		"cannot resolve next hop 10.1.1.99 on s1-eth2: no neighbour answered within 3000ms" \
		ctl attach s1-eth1 --path s1-eth2@10.1.1.99
	rejects "next hop on another interface's subnet" \
		"next hop 10.1.2.2 is not on s1-eth2's subnet: it is on s1-eth3's" \
		ctl attach s1-eth1 --path s1-eth2@10.1.2.2
	rejects "next hop on no subnet here" \
		"next hop 192.0.2.1 is not on s1-eth2's subnet \(nor on any other interface's here\)" \
		ctl attach s1-eth1 --path s1-eth2@192.0.2.1

}

# another XDP program is there
test_other_xdp() {
	on s1 ip link set dev s1-eth1 xdpgeneric obj "$ROOT/build/xdp_pass.bpf.o" sec xdp
	ctl attach s1-eth1 "${P2[@]}" >/dev/null 2>"$ERR"
	status=$?
	if [ $status -ne 0 ] && grep -q "already runs xdp program 'other_xdp' (id [0-9]*): an interface runs one XDP program; attach with --hook tc-ingress" "$ERR" &&
		on s1 ip -d link show dev s1-eth1 | grep -q 'name other_xdp'; then
		ok "another XDP program is refused and left in place: $(cat "$ERR")"
	else
		fail "another XDP program: status $status, $(cat "$ERR")"
	fi
	ATTACHED=1
	rejects "stats on another program" "is 'other_xdp'.*not flowlet" ctl stats s1-eth1
	ATTACHED=0
	on s1 ip link set dev s1-eth1 xdpgeneric off

}

# flowlet of another version (another map layout) is there
test_other_version() {
	on s1 ip link set dev s1-eth1 xdpgeneric obj "$ROOT/build/flowlet_other_layout.bpf.o" sec xdp 2>/dev/null
	ATTACHED=1
	rejects "stats on flowlet of another version" \
		"maps of another version; attach again with this flowletctl" ctl stats s1-eth1
	ATTACHED=0
	if ctl attach s1-eth1 "${P2[@]}" --xdp-mode generic >/dev/null 2>"$ERR" &&
		grep -q "replacing flowlet prog .* of another version: its flows and counters are not kept" "$ERR" &&
		ctl stats s1-eth1 >/dev/null; then
		ok "attach replaces flowlet of another version: $(cat "$ERR")"
	else
		fail "attach over flowlet of another version: $(cat "$ERR")"
	fi
	ctl detach s1-eth1 >/dev/null 2>&1
	on s1 ip link set dev s1-eth1 xdpgeneric off

}

# --seed fixes the flow hash's seed (runs that must repeat); a
# re-attach without it keeps the instance's
test_seed() {
	hash_seed() { ctl stats s1-eth1 --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["hash_seed"])'; }
	ctl attach s1-eth1 "${P2[@]}" --seed 4000000007 >/dev/null && seeded=$(hash_seed)
	ctl attach s1-eth1 "${P2[@]}" >/dev/null && kept=$(hash_seed)
	check "attach --seed 4000000007 sets the hash seed ($seeded), a re-attach keeps it ($kept)" \
		test "${seeded:-}" = 4000000007 -a "${kept:-}" = 4000000007
	ctl detach s1-eth1 >/dev/null 2>&1

}

# --telemetry: attach without it, set it on again; stats shows the
# switch, and the histograms only when it is on
test_telemetry() {
	telemetry() { ctl stats s1-eth1 --json | /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["telemetry"], sorted(d.get("histograms", {})))'; }
	ctl attach s1-eth1 "${P2[@]}" --telemetry off >/dev/null && off=$(telemetry)
	ctl set s1-eth1 --telemetry on >/dev/null && on=$(telemetry)
	check "attach --telemetry off: '$off'; set --telemetry on: '$on'" \
		test "${off:-}" = "False []" -a \
		"${on:-}" = "True ['flowlet_bytes', 'flowlet_packets', 'gaps']"
	ctl detach s1-eth1 >/dev/null 2>&1

}

# commands without an instance
test_no_instance() {
	for cmd in stats flows detach watch; do
		rejects "$cmd without an instance" "s1-eth1: flowlet is not attached" \
			ctl $cmd s1-eth1
	done
	rejects "set without an instance" "s1-eth1: flowlet is not attached" \
		ctl set s1-eth1 --mode ecmp
	rejects "stats on an unknown interface" "interface 'nosuch0' not found" \
		ctl stats nosuch0
	check "status without instances says so" bash -c \
		"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' status | grep -q 'no flowlet instance'"

}

# set: bad values leave the running config alone
test_set_bad_values() {
	if ctl attach s1-eth1 "${P2[@]}" --prefix 10.0.6.0/24 >/dev/null 2>&1; then
		ATTACHED=1
		rejects_set() {
			local what=$1 pattern=$2
			shift 2
			if ctl set s1-eth1 "$@" >/dev/null 2>"$ERR"; then
				fail "set $what: exit status 0"
			elif [ "$(wc -l <"$ERR")" -ne 1 ] || ! grep -qE -- "$pattern" "$ERR"; then
				fail "set $what: $(cat "$ERR")"
			elif ! stats_true s1 s1-eth1 '(d["mode"], d["timeout_ns"]) == ("flowlet", 50000000)'; then
				fail "set $what: the config changed"
			else
				ok "set $what: $(cat "$ERR")"
			fi
		}
		rejects_set "with nothing to change" "nothing to change"
		rejects_set "with a bad mode" "unknown mode 'x'" --mode x
		rejects_set "with weights not matching paths" "1 weights for 2 paths" \
			--mode ecmp --weights 5
		rejects_set "with a bad timeout" "bad --timeout" --timeout 1h
		rejects_set "with weights over the slot table" "weights add up to 510" \
			--weights 255,255
		rejects_set "with every weight 0" "no usable path" --weights 0,0
		rejects "watch with a second IFACE" "unexpected argument 's1-eth2'" \
			ctl watch s1-eth1 s1-eth2
		rejects "watch with an unknown option" "unknown option '--frob'" \
			ctl watch s1-eth1 --frob
		rejects "stats with a bad --watch" "bad --watch '0'" ctl stats s1-eth1 --watch 0
		rejects "flows with a bad --limit" "bad --limit 'x'" ctl flows s1-eth1 --limit x
		check "stats --json is one JSON object" \
			stats_true s1 s1-eth1 'd["iface"] == "s1-eth1" and len(d["paths"]) == 2'
		check "status --json lists the instance" bash -c \
			"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' status --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert [i[\"iface\"] for i in d[\"instances\"]]==[\"s1-eth1\"]'"
		rejects "attach with a different xdp mode on a live instance" \
			"runs in native XDP mode" \
			bash -c "ip netns exec ${UNIQ}s1 '$FLOWLETCTL' attach s1-eth1 ${P2[*]} --xdp-mode generic; s=\$?; ip netns exec ${UNIQ}s1 '$FLOWLETCTL' detach s1-eth1 >/dev/null; exit \$s"
		ATTACHED=0
	else
		fail "attach for the set tests"
	fi

}

# generic XDP, and stats --watch
test_generic_xdp() {
	if ctl attach s1-eth1 "${P2[@]}" --prefix 10.0.6.0/24 --xdp-mode generic --mode spray >/dev/null 2>"$ERR"; then
		check "generic XDP: ping h1 -> h2" on h1 ping -c 4 -i 0.1 -W 1 $H2
		check "generic XDP: stats shows the mode and the spray split" \
			stats_true s1 s1-eth1 'd["xdp_mode"] == "generic" and [p["packets"] for p in d["paths"]] == [2, 2]'
		# --watch prints a rate block per second until interrupted: wait (up
		# to 30s) for two, then interrupt it.
		WATCH=$(mktemp)
		on_exit rm -f "$WATCH"
		# (not through on(): $! must be flowletctl itself, not a subshell)
		ip netns exec "${UNIQ}s1" "$FLOWLETCTL" stats s1-eth1 --watch 1 >"$WATCH" 2>&1 &
		watcher=$!
		on_exit kill $watcher
		wait_until 30 bash -c "[ \$(grep -c 'PKT/S' '$WATCH') -ge 2 ]"
		kill -INT $watcher
		wait $watcher
		status=$?
		check "stats --watch 1 repeats with rates until interrupted (exit $status, $(grep -c 'PKT/S' "$WATCH") blocks)" \
			test $status -eq 0 -a "$(grep -c 'PKT/S' "$WATCH")" -ge 2
		ctl detach s1-eth1 >/dev/null
	else
		fail "attach in generic mode: $(cat "$ERR")"
	fi

}

# a path whose veth peer cannot take redirected frames
test_peer_without_gro() {
	on s3 ethtool -K s3-eth1 gro off >/dev/null
	if ctl attach s1-eth1 "${P2[@]}" --prefix 10.0.6.0/24 --mode spray >/dev/null 2>"$ERR"; then
		check "attach warns about the path without GRO on its peer" \
			grep -q "path 1 (s1-eth3) does not accept redirected frames.*ethtool -K PEER gro on" "$ERR"
		check "attach does not warn about the good path" \
			bash -c "! grep -q 's1-eth2' '$ERR'"
		on h1 ping -c 4 -i 0.1 -W 1 $H2 >/dev/null
		check "stats counts the frames that path lost" stats_true s1 s1-eth1 \
			'd["paths"][1]["tx_failed"] == d["paths"][1]["packets"] == 2 and d["paths"][0]["tx_failed"] == 0 and d["paths"][1]["accepts_redirects"] == 0'
		check "stats prints what to do about it" bash -c \
			"ip netns exec ${UNIQ}s1 '$FLOWLETCTL' stats s1-eth1 | grep -q 'warning: path 1 (s1-eth3) does not accept redirected frames.*ethtool -K PEER gro on'"
		ctl detach s1-eth1 >/dev/null
	else
		fail "attach with a GRO-less peer: $(cat "$ERR")"
	fi

}

# flowlet-send
test_flowlet_send() {
	rejects "flowlet-send: bad destination" "bad DST 'nowhere'" "$SEND" nowhere 1 0
	rejects "flowlet-send: bad count" "bad N '0'" "$SEND" $H2 0 0.1
	rejects "flowlet-send: bad pause" "bad PAUSE '1parsec'" "$SEND" $H2 1 1parsec
	rejects "flowlet-send: bad port" "bad --sport '70000'" "$SEND" --sport 70000 $H2 1 0

}

# the first hour: make topo's options, a LICENSE for the SPDX lines
test_first_hour() {
	check "make topo passes ARGS to the topology" bash -c \
		"make -s -n -C '$ROOT' topo ARGS='--paths 2 --weights 7,3' | grep -q 'topo/seed.py --paths 2 --weights 7,3'"
	check "topo/seed.py runs from any directory (--help)" bash -c \
		"cd / && /usr/bin/python3 '$ROOT/topo/seed.py' --help | grep -q -- '--topo {seed,tunnels}'"
	check "LICENSE is the GPL-2.0 the SPDX lines name" bash -c \
		"grep -q 'GNU GENERAL PUBLIC LICENSE' '$ROOT/LICENSE' && grep -q 'Version 2, June 1991' '$ROOT/LICENSE' &&
	 ! grep -rhL 'SPDX-License-Identifier: GPL-2.0' '$ROOT'/bpf/*.[ch] '$ROOT'/loader/*.[ch] '$ROOT'/loader/lib/*.[ch] '$ROOT'/include/*.h | grep -q ."

}

# the FRR configs the fabric generator writes for real routers
test_frr_configs() {
	FRRGEN="/usr/bin/python3 $ROOT/topo/flowlet_frr.py"
	frr_accepts() {
		local conf
		conf=$(mktemp)
		$FRRGEN "$@" >"$conf" && vtysh -C -f "$conf" >/dev/null 2>&1
		local status=$?
		rm -f "$conf"
		return $status
	}
	if command -v vtysh >/dev/null; then
		check "FRR accepts the generated config of a fabric leaf (vtysh --dryrun)" \
			frr_accepts --fabric 2,2,1 --node lf1
		check "FRR accepts a generated config for a router given by hand, with BFD" \
			frr_accepts --asn 65101 --router-id 10.255.2.1 --neighbor 172.16.1.0:65000 \
			--neighbor 172.16.2.0:65000 --network 10.1.1.0/24 --bfd --hostname leaf1
		check "FRR accepts the configs of a dual-stack fabric's leaf and spine" bash -c \
			"$(declare -f frr_accepts); FRRGEN='$FRRGEN'; frr_accepts --fabric 2,2,1 --family dual --node lf1 &&
			 frr_accepts --fabric 2,2,1 --family ipv6 --node sp2"
		check "FRR accepts an unnumbered dual-stack router given by hand" \
			frr_accepts --asn 65101 --router-id 10.255.2.1 --unnumbered eth1:65000 \
			--unnumbered eth2:65000 --network 10.1.1.0/24 --network 2001:db8:1::/64
		check "whose IPv6 prefix is announced in IPv6 unicast, over both sessions" bash -c \
			"$FRRGEN --asn 65101 --router-id 10.255.2.1 --unnumbered eth1:65000 --unnumbered eth2:65000 \
			 --network 10.1.1.0/24 --network 2001:db8:1::/64 |
			 sed -n '/address-family ipv6 unicast/,/exit-address-family/p' | tr -s ' \n' ' ' |
			 grep -qx ' address-family ipv6 unicast neighbor eth1 activate neighbor eth2 activate network 2001:db8:1::/64 maximum-paths 64 exit-address-family '"
	else
		skip "FRR's vtysh is not installed: generated configs not checked"
	fi
	for bad in "--asn 65001" "--fabric 2,2 --node lf1" "--fabric 2,2,1 --node lf9" \
		"--asn 1 --router-id 10.0.0.1 --neighbor 172.16.1.0" \
		"--asn 1 --router-id 10.0.0.1 --unnumbered eth1" \
		"--asn 1 --router-id 10.0.0.1 --unnumbered eth1:65000 --network 10.1.1.0/33" \
		"--fabric 2,2,1 --family ipv5 --node lf1"; do
		# shellcheck disable=SC2086 # the arguments of one bad call
		err=$($FRRGEN $bad 2>&1 >/dev/null)
		check "flowlet_frr.py $bad: refused in one line ($(tail -1 <<<"$err"))" \
			bash -c "! $FRRGEN $bad >/dev/null 2>&1 && [ \"\$($FRRGEN $bad 2>&1 | grep -c error)\" = 1 ]"
	done
}

# units_check: systemd accepts the installed units (their flowletctl
# pointed at the installed one), if systemd-analyze is here.
units_check() {
	local units dir=$DEST/usr/local/lib/systemd/system
	if ! command -v systemd-analyze >/dev/null; then
		skip "systemd-analyze verify: not installed here"
		return
	fi
	units=$(mktemp -d)
	sed "s#/usr/local/sbin#$DEST/usr/local/sbin#g" "$dir/flowlet@.service" >"$units/flowlet@lo.service"
	sed "s#/usr/local/sbin#$DEST/usr/local/sbin#g" "$dir/flowlet-exporter.service" >"$units/flowlet-exporter.service"
	check "systemd-analyze verify accepts the installed units: $(systemd-analyze verify --man=no "$units"/* 2>&1 | head -c 200)" \
		systemd-analyze verify --man=no "$units/flowlet@lo.service" "$units/flowlet-exporter.service"
	rm -rf "$units"
}

# unit_commands UNIT: runs flowlet@s1-eth1's ExecStartPre (attach, with
# the default FLOWLET_ATTACH), ExecStart (watch, ended by SIGTERM after it
# watches) and ExecStopPost (detach) in s1, as systemd would.
unit_commands() {
	local watch out status
	cmd() { unit_command "$2" "$1" s1-eth1 "$DEST/usr/local/sbin"; }
	on s1 ip route replace 10.0.9.0/24 nexthop via 10.1.1.2 nexthop via 10.1.2.2
	# shellcheck disable=SC2046 # the unit's command line, split as systemd does
	on s1 $(cmd ExecStartPre "$1") >/dev/null 2>&1 || return 1
	out=$(mktemp)
	# shellcheck disable=SC2046
	ip netns exec "${UNIQ}s1" $(cmd ExecStart "$1") >"$out" 2>&1 &
	watch=$!
	wait_until 30 grep -q watching "$out"
	kill "$watch"
	wait "$watch"
	status=$?
	# shellcheck disable=SC2046
	on s1 $(cmd ExecStopPost "$1") >/dev/null 2>&1 || return 1
	on s1 ip route del 10.0.9.0/24
	grep -q watching "$out" && rm -f "$out" && [ "$status" = 0 ] &&
		! ip -n "${UNIQ}s1" link show s1-eth1 | grep -q xdp
}

# make install into a tree that works copied to /; make uninstall
test_install() {
	DEST=$(mktemp -d)
	on_exit rm -rf "$DEST"
	if make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr/local >/dev/null 2>"$ERR"; then
		files=$(cd "$DEST" && find . -type f | sort | tr '\n' ' ')
		check "make install lays out flowletctl, flowlet-send, the man pages, the completion, the Python modules and the systemd units: $files" \
			test "$files" = "./usr/local/bin/flowlet-send ./usr/local/lib/python3/dist-packages/flowlet_frr.py ./usr/local/lib/python3/dist-packages/flowlet_mininet.py ./usr/local/lib/python3/dist-packages/flowlet_plan.py ./usr/local/lib/python3/dist-packages/flowlet_routes.py ./usr/local/lib/python3/dist-packages/flowlet_topos.py ./usr/local/lib/systemd/system/flowlet-exporter.service ./usr/local/lib/systemd/system/flowlet@.service ./usr/local/sbin/flowletctl ./usr/local/share/bash-completion/completions/flowletctl ./usr/local/share/man/man1/flowlet-send.1 ./usr/local/share/man/man8/flowletctl.8 "
		units_check
		check "the installed unit's commands attach, watch and detach (flowlet@s1-eth1, default options)" \
			unit_commands "$DEST/usr/local/lib/systemd/system/flowlet@.service"
		check "the installed flowletctl attaches from / (its BPF object is inside it)" bash -c \
			"cd / && ip netns exec ${UNIQ}s1 '$DEST/usr/local/sbin/flowletctl' attach s1-eth1 ${P2[*]} >/dev/null 2>&1 &&
		 ip netns exec ${UNIQ}s1 '$DEST/usr/local/sbin/flowletctl' detach s1-eth1 >/dev/null"
		check "the installed man page renders" bash -c \
			"man -l '$DEST/usr/local/share/man/man8/flowletctl.8' 2>/dev/null | grep -q 'flowlet switching at XDP or TC'"
		check "the installed Mininet module finds the installed binaries and the modes" bash -c \
			"cd / && PATH='$DEST/usr/local/sbin:$DEST/usr/local/bin':\$PATH PYTHONPATH='$DEST/usr/local/lib/python3/dist-packages' /usr/bin/python3 -c 'import flowlet_mininet as f; assert f.FLOWLETCTL == \"$DEST/usr/local/sbin/flowletctl\" and f.MODES[0] == \"flowlet\", (f.FLOWLETCTL, f.MODES)'"
		make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr/local >/dev/null
		check "make uninstall removes every file" test -z "$(find "$DEST" -type f)"
	else
		fail "make install: $(head -c 300 "$ERR")"
	fi

}

# make deb: the package lintian passes, its files, its dependencies, and
# the extracted flowletctl at work.
DEB_FILES="./etc/flowlet/IFACE.conf ./etc/flowlet/exporter.conf \
./lib/systemd/system/flowlet-exporter.service ./lib/systemd/system/flowlet@.service \
./usr/bin/flowlet-send ./usr/lib/python3/dist-packages/flowlet_frr.py \
./usr/lib/python3/dist-packages/flowlet_mininet.py ./usr/lib/python3/dist-packages/flowlet_plan.py \
./usr/lib/python3/dist-packages/flowlet_routes.py ./usr/lib/python3/dist-packages/flowlet_topos.py \
./usr/sbin/flowletctl ./usr/share/bash-completion/completions/flowletctl \
./usr/share/doc/flowlet/changelog.gz ./usr/share/doc/flowlet/copyright ./usr/share/lintian/overrides/flowlet \
./usr/share/man/man1/flowlet-send.1.gz ./usr/share/man/man8/flowletctl.8.gz"
test_deb() {
	local deb root version
	if ! make -s -C "$ROOT" deb >"$ERR.deb" 2>"$ERR"; then
		fail "make deb: $(tail -c 400 "$ERR")"
		return
	fi
	on_exit rm -f "$ERR.deb"
	deb=$(tail -1 "$ERR.deb")
	version=$(sed -n '1s/^flowlet (\([^)]*\)).*/\1/p' "$ROOT/debian/changelog")
	check "make deb builds $(basename "$deb"), which lintian passes (its overrides say why)" \
		test "$deb" = "$ROOT/build/deb/flowlet_${version}_$(dpkg --print-architecture).deb" -a -f "$deb"
	# shellcheck disable=SC2086 # the list, split into its words
	check "it holds the tool, its man pages and completion, the units, the Python modules and the example configs" \
		test "$(dpkg -c "$deb" | awk '$6 !~ /\/$/ {print $6}' | sort | tr '\n' ' ')" = "$(printf '%s ' $DEB_FILES)"
	check "nothing from build/, tests or experiments" bash -c "! dpkg -c '$deb' | grep -qE 'build/|tests|experiments'"
	check "the configs in /etc are conffiles" bash -c \
		"dpkg-deb -I '$deb' conffiles | sort | tr '\n' ' ' | grep -qx '/etc/flowlet/IFACE.conf /etc/flowlet/exporter.conf '"
	check "it depends on runtime libraries only: $(dpkg-deb -f "$deb" Depends)" bash -c \
		"dpkg-deb -f '$deb' Depends | tr ',' '\n' | sed 's/ (.*//; s/^ //' | grep -vqE '^lib[a-z0-9.+-]*[0-9]\$' && exit 1 || exit 0"
	root=$(mktemp -d)
	on_exit rm -rf "$root"
	dpkg -x "$deb" "$root"
	check "the extracted flowletctl runs: --help" "$root/usr/sbin/flowletctl" --help
	check "one version: the package's, flowletctl --version's and the man page's ($version)" bash -c \
		"'$root/usr/sbin/flowletctl' --version | grep -q '^flowletctl $version ' &&
		 zcat '$root/usr/share/man/man8/flowletctl.8.gz' | grep -q '^.TH .*\"flowlet $version\"' &&
		 dpkg-deb -f '$deb' Version | grep -qx '$version'"
	check "the extracted flowletctl attaches, shows and detaches in a namespace" bash -c \
		"cd / && ip netns exec ${UNIQ}s1 '$root/usr/sbin/flowletctl' attach s1-eth1 ${P2[*]} >/dev/null &&
		 ip netns exec ${UNIQ}s1 '$root/usr/sbin/flowletctl' stats s1-eth1 | grep -q '^s1-eth1: flowlet' &&
		 ip netns exec ${UNIQ}s1 '$root/usr/sbin/flowletctl' detach s1-eth1 >/dev/null"
}

run_tests "$@"
