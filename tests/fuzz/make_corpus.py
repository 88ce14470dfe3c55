#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into tests/fuzz/corpus/<target>/.

The seeds are real frames (the Linux captures of tests/unit/wire/golden_frames.hpp) and short
record sequences in each harness's input format (see the *_harness.hpp files) that take the stack
through the interesting paths: handshakes, data in and out of order, FIN, RST, SACK, PAWS, zero
window, fragments, ARP resolution. Run it again after changing a harness's input format:
    python3 tests/fuzz/make_corpus.py
It rewrites the seed files it knows and leaves any other file in corpus/ alone.
"""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "unit", "wire", "golden_frames.hpp")


def golden_frames():
    text = open(GOLDEN).read()
    frames = {}
    for name, body in re.findall(r"inline constexpr uint8_t (\w+)\[\] = \{(.*?)\};", text, re.S):
        frames[name] = bytes(int(x, 16) for x in re.findall(r"0x[0-9a-fA-F]{2}", body))
    return frames


def be16(v):
    return struct.pack(">H", v & 0xFFFF)


def be32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def record(body):
    return be16(len(body)) + body


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- fuzz_rx_path -------------------------------------------------------------------------------
# Record: [kind][step][...]. Kinds: 0 raw frame, 1 raw IPv4, 2 TCP template, 4 fragmented TCP,
# 5 UDP/ICMP, 6 ARP, 7 application call. Clock step codes index clock_step() (0: none, 7: 40 ms,
# 8: 200 ms, 10: 1 s, 13: 31 s, 14: 61 s).
ACK, PSH, FIN, SYN, RST, URG = 0x10, 0x08, 0x01, 0x02, 0x04, 0x20
NEW = 0xF0  # flow selector of a new connection
# Flows in the model's order after setup: 0 ESTABLISHED with our data in flight, 1 ESTABLISHED with
# unread data, 2 FIN-WAIT-2, 3 CLOSE-WAIT, 4 LAST-ACK, 5 TIME-WAIT, 6 SYN-RECEIVED, 7 in the accept
# queue, 8 active ESTABLISHED, 9 SYN-SENT; new connections (NEW) become flows 10, 11, ...
# Application handles: 0 established, 1 unread, 2 FIN-WAIT-2, 3 CLOSE-WAIT, 4-5 closed (stale),
# 6 active ESTABLISHED, 7 SYN-SENT.


def tcp(flow, flags, step=0, seq_mode=0, seq_val=0, ack_mode=0, ack_val=0, window=65535, opt_mode=0,
        opt_bits=0, payload=0, urgent=0, fresh_port=0, fresh_where=0, extra=b"", kind=2):
    return record(bytes([kind, step, flow, flags, seq_mode]) + be32(seq_val) + bytes([ack_mode]) +
                  be32(ack_val) + be16(window) + bytes([opt_mode, opt_bits]) + be16(payload) + be16(urgent) +
                  be16(fresh_port) + bytes([fresh_where]) + extra)


def ts_opts():  # opt_mode 1: timestamps with the right TSecr
    return {"opt_mode": 1}


def app(op, which=0, arg=0, step=0):
    return record(bytes([7, step, op, which]) + be16(arg))


def raw(frame, rx_flags=0, step=0):
    return record(bytes([0, step, rx_flags]) + frame)


def rx_path_seeds(g):
    seeds = {}
    for name in ("kLinuxSyn", "kLinuxData", "kPingRequest", "kUdpDatagram", "kArpRequest", "kArpReply"):
        seeds["raw_" + name[1:].lower()] = raw(g[name])
    # The loopback captures carry offloaded checksums: the device vouches for them.
    seeds["raw_loopback_syn_trusted"] = raw(g["kLoopbackSyn"], rx_flags=0x03)
    seeds["raw_ipv4_fixed"] = record(bytes([1, 0, 0, 0x0F]) + g["kPingRequest"][14:])
    # Our data in flight acknowledged, then the peer's data read by the application.
    seeds["ack_all"] = tcp(0, ACK, **ts_opts()) + app(0, 0)
    seeds["ack_half"] = tcp(0, ACK, ack_mode=2, **ts_opts()) + app(1, 0, 3000, step=10)
    seeds["data_in_order"] = tcp(1, ACK | PSH, payload=500) + tcp(1, ACK | PSH, payload=700) + app(0, 1)
    seeds["data_out_of_order"] = (tcp(1, ACK, seq_mode=0x0C, seq_val=1000, payload=500) +
                                  tcp(1, ACK, payload=1000) + app(0, 1))
    seeds["overlap"] = (tcp(1, ACK, seq_mode=0x0C, seq_val=200, payload=600) +
                        tcp(1, ACK, seq_mode=0x0C, seq_val=100, payload=300) + tcp(1, ACK, payload=150) + app(0, 1))
    seeds["zero_window"] = b"".join(tcp(1, ACK | PSH, payload=1460) for _ in range(7)) + \
        tcp(1, ACK, payload=1, step=10) + app(0, 1) + tcp(1, ACK, step=8)
    seeds["fin_then_read"] = tcp(1, ACK | FIN, payload=10) + app(0, 1) + app(3, 1, step=8) + tcp(1, ACK, step=8)
    seeds["close_wait_close"] = app(3, 3) + tcp(3, ACK, step=7)
    seeds["fin_wait2_fin"] = tcp(2, FIN | ACK, **ts_opts()) + app(0, 2, step=14)
    seeds["rst_exact"] = tcp(0, RST, **ts_opts())
    seeds["rst_in_window"] = tcp(0, RST, seq_mode=0x04, seq_val=5, **ts_opts())  # challenge ACK
    seeds["syn_in_window"] = tcp(0, SYN, **ts_opts())  # RFC 5961 4
    seeds["ack_unsent"] = tcp(0, ACK, ack_mode=0x0C, ack_val=50000, **ts_opts())
    seeds["paws_old"] = tcp(0, ACK | PSH, payload=100, opt_mode=2, opt_bits=0x88, extra=be16(0) + bytes([0, 0]))
    seeds["sack"] = tcp(0, ACK, ack_mode=1, opt_mode=2, opt_bits=0x28,
                        extra=be16(0) + bytes([0, 0]) + be16(1448) + be16(1448) + be16(2896) + be16(500))
    seeds["syn_received_ack"] = tcp(6, ACK, **ts_opts()) + app(5) + app(0, 8)
    seeds["syn_received_rst"] = tcp(6, RST)
    seeds["accept_queue"] = app(5) + tcp(7, ACK | PSH, payload=64) + app(0, 8)
    seeds["syn_sent_synack"] = tcp(9, SYN | ACK, opt_mode=2, opt_bits=0x0F, extra=be16(1200) + bytes([7, 0])) + \
        tcp(9, ACK | PSH, payload=32)
    seeds["time_wait_syn"] = tcp(5, SYN, seq_mode=0x14, seq_val=0x10000, opt_mode=2, opt_bits=0x0F,
                                 extra=be16(1460) + bytes([7, 0]))
    seeds["last_ack_ack"] = tcp(4, ACK, **ts_opts())
    seeds["new_connection"] = (tcp(NEW, SYN, fresh_port=33000, opt_mode=2, opt_bits=0x0F,
                                   seq_val=0x12345678, extra=be16(1460) + bytes([7, 0])) +
                               tcp(10, ACK, opt_mode=1) + app(5) + tcp(10, ACK | PSH, payload=100, opt_mode=1) +
                               app(0, 8))
    # The SYN queue (4) fills: the fifth SYN gets a cookie, whose ACK makes a connection.
    seeds["syn_flood_cookie"] = b"".join(tcp(NEW, SYN, fresh_port=20000 + i, seq_val=i * 7919, **ts_opts())
                                         for i in range(5)) + tcp(14, ACK, **ts_opts()) + app(5) + app(0, 8)
    seeds["syn_to_closed_port"] = tcp(NEW, SYN, fresh_port=1234, fresh_where=3)
    seeds["syn_from_neighbour"] = tcp(NEW, SYN, fresh_port=1235, fresh_where=0xE0)
    # Three duplicate ACKs after a partial one: fast retransmit and recovery, with and without SACK.
    partial = tcp(0, ACK, ack_mode=1 | (3 << 2), ack_val=1448, **ts_opts())
    dup = tcp(0, ACK, ack_mode=1, **ts_opts())
    seeds["dupacks"] = partial + dup + dup + dup + tcp(0, ACK, step=7, **ts_opts())
    sack_dup = b"".join(tcp(0, ACK, ack_mode=1, opt_mode=2, opt_bits=0x18,
                            extra=be16(0) + bytes([0, 0]) + be16(1448 * k) + be16(1448)) for k in (2, 3, 4))
    seeds["sack_recovery"] = partial + sack_dup + tcp(0, ACK, ack_mode=0x0C, ack_val=1448 * 2, **ts_opts())
    seeds["retransmit_timeout"] = app(0, 0, step=10) + app(0, 0, step=11) + tcp(0, ACK, ack_mode=1, **ts_opts()) + \
        app(0, 0, step=11)
    seeds["keepalive"] = app(0, 1, step=13) + app(0, 1, step=11) + tcp(1, ACK, seq_mode=2) + app(0, 1, step=13)
    seeds["urgent"] = tcp(1, ACK | URG | PSH, payload=20, urgent=5) + app(0, 1)
    seeds["fragmented_segment"] = record(bytes([4, 0, 2, 0]) + tcp(1, ACK | PSH, payload=900)[4:]) + app(0, 1)
    seeds["fragments_reversed"] = record(bytes([4, 0, 5, 3]) + tcp(1, ACK | PSH, payload=400)[4:]) + app(0, 1)
    seeds["udp_to_socket"] = record(bytes([5, 0, 0x02, 0, 0]) + be16(0) + be16(5353) + be16(12) + b"hello tachyon") + app(8)
    seeds["udp_closed_port"] = record(bytes([5, 0, 0x00, 0, 0]) + be16(4444) + be16(5353) + be16(4) + b"ping")
    seeds["icmp_echo"] = record(bytes([5, 0, 0x01, 0, 0]) + be16(77) + be16(1) + be16(16) + bytes(range(16)))
    seeds["icmp_frag_needed"] = record(bytes([5, 0, 0x01, 2, 4]) + be16(576) + be16(0) + be16(0) + bytes([0, 0]))
    seeds["arp_reply_peer"] = record(bytes([6, 0, 1, 0, 0, 0, 2, 1, 0, 0]) + be32(0) + be32(0))
    seeds["app_calls"] = app(1, 6, 5000) + app(2, 6) + app(6, 0, 2, step=10) + app(7, 40, 53) + app(9, 0, 1) + \
        app(11, 12, 0, step=10) + app(10, 1) + app(4, 0, step=13)
    seeds["timers"] = app(0, 0, step=8) + app(0, 0, step=10) + app(0, 0, step=11) + app(0, 0, step=14) + \
        app(0, 0, step=15)
    return seeds


# ---- fuzz_tcp_options ---------------------------------------------------------------------------
def options_input(flags, options, payload=b"", seq=0x6D2C9A11, ack=0, window=64240, urgent=0):
    return bytes([flags]) + be32(seq) + be32(ack) + be16(window) + be16(urgent) + bytes([len(options)]) + \
        options + payload


def tcp_header_options(frame):
    tcp_off = 14 + (frame[14] & 0x0F) * 4
    hlen = (frame[tcp_off + 12] >> 4) * 4
    return frame[tcp_off + 13], frame[tcp_off + 20:tcp_off + hlen], frame[tcp_off + hlen:]


def tcp_options_seeds(g):
    seeds = {}
    for name in ("kLinuxSyn", "kLinuxSynAck", "kLinuxData", "kLinuxSack", "kLoopbackSyn", "kLoopbackData"):
        flags, opts, payload = tcp_header_options(g[name])
        seeds[name[1:].lower()] = options_input(flags, opts, payload)
    seeds["no_options"] = options_input(0x10, b"")
    seeds["mss_bad_length"] = options_input(0x02, bytes([2, 3, 5, 0]))
    seeds["length_zero"] = options_input(0x10, bytes([1, 1, 8, 0, 0, 0]))
    seeds["length_one"] = options_input(0x10, bytes([1, 1, 30, 1]))
    seeds["overlong"] = options_input(0x10, bytes([1, 1, 8, 12]) + bytes(8))
    seeds["past_header"] = options_input(0x10, bytes([1, 1, 1, 2]))
    seeds["eol_then_junk"] = options_input(0x10, bytes([1, 0, 2, 1]))
    seeds["unknown_kind"] = options_input(0x10, bytes([30, 6, 1, 2, 3, 4, 1, 1]))
    seeds["wscale_15"] = options_input(0x02, bytes([1, 3, 3, 15]))
    seeds["sack_4_blocks"] = options_input(0x10, bytes([1, 1, 5, 34]) + bytes(range(32)))
    seeds["syn_fin"] = options_input(0x03, bytes([2, 4, 5, 0xB4]))
    seeds["raw_short_offset"] = bytes([0x9C, 0x40, 0x00, 0x50]) + bytes(8) + bytes([0x30, 0x02]) + bytes(6)
    return seeds


# ---- fuzz_ipv4_fragments ------------------------------------------------------------------------
# Head: four datagram payload lengths (value % 6000 + 1). Record: [sel][off:2][len:2][flags][step][xor];
# flags: 1 MF, 2 DF, 4 corrupt, 8 other source, 0x10 other ident, 0x20 MF from the length, 0x40 TTL 1.
def frag(sel, off, length, flags=0x20, step=0, x=0):
    return record(bytes([sel]) + be16(off) + be16(length) + bytes([flags, step, x]))


READ = frag(0x80, 0, 0)


def fragment_seeds():
    head = be16(1999) + be16(3999) + be16(99) + be16(5999)  # UDP payloads 2000, 4000, 100, 6000
    seeds = {}
    seeds["two_halves"] = head + frag(0, 0, 1480) + frag(0, 185, 528) + READ
    seeds["reversed"] = head + frag(0, 185, 528) + frag(0, 0, 1480) + READ
    seeds["three_parts"] = head + frag(1, 0, 1480) + frag(1, 370, 1480) + frag(1, 185, 1480) + frag(1, 555, 1000) + READ
    seeds["duplicate"] = head + frag(0, 0, 1480) + frag(0, 0, 1480) + frag(0, 185, 528) + READ
    seeds["overlap"] = head + frag(0, 0, 1480) + frag(0, 100, 1480) + frag(0, 185, 528) + READ
    seeds["timeout"] = head + frag(3, 0, 1480, step=13) + frag(3, 185, 1480) + READ
    seeds["not_multiple_of_8"] = head + frag(0, 0, 1001, flags=0x01) + frag(0, 125, 1007) + READ
    seeds["too_long"] = head + frag(0, 8000, 1480, flags=0x01) + frag(0, 8185, 1480, flags=0x00) + READ
    seeds["unfragmented"] = head + frag(2, 0, 108, flags=0x00) + READ
    seeds["other_source"] = head + frag(0, 0, 1480, flags=0x28) + frag(0, 185, 528, flags=0x28) + READ
    seeds["two_idents"] = head + frag(0, 0, 1480, flags=0x30) + frag(0, 0, 1480) + frag(0, 185, 528, flags=0x30) + \
        frag(0, 185, 528) + READ
    seeds["icmp_protocol"] = head + frag(4, 0, 48, flags=0x01) + frag(4, 6, 60, flags=0x00)
    seeds["table_full"] = head + frag(0, 0, 1480) + frag(1, 0, 1480) + frag(3, 0, 1480) + frag(1, 185, 1480) + \
        frag(2, 0, 64) + frag(3, 185, 1480, step=13) + READ
    seeds["corrupt"] = head + frag(2, 0, 64, flags=0x24, x=0x55) + frag(2, 8, 44, flags=0x20) + READ
    seeds["ttl_expired_first"] = head + frag(0, 0, 1480, flags=0x60, step=14)
    return seeds


# ---- fuzz_arp -----------------------------------------------------------------------------------
# Record: [kind][step][...]; kind % 5: 0-1 ARP template (choose_arp_frame: op, sha, spa, tha, tpa,
# eth_dst, eth_src, mangle, raw:4, raw2:4), 2 UDP send [where][raw:4][len:2], 3 echo request from
# [who][raw:4][mac][raw:4], 4 raw ARP packet behind an Ethernet header [dst][bytes...].
def arp(op, sha, spa, tha, tpa, eth_dst=0, eth_src=0, mangle=0, raw1=0, raw2=0, step=0):
    return record(bytes([0, step, op, sha, spa, tha, tpa, eth_dst, eth_src, mangle]) + be32(raw1) + be32(raw2))


def udp_send(where, step=0, raw1=0, length=32):
    return record(bytes([2, step, where]) + be32(raw1) + be16(length))


def echo_from(who, mac, step=0):
    return record(bytes([3, step, who]) + be32(0) + bytes([mac]) + be32(0))


# choose_address codes: 0 peer, 2 us, 3 gateway, 4 zero, 5 broadcast, 6 subnet broadcast,
# 7 outside, 8 multicast, 9 loopback, 10-14 neighbours .3-.7, 15 raw. choose_mac: 0 peer, 2 us,
# 3 broadcast, 4 zero, 5 multicast, 6 neighbour, 7 raw.
def arp_seeds(g):
    seeds = {}
    seeds["golden_request"] = record(bytes([4, 0, 0]) + g["kArpRequest"][14:])
    seeds["golden_reply"] = record(bytes([4, 0, 1]) + g["kArpReply"][14:])
    seeds["request_for_us"] = arp(0, 0, 0, 4, 2)
    seeds["reply_to_us"] = udp_send(0) + arp(1, 0, 0, 2, 2, eth_dst=1)
    seeds["gratuitous"] = arp(0, 6, 10, 4, 10) + arp(1, 6, 10, 3, 10)
    seeds["probe"] = arp(0, 6, 4, 4, 2)
    seeds["conflict"] = arp(0, 6, 2, 4, 2) + arp(1, 2, 0, 0, 2)
    seeds["bad_sender"] = arp(0, 3, 0, 4, 2) + arp(0, 5, 0, 4, 2) + arp(0, 0, 6, 4, 2) + arp(0, 0, 8, 4, 2)
    seeds["mangled"] = arp(0, 0, 0, 4, 2, mangle=0x0F, raw2=0x12345678) + arp(0, 0, 0, 4, 2, mangle=0x1A)
    seeds["resolve_and_flush"] = udp_send(10) + udp_send(10) + udp_send(10) + arp(1, 6, 10, 2, 2, eth_dst=1)
    seeds["resolution_fails"] = udp_send(11) + udp_send(11, step=10) + udp_send(11, step=10) + udp_send(0, step=11)
    seeds["cache_full"] = b"".join(arp(0, 6 + 8 * i, 10 + i, 4, 2) for i in range(5)) + udp_send(14)
    seeds["pending_full"] = b"".join(udp_send(10 + i % 5) for i in range(12))
    seeds["echo_from_unknown"] = echo_from(12, 6) + arp(1, 6, 12, 2, 2, eth_dst=1)
    seeds["expiry"] = arp(0, 0, 0, 4, 2) + udp_send(0, step=14) + udp_send(0, step=14) + arp(1, 14, 0, 2, 2, eth_dst=1)
    seeds["gateway"] = udp_send(7) + arp(1, 6, 3, 2, 2, eth_dst=1)
    return seeds


def main():
    g = golden_frames()
    for name, data in rx_path_seeds(g).items():
        write("fuzz_rx_path", name, data)
    for name, data in tcp_options_seeds(g).items():
        write("fuzz_tcp_options", name, data)
    for name, data in fragment_seeds().items():
        write("fuzz_ipv4_fragments", name, data)
    for name, data in arp_seeds(g).items():
        write("fuzz_arp", name, data)


if __name__ == "__main__":
    main()
