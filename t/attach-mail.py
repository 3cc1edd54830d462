#!/usr/bin/python3
"""Helpers of t/e2e-attach.sh, with the email module of Debian's python3.

  attach-mail.py make OUT FROM TO SUBJECT MSGID TEXT [FILE NAME TYPE]...
      writes a message (CRLF line ends, the last one left to swaks) with the files attached under the
      given names (a name with non-ASCII or control characters is written
      RFC 2231-encoded, as mail clients do)
  attach-mail.py parts FILE
      one line per attached part of a message as sent: sha256 of its
      decoded bytes, its content type, its file name (repr)
  attach-mail.py body FILE
      the text/plain part, decoded
"""
import email
import email.policy
import hashlib
import sys
import urllib.parse
from email.message import EmailMessage


def make(out, sender, to, subject, msgid, text, files):
    m = EmailMessage(policy=email.policy.SMTP)
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Message-Id"] = msgid
    m.set_content(text)
    dispositions = []
    for i, (path, name, ctype) in enumerate(files):
        maintype, subtype = ctype.split("/", 1)
        with open(path, "rb") as f:
            m.add_attachment(f.read(), maintype=maintype, subtype=subtype, filename="PLACEHOLDER%d" % i)
        if name.isascii() and name.isprintable() and '"' not in name:
            dispositions.append('filename="%s"' % name)
        else:
            dispositions.append("filename*=utf-8''" + urllib.parse.quote(name.encode("utf-8"), safe=""))
    data = m.as_bytes()
    # The header as a client writes it, byte for byte (the email module
    # would re-render a parsed value).
    for i, d in enumerate(dispositions):
        data = data.replace(b'filename="PLACEHOLDER%d"' % i, d.encode("ascii"))
    # Without its last CRLF: swaks ends the data with one CRLF of its own
    # (SMTP needs it before the "."), so what is delivered is this file
    # followed by CRLF exactly.
    with open(out, "wb") as f:
        f.write(data[:-2] if data.endswith(b"\r\n") else data)


def load(path):
    with open(path, "rb") as f:
        return email.message_from_bytes(f.read(), policy=email.policy.default)


def parts(path):
    for p in load(path).walk():
        if p.is_multipart() or p.get_content_disposition() != "attachment":
            continue
        data = p.get_payload(decode=True)
        print(hashlib.sha256(data).hexdigest(), p.get_content_type(), repr(p.get_filename()))


def body(path):
    for p in load(path).walk():
        if p.get_content_type() == "text/plain" and p.get_content_disposition() != "attachment":
            sys.stdout.write(p.get_content().replace("\r\n", "\n"))
            return


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        a = sys.argv[2:]
        files = [tuple(a[i:i + 3]) for i in range(6, len(a), 3)]
        make(a[0], a[1], a[2], a[3], a[4], a[5], files)
    elif cmd == "parts":
        parts(sys.argv[2])
    elif cmd == "body":
        body(sys.argv[2])
