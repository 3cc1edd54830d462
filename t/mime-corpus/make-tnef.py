#!/usr/bin/python3
# Writes t/mime-corpus/tnef.eml and tnef-bad.eml: an Outlook-style mail whose
# winmail.dat (application/ms-tnef, [MS-OXTNEF]) holds two files, and one
# whose winmail.dat is cut short. Run by hand from the top of the tree when
# the corpus needs to change:  /usr/bin/python3 t/mime-corpus/make-tnef.py [RAW]
# With RAW, the bare winmail.dat is written there too, to check it with an
# independent decoder (Debian's `tnef -t RAW` lists both files).
import base64
import struct
import sys

LVL_MESSAGE, LVL_ATTACHMENT = 1, 2
PT_STRING8, PT_UNICODE = 0x001E, 0x001F
PR_ATTACH_LONG_FILENAME = 0x3707


def attr(level, attr_id, data):
    """One TNEF attribute: level, id, length, data, 16-bit sum of the data."""
    return struct.pack("<BII", level, attr_id, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def mapi_string(prop_id, ptype, value):
    """One MAPI property of a variable-length type: tag, count 1, size, padded data."""
    return struct.pack("<III", (prop_id << 16) | ptype, 1, len(value)) + pad4(value)


def attachment(title, long_name, long_type, data):
    long_value = (long_name.encode("utf-16-le") if long_type == PT_UNICODE else long_name.encode("cp1252")) + (
        b"\0\0" if long_type == PT_UNICODE else b"\0")
    rend = struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0xFFFF, 0xFFFF, 0)  # atyp = file, no position
    props = struct.pack("<I", 1) + mapi_string(PR_ATTACH_LONG_FILENAME, long_type, long_value)
    return (attr(LVL_ATTACHMENT, 0x00069002, rend)          # attAttachRendData: a new attachment
            + attr(LVL_ATTACHMENT, 0x00018010, title.encode("cp1252") + b"\0")  # attAttachTitle
            + attr(LVL_ATTACHMENT, 0x0006800F, data)        # attAttachData
            + attr(LVL_ATTACHMENT, 0x00069005, props))      # attAttachment (MAPI properties)


PDF = b"%PDF-1.4\n% maildesk TNEF test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
CSV = "name;amount\nAnn;12,50\nJürgen;7\n".encode("cp1252")

stream = (struct.pack("<IH", 0x223E9F78, 0x0A1B)
          + attr(LVL_MESSAGE, 0x00089006, struct.pack("<I", 0x00010000))   # attTnefVersion
          + attr(LVL_MESSAGE, 0x00069007, struct.pack("<II", 1252, 0))     # attOemCodepage
          + attr(LVL_MESSAGE, 0x00078008, b"IPM.Microsoft Mail.Note\0")   # attMessageClass
          + attr(LVL_MESSAGE, 0x00018004, b"Quarterly figures\0")         # attSubject
          + attr(LVL_MESSAGE, 0x0002800C, "Hello from Outlook.\r\nThe figures are attached.\r\n".encode("cp1252"))
          + attachment("QUARTE~1.PDF", "Quarterly report.pdf", PT_STRING8, PDF)
          + attachment("UBERSI~1.CSV", "Übersicht 2024.csv", PT_UNICODE, CSV))


def mail(subject, winmail):
    b64 = base64.encodebytes(winmail).decode("ascii")
    return ("From: Outlook User <outlook@example.com>\n"
            "To: help@example.org\n"
            f"Subject: {subject}\n"
            "Date: Mon, 8 Jan 2024 10:00:00 +0000\n"
            "Message-ID: <tnef@example.com>\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"tnef-b\"\n"
            "\n"
            "--tnef-b\n"
            "Content-Type: text/plain; charset=us-ascii\n"
            "\n"
            "Please see the attached files.\n"
            "--tnef-b\n"
            "Content-Type: application/ms-tnef; name=\"winmail.dat\"\n"
            "Content-Disposition: attachment; filename=\"winmail.dat\"\n"
            "Content-Transfer-Encoding: base64\n"
            "\n"
            f"{b64}"
            "--tnef-b--\n")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        with open(sys.argv[1], "wb") as f:
            f.write(stream)
    with open("t/mime-corpus/tnef.eml", "w") as f:
        f.write(mail("TNEF with two files", stream))
    with open("t/mime-corpus/tnef-bad.eml", "w") as f:
        f.write(mail("TNEF cut short", stream[:200]))
