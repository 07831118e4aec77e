"""Experiment 9, a remote failure in a leaf-spine fabric: FRR on every
switch, flowlet on every leaf following BGP's routes. Hosts on leaf 1 send
to leaf 2 (a web-search mix with its long flows, and a 64-flow UDP probe)
while (a) every link between spine 1 and leaf 2 is cut and comes back
(BGP withdraws spine 1, so flowlet can at best match ECMP) and (b) one of
spine 1's two links to leaf 2 is down for the whole run, both spines
staying in leaf 1's route: the failure routing does not see, where CONGA
claims 5x better flow completion times than ECMP. Every mode against the
kernel's own ECMP (flowlet detached) in the same run."""

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

from common import (ROOT, VARIANTS, cpu_sentence, new_parser, out_dir,
                    progress, pyplot, write_csv, write_section)
from fct import STATS, summarise

from fabric import (converged, fabric_network, fabric_topo,  # noqa: E402
                    leaves, node_run)
from flowlet_mininet import DEFAULT_TIMEOUT  # noqa: E402
from flowlet_plan import FAMILIES, host_address  # noqa: E402
from flowlet_routes import kernel_routes  # noqa: E402
from traffic import end_process, flowgen, median, use_mode  # noqa: E402

NAME = 'fabric'
CASES = ('cut', 'degraded')
UDP_STREAM = os.path.join(ROOT, 'tests', 'udp_stream.py')
PROBE_PORT, PROBE_FLOWS, PROBE_RATE = 7000, 64, 1000
COLUMNS = ['case', 'variant', 'run', 'seed', 'flows', 'unfinished',
           'goodput_mbit', 'retrans', 'probe_sent', 'probe_lost',
           'route_ms', 'flowlet_ms', 'dead_packets', 'cpu_busy'] + \
    ['%s_s' % s for s in STATS]


def wait_for(cond, timeout=60):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError('the fabric did not settle within %d s'
                               % timeout)
        time.sleep(0.1)


class Probe:
    """udp_stream.py's fixed-rate stream of PROBE_FLOWS flows from src to
    dst (at dst_addr) for seconds: lost datagrams and when they were
    sent."""

    def __init__(self, src, dst, dst_addr, seconds):
        py = '/usr/bin/python3'
        self.recv = dst.popen([py, UDP_STREAM, 'recv', '--port',
                               str(PROBE_PORT), '--idle', '3'],
                              stdout=subprocess.PIPE, text=True)
        if self.recv.stdout.readline().strip() != 'ready':
            raise RuntimeError('the probe receiver did not start')
        self.send = src.popen([py, UDP_STREAM, 'send', dst_addr, '--port',
                               str(PROBE_PORT), '--flows', str(PROBE_FLOWS),
                               '--rate', str(PROBE_RATE), '--seconds',
                               str(seconds)], stdout=subprocess.PIPE,
                              text=True)

    def result(self):
        """(sent, lost, [[first, last, sent before, sent after], ...])."""
        sent = json.loads(self.send.communicate(timeout=120)[0]
                          .splitlines()[-1])['sent']
        got = json.loads(self.recv.communicate(timeout=120)[0]
                         .splitlines()[-1])
        return sent, sent - got['received'], got['missing']


class RouteMonitor:
    """`ip -ts monitor route` on a leaf: when its route to prefix first
    changed after a moment."""

    def __init__(self, leaf, tmp):
        self.path = os.path.join(tmp, 'monitor-%s.log' % leaf.name)
        self.log = open(self.path, 'w')
        self.proc = leaf.popen(['ip', '-ts', 'monitor', 'route'],
                               stdout=self.log, stderr=subprocess.DEVNULL)

    def first_change(self, prefix, after):
        """Wall-clock time of the first change of prefix's route after
        after (None if none)."""
        end_process(self.proc)
        self.log.close()
        with open(self.path) as lines:
            for line in lines:
                stamp, _, route = line.partition('] ')
                if prefix not in route.split()[:2]:
                    continue
                when = datetime.datetime.fromisoformat(
                    stamp.lstrip('[')).timestamp()
                if when >= after:
                    return when
        return None


def watch_commit(leaf, prefix, after):
    """Wall-clock time at which leaf's flowletctl watch, following a change
    of prefix's route after after, switched its config (from then on the
    next hops that left the route are not used), or else updated the
    prefixes (None if it did neither)."""
    seen = False
    with open(leaf.watch_log) as lines:
        for line in lines:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if d['time'] < after:
                continue
            seen = seen or (d['event'] == 'route' and
                            d.get('prefix') == prefix)
            if seen and d['event'] == 'commit':
                moment = d.get('switch_ms', d.get('prefixes_ms'))
                return d['time'] - (d['done_ms'] - moment) / 1000
    return None


