#!/bin/sh
# The service as systemd runs it, without needing systemd as PID 1:
#  - `make install` into a fresh root ships the unit, a sysusers.d and a
#    tmpfiles.d entry; systemd-sysusers and systemd-tmpfiles (--root) make the
#    maildesk user and its folders with the right owners and modes;
#  - `systemd-analyze security` rates the installed unit at 2.5 or better;
#  - maildeskd speaks sd_notify to a socket of ours: READY=1, WATCHDOG=1 at
#    the interval WATCHDOG_USEC asks for, STATUS= lines, STOPPING=1;
#  - with stderr as the journal's stream (JOURNAL_STREAM) every log line
#    carries its syslog priority prefix and no doubled name.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

root="$MD_TEST_TMP/root"
# ---- make install into an empty root, then what a package install runs ----
make -s -C "$top_builddir" install DESTDIR="$root" >"$MD_TEST_TMP/install.log" 2>&1
assert_eq "make install DESTDIR=... succeeds" 0 "$?"
unit=$(find "$root" -name maildeskd.service -path '*systemd/system*' | head -n 1)
sysusers=$(find "$root" -path '*sysusers.d/maildesk.conf' | head -n 1)
tmpfiles=$(find "$root" -path '*tmpfiles.d/maildesk.conf' | head -n 1)
assert_match "the unit is installed" 'maildeskd\.service$' "$unit"
socket_unit=$(find "$root" -name maildeskd.socket -path '*systemd/system*' | head -n 1)
assert_match "the optional LMTP socket unit is installed beside it" 'maildeskd\.socket$' "$socket_unit"
assert_match "it hands its socket only to the owner and Postfix's group" 'SocketMode=0660' "$(cat "$socket_unit" 2>/dev/null)"
assert_match "a sysusers.d entry is installed" 'sysusers\.d/maildesk\.conf$' "$sysusers"
assert_match "a tmpfiles.d entry is installed" 'tmpfiles\.d/maildesk\.conf$' "$tmpfiles"
assert_match "maildeskctl's bash completion is installed" 'share/bash-completion/completions/maildeskctl$' \
	"$(find "$root" -path '*bash-completion/completions/maildeskctl')"

mkdir -p "$root/etc"
: >"$root/etc/passwd"
: >"$root/etc/group"
systemd-sysusers --root="$root" "$sysusers" >"$MD_TEST_TMP/sysusers.log" 2>&1
assert_eq "systemd-sysusers applies it" 0 "$?"
uid=$(awk -F: '$1 == "maildesk" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "maildesk" { print $3 }' "$root/etc/group")
assert_match "it makes a maildesk system user" '^[0-9]+$' "$uid"
assert_match "and a maildesk group" '^[0-9]+$' "$gid"
assert_eq "with /var/lib/maildesk as its home" /var/lib/maildesk "$(awk -F: '$1 == "maildesk" { print $6 }' "$root/etc/passwd")"
systemd-tmpfiles --root="$root" --create "$tmpfiles" >"$MD_TEST_TMP/tmpfiles.log" 2>&1
assert_eq "systemd-tmpfiles --create applies it" 0 "$?"
assert_eq "/var/lib/maildesk: maildesk's, 0750" "$uid:$gid 750" "$(stat -c '%u:%g %a' "$root/var/lib/maildesk" 2>&1)"
assert_eq "the DKIM key folder: maildesk's alone, 0700" "$uid:$gid 700" "$(stat -c '%u:%g %a' "$root/var/lib/maildesk/dkim" 2>&1)"
assert_eq "/etc/maildesk: root's, the group may read, 0750" "0:$gid 750" "$(stat -c '%u:%g %a' "$root/etc/maildesk" 2>&1)"
assert_match "the unit's key folder default matches" 'dkim_key_dir *= */var/lib/maildesk/dkim' "$(cat "$top_srcdir/conf/maildesk.conf")"

