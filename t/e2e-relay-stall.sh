#!/bin/sh
# Outbound claims against a relay that stalls (issue 10 point 8): a daemon
# never takes back a row it is still sending, even once the row looks
# stale; a claim names its daemon; relay_timeout bounds each wait; and a
# relay that answers a byte at a time (each wait short, the session
# endless) is cut off at timeout x (12 + recipients), so no session
# outlasts its claim.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

RELAY_PORT=$(md_free_port)
MD_RELAY_HOST="127.0.0.1:$RELAY_PORT"
MD_EXTRA_CONF="relay_timeout = 5s"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
RELAY_PID=
cleanup() { md_daemon_stop; [ -z "$RELAY_PID" ] || kill "$RELAY_PID" 2>/dev/null; }
trap cleanup EXIT

# relay_start MODE: "stall" greets never; "trickle" answers every line
# with "250 ok" (the greeting "220 t"), one byte each 0.8 s. Each accepted
# connection appends a line to $MD_TEST_TMP/conns.
relay_start() {
	: > "$MD_TEST_TMP/conns"
	/usr/bin/python3 - "$RELAY_PORT" "$1" "$MD_TEST_TMP/conns" <<'PY' &
import socket, sys, threading, time
port, mode, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)

def trickle(c, text):
    for b in text.encode():
        time.sleep(0.8)
        c.sendall(bytes([b]))

def serve(c):
    try:
        if mode == "stall":
            while c.recv(4096):
                pass
            return
        trickle(c, "220 t\r\n")
        f = c.makefile("rb")
        while f.readline():
            trickle(c, "250 ok\r\n")
    except OSError:
        pass
    finally:
        c.close()

while True:
    c, _ = srv.accept()
    with open(log, "a") as f:
        f.write("conn\n")
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
	RELAY_PID=$!
	for _i in $(seq 1 50); do
		/usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $RELAY_PORT), 1).close()" 2>/dev/null && break
		sleep 0.1
	done
	# The probe's own line is written after its connect returned: wait
	# for it before starting the count (a loaded machine wrote it late).
	for _i in $(seq 1 50); do [ -s "$MD_TEST_TMP/conns" ] && break; sleep 0.1; done
	: > "$MD_TEST_TMP/conns"
}
relay_stop() { kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=; }
conns() { wc -l < "$MD_TEST_TMP/conns" | tr -d ' '; }
printf 'From: support@demo.example\r\nTo: carla@customer.example\r\nSubject: stall\r\n\r\nhello\r\n' > "$MD_TEST_TMP/m.eml"
inject() { md_ctl queue inject --tenant demo --from support@demo.example --to carla@customer.example --file "$MD_TEST_TMP/m.eml"; }

# --- a relay that never greets
relay_start stall
md_daemon_start || exit 99
claimer=$(sed -n 's/.*event=outbound.start .*claimer=\([^ ]*\).*/\1/p' "$MD_DIR/maildeskd.log" | tail -1)
assert_match "the sender names itself host/pid/random" "^[^/ ]+/$MD_DAEMON_PID/[0-9a-f]{12}$" "$claimer"
id=$(inject)
wait_sql "select state from outbound where id = $id" sending
assert_eq "the row is claimed, by this daemon" "sending|$claimer|1" \
	"$(sql "select state || '|' || claimed_by || '|' || attempts from outbound where id = $id")"
for _i in $(seq 1 30); do [ "$(conns)" -ge 1 ] && break; sleep 0.1; done
# The row looks stale now (as if its window had passed), and the sender is woken.
sql "update outbound set next_attempt_at = now() - interval '1 second' where id = $id" >/dev/null
sql "notify maildesk_outbound" >/dev/null
sleep 1.5
assert_eq "the daemon does not claim its own in-flight row again" "sending|1" \
	"$(sql "select state || '|' || attempts from outbound where id = $id")"
assert_eq "so the relay sees one session, not two" 1 "$(conns)"
wait_sql "select state from outbound where id = $id" deferred
assert_match "relay_timeout (5 s) ends the stalled wait: deferred, not lost" '^deferred\|1\|.*connect' \
	"$(sql "select state || '|' || attempts || '|' || coalesce(last_error, '') from outbound where id = $id")"
md_daemon_stop
relay_stop

# --- a relay that answers a byte at a time: every wait short, the session endless
MD_EXTRA_CONF="relay_timeout = 1s"
md_write_conf
relay_start trickle
md_daemon_start || exit 99
id=$(inject)
start=$(date +%s)
wait_sql "select state from outbound where id = $id" deferred
took=$(( $(date +%s) - start ))
assert_match "the session is cut off at relay_timeout x (12 + 1 recipient) = 13 s" \
	'^deferred\|.*longer than 13 s.*relay_timeout 1 s' \
	"$(sql "select state || '|' || coalesce(last_error, '') from outbound where id = $id")"
if [ "$took" -ge 12 ] && [ "$took" -le 25 ]; then e2e_ok "after about 13 s ($took s)"; else e2e_fail "after about 13 s (took $took s)"; fi
md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
relay_stop
trap - EXIT
e2e_done