def rx_packets(node, intfs):
    """Packets node received on intfs (its kernel's counters)."""
    total = 0
    for line in node.cmd('cat /proc/net/dev').splitlines():
        name, _, data = line.partition(':')
        if name.strip() in intfs and data:
            total += int(data.split()[1])
    return total


def links_down(net, pairs, state):
    """Sets both ends of each (spine interface, leaf interface) in pairs
    up or down."""
    for sp_intf, lf_intf in pairs:
        net.get(sp_intf.rsplit('-', 1)[0]).cmd('ip link set', sp_intf, state)
        net.get(lf_intf.rsplit('-', 1)[0]).cmd('ip link set', lf_intf, state)


def spine_hops(net, spine, prefix):
    return len(kernel_routes(node_run(net.get(spine)), 'main')
               .get(prefix, ()))


def one_run(net, case, args, seed, tmp):
    """One variant's run of case; (Run, flows, probe, cut time, back
    time)."""
    plan = net.topo.plan
    sp1, lf1, lf2 = plan.spines[0], plan.leaves[0], plan.leaves[-1]
    src, dst = plan.hosts[0], plan.hosts[-1]
    remote = plan.host_prefix[dst]
    pairs = plan.uplinks[sp1, lf2]
    # sp1's ports from lf1: what lf1 sends into the dead spine.
    from_lf1 = [sp for sp, _ in plan.uplinks[sp1, lf1]]
    times = {}
    if case == 'degraded':
        links_down(net, pairs[:1], 'down')
        wait_for(lambda: spine_hops(net, sp1, remote) == len(pairs) - 1)

    def on_tick(elapsed):
        if case != 'cut':
            return
        if 'cut' not in times and elapsed >= args.seconds / 4:
            times['dead0'] = rx_packets(net.get(sp1), from_lf1)
            times['cut'] = time.time()
            links_down(net, pairs, 'down')
        elif 'back' not in times and elapsed >= 3 * args.seconds / 4:
            times['dead'] = rx_packets(net.get(sp1), from_lf1) - \
                times['dead0']
            times['back'] = time.time()
            links_down(net, pairs, 'up')

    capacity = len(plan.counted) * args.bw
    monitor = RouteMonitor(net.get(lf1), tmp)
    dst_addr = host_address(plan, dst)
    probe = Probe(net.get(src), net.get(dst), dst_addr, args.seconds)
    seen, flows = flowgen(
        net, args.seconds, os.path.join(tmp, 'flows.csv'), '--load',
        args.load, '--capacity', capacity, '--seconds', args.seconds,
        '--scale', args.scale, '--seed', seed, '--grace', 20,
        hosts=(src, dst), on_tick=on_tick, interval=0.25, target=dst_addr)
    result = probe.result()
    reaction = {}
    if 'cut' in times:
        cut = times['cut']
        route = monitor.first_change(remote, cut)
        commit = (watch_commit(net.get(lf1), remote, cut)
                  if net.get(lf1).attached else None)
        reaction = {'route_ms': route and round(1000 * (route - cut), 1),
                    'flowlet_ms': commit and round(1000 * (commit - cut), 1),
                    'dead_packets': times.get('dead')}
    else:
        end_process(monitor.proc)
        monitor.log.close()
    links_down(net, pairs, 'up')
    wait_for(lambda: converged(net))
    return seen, flows, result, reaction


def plot(rows, timelines, path):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.4))
    ax = axes[0]
    for label, samples in timelines.items():
        ax.plot([t for t, _ in samples], [sum(v) for _, v in samples],
                label=label, linewidth=1)
    ax.set_title('(a) spine 1 cut from leaf 2 (first run): goodput into '
                 'leaf 2', fontsize=10)
    ax.set_xlabel('seconds')
    ax.set_ylabel('Mbit/s (what the spines delivered)')
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    ax = axes[1]
    labels = [label for label, _, _ in VARIANTS]
    for i, (stat, name) in enumerate((('all_mean', 'mean'),
                                      ('small_p99', 'small p99'),
                                      ('large_mean', 'large mean'))):
        values = [fct_ratio(rows, 'degraded', label, stat) or 0
                  for label in labels]
        ax.bar([x + 0.27 * i for x in range(len(labels))], values, 0.27,
               label=name)
    ax.axhline(1, color='black', linewidth=0.8)
    ax.set_xticks([x + 0.27 for x in range(len(labels))])
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_title('(b) one of spine 1\'s two links to leaf 2 down: FCT / '
                 'the kernel\'s', fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)


def column(name):
    return COLUMNS.index(name)


