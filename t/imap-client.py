#!/usr/bin/python3
"""The customer's side of t/e2e-imap.sh: a mail provider's mailbox, reached
over IMAPS on loopback (the test's Dovecot), where mail arrives and where
the test looks at what maildesk did with it.

usage: imap-client.py PORT USER PASSFILE CAFILE COMMAND [ARGS]
  append FOLDER SUBJECT [N]  append N (default 1) messages "SUBJECT k"
  append-file FOLDER FILE    append a file's bytes as they are
  append-malformed FOLDER    append a broken message: no From, an unclosed
                             multipart, invalid UTF-8, a bad encoded word
  count FOLDER               print how many messages FOLDER holds (-1: none)
  subjects FOLDER            print their subjects, one a line, sorted
  delete FOLDER / create FOLDER
  uidvalidity FOLDER         print FOLDER's UIDVALIDITY
  unseen FOLDER              clear \Seen on all of FOLDER's messages
  unseen-count FOLDER        print how many of them are not \Seen
"""
import imaplib
import re
import ssl
import sys


def connect(port, user, passfile, cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    imap = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
    with open(passfile) as f:
        imap.login(user, f.read().strip())
    return imap


def message(subject):
    return ("From: Carla Customer <carla@customer.example>\r\n"
            "To: support@provider.example\r\n"
            f"Subject: {subject}\r\n"
            f"Message-Id: <{subject.replace(' ', '.')}@customer.example>\r\n"
            "\r\n"
            f"Body of {subject}.\r\n").encode()


def count(imap, folder):
    typ, data = imap.status(folder, "(MESSAGES)")
    if typ != "OK":
        return -1
    return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))


def main():
    port, user, passfile, cafile, cmd = sys.argv[1:6]
    args = sys.argv[6:]
    imap = connect(port, user, passfile, cafile)
    if cmd == "append":
        n = int(args[2]) if len(args) > 2 else 1
        for k in range(1, n + 1):
            subject = args[1] if n == 1 else f"{args[1]} {k}"
            imap.append(args[0], None, None, message(subject))
    elif cmd == "append-file":
        with open(args[1], "rb") as f:
            imap.append(args[0], None, None, f.read())
    elif cmd == "append-malformed":
        imap.append(args[0], None, None,
                    b"Subject: Broken =?utf-8?q?\xff=ZZ?= mail\r\n"
                    b"Content-Type: multipart/mixed; boundary=\"zz\"\r\n"
                    b"\r\n--zz\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    b"\r\n\xc3\x28 not UTF-8, and no closing boundary\r\n")
    elif cmd == "count":
        print(count(imap, args[0]))
    elif cmd == "subjects":
        imap.select(args[0], readonly=True)
        typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subjects = [re.sub(rb"^Subject: |\r\n", b"", d[1]).decode(errors="replace")
                    for d in data if isinstance(d, tuple)]
        print("\n".join(sorted(subjects)))
    elif cmd == "delete":
        imap.delete(args[0])
    elif cmd == "create":
        imap.create(args[0])
    elif cmd == "unseen":
        imap.select(args[0])
        imap.store("1:*", "-FLAGS.SILENT", "(\\Seen)")
    elif cmd == "unseen-count":
        typ, data = imap.status(args[0], "(UNSEEN)")
        print(re.search(rb"UNSEEN (\d+)", data[0]).group(1).decode())
    elif cmd == "uidvalidity":
        typ, data = imap.status(args[0], "(UIDVALIDITY)")
        print(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1).decode())
    imap.logout()


main()
