"""Writes pcap traces for the replay tests: python3 tests/make_trace.py
OUT.pcap LINK [--nano] [--snap N] SPEC...

LINK: ethernet, sll, sll2, raw, or a number (a link type replay refuses).
SPEC: FLOW:COUNT:GAP_US[:LEN] -- COUNT packets of TCP flow number FLOW
(10.0.1.1:1000+FLOW -> 10.0.6.2:80), GAP_US microseconds apart, LEN bytes
on the wire (default 100); flows' packets interleave by time. arp:COUNT
adds ARP frames. Full IPv4 checksums, so the data path takes them."""

import argparse
import struct

LINKS = {'ethernet': 1, 'sll': 113, 'sll2': 276, 'raw': 101}


def ip_checksum(header):
    total = sum(struct.unpack('!10H', header))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def tcp_packet(flow, length):
    ip_len = length - 14
    tcp = struct.pack('!HHIIBBHHH', 1000 + flow, 80, 1, 0, 5 << 4, 0x10,
                      65535, 0, 0)
    header = struct.pack('!BBHHHBBH4s4s', 0x45, 0, ip_len, 0, 0x4000, 64, 6,
                         0, bytes([10, 0, 1, 1]), bytes([10, 0, 6, 2]))
    header = header[:10] + struct.pack('!H', ip_checksum(header)) + header[12:]
    return header + tcp + bytes(ip_len - 40)


def arp_packet():
    return bytes(28)


def frame(link, proto, payload):
    if link == 'ethernet':
        return bytes(6) + bytes([2, 0, 0, 0, 0, 9]) + struct.pack('!H', proto) + payload
    if link == 'sll':
        return struct.pack('!HHH8sH', 0, 1, 6, bytes(8), proto) + payload
    if link == 'sll2':
        return struct.pack('!HHIHBB8s', proto, 0, 2, 1, 0, 6, bytes(8)) + payload
    return payload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('out')
    parser.add_argument('link')
    parser.add_argument('--nano', action='store_true')
    parser.add_argument('--snap', type=int, default=65535)
    parser.add_argument('spec', nargs='+')
    args = parser.parse_args()
    records = []
    for spec in args.spec:
        parts = spec.split(':')
        if parts[0] == 'arp':
            for i in range(int(parts[1])):
                records.append((i * 1000, 0x0806, arp_packet()))
            continue
        flow, count, gap = int(parts[0]), int(parts[1]), float(parts[2])
        length = int(parts[3]) if len(parts) > 3 else 100
        for i in range(count):
            records.append((int(i * gap * 1000) + flow, 0x0800,
                            tcp_packet(flow, length)))
    records.sort(key=lambda r: r[0])
    link = LINKS.get(args.link) or int(args.link)
    magic = 0xa1b23c4d if args.nano else 0xa1b2c3d4
    with open(args.out, 'wb') as out:
        out.write(struct.pack('<IHHiIII', magic, 2, 4, 0, 0, args.snap, link))
        for ns, proto, payload in records:
            data = frame(args.link, proto, payload)
            ns += 1_700_000_000 * 10**9
            sub = ns % 10**9 if args.nano else ns % 10**9 // 1000
            cap = data[:args.snap]
            out.write(struct.pack('<IIII', ns // 10**9, sub, len(cap), len(data)))
            out.write(cap)


if __name__ == '__main__':
    main()
