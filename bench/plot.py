"""Plots make bench's ns per packet against active flows, every mode and
both floors: python3 bench/plot.py results/bench.json OUT.png.
Run with /usr/bin/python3 (Debian's matplotlib)."""

import json
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def main():
    with open(sys.argv[1]) as data:
        bench = json.load(data)
    cost = bench['per_packet']
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, values in cost['ns'].items():
        floor = name in ('stateless', 'minimal')
        ax.plot(cost['flows'], values, marker='o', label=name,
                linestyle='--' if floor else '-')
    ax.set_xscale('log')
    ax.set_xlabel('active flows')
    ax.set_ylabel('ns per packet (test_run, overhead subtracted)')
    ax.set_title('flowlet per-packet cost, %s' % bench['machine'])
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(sys.argv[2])
    print('Plot: %s' % sys.argv[2])


if __name__ == '__main__':
    main()
