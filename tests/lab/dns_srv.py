#!/usr/bin/env python3
"""dns_srv.py - a tiny DNS server on 127.0.0.1 for posta setup's SRV tests.

  dns_srv.py --port-file F [--srv NAME=PRIO:WEIGHT:PORT:TARGET]...

Answers UDP queries: SRV questions whose name was given get those records,
everything else an empty NOERROR answer (so MX lookups find nothing).
Point posta at it with POSTA_SETUP_DNS=127.0.0.1:PORT. Plain python3.
"""
import argparse
import socket
import struct


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_name(msg, off):
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--srv", action="append", default=[])
    a = ap.parse_args()
    zone = {}
    for s in a.srv:
        name, rec = s.split("=", 1)
        prio, weight, port, target = rec.split(":", 3)
        zone.setdefault(name.lower().rstrip("."), []).append(
            (int(prio), int(weight), int(port), target))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(sock.getsockname()[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    while True:
        msg, peer = sock.recvfrom(4096)
        if len(msg) < 12:
            continue
        qid, flags, qd = struct.unpack("!HHH", msg[:6])
        name, off = read_name(msg, 12)
        qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
        question = msg[12:off + 4]
        answers = b""
        count = 0
        if qtype == 33:
            for prio, weight, port, target in zone.get(name, []):
                rdata = struct.pack("!HHH", prio, weight, port) + \
                    encode_name(target)
                answers += b"\xc0\x0c" + struct.pack(
                    "!HHIH", 33, 1, 60, len(rdata)) + rdata
                count += 1
        rflags = 0x8180 | (flags & 0x0100)
        head = struct.pack("!HHHHHH", qid, rflags, 1, count, 0, 0)
        sock.sendto(head + question + answers, peer)


if __name__ == "__main__":
    main()
