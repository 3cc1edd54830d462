#!/usr/bin/python3
"""A real browser fills in and sends a maildesk web form (t/e2e-intake.sh).

Usage: intake-browser.py URL WAIT_SECONDS FIELD=VALUE... [@attachment=PATH]

Starts Debian's chromedriver, which drives headless chromium (W3C WebDriver
over HTTP, spoken here with the standard library only): loads URL (the
form maildeskd serves), types each VALUE into the input named FIELD (a
file path for @NAME), waits WAIT_SECONDS (the form's minimum fill time),
clicks the submit button and prints the page the browser shows afterwards
(its text content, once the form is gone), then "URL: " and its address.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode())["value"]


def main():
    url, wait = sys.argv[1], float(sys.argv[2])
    fields = [a.split("=", 1) for a in sys.argv[3:]]
    port = free_port()
    profile = tempfile.mkdtemp(prefix="md-chromium-")
    driver = subprocess.Popen(["/usr/bin/chromedriver", "--port=%d" % port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    try:
        for _ in range(100):
            try:
                if call(base, "GET", "/status")["ready"]:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--user-data-dir=" + profile]}}}}
        sid = call(base, "POST", "/session", caps)["sessionId"]
        s = "/session/" + sid
        call(base, "POST", s + "/url", {"url": url})
        for name, value in fields:
            css = 'input[name="%s"], textarea[name="%s"]' % (name.lstrip("@"), name.lstrip("@"))
            el = call(base, "POST", s + "/element", {"using": "css selector", "value": css})[ELEMENT]
            call(base, "POST", s + "/element/%s/value" % el, {"text": value})
        time.sleep(wait)
        button = call(base, "POST", s + "/element", {"using": "css selector", "value": 'button[type="submit"]'})
        call(base, "POST", s + "/element/%s/click" % button[ELEMENT], {})
        # The answer is a page without the form (it posts to the same URL).
        for _ in range(100):
            if "<form" not in call(base, "GET", s + "/source"):
                break
            time.sleep(0.1)
        body = call(base, "POST", s + "/element", {"using": "css selector", "value": "body"})[ELEMENT]
        print(call(base, "GET", s + "/element/%s/text" % body))
        print("URL: " + call(base, "GET", s + "/url"))
        call(base, "DELETE", s)
    finally:
        driver.terminate()
        driver.wait()
        subprocess.run(["rm", "-rf", profile])


if __name__ == "__main__":
    main()
