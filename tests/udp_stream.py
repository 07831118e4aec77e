"""A fixed-rate UDP stream of many flows, counted at both ends.

    udp_stream.py recv --port P [--idle S]
        Counts datagrams to port P (a 64 MB receive buffer) until none has
        come for S seconds (default 5) after the first, or for 60 s before
        the first; prints "ready" once listening, then one JSON line:
        {"received": N, "flows": F, "missing": [[FIRST, LAST, BEFORE,
        AFTER], ...]}: the runs of sequence numbers that never came (up to
        the last that did), with the wall-clock times the datagrams just
        before and just after each run were sent (null if none came).
    udp_stream.py send DST --port P --flows F --rate PPS --seconds S
        Sends F flows (source ports 20000..) to DST:P (IPv4 or IPv6), PPS
        datagrams per second in all, paced in 1 ms rounds, each datagram
        carrying its sequence number and the wall-clock time it was sent;
        prints {"sent": N}.
    udp_stream.py flood DST --rate PPS --seconds S
        A new flow per datagram (source ports 30000-30063, destination
        ports cycling over 1024-65535), PPS per second as far as one core
        goes; prints {"sent": N}.

The tests compare sent and received to count loss exactly: a datagram
counts as sent only when the kernel took it. Run with /usr/bin/python3.
"""

import argparse
import json
import select
import socket
import struct
import sys
import time

PAYLOAD = b'f' * 18  # a 64-byte Ethernet frame with the headers
# At the start of PAYLOAD: the sequence number and the time it was sent.
STAMP = struct.Struct('!Qd')
SO_RCVBUFFORCE = 33  # Linux: SO_RCVBUF beyond rmem_max, for root


def recv(args):
    # IPv6 and, mapped into it, IPv4.
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    sock.bind(('::', args.port))
    print('ready', flush=True)
    received, sources, sent_at = 0, set(), {}
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    while True:
        if not poller.poll((args.idle if received else 60) * 1000):
            break
        while True:
            try:
                data, source = sock.recvfrom(2048, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            received += 1
            sources.add(source)
            if len(data) >= STAMP.size:
                seq, when = STAMP.unpack_from(data)
                sent_at[seq] = when
    print(json.dumps({'received': received, 'flows': len(sources),
                      'missing': missing_runs(sent_at)}), flush=True)


def missing_runs(sent_at):
    """[[first, last, before, after], ...]: the numbers below the largest
    in sent_at that are not in it, with the send times around them."""
    runs, expected = [], 0
    for seq in sorted(sent_at):
        if seq > expected:
            runs.append([expected, seq - 1, sent_at.get(expected - 1),
                         sent_at[seq]])
        expected = seq + 1
    return runs


def paced(args, send_one):
    """Calls send_one(n) for n = 0, 1, ... at args.rate per second, in
    1 ms rounds, for args.seconds; prints the count."""
    per_round = args.rate / 1000.0
    start = time.monotonic()
    sent, due, rounds = 0, 0.0, int(args.seconds * 1000)
    for r in range(rounds):
        due += per_round
        while sent < int(due):
            try:
                send_one(sent)
            except OSError as err:
                sys.exit('udp_stream: send: %s' % err)
            sent += 1
        pause = start + (r + 1) / 1000.0 - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    print(json.dumps({'sent': sent}), flush=True)


def sockets(first_port, count, dst, connect=None):
    """count sockets from first_port on, of dst's family."""
    v6 = ':' in dst
    socks = []
    for i in range(count):
        sock = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                             socket.SOCK_DGRAM)
        sock.bind(('::' if v6 else '0.0.0.0', first_port + i))
        if connect:
            sock.connect(connect)
        socks.append(sock)
    return socks


def send(args):
    socks = sockets(20000, args.flows, args.dst, (args.dst, args.port))
    paced(args, lambda n: socks[n % args.flows].send(
        STAMP.pack(n, time.time()) + PAYLOAD[STAMP.size:]))


def flood(args):
    socks = sockets(30000, 64, args.dst)

    def send_one(n):
        port = 1024 + (n // 64) % 64512
        socks[n % 64].sendto(PAYLOAD, (args.dst, port))
    paced(args, send_one)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('recv')
    r.add_argument('--port', type=int, required=True)
    r.add_argument('--idle', type=float, default=5.0)
    s = sub.add_parser('send')
    s.add_argument('dst')
    s.add_argument('--port', type=int, required=True)
    s.add_argument('--flows', type=int, default=64)
    s.add_argument('--rate', type=float, default=20000)
    s.add_argument('--seconds', type=float, default=5)
    f = sub.add_parser('flood')
    f.add_argument('dst')
    f.add_argument('--rate', type=float, default=200000)
    f.add_argument('--seconds', type=float, default=5)
    args = parser.parse_args()
    {'recv': recv, 'send': send, 'flood': flood}[args.cmd](args)


if __name__ == '__main__':
    main()
