# flowlet: `make` builds ./flowletctl and ./flowlet-send (and names the
# Debian packages it lacks: `make deps` installs them); `make test` runs
# every suite, `make stress` the long runs, `make bench` measures; those
# and the other run targets install what they need. V=1 shows the
# commands.

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
OUT     := build

BUILD_DEPS := clang llvm gcc make libbpf-dev bpftool libelf-dev zlib1g-dev \
	      linux-libc-dev pkg-config libmnl-dev libpcap-dev libmicrohttpd-dev \
	      libncurses-dev scdoc
# make deb's: debhelper builds the package, lintian checks it.
DEB_DEPS   := debhelper dpkg-dev lintian build-essential
TEST_DEPS  := iproute2 iperf3 ethtool iputils-ping clang-format python3 \
	      mininet prometheus curl tmux man-db frr $(DEB_DEPS)
DEMO_DEPS  := mininet iperf3 ethtool python3-matplotlib tcpdump frr
# make bench's NFQUEUE forwarder (bench/nfq.c): this kernel queues to user
# space through xtables only, hence iptables (its legacy backend).
BENCH_DEPS := libnetfilter-queue-dev iptables
# The run targets install their packages first, then build in a second
# make: `all` checks the build packages, which must be there by then (with
# -j too).
BUILD := $(MAKE) --no-print-directory

ARCH_INCLUDE := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
WARN    := -Wall -Wextra -Werror
# -MMD -MP: each object's header dependencies, in build/**/*.d; every
# object depends on this Makefile too (its flags).
DEPFLAGS := -MMD -MP
# The version, in one place: debian/changelog's newest entry (flowletctl
# --version, the man pages, the package).
VERSION := ${shell sed -n '1s/^flowlet (\([^)]*\)).*/\1/p' debian/changelog}
# EXTRA_CFLAGS, EXTRA_LDFLAGS: more flags for user space (the package's
# hardening, from debian/rules).
CFLAGS  := -std=gnu11 -O2 -g $(WARN) $(DEPFLAGS) -Iinclude -I$(OUT) -Iloader \
	   -Iloader/lib -Itests -DFLOWLET_VERSION='"$(VERSION)"' $(EXTRA_CFLAGS)
# -mcpu=v3: atomic fetch-and-add (spray's shared cursor).
BPF_CFLAGS := -std=gnu11 -O2 -g -target bpf -mcpu=v3 $(WARN) $(DEPFLAGS) \
	      -Iinclude -I$(ARCH_INCLUDE)
