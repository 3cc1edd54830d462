#!/bin/sh
# The routes a session remembers between RCPT and DATA (issue 10 point 7):
# one transaction's worth, found by hash, forgotten at the next MAIL.
# One LMTP session, many recipients over five teams in several
# transactions (one abandoned with RSET): every recipient answered 250 and
# every team gets exactly its own message. And an alias moved to another
# team during the session routes the next transaction to the new team (the
# old per-session list kept the first route it saw for an address).
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

MD_EXTRA_CONF="max_recipients = 150
pipeline_depth = 1000"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
for i in 0 1 2 3 4; do
	md_ctl team add "t$i" --tenant demo --alias "t$i@demo.example" >/dev/null || { echo "setup failed"; exit 99; }
done
md_ctl team add sales --tenant demo --alias sales@demo.example >/dev/null || exit 99
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT

out=$(/usr/bin/python3 - "$MD_LMTP_PORT" <<'PY'
import socket, subprocess, sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
f = s.makefile("rb")

def reply():
    """One (possibly multi-line) reply: its code."""
    while True:
        line = f.readline().decode()
        if not line:
            raise SystemExit("connection closed")
        if line[3:4] != "-":
            return int(line[:3])

def send(data):
    s.sendall(data.encode())

def message(subject):
    return ("From: carla@customer.example\r\nSubject: %s\r\nMessage-Id: <%s@customer.example>\r\n\r\n"
            "body\r\n.\r\n" % (subject, subject.replace(" ", "-")))

def transaction(rcpts, subject, data=True):
    """MAIL, pipelined RCPTs, then DATA (or RSET): every reply code."""
    send("MAIL FROM:<carla@customer.example>\r\n" + "".join("RCPT TO:<%s>\r\n" % r for r in rcpts))
    codes = [reply()] + [reply() for _ in rcpts]
    if not data:
        send("RSET\r\n")
        return codes + [reply()]
    send("DATA\r\n")
    codes.append(reply())
    send(message(subject))
    return codes + [reply() for c in codes[1:-1] if c == 250]

reply()
send("LHLO test\r\n"); reply()
many = lambda tag: ["t%d+%s%d@demo.example" % (i % 5, tag, i) for i in range(150)]
a = transaction(many("a"), "many a")
b = transaction(many("b"), "abandoned", data=False)
c = transaction(many("c"), "many c")
print("a", "all-ok" if a[0] == 250 and set(a[1:151]) == {250} and a[151] == 354 and set(a[152:]) == {250} and len(a) == 302 else a)
print("b", "all-ok" if set(b[:151]) == {250} and b[151] == 250 else b)
print("c", "all-ok" if a[0] == 250 and set(c[1:151]) == {250} and c[151] == 354 and set(c[152:]) == {250} and len(c) == 302 else c)
# one more than max_recipients in one transaction: the last is refused
d = transaction(many("d") + ["t0+over@demo.example"], "over")
print("d", d[151], d[152:].count(250))
# the alias moves while the session is open
e1 = transaction(["sales@demo.example"], "before move")
subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-c",
                "update team_aliases set team_id = (select id from teams where name = 't0')"
                " where address = 'sales@demo.example'"], check=True)
e2 = transaction(["sales@demo.example"], "after move")
print("e", e1, e2)
send("QUIT\r\n"); reply()
PY
)
assert_match "150 recipients over five teams: every RCPT and every delivery 250" '^a all-ok$' "$out"
assert_match "an abandoned transaction of 150 recipients, then RSET" '^b all-ok$' "$out"
assert_match "the next 150 recipients in the same session: all 250" '^c all-ok$' "$out"
assert_match "the recipient past max_recipients is refused, the 150 before it delivered" '^d 452 150$' "$out"
for i in 0 1 2 3 4; do
	assert_eq "team t$i got each delivered message once, and only those" "many a|many c|over" \
		"$(sql "select string_agg(subject, '|' order by subject) from tickets t join teams m on m.id = t.team_id where m.name = 't$i' and subject <> 'after move'")"
done
assert_eq "the abandoned transaction delivered nothing" 0 "$(sql "select count(*) from tickets where subject = 'abandoned'")"
assert_match "both transactions to the moving alias are accepted" '^e \[250, 250, 354, 250\] \[250, 250, 354, 250\]$' "$out"
assert_eq "before the move, the alias's mail goes to its team" sales \
	"$(sql "select m.name from tickets t join teams m on m.id = t.team_id where subject = 'before move'")"
assert_eq "after the move, the next transaction of the same session goes to the new team" t0 \
	"$(sql "select m.name from tickets t join teams m on m.id = t.team_id where subject = 'after move'")"
md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
trap - EXIT
e2e_done
