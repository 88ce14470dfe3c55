#!/usr/bin/python3
"""The attacker of the adversarial tests (Debian's python3-scapy), run on the kernel side of the
device that `tachyon httpd` owns.

It sniffs every TCP segment between the kernel's address and Tachyon's from the moment it starts,
so that it knows each live connection's 4-tuple, MAC addresses and sequence numbers without
being told. Commands arrive one per line on stdin:

    <id> <attack> <client port>

and each gets one line on stdout:

    result <id> ok <details>        the replies on the wire were what the RFC says
    result <id> fail <reason>

The connection named by <client port> must be held at a zero window (hold_client.py): Tachyon
then sends nothing on it but persist probes (seq = SND.UNA - 1 = SND.NXT - 1, no data), so every
other segment it sends is a reply to the attack. After the attack a marker follows: a SYN to a
closed port, which Tachyon answers with a RST. Tachyon handles frames in order, so once that RST
is seen every reply to the attack has been sent before it: "nothing was answered" is then a
statement about a finished interval, not a guess about time.

    adversary.py IFACE KERNEL_IP TACHYON_IP PORT CLOSED_PORT
"""
import random
import sys
import threading
import time

from scapy.config import conf
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.sendrecv import AsyncSniffer, send, sendp

conf.verb = 0

DEADLINE = 30.0  # seconds for any awaited condition; generous on purpose (slow CI machines)


class Conn:
    def __init__(self):
        self.kmac = None
        self.tmac = None
        self.rcv_nxt = None      # Tachyon's RCV.NXT: the client's next sequence number
        self.client_ack = None   # the client's latest ACK: Tachyon's SND.NXT when held
        self.client_wnd = None
        self.client_tsval = None
        self.client_syn_mss = None
        self.server_nxt = None   # highest sequence number Tachyon has used, + 1
        self.server_nxt_from = None  # the segment that last raised server_nxt (for a failure's report)
        self.zero_window_at = None  # event index of the first zero-window ACK
        self.max_payload = 0


def seq_max(a, b):
    if a is None:
        return b
    return b if ((b - a) & 0xffffffff) < 0x80000000 else a


def tcp_len(t):
    n = len(bytes(t.payload))
    f = int(t.flags)
    return n + (1 if f & 0x02 else 0) + (1 if f & 0x01 else 0)


def sack_blocks(t):
    for kind, value in t.options:
        if kind == "SAck":
            return [(value[i], value[i + 1]) for i in range(0, len(value), 2)]
    return []


def tsval_of(t):
    for kind, value in t.options:
        if kind == "Timestamp":
            return value[0]
    return None


class Tracker:
    def __init__(self, kernel_ip, tachyon_ip, port):
        self.kip, self.tip, self.port = kernel_ip, tachyon_ip, port
        self.cv = threading.Condition()
        self.conns = {}
        self.events = []  # every segment from Tachyon: dicts, in capture order
        self.frozen = set()  # client ports under attack: our own injections are not the client

    def on_packet(self, p):
        if IP not in p or TCP not in p:
            return
        ip, t = p[IP], p[TCP]
        with self.cv:
            if ip.src == self.tip:
                ev = {"sport": t.sport, "dport": t.dport, "flags": int(t.flags), "seq": t.seq, "ack": t.ack,
                      "len": len(bytes(t.payload)), "win": t.window, "sack": sack_blocks(t)}
                self.events.append(ev)
                if t.sport == self.port and t.dport in self.conns:
                    c = self.conns[t.dport]
                    self.raise_server_nxt(c, (t.seq + tcp_len(t)) & 0xffffffff, "Tachyon", t)
                    c.max_payload = max(c.max_payload, ev["len"])
                    if c.tmac is None and Ether in p:
                        c.tmac = p[Ether].src
            elif ip.src == self.kip and t.dport == self.port and t.sport not in self.frozen:
                f = int(t.flags)
                if (f & 0x12) == 0x02:
                    # The client's SYN opens a new connection: a client port is reused after an
                    # earlier transfer's connection closed, and that one's sequence numbers must
                    # not stand for this one's (they once set server_nxt 2^31 away).
                    self.conns[t.sport] = Conn()
                c = self.conns.setdefault(t.sport, Conn())
                if Ether in p:
                    c.kmac, c.tmac = p[Ether].src, p[Ether].dst
                if f & 0x02:
                    for kind, value in t.options:
                        if kind == "MSS":
                            c.client_syn_mss = value
                c.rcv_nxt = seq_max(c.rcv_nxt, (t.seq + tcp_len(t)) & 0xffffffff)
                if f & 0x10:
                    c.client_ack = t.ack
                    c.client_wnd = t.window
                    self.raise_server_nxt(c, t.ack, "client", t)
                    if t.window == 0 and c.zero_window_at is None:
                        c.zero_window_at = len(self.events)
                ts = tsval_of(t)
                if ts is not None:
                    c.client_tsval = ts
            self.cv.notify_all()

    @staticmethod
    def raise_server_nxt(c, value, who, t):
        new = seq_max(c.server_nxt, value)
        if new != c.server_nxt:
            c.server_nxt = new
            c.server_nxt_from = "%s %s seq=%d ack=%d len=%d" % (
                who, t.sprintf("%TCP.flags%"), t.seq, t.ack, len(bytes(t.payload)))

    def wait(self, pred, what):
        end = time.monotonic() + DEADLINE
        with self.cv:
            while not pred():
                left = end - time.monotonic()
                if left <= 0:
                    raise Failure("timed out waiting for " + what)
                self.cv.wait(left)


