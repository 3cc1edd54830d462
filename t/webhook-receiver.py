#!/usr/bin/python3
"""A webhook receiver for t/e2e-webhooks.sh, Python's standard library only.

    webhook-receiver.py PORT DIR

POST /NAME: the signature (X-Maildesk-Signature) is checked with the secret
in DIR/secret-NAME (read at each request, so the test can change it) by the
same few lines as maildesk-webhooks(7) shows. Every request is appended as
one JSON line to DIR/log-NAME: {"delivery", "event_id", "type", "ticket",
"verified", "body"}. Answer: 200 when verified, else 401; DIR/status-NAME,
when present, holds a status to answer instead (500: "try later").
"""
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time


def verify(secret, header, body):
    """The man page's example: True when a v1 signature matches."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    t = next((v for k, v in parts if k == "t"), None)
    if t is None or abs(time.time() - int(t)) > 300:
        return False
    want = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(k == "v1" and hmac.compare_digest(v, want) for k, v in parts)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        name = self.path.strip("/")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            with open(os.path.join(DIR, "secret-" + name)) as f:
                secret = f.read().strip()
        except OSError:
            secret = ""
        ok = secret != "" and verify(secret, self.headers.get("X-Maildesk-Signature", ""), body)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        rec = {
            "delivery": self.headers.get("X-Maildesk-Delivery"),
            "event_id": self.headers.get("X-Maildesk-Event-Id"),
            "type": payload.get("type"),
            "ticket": (payload.get("ticket") or {}).get("number"),
            "verified": ok,
            "body": payload,
        }
        with LOCK, open(os.path.join(DIR, "log-" + name), "a") as f:
            f.write(json.dumps(rec) + "\n")
        status = 200 if ok else 401
        try:
            with open(os.path.join(DIR, "status-" + name)) as f:
                status = int(f.read().strip())
        except OSError:
            pass
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


LOCK = threading.Lock()
DIR = sys.argv[2]
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
