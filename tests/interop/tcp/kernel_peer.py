#!/usr/bin/python3
"""The Linux kernel's side of Tachyon's TCP interop tests (tests/interop/tcp/).

Run inside the peer's network namespace (`ip netns exec NS python3 kernel_peer.py ...`). Speaks
one JSON object per line on stdout, which the test reads while it drives the Tachyon stack:
  {"event": "listening", "port": P}          a listener is ready (listen)
  {"event": "connected", ...}                the connection is established
  {"event": "closed"}                        close() was called (trigger-close)
  {"event": "done", ...}                     the exchange finished: bytes and SHA-256 both ways,
                                             and the kernel's TCP_INFO (negotiated options)
  {"event": "refused"}                       connect got ECONNREFUSED (refused)
  {"event": "udp-bound", "port": P}          a UDP socket is ready (udp-echo)
  {"event": "udp-echoed", "len": N, "sha": H}  one datagram came and went back whole (udp-echo)
  {"event": "error", "error": "..."}         anything else; exit status 1

Orders (who sends when), the same words as the C++ side's Order:
  both            send N bytes and shut down writing, while receiving until end of stream
  send-first      send N, shut down writing, then receive until end of stream (half-close)
  recv-first      receive until end of stream, then send N (the peer half-closed first)
  close-after-send  send N and close() at once without reading: the kernel closes first
  trigger-close   receive one byte, then close() at once (for the simultaneous close)
"""
import argparse
import hashlib
import json
import random
import socket
import struct
import sys
import threading

CHUNK = 64 * 1024


def emit(**fields):
    print(json.dumps(fields), flush=True)


def payload(n, seed):
    return random.Random(seed).randbytes(n)


def tcp_info(sock):
    """The negotiated options as the kernel sees them (struct tcp_info, linux/tcp.h)."""
    raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    (state, ca_state, retransmits, probes, backoff, options, wscale, _flags) = struct.unpack_from("8B", raw, 0)
    u32 = struct.unpack_from("24I", raw, 8)
    return {
        "ti_options": options,  # TCPI_OPT_TIMESTAMPS 1, _SACK 2, _WSCALE 4
        "ti_snd_wscale": wscale & 0xF,
        "ti_rcv_wscale": wscale >> 4,
        "ti_snd_mss": u32[2],
        "ti_rcv_mss": u32[3],
        "ti_total_retrans": u32[23],
    }


class Exchange:
    def __init__(self, sock, data):
        self.sock = sock
        self.data = data
        self.sent = 0
        self.received = 0
        self.recv_hash = hashlib.sha256()
        self.error = None

    def send_all(self, shutdown=True):
        view = memoryview(self.data)
        while self.sent < len(view):
            self.sent += self.sock.send(view[self.sent:self.sent + CHUNK])
        if shutdown:
            self.sock.shutdown(socket.SHUT_WR)

    def receive_all(self):
        while True:
            chunk = self.sock.recv(CHUNK)
            if not chunk:
                return
            self.received += len(chunk)
            self.recv_hash.update(chunk)

    def send_in_thread(self):
        try:
            self.send_all()
        except Exception as e:  # reported by the main thread
            self.error = "send: %r" % (e,)

    def run(self, order):
        if order == "both":
            t = threading.Thread(target=self.send_in_thread)
            t.start()
            self.receive_all()
            t.join()
            if self.error:
                raise RuntimeError(self.error)
        elif order == "send-first":
            self.send_all()
            self.receive_all()
        elif order == "recv-first":
            self.receive_all()
            self.send_all(shutdown=False)
        elif order == "close-after-send":
            self.send_all(shutdown=False)
        elif order == "trigger-close":
            first = self.sock.recv(1)
            self.received += len(first)
            self.recv_hash.update(first)
        else:
            raise ValueError("unknown order " + order)

    def report(self, info):
        return dict(event="done", sent=self.sent, sent_sha=hashlib.sha256(self.data).hexdigest(),
                    received=self.received, recv_sha=self.recv_hash.hexdigest(), **info)


def converse(sock, args):
    sock.settimeout(args.timeout)
    local, peer = sock.getsockname(), sock.getpeername()
    emit(event="connected", local="%s:%d" % local, peer="%s:%d" % peer)
    ex = Exchange(sock, payload(args.send, args.seed))
    ex.run(args.order)
    info = tcp_info(sock)
    sock.close()
    if args.order == "trigger-close":
        emit(event="closed")
    emit(**ex.report(info))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["listen", "connect", "refused", "udp-echo"])
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--send", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--order", default="both")
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args()
    try:
        if args.mode == "listen":
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((args.host, args.port))
            srv.listen(8)
            srv.settimeout(args.timeout)
            emit(event="listening", port=srv.getsockname()[1])
            conn, _ = srv.accept()
            srv.close()
            converse(conn, args)
        elif args.mode == "udp-echo":
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind((args.host, args.port))
            u.settimeout(args.timeout)
            emit(event="udp-bound", port=u.getsockname()[1])
            data, peer = u.recvfrom(65535)
            u.sendto(data, peer)
            emit(event="udp-echoed", len=len(data), sha=hashlib.sha256(data).hexdigest())
        elif args.mode == "connect":
            conn = socket.create_connection((args.host, args.port), timeout=args.timeout)
            converse(conn, args)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(args.timeout)
            try:
                s.connect((args.host, args.port))
                emit(event="error", error="connected to a port that should be closed")
                return 1
            except ConnectionRefusedError:
                emit(event="refused")
    except Exception as e:
        emit(event="error", error="%s: %s" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
