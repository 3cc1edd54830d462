#!/usr/bin/python3
"""The benchmarks' mail client: drives SESSIONS parallel LMTP or SMTP
sessions against one server and records, per message, the time from MAIL
FROM to the final reply (for LMTP: the last of the one-reply-per-recipient
answers after DATA, RFC 2033 4.2, which smtplib.LMTP does not read). Written
by hand over asyncio sockets so that nothing of maildesk is in the client.

  mail-client.py --proto lmtp|smtp --port P [--host H] --sessions N
                 [--reuse 0|1] (--gen COUNT --size BYTES --from A --to B
                 | --list FILE)
  mail-client.py --proto lmtp --port P --idle N
      opens N sessions, greets (LHLO/EHLO), prints "idle N" and keeps them
      open until standard input is closed, then QUITs them.

--list FILE: one message a line, "FROM<TAB>RCPT[,RCPT...]<TAB>PATH" (the
file is sent as it is, lines made CRLF and dot-stuffed).
Prints one line: "sent=N ok=N failed=N seconds=S p50_ms=X p99_ms=Y"; a
message is ok when every recipient got a 2xx. The first failed replies go to
standard error. Exit 0 when every message was ok, 1 otherwise."""
import argparse
import asyncio
import os
import sys
import time

FAILURES = []


async def reply(reader):
    """One (possibly multi-line) reply: returns (code, text)."""
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed by the server")
        lines.append(line.decode("latin-1").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            break
    return int(lines[-1][:3]), " / ".join(lines)


async def command(reader, writer, line):
    writer.write(line.encode("latin-1") + b"\r\n")
    await writer.drain()
    return await reply(reader)


def ok(code):
    return 200 <= code < 300


class Session:
    """One connection: greeting and LHLO/EHLO, then transactions."""

    def __init__(self, args):
        self.args = args
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.args.host, self.args.port)
        code, text = await reply(self.reader)
        if not ok(code):
            raise ConnectionError("greeting: " + text)
        verb = "LHLO" if self.args.proto == "lmtp" else "EHLO"
        code, text = await command(self.reader, self.writer, verb + " bench.client.example")
        if not ok(code):
            raise ConnectionError(verb + ": " + text)

    async def close(self):
        if self.writer is None:
            return
        try:
            await command(self.reader, self.writer, "QUIT")
        except (ConnectionError, OSError):
            pass
        self.writer.close()
        self.reader = self.writer = None

    async def send(self, sender, rcpts, data):
        """One transaction; returns (all recipients 2xx, why not)."""
        r, w = self.reader, self.writer
        code, text = await command(r, w, "MAIL FROM:<%s>" % sender)
        if not ok(code):
            return False, "MAIL: " + text
        accepted = 0
        for rcpt in rcpts:
            code, text = await command(r, w, "RCPT TO:<%s>" % rcpt)
            if not ok(code):
                await command(r, w, "RSET")
                return False, "RCPT: " + text
            accepted += 1
        code, text = await command(r, w, "DATA")
        if code != 354:
            return False, "DATA: " + text
        w.write(data)
        w.write(b".\r\n")
        await w.drain()
        good, why = True, ""
        for _ in range(accepted if self.args.proto == "lmtp" else 1):
            code, text = await reply(r)
            if not ok(code):
                good, why = False, "after DATA: " + text
        return good, why


def crlf_dotstuff(raw):
    """A message file as it goes after DATA: CRLF lines, dot-stuffed."""
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines)


def generated(args):
    """COUNT distinct messages of SIZE body bytes (unique Message-Id, Date)."""
    line = b"La la la, this is the ingest benchmark's body text, line by line.\r\n"
    body = (line * (args.size // len(line) + 1))[: args.size]
    if not body.endswith(b"\r\n"):
        body = body[:-2] + b"\r\n"
    tag = "%d.%d" % (os.getpid(), int(time.time() * 1000))
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    for i in range(args.gen):
        head = ("From: <%s>\r\nTo: <%s>\r\nSubject: benchmark message %d\r\nDate: %s\r\n"
                "Message-Id: <%s.%d@bench.client.example>\r\n\r\n" % (args.sender, args.to, i, date, tag, i))
        yield args.sender, [args.to], head.encode() + body


def listed(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            sender, rcpts, file = line.split("\t")
            with open(file, "rb") as m:
                yield sender, rcpts.split(","), crlf_dotstuff(m.read())


async def worker(args, queue, latencies, counts):
    session = Session(args)
    while True:
        try:
            item = queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        try:
            if session.writer is None:
                await session.open()
            t0 = time.perf_counter()
            good, why = await session.send(*item)
            latencies.append(time.perf_counter() - t0)
        except (ConnectionError, OSError, ValueError) as e:
            good, why = False, "session: %s" % e
            session.writer = session.reader = None
        counts["ok" if good else "failed"] += 1
        if not good and len(FAILURES) < 10:
            FAILURES.append(why)
        if not args.reuse:
            await session.close()
    await session.close()


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


async def deliver(args):
    items = list(listed(args.list) if args.list else generated(args))
    queue = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    latencies, counts = [], {"ok": 0, "failed": 0}
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(args, queue, latencies, counts) for _ in range(args.sessions)))
    seconds = time.perf_counter() - t0
    print("sent=%d ok=%d failed=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f" % (
        len(items), counts["ok"], counts["failed"], seconds,
        percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000))
    for why in FAILURES:
        print("mail-client: " + why, file=sys.stderr)
    return 0 if counts["ok"] == len(items) else 1


async def idle(args):
    sessions = [Session(args) for _ in range(args.idle)]
    for s in sessions:
        await s.open()
    print("idle %d" % len(sessions), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    for s in sessions:
        await s.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--proto", choices=("lmtp", "smtp"), required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sessions", type=int, default=1)
    p.add_argument("--reuse", type=int, default=1)
    p.add_argument("--gen", type=int)
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--from", dest="sender", default="bench@client.example")
    p.add_argument("--to")
    p.add_argument("--list")
    p.add_argument("--idle", type=int)
    args = p.parse_args()
    if args.idle:
        return asyncio.run(idle(args))
    if not args.list and (args.gen is None or not args.to):
        p.error("--gen COUNT --to ADDR or --list FILE")
    return asyncio.run(deliver(args))


if __name__ == "__main__":
    sys.exit(main())