class Failure(Exception):
    pass


class Adversary:
    def __init__(self, iface, kernel_ip, tachyon_ip, port, closed_port):
        self.iface, self.kip, self.tip = iface, kernel_ip, tachyon_ip
        self.port, self.closed = port, closed_port
        self.tr = Tracker(kernel_ip, tachyon_ip, port)
        self.marker_port = 20000 + random.randrange(20000)
        if iface == "auto":  # the interface the kernel routes Tachyon's address through
            iface = conf.route.route(tachyon_ip)[0]
            self.iface = iface
        self.sniffer = AsyncSniffer(iface=iface, store=False, prn=self.tr.on_packet,
                                    filter="tcp and host %s and host %s" % (kernel_ip, tachyon_ip))

    # --- frames ---------------------------------------------------------------------------------
    def l2(self, c):
        return Ether(src=c.kmac, dst=c.tmac, type=0x0800)

    def seg(self, c, cport, flags="A", seq=None, ack=None, payload=b"", window=None, **kw):
        p = self.l2(c) / IP(src=self.kip, dst=self.tip) / TCP(
            sport=cport, dport=self.port, flags=flags, seq=c.rcv_nxt if seq is None else seq & 0xffffffff,
            ack=(c.client_ack if ack is None else ack) & 0xffffffff,
            window=c.client_wnd if window is None else window, **kw)  # the client's window: unchanged
        if payload:
            p = p / Raw(payload)
        return p

    def send(self, frames):
        for f in frames:
            sendp(f, iface=self.iface)

    # --- the marker: a SYN to a closed port, answered by a RST --------------------------------
    def marker(self, c):
        self.marker_port = 20000 + (self.marker_port - 19999) % 20000
        mport = self.marker_port
        frame = self.l2(c) / IP(src=self.kip, dst=self.tip) / TCP(sport=mport, dport=self.closed, flags="S",
                                                                    seq=random.randrange(1 << 32))
        self.send([frame])
        found = {}

        def seen():
            for i in range(len(self.tr.events) - 1, -1, -1):
                e = self.tr.events[i]
                if e["dport"] == mport and e["sport"] == self.closed and e["flags"] & 0x04:
                    found["at"] = i
                    return True
            return False

        self.tr.wait(seen, "the RST that answers the marker SYN to port %d" % self.closed)
        return found["at"]

    def replies(self, c, cport, start, end):
        """Tachyon's segments on the connection in [start, end), persist probes left out."""
        out = []
        for e in self.tr.events[start:end]:
            if e["sport"] != self.port or e["dport"] != cport:
                continue
            probe = e["len"] == 0 and e["flags"] == 0x10 and e["seq"] == (c.server_nxt - 1) & 0xffffffff
            if not probe:
                out.append(e)
        return out

    # --- attacks ------------------------------------------------------------------------------
    def run(self, name, cport):
        tr = self.tr
        if name == "report":  # what was seen of a connection, held or not
            tr.wait(lambda: cport in tr.conns, "connection %d" % cport)
            with tr.cv:
                c = tr.conns[cport]
                return "syn_mss=%s max_payload=%d" % (c.client_syn_mss, c.max_payload)
        tr.wait(lambda: cport in tr.conns and tr.conns[cport].zero_window_at is not None
                and tr.conns[cport].tmac is not None, "connection %d held at a zero window" % cport)
        with tr.cv:
            tr.frozen.add(cport)
            c = tr.conns[cport]
            start = len(tr.events)
        try:
            if name == "zero_window_hold":
                return self.zero_window_hold(c, cport)
            frames, expect = self.attack(name, c, cport)
            self.send(frames)
            end = self.marker(c)
            with tr.cv:
                got = self.replies(c, cport, start, end)
                all_events = tr.events[start:end]
            return self.check(name, expect, got, all_events, c)
        finally:
            with tr.cv:
                tr.frozen.discard(cport)

    def attack(self, name, c, cport):
        """The frames of an attack and what Tachyon must answer: 'none', ('ack', n), or a check."""
        nxt, snd = c.rcv_nxt, c.server_nxt
        data = b"INJECTED" * 12
        if name == "ip_bad_checksum":
            p = Ether(bytes(self.seg(c, cport, "PA", payload=data)))
            p[IP].chksum ^= 0x1234
            return [p], "none"
        if name == "tcp_bad_checksum":
            p = Ether(bytes(self.seg(c, cport, "PA", payload=data)))
            p[TCP].chksum ^= 0x1234
            return [p], "none"
        if name == "tcp_header_truncated":
            hdr = bytes(self.seg(c, cport, "PA")[TCP])[:12]
            return [self.l2(c) / IP(src=self.kip, dst=self.tip, proto=6) / Raw(hdr)], "none"
        if name == "tcp_data_offset_beyond_segment":
            return [self.seg(c, cport, "A", dataofs=15)], "none"
        if name == "tcp_data_offset_below_minimum":
            return [self.seg(c, cport, "PA", dataofs=4, payload=data)], "none"
        if name == "ip_header_truncated":
            ip = bytes(IP(src=self.kip, dst=self.tip, proto=6))[:12]
            return [self.l2(c) / Raw(ip)], "none"
        if name == "ip_header_length_beyond_packet":
            p = Ether(bytes(self.l2(c) / IP(src=self.kip, dst=self.tip, proto=6, ihl=15) / Raw(b"\0" * 8)))
            return [p], "none"
        if name == "ip_total_length_beyond_frame":
            p = self.seg(c, cport, "PA", payload=data)
            p[IP].len = 1000
            return [p], "none"
        if name == "flags_syn_fin":
            return [self.seg(c, cport, "SF", seq=nxt + 10)], "none"
        if name == "flags_syn_rst":
            return [self.seg(c, cport, "SR", seq=nxt + 10)], "none"
        if name == "flags_none":
            p = self.seg(c, cport, "", payload=data)
            p[TCP].ack = 0
            return [p], "none"
        if name == "flags_all":
            return [self.seg(c, cport, "FSRPAUEC", seq=nxt, payload=data)], "none"
        if name.startswith("option_"):
            opts = {
                "option_length_0": b"\x02\x00\x01\x01",       # MSS kind, length 0
                "option_length_1": b"\x05\x01\x01\x01",       # SACK kind, length 1
                "option_overlong": b"\x08\x0c\x01\x01",       # timestamps claiming 12 bytes of 4
                "option_mss_wrong_length": b"\x02\x03\x05\x01",  # MSS of length 3
                "option_past_header": b"\x01\x01\x01\x02",    # the last byte starts an option
            }[name]
            p = self.l2(c) / IP(src=self.kip, dst=self.tip) / TCP(
                sport=cport, dport=self.port, flags="PA", seq=nxt, ack=c.client_ack, window=c.client_wnd,
                dataofs=6) / Raw(opts + data)
            return [p], "none"
        if name == "data_beyond_window":
            return [self.seg(c, cport, "PA", seq=nxt + (1 << 30), payload=data)], ("ack", 1)
        if name == "data_below_window":
            return [self.seg(c, cport, "PA", seq=nxt - 70000, payload=data)], ("ack", 1)
        if name == "rst_in_window":
            return [self.seg(c, cport, "R", seq=nxt + 1000, ack=0)], ("ack", 1)
        if name == "rst_out_of_window":
            return [self.seg(c, cport, "R", seq=nxt + (1 << 30), ack=0)], "none"
        if name == "syn_in_window":
            p = self.seg(c, cport, "S", seq=nxt + 100, options=[("MSS", 1460)])
            p[TCP].ack = 0
            return [p], ("ack", 1)
        if name == "syn_out_of_window":
            p = self.seg(c, cport, "S", seq=nxt + (1 << 30), options=[("MSS", 1460)])
            p[TCP].ack = 0
            return [p], ("ack", 1)
        if name == "data_with_old_ack":
            return [self.seg(c, cport, "PA", ack=snd - (1 << 30), payload=data)], ("ack", 1)
        if name == "ack_of_unsent_data":
            return [self.seg(c, cport, "A", ack=snd + 100000)], ("ack", 1)
        if name == "paws_old_timestamp":
            if c.client_tsval is None:
                raise Failure("the client does not use timestamps")
            p = self.seg(c, cport, "PA", payload=data,
                         options=[("NOP", None), ("NOP", None), ("Timestamp", ((c.client_tsval - 100000) & 0xffffffff, 0))])
            return [p], ("ack", 1)
        if name == "overlapping_out_of_order":
            a = self.seg(c, cport, "PA", seq=nxt + 100, payload=b"a" * 200)
            b = self.seg(c, cport, "PA", seq=nxt + 200, payload=b"b" * 200)
            return [a, b], "ooo"
        if name == "syn_to_closed_port":
            self.closed_sport = 40000 + random.randrange(10000)
            self.closed_isn = random.randrange(1 << 32)
            p = self.l2(c) / IP(src=self.kip, dst=self.tip) / TCP(sport=self.closed_sport, dport=self.closed + 1,
                                                                  flags="S", seq=self.closed_isn)
            return [p], "closed_rst"
        if name == "overlapping_fragments":
            return self.fragments(c), "frag"
        raise Failure("unknown attack " + name)

    def fragments(self, c):
        # Two SYNs to a closed port, each in two fragments. The first pair overlaps (bytes 8..23 of
        # the TCP header come twice, bytes 8..11 with different contents): the datagram must be
        # dropped whole (as Linux does since CVE-2018-5391). The second pair does not overlap: it
        # is reassembled and answered with a RST.
        self.frag_sports = (45000 + random.randrange(5000), 50000 + random.randrange(5000))
        frames = []
        for n, sport in enumerate(self.frag_sports):
            whole = IP(src=self.kip, dst=self.tip) / TCP(sport=sport, dport=self.closed + 1, flags="S", seq=1000 + n,
                                                         options=[("MSS", 1460)])
            syn = bytes(whole)[20:]  # 24 bytes with a checksum over the pseudo header
            ident = random.randrange(1 << 16)
            if n == 0:
                other = bytearray(syn)
                other[8:12] = b"\xde\xad\xbe\xef"  # a different ACK field inside the overlap
                first, second, off = syn[:16], bytes(other[8:]), 1
            else:
                first, second, off = syn[:16], syn[16:], 2
            frames.append(self.l2(c) / IP(src=self.kip, dst=self.tip, proto=6, id=ident, flags="MF", frag=0)
                          / Raw(first))
            frames.append(self.l2(c) / IP(src=self.kip, dst=self.tip, proto=6, id=ident, frag=off) / Raw(second))
        return frames

    def check(self, name, expect, got, all_events, c):
        desc = " ".join("[%s seq=%d ack=%d len=%d win=%d sack=%s]" % (
            TCP(flags=e["flags"]).sprintf("%TCP.flags%"), e["seq"], e["ack"], e["len"], e["win"], e["sack"])
            for e in got)
        if expect == "none":
            if got:
                raise Failure("expected no reply, got " + desc)
            return "no reply"
        if isinstance(expect, tuple) and expect[0] == "ack":
            want = expect[1]
            ok = [e for e in got if e["flags"] == 0x10 and e["len"] == 0 and e["ack"] == c.rcv_nxt
                  and e["seq"] == c.server_nxt]
            if len(ok) != want or len(got) != want:
                raise Failure("expected %d ACK(s) <SEQ=%d><ACK=%d>, got %s (SEQ from: %s)" % (
                    want, c.server_nxt, c.rcv_nxt, desc or "none", c.server_nxt_from))
            return "ACK seq=%d ack=%d" % (ok[0]["seq"], ok[0]["ack"])
        if expect == "ooo":
            # RFC 5681 4.2: an immediate duplicate ACK for each out-of-order segment; RFC 2018: the
            # SACK block reports what is held, the overlapping second segment extending the first;
            # RFC 2883 4.1.3: the part the second repeats comes first, as a D-SACK.
            nxt = c.rcv_nxt
            want = [[((nxt + 100) & 0xffffffff, (nxt + 300) & 0xffffffff)],
                    [((nxt + 200) & 0xffffffff, (nxt + 300) & 0xffffffff),
                     ((nxt + 100) & 0xffffffff, (nxt + 400) & 0xffffffff)]]
            if len(got) != 2 or any(e["ack"] != nxt or e["len"] != 0 for e in got):
                raise Failure("expected 2 duplicate ACKs of %d, got %s" % (nxt, desc or "none"))
            if [e["sack"][:2] for e in got] != want:
                raise Failure("expected SACK blocks %s, got %s" % (want, desc))
            return "dup ACKs with SACK " + desc
        if expect == "closed_rst":
            if got:
                raise Failure("the established connection answered: " + desc)
            rst = [e for e in all_events if e["dport"] == self.closed_sport]
            want_ack = (self.closed_isn + 1) & 0xffffffff
            # RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
            if len(rst) != 1 or rst[0]["flags"] != 0x14 or rst[0]["seq"] != 0 or rst[0]["ack"] != want_ack:
                raise Failure("expected one RST,ACK seq=0 ack=%d, got %s" % (want_ack, rst))
            return "RST,ACK seq=0 ack=%d" % want_ack
        if expect == "frag":
            if got:
                raise Failure("the established connection answered: " + desc)
            overlapped = [e for e in all_events if e["dport"] == self.frag_sports[0]]
            whole = [e for e in all_events if e["dport"] == self.frag_sports[1]]
            if overlapped:
                raise Failure("the overlapping fragments were answered: %s" % overlapped)
            if len(whole) != 1 or not whole[0]["flags"] & 0x04 or whole[0]["ack"] != 1002:
                raise Failure("the clean fragments should draw one RST (ack 1002), got %s" % whole)
            return "overlap dropped, clean fragments answered by RST"
        raise Failure("no check for " + name)

    def zero_window_hold(self, c, cport):
        # RFC 9293 3.8.6.1: the sender probes a zero window (here SND.UNA - 1, no data, as Linux)
        # and the receiver answers each probe with its window, still zero while held.
        start = c.zero_window_at
        want = (c.server_nxt - 1) & 0xffffffff

        def probes():
            return [e for e in self.tr.events[start:] if e["sport"] == self.port and e["dport"] == cport
                    and e["len"] == 0 and e["seq"] == want]

        self.tr.wait(lambda: len(probes()) >= 2, "two zero-window probes")
        with self.tr.cv:
            n = len(probes())
            wnd = c.client_wnd
        if wnd != 0:
            raise Failure("the client's window opened while held: %s" % wnd)
        return "%d probes seq=%d, window still 0" % (n, want)

    # --- main loop ----------------------------------------------------------------------------
    def start(self):
        """Starts the capture and returns once it is live: it sees Tachyon's RST to a SYN for the
        closed port (sent through the kernel's routing, which also resolves Tachyon's MAC). The
        SYN is repeated: the first may leave before the capture socket is open."""
        self.sniffer.start()
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            sport = 1024 + random.randrange(10000)
            send(IP(src=self.kip, dst=self.tip) / TCP(sport=sport, dport=self.closed, flags="S"))
            t0 = time.monotonic()
            with self.tr.cv:
                while time.monotonic() - t0 < 1.0:
                    if any(e["dport"] == sport for e in self.tr.events):
                        return
                    self.tr.cv.wait(0.1)
        raise Failure("the capture never saw Tachyon's answer to a SYN for port %d" % self.closed)


def main():
    iface, kip, tip, port, closed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    adv = Adversary(iface, kip, tip, port, closed)
    adv.start()
    print("ready", flush=True)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        parts = line.split()
        if len(parts) != 3:
            continue
        cid, name, cport = parts[0], parts[1], int(parts[2])
        try:
            print("result %s ok %s" % (cid, adv.run(name, cport)), flush=True)
        except Failure as e:
            print("result %s fail %s" % (cid, e), flush=True)
        except Exception as e:  # a bug in this script: reported, not hidden
            print("result %s fail %s: %r" % (cid, type(e).__name__, e), flush=True)
    adv.sniffer.stop()


if __name__ == "__main__":
    main()
