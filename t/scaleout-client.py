#!/usr/bin/python3
"""An LMTP client that behaves like Postfix's lmtp transport with several
destinations, for t/e2e-scaleout.sh.

  scaleout-client.py PORTS OUTDIR CONVERSATIONS SESSIONS DEADLINE [FIRST]

PORTS is a comma-separated list of LMTP ports on 127.0.0.1. Each session
(a thread) keeps a connection open to one daemon and delivers whole
conversations: a customer's first message, then, once that is accepted, a
reply to it. A 4xx, a lost connection or a timeout makes the session try
the same bytes at the next daemon (as Postfix does with a deferred
delivery), until DEADLINE seconds have passed. Conversations are
numbered from FIRST (default 0). Every fifth accepted message
is sent once more (a retry after a lost 250), which must be answered 250
and create nothing. Writes OUTDIR/results: one line per message,
"conversation part status reply". Python's smtplib.LMTP reads one reply
after DATA only, so this speaks LMTP itself.
"""
import os
import socket
import sys
import threading
import time

ports = [int(p) for p in sys.argv[1].split(",")]
outdir = sys.argv[2]
n_conv = int(sys.argv[3])
n_sessions = int(sys.argv[4])
deadline = time.time() + float(sys.argv[5])
lock = threading.Lock()
results = []
first = int(sys.argv[6]) if len(sys.argv) > 6 else 0
next_conv = [first]


def message(conv, part):
    """The exact bytes of one message (the same bytes on every retry)."""
    head = [
        "From: Customer %d <c%d@customer.example>" % (conv, conv),
        "To: support@demo.example",
        "Subject: %sload %d" % ("Re: " if part == 2 else "", conv),
        "Message-ID: <load-%d-%d@customer.example>" % (conv, part),
        "Date: Sat, 05 Dec 2026 10:00:00 +0000",
    ]
    if part == 2:
        head.append("In-Reply-To: <load-%d-1@customer.example>" % conv)
    body = ["Message %d of conversation %d." % (part, conv), "x" * 200]
    return ("\r\n".join(head) + "\r\n\r\n" + "\r\n".join(body) + "\r\n").encode()


class Session:
    """One LMTP connection; reconnects (to the next port) when needed."""

    def __init__(self, index):
        self.port_i = index % len(ports)
        self.sock = None
        self.f = None

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = self.f = None

    def reply(self):
        """A whole (multi-line) reply: (code, last line)."""
        while True:
            line = self.f.readline()
            if not line:
                raise OSError("connection lost")
            line = line.decode("latin-1").rstrip("\r\n")
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), line

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()

    def connect(self):
        self.sock = socket.create_connection(("127.0.0.1", ports[self.port_i]), 5)
        self.sock.settimeout(20)
        self.f = self.sock.makefile("rb")
        if self.reply()[0] != 220 or self.cmd("LHLO client.test")[0] != 250:
            raise OSError("no greeting")

    def deliver(self, data):
        """One transaction; returns (code, reply) or raises OSError."""
        if self.sock is None:
            self.connect()
        if self.cmd("MAIL FROM:<sender@customer.example>")[0] != 250:
            raise OSError("MAIL refused")
        code, line = self.cmd("RCPT TO:<support@demo.example>")
        if code != 250:
            self.cmd("RSET")
            return code, line
        if self.cmd("DATA")[0] != 354:
            raise OSError("DATA refused")
        self.sock.sendall(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        return self.reply()

    def send(self, data):
        """Until a final answer: (code, reply), or (0, why) past the deadline."""
        while time.time() < deadline:
            try:
                code, line = self.deliver(data)
                if code // 100 != 4:
                    return code, line
            except OSError as e:
                line = "error: %s" % e
            # Deferred: the next destination, as Postfix does.
            self.close()
            self.port_i = (self.port_i + 1) % len(ports)
            time.sleep(0.05)
        return 0, line


def worker(index):
    s = Session(index)
    while True:
        with lock:
            conv = next_conv[0]
            next_conv[0] += 1
        if conv >= first + n_conv:
            break
        for part in (1, 2):
            data = message(conv, part)
            code, line = s.send(data)
            with lock:
                results.append("%d %d %d %s" % (conv, part, code, line))
            if code != 250:
                break
            if (conv + part) % 5 == 0:
                code, line = s.send(data)
                with lock:
                    results.append("%d %d.retry %d %s" % (conv, part, code, line))
    s.close()


threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(os.path.join(outdir, "results.tmp"), "w") as out:
    out.write("\n".join(results) + "\n")
os.rename(os.path.join(outdir, "results.tmp"), os.path.join(outdir, "results"))
