#!/bin/sh
# lib/db is the only place with SQL (issue 11): fails, printing FILE:LINE of
# each finding, when a .c or .h file outside lib/db holds an SQL statement in
# a string literal ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH ",
# "LOCK ", "LISTEN ", any case), includes lib/db's db-private.h, or includes
# libpq-fe.h. The storage tests' SQL (fixtures and assertions against a real
# PostgreSQL, t/*.c) is allowed, and t/pg-lib.c alone reaches db_exec()
# through db-private.h. Usage: t/test-no-sql.sh [SOURCE_DIR] (default: the
# source tree).
set -u
root=${1:-${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}}
cd "$root" || exit 99
[ -f lib/db/db.h ] || { echo "test-no-sql: $root is not a maildesk source tree" >&2; exit 99; }

# Every .c and .h file but lib/db's, outside build trees and .git.
sources() {
	find . \( -name .git -o -name build -o -name _build -o -name asan -o -name autom4te.cache \) -prune \
		-o -type f \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | grep -v '^lib/db/' | sort
}

found=0
report() {
	# grep -n output (FILE:LINE:TEXT) with why.
	while IFS= read -r hit; do
		[ -n "$hit" ] || continue
		echo "test-no-sql: ${hit%%:*}:$(echo "$hit" | cut -d: -f2): $1: $(echo "$hit" | cut -d: -f3- | sed 's/^[[:space:]]*//')"
		found=$((found + 1))
	done
}

list=$(sources)
[ -n "$list" ] || { echo "test-no-sql: no source files under $root" >&2; exit 99; }
sql='"(SELECT|INSERT|UPDATE|DELETE|WITH|LOCK|LISTEN)([[:space:]]|\\[nt])'
# shellcheck disable=SC2086 # file names have no blanks
report "SQL outside lib/db" <<EOF2
$(echo "$list" | grep -v '^t/' | xargs grep -n -i -H -E "$sql" /dev/null)
EOF2
report "includes lib/db's private header" <<EOF2
$(echo "$list" | grep -v '^t/pg-lib\.c$' | xargs grep -n -H -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?db-private\.h[">]' /dev/null)
EOF2
report "includes libpq" <<EOF2
$(echo "$list" | xargs grep -n -H -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?libpq-fe\.h[">]' /dev/null)
EOF2

if [ "$found" -gt 0 ]; then
	echo "test-no-sql: $found finding(s): SQL belongs in a typed operation of lib/db" >&2
	exit 1
fi
echo "test-no-sql: $(echo "$list" | wc -l) files outside lib/db, no SQL, no libpq"
exit 0