def fct_ratio(rows, case, label, stat):
    """Median over runs of label's stat over the kernel's."""
    col = column(stat + '_s')
    kernel = {r[2]: r[col] for r in rows if r[0] == case and
              r[1] == 'kernel'}
    values = [r[col] / kernel[r[2]] for r in rows
              if r[0] == case and r[1] == label and r[col] and kernel[r[2]]]
    return median(values) if values else None


def per_variant(rows, case, name):
    return {label: [r[column(name)] for r in rows
                    if r[0] == case and r[1] == label]
            for label, _, _ in VARIANTS}


def med(values):
    """The median of the values measured (None: none was)."""
    values = [v for v in values if v is not None]
    return median(values) if values else None


def section(args, rows, setup):
    def col(case, name):
        return {label: med(values) for label, values in
                per_variant(rows, case, name).items()}
    lost, dead = col('cut', 'probe_lost'), col('cut', 'dead_packets')
    route_ms, flowlet_ms = col('cut', 'route_ms'), col('cut', 'flowlet_ms')
    goodput = {case: col(case, 'goodput_mbit') for case in CASES}
    lines = ['## 9. A remote failure in a leaf-spine fabric',
             '',
             'Claim (CONGA): with a fabric link failed, flowlet switching '
             'that sees the fabric\'s congestion completes flows up to 5x '
             'faster than ECMP; routing itself reacts to failures it can '
             'see (a BGP withdrawal), which flowlet follows.',
             '',
             'Setup: %s; FRR (eBGP, multipath, timers 1/3) on every switch, '
             'flowlet on every leaf\'s host port with `--from-routes` and '
             '`watch` (timeout %s); from leaf 1\'s host to leaf 2\'s: '
             '`tools/flowgen.py` at %.0f%% of the healthy capacity '
             '(web-search sizes scaled by %g, %d s, the same flows for '
             'every variant of a run) and a UDP probe of %d flows at %d '
             'datagrams/s; %d runs. (a) `cut`: every link between spine 1 '
             'and leaf 2 goes down at a quarter of the run and comes back '
             'at three quarters. (b) `degraded`: one of spine 1\'s two '
             'links to leaf 2 is down for the whole run; leaf 1 still '
             'sends over both spines. The route change on leaf 1 is '
             'timed by `ip -ts monitor route` there, flowlet\'s by its '
             'watcher\'s config switch (from which spine 1\'s paths were '
             'no longer used); packets into the dead spine are spine '
             '1\'s receive counters from leaf 1 while the links were down '
             '(BGP keepalives, about 2 a second, included). Data: '
             '`results/%s/runs.csv`, plot `results/%s/fabric.png`.'
             % (setup, args.timeout, 100 * args.load, args.scale,
                args.seconds, PROBE_FLOWS, PROBE_RATE, args.runs, NAME,
                NAME),
             '',
             '(a) The cut, medians over runs:',
             '',
             '| variant | route changed (ms) | flowlet left spine 1 (ms) | '
             'packets into spine 1 | probe lost | goodput Mbit/s | FCT '
             'mean / kernel |',
             '|---|---|---|---|---|---|---|']

    def cell(value, fmt):
        return fmt % value if value is not None else '-'
    for label, _, _ in VARIANTS:
        lines.append('| %s | %s | %s | %s | %s | %s | %s |' % (
            label, cell(route_ms[label], '%.0f'),
            cell(flowlet_ms[label], '%.0f'), cell(dead[label], '%d'),
            cell(lost[label], '%d'), cell(goodput['cut'][label], '%.1f'),
            cell(fct_ratio(rows, 'cut', label, 'all_mean'), '%.2f')))
    lines += ['',
              '(b) One of spine 1\'s links to leaf 2 down, medians over '
              'runs, completion times over the kernel\'s in the same run:',
              '',
              '| variant | goodput Mbit/s | FCT mean | small p99 | large '
              'mean |',
              '|---|---|---|---|---|']
    for label, _, _ in VARIANTS:
        lines.append('| %s | %s | %s | %s | %s |' % (
            label, cell(goodput['degraded'][label], '%.1f'),
            cell(fct_ratio(rows, 'degraded', label, 'all_mean'), '%.2f'),
            cell(fct_ratio(rows, 'degraded', label, 'small_p99'), '%.2f'),
            cell(fct_ratio(rows, 'degraded', label, 'large_mean'), '%.2f')))
    modes = [label for label, _, _ in VARIANTS if label != 'kernel']
    followed = [flowlet_ms[m] - route_ms[m] for m in modes
                if flowlet_ms[m] is not None and route_ms[m] is not None]
    worst = max(modes, key=lambda m: dead[m] or 0)
    best = min(modes, key=lambda m: fct_ratio(rows, 'degraded', m,
                                              'all_mean') or 99)
    best_ratio = fct_ratio(rows, 'degraded', best, 'all_mean')
    lines += ['',
              '(a) BGP took leaf 1\'s route off spine 1 %s ms after the '
              'cut (the kernel\'s run); flowlet stopped using spine 1 %s ms '
              'after the kernel\'s route changed (median over its modes). '
              'Packets sent into the dead spine: the kernel %s, flowlet\'s '
              'modes at most %s (%s)%s. Until BGP withdraws spine 1 it is '
              'in every variant\'s route; the flowlet modes move flows '
              'between paths at their pauses, so that more flows than the '
              'kernel\'s hash puts there may meet the dead spine before '
              'then.'
              % (cell(route_ms['kernel'], '%.0f'),
                 cell(med(followed), '%.1f'), cell(dead['kernel'], '%d'),
                 cell(dead[worst], '%d'), worst,
                 ': flowlet loses no more than the kernel does'
                 if (dead[worst] or 0) <= 1.5 * max(10, dead['kernel'] or 0)
                 else ': more than the kernel'),
              '',
              '(b) The failure routing does not see: the best mode, %s, '
              'completes flows in %sx the kernel\'s mean time (%s); '
              'CONGA\'s 5x is %s. Flowlet decides from local information '
              'only here: no congestion signal comes back from spine 1\'s '
              'overloaded link; the flowlet modes move flows off it at '
              'their pauses, as LetFlow does.'
              % (best, cell(best_ratio, '%.2f'),
                 cell(1 / best_ratio if best_ratio else None,
                      '%.1fx faster'),
                 'reached' if best_ratio and best_ratio <= 0.2 else
                 'not reached'),
              '',
              cpu_sentence(max(r[column('cpu_busy')] for r in rows))]
    return '\n'.join(lines)