# libmnl: all of our netlink (loader/lib/nl.c); libpcap: replay's traces;
# libmicrohttpd: the exporter's HTTP server; ncurses: top's screen.
LDLIBS  := -lbpf -lmnl -lpcap -lmicrohttpd -lncurses -lelf -lz

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# loader/lib: the library (instances, configs, netlink) that flowletctl's
# commands (loader/*.c) and the unit tests use.
LIB_SRCS    := $(wildcard loader/lib/*.c)
CMD_SRCS    := $(wildcard loader/*.c)
LIB_OBJS    := $(patsubst loader/lib/%.c,$(OUT)/lib/%.o,$(LIB_SRCS))
CMD_OBJS    := $(patsubst loader/%.c,$(OUT)/%.o,$(CMD_SRCS))
# The library's objects that embed the BPF object (its skeleton).
SKEL_USERS  := attach instance replay
LINK         = $(call msg,LINK,$@) $(CC) $(CFLAGS) $(EXTRA_LDFLAGS) $^ $(LDLIBS) -o $@
# Every C file clang-format checks.
FORMAT_SRCS := $(wildcard bpf/*.[ch] loader/*.[ch] loader/lib/*.[ch] \
		 include/*.h tests/*.[ch] tests/unit/*.[ch] tools/*.c \
		 bench/*.[ch])

.PHONY: experiments experiments-quick
.PHONY: install uninstall docs test-build deb
.PHONY: all check-deps deps test-deps demo-deps bench-deps test stress demo topo fabric clean format \
	check-format bench bench-quick
.DELETE_ON_ERROR:
.SECONDARY:

all: check-deps flowletctl flowlet-send flowletctl.8 flowlet-send.1 \
	$(OUT)/flowletctl.bash

check-deps:
	$(Q)scripts/deps.sh --check $(BUILD_DEPS)

deps:
	$(Q)scripts/deps.sh $(BUILD_DEPS)

test-deps: deps
	$(Q)scripts/deps.sh $(TEST_DEPS)

demo-deps: deps
	$(Q)scripts/deps.sh $(DEMO_DEPS)

bench-deps: demo-deps
	$(Q)scripts/deps.sh $(BENCH_DEPS)

$(OUT):
	$(Q)mkdir -p $@

$(OUT)/flowlet.bpf.o: bpf/flowlet.bpf.c Makefile | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# flowlet as another version would build it: a different map layout.
$(OUT)/flowlet_other_layout.bpf.o: bpf/flowlet.bpf.c Makefile | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DFLOWLET_SLOTS=128 -c $< -o $@

# flowlet as another build of the same version would be: another program
# (another new-flowlet charge), the same maps. flowletctl-alt attaches it,
# for the hitless re-attach test.
$(OUT)/alt/flowlet.bpf.o: bpf/flowlet.bpf.c Makefile | $(OUT)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(OUT)/alt
	$(Q)$(CLANG) $(BPF_CFLAGS) -DFLOWLET_NEW_FLOWLET_LOAD=16000 -c $< -o $@

$(OUT)/alt/flowlet.skel.h: $(OUT)/alt/flowlet.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name flowlet > $@

$(OUT)/alt/lib/%.o: loader/lib/%.c Makefile $(OUT)/alt/flowlet.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(OUT)/alt/lib
	$(Q)$(CC) -I$(OUT)/alt $(CFLAGS) -c $< -o $@

$(OUT)/alt/flowletctl: $(CMD_OBJS) $(SKEL_USERS:%=$(OUT)/alt/lib/%.o) \
		       $(filter-out $(SKEL_USERS:%=$(OUT)/lib/%.o),$(LIB_OBJS))
	$(Q)$(LINK)

$(OUT)/xdp_pass.bpf.o: tests/xdp_pass.bpf.c Makefile | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/xdp_drop.bpf.o: tests/xdp_pass.bpf.c Makefile | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DVERDICT=XDP_DROP -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .skel.h,,$(notdir $@)) > $@

$(OUT)/lib/%.o: loader/lib/%.c Makefile $(OUT)/flowlet.skel.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(OUT)/lib
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/%.o: loader/%.c Makefile $(OUT)/flowlet.skel.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

flowletctl: $(CMD_OBJS) $(LIB_OBJS)
	$(Q)$(LINK)

# The man page and the bash completion, from flowletctl's command table
# (loader/table.c): `man ./flowletctl.8`.
flowletctl.8: flowletctl
	$(call msg,SCDOC,$@)
	$(Q)./flowletctl docs man | scdoc >$@

$(OUT)/flowletctl.bash: flowletctl | $(OUT)
	$(call msg,GEN,$@)
	$(Q)./flowletctl docs bash >$@

flowlet-send: tools/flowlet_send.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_LDFLAGS) -MF $(OUT)/flowlet-send.d $< -o $@

# Its man page: its --help, the one description of its options.
flowlet-send.1: flowlet-send
	$(call msg,SCDOC,$@)
	$(Q){ printf 'flowlet-send(1) "flowlet $(VERSION)"\n\n# NAME\n\n'; \
	  printf 'flowlet-send - TCP packets of one flow, a pause apart\n\n'; \
	  printf '# SYNOPSIS\n\n```\n'; ./flowlet-send --help; \
	  printf '```\n\n# SEE ALSO\n\n*flowletctl*(8)\n'; } | scdoc >$@

# The unit tests register themselves: every UNIT_TEST(name) line and
# every subtest("name") in its body becomes an entry of unit_tests.h.
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst tests/unit/%.c,$(OUT)/unit/%.o,$(UNIT_SRCS)) \
	     $(OUT)/tap.o
$(OUT)/unit_tests.h: $(UNIT_SRCS) | $(OUT)
	$(call msg,GEN,$@)
	$(Q)sed -n -e '/^UNIT_TEST(/{s/^UNIT_TEST(\([a-z0-9_]*\)).*/\1/;h;s/.*/UNIT_TEST_ENTRY(&)/p;}' \
		-e '/subtest("/{s/.*subtest("\([^"]*\)").*/\1/;G;s/\(.*\)\n\(.*\)/UNIT_SUBTEST_ENTRY(\2, "\1")/p;}' \
		$(UNIT_SRCS) >$@

$(OUT)/unit/harness.o: $(OUT)/unit_tests.h
$(OUT)/unit/%.o: tests/unit/%.c Makefile $(OUT)/flowlet.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(OUT)/unit
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(OUT)/tap.o: tests/tap.c Makefile | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/test_unit: $(UNIT_OBJS) $(LIB_OBJS)
	$(Q)$(LINK) -lm -lpthread

TEST_BUILDS := $(OUT)/test_unit $(OUT)/xdp_pass.bpf.o $(OUT)/xdp_drop.bpf.o \
	       $(OUT)/bench_cost $(OUT)/bench_rate \
	       $(OUT)/flowlet_other_layout.bpf.o $(OUT)/alt/flowletctl

# make test prints only the tests' result lines: what the build and the
# package installation say goes to build/test-build.log (shown if either
# fails).
test:
	$(Q)mkdir -p $(OUT)
	$(Q)$(MAKE) --no-print-directory test-build >$(OUT)/test-build.log 2>&1 || \
		{ cat $(OUT)/test-build.log; exit 1; }
	$(Q)tests/run.sh

test-build: test-deps
	$(Q)$(BUILD) all $(TEST_BUILDS)

# The long runs: 10M fuzzed frames, 100,000 config commits under traffic,
# 10M flows of churn, floods (unit, about half an hour), and a flood of new
# flows against established ones across s1 (tests/stress_flood.sh).
stress: test-deps
	$(Q)$(BUILD) all $(TEST_BUILDS)
	$(Q)tests/run.sh stress

# make bench: flowlet against the floors of bench/floors.bpf.c, the
# kernel's forwarding and an NFQUEUE forwarder; results/bench.json and
# its report, results/BENCH.md.
$(OUT)/floors.bpf.o: bench/floors.bpf.c Makefile | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@

$(OUT)/bench_cost: bench/cost.c $(OUT)/tap.o $(LIB_OBJS) $(OUT)/flowlet.skel.h \
		   $(OUT)/floors.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(OUT)/tap.o $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/gen.bpf.o: bench/gen.bpf.c Makefile | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench_rate: bench/rate.c $(LIB_OBJS) $(OUT)/floors.skel.h \
		   $(OUT)/gen.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/bench_nfq: bench/nfq.c | $(OUT) bench-deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lnetfilter_queue -lnfnetlink -o $@

BENCH_BUILDS := $(OUT)/bench_cost $(OUT)/bench_rate $(OUT)/bench_nfq \
		$(OUT)/xdp_drop.bpf.o

bench: bench-deps
	$(Q)$(BUILD) all $(BENCH_BUILDS)
	$(Q)mkdir -p results
	$(Q)$(OUT)/bench_cost --json results/bench-cost.json --largest
	$(Q)bash bench/rate.sh results/bench-rate.json
	$(Q)/usr/bin/python3 bench/report.py results/bench-cost.json \
		results/bench-rate.json results/bench.json results/bench-scale.png \
		results/BENCH.md

bench-quick: bench-deps
	$(Q)$(BUILD) all $(BENCH_BUILDS)
	$(Q)mkdir -p results
	$(Q)$(OUT)/bench_cost --quick --json results/bench-quick-cost.json
	$(Q)bash bench/rate.sh --quick results/bench-quick-rate.json
	$(Q)/usr/bin/python3 bench/report.py results/bench-quick-cost.json \
		results/bench-quick-rate.json results/bench-quick.json \
		results/bench-quick-scale.png results/BENCH-quick.md

# The seed topology in Mininet: ecmp vs flowlet for one gapped flow, four
# iperf3 flows per mode, a plot of per-path load (demo-out/).
demo: demo-deps
	$(Q)$(BUILD) all
	$(Q)/usr/bin/python3 topo/demo.py

# make experiments: the research questions, each against the kernel and
# ecmp in the same run (experiments/; results/REPORT.md).
experiments: demo-deps
	$(Q)$(BUILD) all
	$(Q)/usr/bin/python3 experiments/run.py

experiments-quick: demo-deps
	$(Q)$(BUILD) all
	$(Q)/usr/bin/python3 experiments/run.py --quick

# The seed topology with flowlet running, and the Mininet CLI; ARGS: its
# options (make topo ARGS="--paths 2 --weights 7,3"; ARGS=--help lists
# them).
topo: demo-deps
	$(Q)$(BUILD) all
	$(Q)/usr/bin/python3 topo/seed.py $(ARGS)

# A leaf-spine fabric with FRR and flowlet on every leaf, and the Mininet
# CLI; ARGS: its options (make fabric ARGS="--spines 4 --leaves 8").
fabric: demo-deps
	$(Q)$(BUILD) all
	$(Q)/usr/bin/python3 topo/fabric.py $(ARGS)

# docs/flowletctl.md's command reference, from the command table (the cli tests
# fail when it drifts).
docs: flowletctl flowletctl.8 $(OUT)/flowletctl.bash
	$(Q)scripts/readme_cli.py docs/flowletctl.md

# make deb: build/deb/flowlet_VERSION_ARCH.deb (debian/), checked by
# lintian.
deb: deps
	$(Q)scripts/deps.sh $(DEB_DEPS)
	$(Q)scripts/deb.sh $(VERSION) $(OUT)

# make install [PREFIX=/usr/local] [DESTDIR=...]: flowletctl (its BPF
# object is inside it: it runs from anywhere), flowlet-send, the man page,
# the bash completion, the systemd units (flowlet@IFACE: attach at boot
# and watch; flowlet-exporter) and the Python modules (the Mininet
# classes, the address plans, the FRR configs and the route check) where
# Debian's python3 finds them.
PREFIX  ?= /usr/local
PYDIR   := $(PREFIX)/lib/python3/dist-packages
UNITDIR ?= $(PREFIX)/lib/systemd/system
PYMODS  := flowlet_mininet flowlet_topos flowlet_plan flowlet_frr flowlet_routes
UNITS   := flowlet@.service flowlet-exporter.service
INSTALLED := $(PREFIX)/sbin/flowletctl $(PREFIX)/bin/flowlet-send \
	     $(PREFIX)/share/man/man8/flowletctl.8 \
	     $(PREFIX)/share/man/man1/flowlet-send.1 \
	     $(PREFIX)/share/bash-completion/completions/flowletctl \
	     $(patsubst %,$(PYDIR)/%.py,$(PYMODS)) \
	     $(addprefix $(UNITDIR)/,$(UNITS))

install: all
	$(Q)install -D -m 755 flowletctl $(DESTDIR)$(PREFIX)/sbin/flowletctl
	$(Q)install -D -m 755 flowlet-send $(DESTDIR)$(PREFIX)/bin/flowlet-send
	$(Q)install -D -m 644 flowletctl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/flowletctl.8
	$(Q)install -D -m 644 flowlet-send.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/flowlet-send.1
	$(Q)install -D -m 644 $(OUT)/flowletctl.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/flowletctl
	$(Q)for m in $(PYMODS); do \
		install -D -m 644 topo/$$m.py $(DESTDIR)$(PYDIR)/$$m.py || exit 1; \
	done
	$(Q)for u in $(UNITS); do \
		install -d $(DESTDIR)$(UNITDIR) && \
		sed 's#@SBINDIR@#$(PREFIX)/sbin#g' systemd/$$u \
			>$(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	$(Q)echo "installed under $(DESTDIR)$(PREFIX)"

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)echo "removed flowlet from $(DESTDIR)$(PREFIX)"

format:
	$(Q)clang-format -i $(FORMAT_SRCS)

check-format:
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	$(Q)rm -rf $(OUT) flowletctl flowlet-send flowletctl.8 flowlet-send.1

# (Not make deb's copy of the tree under $(OUT)/deb.)
-include $(shell find $(OUT) -path $(OUT)/deb -prune -o -name '*.d' -print 2>/dev/null)
