#!/usr/bin/python3
# python3-dkim's own dkimverify (Debian's /usr/bin/dkimverify, the same
# main()), with its DNS lookups sent to the test's DNS stub instead of the
# system resolver: dnspython is the resolver dkimpy uses, so its default
# resolver is replaced before dkimverify runs. Nothing else is changed: the
# verification is dkimpy's.
#   dkimverify-stub.py PORT [--index N] < message
# Prints "signature ok" (exit 0) or "signature verification failed" (1).
import sys

import dns.resolver

port = int(sys.argv.pop(1))
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ["127.0.0.1"]
resolver.port = port
dns.resolver.default_resolver = resolver

from dkim.dkimverify import main  # noqa: E402 (after the resolver is set)

sys.exit(main())