def main(argv=None):
    parser = new_parser(__doc__, '1 run of 8 s per case')
    parser.add_argument('--bw', type=float, default=25,
                        help='Mbit/s of each spine link toward a leaf')
    parser.add_argument('--timeout', default=DEFAULT_TIMEOUT)
    parser.add_argument('--family', choices=FAMILIES, default='ipv4',
                        help='the fabric\'s addresses: IPv4 (default), '
                        'IPv6 (BGP unnumbered) or both; the traffic goes '
                        'to the destination\'s first')
    parser.add_argument('--load', type=float, default=0.6)
    parser.add_argument('--scale', type=float, default=0.1)
    parser.add_argument('--seconds', type=int, default=None)
    parser.add_argument('--runs', type=int, default=None)
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 2)
    args.seconds = args.seconds or (8 if args.quick else 16)
    out = out_dir(NAME)
    rows, timelines = [], {}
    topo = fabric_topo(spines=2, leaves=2, hosts_per_leaf=1, parallel=2,
                       bw=args.bw, timeout=args.timeout, family=args.family)
    setup = ('2 spines, 2 leaves, 2 parallel links of %g Mbit/s between '
             'each spine and leaf (shaped where the spine sends), %s'
             % (args.bw, {'ipv4': 'IPv4', 'ipv6': 'IPv6 (BGP unnumbered)',
                          'dual': 'dual stack, traffic over IPv4'}
                [args.family]))
    progress(NAME, '%s; %d variants x %d cases x %d runs of %d s'
             % (setup, len(VARIANTS), len(CASES), args.runs, args.seconds))
    with fabric_network(topo, quiet=True) as net, \
            tempfile.TemporaryDirectory() as tmp:
        net.tcp_cc = args.cc
        for run in range(args.runs):
            for case in CASES:
                for label, mode, _ in VARIANTS:
                    use_mode(net, mode, leaves(net), **(
                        {} if mode == 'kernel' else
                        {'timeout': args.timeout}))
                    seen, flows, (sent, lost, _), reaction = one_run(
                        net, case, args, args.seed + run, tmp)
                    stats, unfinished = summarise(flows, args.scale)
                    total = sum(seen.path_bytes)
                    rows.append([case, label, run, args.seed + run,
                                 len(flows), unfinished,
                                 round(total * 8 / args.seconds / 1e6, 2),
                                 seen.retrans, sent, lost,
                                 reaction.get('route_ms'),
                                 reaction.get('flowlet_ms'),
                                 reaction.get('dead_packets'),
                                 round(seen.cpu, 2)]
                                + [stats[s] for s in STATS])
                    if case == 'cut' and run == 0:
                        timelines[label] = seen.samples
                progress(NAME, 'run %d of %d: %s done'
                         % (run + 1, args.runs, case))
    write_csv(os.path.join(out, 'runs.csv'), COLUMNS, rows)
    plot(rows, timelines, os.path.join(out, 'fabric.png'))
    write_section(NAME, section(args, rows, setup))
    return 0


if __name__ == '__main__':
    if os.geteuid() != 0:
        sys.exit('%s: run as root (Mininet needs it)' % NAME)
    sys.exit(main())
