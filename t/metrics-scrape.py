#!/usr/bin/python3
"""Scrapes a maildesk /metrics endpoint and parses it with prometheus_client's
own text parser (what a Prometheus server accepts), then prints one line per
sample, "name{k=v,...} value" with labels sorted, for the shell test to grep.
Exits 1 when the text does not parse or a histogram is inconsistent
(buckets not cumulative, +Inf bucket != _count)."""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main():
    url = sys.argv[1]
    with urllib.request.urlopen(url, timeout=10) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode("utf-8")
    if not ctype.startswith("text/plain; version=0.0.4"):
        print("bad content type: %r" % ctype, file=sys.stderr)
        return 1
    for fam in text_string_to_metric_families(text):
        buckets = []
        count = None
        for s in fam.samples:
            labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
            print("%s{%s} %s" % (s.name, labels, repr(float(s.value))))
            if s.name.endswith("_bucket"):
                le = s.labels["le"]
                buckets.append((float("inf") if le == "+Inf" else float(le), s.value))
            elif s.name.endswith("_count"):
                count = s.value
        if fam.type == "histogram":
            if [b for b in buckets] != sorted(buckets):
                print("histogram %s: buckets not cumulative" % fam.name, file=sys.stderr)
                return 1
            if not buckets or buckets[-1][0] != float("inf") or buckets[-1][1] != count:
                print("histogram %s: +Inf bucket != _count" % fam.name, file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
