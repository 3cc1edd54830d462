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

e2e_done() {
	echo "1..$E2E_COUNT"
	[ "$E2E_FAILED" = 0 ] || { echo "# $E2E_FAILED of $E2E_COUNT checks failed"; exit 1; }
	exit 0
}
