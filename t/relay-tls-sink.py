#!/usr/bin/python3
"""A tiny SMTP relay for t/e2e-relay-tls.sh: offers STARTTLS with the given
certificate (or no STARTTLS without one), takes every message and appends
one line per event to LOG: "conn", "tls", "mail tls=yes|no"."""
import socket
import ssl
import sys
import threading

port, log = int(sys.argv[1]), sys.argv[2]
cert = sys.argv[3] if len(sys.argv) > 4 else None
key = sys.argv[4] if len(sys.argv) > 4 else None
ctx = None
if cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)


def note(what):
    with open(log, "a") as f:
        f.write(what + "\n")


def serve(c):
    tls = False
    f = c.makefile("rb")

    def say(line):
        c.sendall((line + "\r\n").encode())

    try:
        say("220 sink.test ESMTP")
        while True:
            line = f.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").strip().upper()
            if cmd.startswith("EHLO"):
                ext = ["250-sink.test"] + (["250-STARTTLS"] if ctx and not tls else []) + ["250 8BITMIME"]
                c.sendall(("\r\n".join(ext) + "\r\n").encode())
            elif cmd.startswith("HELO"):
                say("250 sink.test")
            elif cmd == "STARTTLS" and ctx and not tls:
                say("220 go ahead")
                try:
                    c = ctx.wrap_socket(c, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                f = c.makefile("rb")
                tls = True
                note("tls")
            elif cmd.startswith("MAIL"):
                note("mail tls=%s" % ("yes" if tls else "no"))
                say("250 ok")
            elif cmd.startswith("RCPT"):
                say("250 ok")
            elif cmd == "DATA":
                say("354 go")
                while f.readline() not in (b".\r\n", b".\n", b""):
                    pass
                say("250 2.0.0 queued")
            elif cmd == "QUIT":
                say("221 bye")
                return
            else:
                say("250 ok")
    except OSError:
        pass
    finally:
        c.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
while True:
    conn, _ = srv.accept()
    note("conn")
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
