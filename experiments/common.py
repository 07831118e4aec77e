"""What every experiment of `make experiments` shares: where results go,
CSV, progress lines, the report section. Run with /usr/bin/python3."""

import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(ROOT, 'results')
sys.path.insert(0, os.path.join(ROOT, 'topo'))


def out_dir(name):
    """results/<name>/, created."""
    path = os.path.join(RESULTS, name)
    os.makedirs(path, exist_ok=True)
    return path


def progress(name, text):
    print('[%s] %s' % (name, text), flush=True)


def write_csv(path, header, rows):
    with open(path, 'w', newline='') as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def write_section(name, text):
    """The experiment's section of results/REPORT.md (run.py joins them)."""
    with open(os.path.join(out_dir(name), 'section.md'), 'w') as out:
        out.write(text.rstrip() + '\n')
