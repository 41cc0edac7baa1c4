"""Just enough of the DNS wire format (RFC 1035) for the emulators to answer A queries over UDP,
so that tools which watch DNS answers (the failover drill) can be tested against them. Standard
library only, like the emulators.

  serve(host, port, answer) -> (thread, port): answer(name, qtype) returns (rcode, [ipv4 strings], ttl)
"""

import socket
import struct
import threading

QTYPE_A = 1
RCODE_OK = 0
RCODE_NXDOMAIN = 3
RCODE_REFUSED = 5


def parse_query(packet):
    """(id, flags, question name lower case without trailing dot, qtype, question bytes)."""
    if len(packet) < 12:
        raise ValueError("short packet")
    qid, flags, qdcount = struct.unpack("!HHH", packet[:6])
    if qdcount != 1:
        raise ValueError("one question expected")
    labels, pos = [], 12
    while True:
        length = packet[pos]
        if length == 0:
            pos += 1
            break
        if length & 0xC0:
            raise ValueError("compressed names are not expected in a question")
        labels.append(packet[pos + 1:pos + 1 + length].decode("ascii").lower())
        pos += 1 + length
    qtype, _qclass = struct.unpack("!HH", packet[pos:pos + 4])
    return qid, flags, ".".join(labels), qtype, packet[12:pos + 4]


def build_answer(qid, flags, question, rcode, addresses, ttl):
    # QR=1, opcode copied, AA=1, RD copied, RA=0.
    out_flags = 0x8000 | (flags & 0x7900) | 0x0400 | rcode
    header = struct.pack("!HHHHHH", qid, out_flags, 1, len(addresses), 0, 0)
    records = b""
    for ip in addresses:
        # Name: a pointer to the question's name at offset 12.
        records += struct.pack("!HHHIH", 0xC00C, QTYPE_A, 1, ttl, 4) + socket.inet_aton(ip)
    return header + question + records


def serve(host, answer):
    """Answers A queries on a UDP port of its own; returns the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))

    def loop():
        while True:
            packet, peer = sock.recvfrom(4096)
            try:
                qid, flags, name, qtype, question = parse_query(packet)
            except (ValueError, IndexError, UnicodeDecodeError):
                continue
            if qtype != QTYPE_A:
                rcode, addresses, ttl = RCODE_OK, [], 0
            else:
                rcode, addresses, ttl = answer(name, qtype)
            sock.sendto(build_answer(qid, flags, question, rcode, addresses, ttl), peer)

    threading.Thread(target=loop, daemon=True).start()
    return sock.getsockname()[1]
