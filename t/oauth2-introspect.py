#!/usr/bin/python3
"""A provider's OAuth2 token introspection endpoint (RFC 7662) for
t/e2e-imap.sh: Dovecot's oauth2 passdb POSTs the XOAUTH2 token here; the
one token in TOKENFILE is active for USER, any other is not.

usage: oauth2-introspect.py PORT TOKENFILE USER
"""
import http.server
import json
import sys
import urllib.parse

PORT, TOKENFILE, USER = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        token = urllib.parse.parse_qs(body).get("token", [""])[0]
        with open(TOKENFILE) as f:
            good = f.read().strip()
        answer = {"active": True, "username": USER} if token == good else {"active": False}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write("introspect: " + (fmt % args) + "\n")


http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
