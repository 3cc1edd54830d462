# Shell functions shared by the benchmarks (sourced by bench/ingest and
# bench/outbound):
#   bench_machine PGSETTINGS  the machine, as markdown list lines: CPUs, CPU
#                             model, memory, kernel, the file system of
#                             $BENCH_TMP and PGSETTINGS (a line the caller
#                             read from its own PostgreSQL)
#   bench_results_file NAME   the markdown file a run writes its table to,
#                             $BENCH_RESULTS/NAME-YYYY-MM-DD.md (default
#                             folder: bench/results in the source tree)
#   bench_rss PID             VmRSS of a process in MB (one decimal)
#   bench_hwm PID             VmHWM (its peak RSS so far) in MB
#   bench_client ARGS...      bench/mail-client.py with Debian's python3
# Needs top_srcdir and BENCH_TMP.

bench_machine() {
	_mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	echo "- machine: $(nproc) CPUs (${_cpu:-unknown model}), $_mem memory, kernel $(uname -r)"
	echo "- temp folder: $BENCH_TMP on $(df -T "$BENCH_TMP" | awk 'NR == 2 { print $2 " (" $1 ")" }')"
	echo "- load average when the run began: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- $1"
}

bench_results_file() {
	_dir=${BENCH_RESULTS:-$top_srcdir/bench/results}
	mkdir -p "$_dir" || return 1
	echo "$_dir/$1-$(date -u +%Y-%m-%d).md"
}

bench_rss() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
bench_hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

bench_client() { /usr/bin/python3 "$top_srcdir/bench/mail-client.py" "$@"; }

# bench_field LINE NAME: the value of NAME=VALUE in one line of the client.
bench_field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# Database round trips and statements so far ("RT ST") of the maildeskd
# whose metrics_listen is 127.0.0.1:$MD_METRICS_PORT:
# maildesk_database_round_trip_seconds_count and
# maildesk_database_statements_total, summed over their label sets (also
# counts the heartbeat every 10 s and the few queries each scrape makes).
maildesk_round_trips() {
	/usr/bin/python3 - "http://127.0.0.1:$MD_METRICS_PORT/metrics" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
def total(name):
    n = [float(l.split()[-1]) for l in text.splitlines() if l.startswith(name)]
    return "%d" % sum(n) if n else "none"
print(total("maildesk_database_round_trip_seconds_count"), total("maildesk_database_statements_total"))
PY
}