# ---- hardening, as systemd rates it ----
sec=$(systemd-analyze security --offline=yes "$unit" 2>&1)
level=$(echo "$sec" | sed -n 's/.*Overall exposure level for maildeskd.service: \([0-9.]*\).*/\1/p')
assert_match "systemd-analyze rates the unit" '^[0-9]+\.[0-9]$' "$level"
assert_eq "exposure is 2.5 or less (it is $level)" yes "$(awk -v l="$level" 'BEGIN { print (l != "" && l <= 2.5) ? "yes" : "no" }')"
for key in 'LimitNOFILE=65536' 'WatchdogSec=' 'SyslogFacility=mail' 'CapabilityBoundingSet=$' \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service' 'PrivateDevices=yes' \
	'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' 'UMask=0027' 'StateDirectory=maildesk'; do
	assert_match "the unit sets $key" "^$key" "$(cat "$unit")"
done
nofile=$(sed -n 's/^LimitNOFILE=//p' "$unit")
maxconn=$(sed -n 's/^# *max_connections *= *\([0-9]*\).*/\1/p' "$top_srcdir/conf/maildesk.conf" | head -n 1)
assert_eq "LimitNOFILE ($nofile) is above max_connections ($maxconn)" yes "$([ -n "$maxconn" ] && [ "$nofile" -gt "$maxconn" ] && echo yes)"

# ---- sd_notify and the journal's log format, against a real daemon ----
md_instance_init "$MD_TEST_TMP/md" || exit 1
sock="$MD_TEST_TMP/notify.sock"
/usr/bin/python3 - "$sock" "$MD_TEST_TMP/notify.txt" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w") as out:
    start = time.monotonic()
    while time.monotonic() - start < 20:
        try:
            data = s.recv(4096).decode()
        except socket.timeout:
            break
        for line in data.splitlines():
            out.write("%.3f %s\n" % (time.monotonic() - start, line))
            out.flush()
        if "STOPPING=1" in data:
            break
PY
listener=$!
for _i in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
: >"$MD_DIR/maildeskd.log"
NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 JOURNAL_STREAM=$(stat -c '%d:%i' "$MD_DIR/maildeskd.log") \
	md_daemon_start || exit 1
sleep 1.5
# A reload with a broken configuration is a warning.
cp "$MD_CONF" "$MD_TEST_TMP/good.conf"
echo "no_such_key = 1" >>"$MD_CONF"
kill -HUP "$MD_DAEMON_PID"
sleep 0.5
cp "$MD_TEST_TMP/good.conf" "$MD_CONF"
md_daemon_stop
wait "$listener"

notes=$(cat "$MD_TEST_TMP/notify.txt")
assert_match "the daemon says READY=1" ' READY=1$' "$notes"
beats=$(grep -c ' WATCHDOG=1$' "$MD_TEST_TMP/notify.txt")
assert_eq "it beats the watchdog at least 4 times in 1.5 s at WATCHDOG_USEC=0.4 s (got $beats)" yes "$([ "$beats" -ge 4 ] && echo yes)"
assert_match "it sends a status line" ' STATUS=[0-9]+ sessions open$' "$notes"
assert_match "a failed reload says RELOADING=1" ' RELOADING=1$' "$notes"
assert_match "it says STOPPING=1 at SIGTERM" ' STOPPING=1$' "$notes"

log=$(cat "$MD_DIR/maildeskd.log")
assert_match "log lines start with the journal's priority" '^<6>level=info event=ready' "$log"
assert_match "a warning is priority 4" '^<4>level=warn event=reload status=failed' "$log"
assert_no_match "no doubled name or PID in the journal's lines" 'maildeskd\[[0-9]+\]:' "$log"
bad=$(grep -v -E '^(<7>level=debug|<6>level=info|<4>level=warn|<3>level=error) ' "$MD_DIR/maildeskd.log" | grep -v 'maildeskd:' | head -n 3)
assert_eq "every line's prefix matches its level" "" "$bad"

# Without the journal (a terminal, a file of the admin's) lines name the program.
: >"$MD_DIR/maildeskd.log"
md_daemon_start || exit 1
md_daemon_stop
assert_match "elsewhere a line names program and PID" '^maildeskd\[[0-9]+\]: level=info event=ready' "$(cat "$MD_DIR/maildeskd.log")"
md_instance_stop
e2e_done
