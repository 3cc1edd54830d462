# Assertions for the end-to-end shell tests. Each check prints one line,
# "ok - what" or "not ok - what (details)"; e2e_done exits 1 when any failed.
E2E_FAILED=0
E2E_COUNT=0

e2e_ok() { E2E_COUNT=$((E2E_COUNT + 1)); echo "ok $E2E_COUNT - $1"; }
e2e_fail() { E2E_COUNT=$((E2E_COUNT + 1)); E2E_FAILED=$((E2E_FAILED + 1)); echo "not ok $E2E_COUNT - $1"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then e2e_ok "$1"; else e2e_fail "$1 (expected '$2', got '$3')"; fi
}

# assert_match WHAT REGEX TEXT  (extended regex, matched against any line)
assert_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then e2e_ok "$1"; else
		e2e_fail "$1 (no line matches /$2/)"
		printf '%s\n' "$3" | sed 's/^/#   /' | head -40
	fi
}

assert_no_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		e2e_fail "$1 (a line matches /$2/)"
		printf '%s\n' "$3" | sed 's/^/#   /' | head -40
	else e2e_ok "$1"; fi
}

# sql QUERY: one value or rows, unaligned, from the test's PostgreSQL.
sql() { psql -X -Atq -v ON_ERROR_STOP=1 -c "$1"; }
# wait_sql QUERY VALUE: until the query returns VALUE (at most 30 s).
wait_sql() {
	for _i in $(seq 1 300); do
		[ "$(sql "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# Starts Postfix's smtp-sink as the relay (needs root for -u): every mail
# it takes is a file in $SINK_DIR; sets SINK_PORT, SINK_PID and
# MD_RELAY_HOST (for md_instance_init). The caller kills $SINK_PID.
sink_start() {
	SINK_PORT=$(md_free_port)
	SINK_DIR="$MD_TEST_TMP/sink"
	mkdir -p "$SINK_DIR"
	chown nobody "$SINK_DIR"
	/usr/sbin/smtp-sink -u nobody -d "$SINK_DIR/%M." 127.0.0.1:"$SINK_PORT" 50 &
	SINK_PID=$!
	MD_RELAY_HOST="127.0.0.1:$SINK_PORT"
}

# Mail caught by smtp-sink (-d "$SINK_DIR"): the files for a recipient, how
# many, and waiting until there are N (at most 30 s).
mail_for() { grep -l -i "^X-Rcpt-Args: <$1>" "$SINK_DIR"/* 2>/dev/null; }
count_for() { mail_for "$1" | wc -l; }
wait_count() {
	for _i in $(seq 1 300); do
		[ "$(count_for "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

e2e_done() {
	echo "1..$E2E_COUNT"
	[ "$E2E_FAILED" = 0 ] || { echo "# $E2E_FAILED of $E2E_COUNT checks failed"; exit 1; }
	exit 0
}
