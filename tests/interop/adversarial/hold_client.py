#!/usr/bin/env python3
"""The legitimate transfer the adversarial tests attack: a kernel TCP client that fetches
/bytes/N from `tachyon httpd`, reads the first HOLD bytes of the response, then stops reading
until SIGUSR1, so that the connection is established, mid-transfer and held at a zero window
(the server has data queued it may not send) while the attacks run. On SIGUSR1 it reads the
rest at full speed and writes the body to OUT; the test compares it with the pattern.

    hold_client.py SERVER PORT N HOLD OUT [--mss-probe]

Prints "port <local port>" once connected, "held <bytes>" when it stops reading, and
"done <body bytes>" at the end.
"""
import signal
import socket
import sys
import threading


def main():
    server, port, n, hold, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    release = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: release.set())

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small fixed receive buffer (no autotuning): the window closes soon after the hold starts.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    s.settimeout(60)
    s.connect((server, port))
    print("port %d" % s.getsockname()[1], flush=True)
    s.sendall(b"GET /bytes/%d HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (n, server.encode()))

    data = bytearray()
    while len(data) < hold:
        chunk = s.recv(min(65536, hold - len(data)))
        if not chunk:
            break
        data += chunk
    print("held %d" % len(data), flush=True)
    if not release.wait(120):
        print("never released", flush=True)
        sys.exit(3)
    while True:
        chunk = s.recv(262144)
        if not chunk:
            break
        data += chunk
    s.close()

    head, sep, body = bytes(data).partition(b"\r\n\r\n")
    if not sep:
        print("no header end in %d bytes" % len(data), flush=True)
        sys.exit(4)
    if not head.startswith(b"HTTP/1.1 200"):
        print("status line: %r" % head[:40], flush=True)
        sys.exit(5)
    with open(out, "wb") as f:
        f.write(body)
    print("done %d" % len(body), flush=True)


if __name__ == "__main__":
    main()
