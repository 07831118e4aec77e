#!/usr/bin/python3
"""flowgen: TCP flows of chosen sizes, and the time each took to complete.

    flowgen.py server [--port P]
    flowgen.py client DST [--port P] --out CSV        (DST: IPv4 or IPv6)
               (--load L --capacity MBIT --seconds S [--scale F] |
                --size BYTES --count N) [--seed N] [--cc ALGORITHM]

The server reads a flow (an 8-byte size, then that many bytes) and answers
with one byte when all of it has arrived. The client opens one connection
per flow and writes one CSV row per flow: when it started (seconds since
the client's start), its size, its completion time (connect to the
server's answer; empty if it did not finish), its source port.

Sizes: --size N --count C starts C flows of N bytes at once; otherwise
flows arrive as a Poisson process for --seconds, sizes drawn from the
web-search distribution (DCTCP, as CONGA and LetFlow use it) multiplied by
--scale, at the rate that offers --load of --capacity Mbit/s. After the
last arrival the client waits up to --grace seconds for flows to finish.
"""

import argparse
import asyncio
import bisect
import csv
import random
import socket
import struct
import sys
import time

# The web-search flow size distribution: (bytes, cumulative probability),
# linear in between.
WEB_SEARCH = ((0, 0.0), (10000, 0.15), (20000, 0.2), (30000, 0.3),
              (50000, 0.4), (80000, 0.53), (200000, 0.6), (1000000, 0.7),
              (2000000, 0.8), (5000000, 0.9), (10000000, 0.97),
              (30000000, 1.0))
MIN_SIZE = 100
CHUNK = 65536
HEADER = struct.Struct('!Q')


def draw_size(rng, scale, cdf=WEB_SEARCH):
    """A size from cdf (inverse transform, linear between points)."""
    u = rng.random()
    probs = [p for _, p in cdf]
    i = max(1, bisect.bisect_left(probs, u))
    (s0, p0), (s1, p1) = cdf[i - 1], cdf[i]
    size = s0 + (s1 - s0) * ((u - p0) / (p1 - p0) if p1 > p0 else 0)
    return max(MIN_SIZE, int(size * scale))


def mean_size(scale, cdf=WEB_SEARCH):
    """The distribution's mean, in bytes."""
    return scale * sum((s0 + s1) / 2 * (p1 - p0)
                       for (s0, p0), (s1, p1) in zip(cdf, cdf[1:]))


async def serve_one(reader, writer):
    try:
        size, = HEADER.unpack(await reader.readexactly(HEADER.size))
        while size:
            data = await reader.read(min(size, CHUNK))
            if not data:
                return
            size -= len(data)
        writer.write(b'k')
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def server(port):
    # IPv6 and, mapped into it, IPv4.
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('::', port))
    srv = await asyncio.start_server(serve_one, sock=sock, backlog=1024)
    print('flowgen: listening on port %d' % port, flush=True)
    async with srv:
        await srv.serve_forever()


async def one_flow(dst, port, size, payload, began, rows, cc):
    start = time.monotonic()
    row = [round(start - began, 6), size, '', '']
    rows.append(row)
    writer = None
    sock = tcp_socket(cc, ':' in dst)
    try:
        await asyncio.get_running_loop().sock_connect(sock, (dst, port))
        reader, writer = await asyncio.open_connection(sock=sock)
        row[3] = writer.get_extra_info('sockname')[1]
        writer.write(HEADER.pack(size))
        left = size
        while left:
            n = min(left, len(payload))
            writer.write(payload[:n])
            left -= n
            await writer.drain()
        if await reader.readexactly(1) == b'k':
            row[2] = round(time.monotonic() - start, 6)
    except (asyncio.IncompleteReadError, ConnectionError, OSError):
        pass
    finally:
        if writer:
            writer.close()
        else:
            sock.close()


def tcp_socket(cc, v6=False):
    """A non-blocking TCP socket (IPv6 if v6) with congestion control cc
    (None: the system's default); OSError if the kernel refuses cc."""
    sock = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                         socket.SOCK_STREAM)
    try:
        if cc:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION,
                            cc.encode())
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def client(args):
    try:
        tcp_socket(args.cc).close()  # refused here, not flow by flow
    except OSError as err:
        sys.exit('flowgen: congestion control %s: %s' % (args.cc, err))
    rng = random.Random(args.seed)
    payload = memoryview(bytes(CHUNK))
    rows, tasks = [], []
    began = time.monotonic()
    if args.size:
        tasks = [asyncio.create_task(one_flow(args.dst, args.port, args.size,
                                              payload, began, rows, args.cc))
                 for _ in range(args.count)]
    else:
        rate = args.load * args.capacity * 1e6 / 8 / mean_size(args.scale)
        at = 0.0
        while True:
            at += rng.expovariate(rate)
            if at >= args.seconds:
                break
            delay = began + at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one_flow(
                args.dst, args.port, draw_size(rng, args.scale), payload,
                began, rows, args.cc)))
    if tasks:
        await asyncio.wait(tasks, timeout=args.grace)
    for task in tasks:
        task.cancel()
    with open(args.out, 'w', newline='') as out:
        writer = csv.writer(out)
        writer.writerow(['start_s', 'bytes', 'fct_s', 'sport'])
        writer.writerows(rows)
    done = sum(1 for r in rows if r[2] != '')
    print('flowgen: %d flows, %d finished' % (len(rows), done), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='role', required=True)
    srv = sub.add_parser('server')
    srv.add_argument('--port', type=int, default=5301)
    cli = sub.add_parser('client')
    cli.add_argument('dst')
    cli.add_argument('--port', type=int, default=5301)
    cli.add_argument('--out', required=True)
    cli.add_argument('--load', type=float)
    cli.add_argument('--capacity', type=float, help='Mbit/s')
    cli.add_argument('--seconds', type=float)
    cli.add_argument('--scale', type=float, default=1.0)
    cli.add_argument('--size', type=int)
    cli.add_argument('--count', type=int, default=1)
    cli.add_argument('--seed', type=int, default=1)
    cli.add_argument('--grace', type=float, default=30.0)
    cli.add_argument('--cc', help='TCP congestion control (default: the '
                     'system\'s)')
    args = parser.parse_args()
    if args.role == 'server':
        asyncio.run(server(args.port))
        return
    if not args.size and None in (args.load, args.capacity, args.seconds):
        parser.error('either --size, or --load, --capacity and --seconds')
    if args.load is not None and not 0 < args.load < 1:
        parser.error('--load: a fraction between 0 and 1')
    asyncio.run(client(args))


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
