#include "config.h"
#include "db-stats.h"

#include <stdatomic.h>
#include <time.h>

static atomic_uint_fast64_t errors;
static atomic_uint_fast64_t statements;

const double db_stats_round_trip_buckets[DB_STATS_N_BUCKETS] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
								  0.01,   0.025,   0.05,   0.1,   0.5,    1 };
static atomic_uint_fast64_t rt_bucket[DB_STATS_N_BUCKETS];
static atomic_uint_fast64_t rt_count;
static atomic_uint_fast64_t rt_sum_ns;

/* Relaxed: a counter, ordered with nothing. */
void db_stats_count_error(void)
{
	atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed);
}

uint64_t db_stats_errors(void)
{
	return atomic_load_explicit(&errors, memory_order_relaxed);
}

/* Relaxed: a counter, ordered with nothing. */
void db_stats_count_statement(void)
{
	atomic_fetch_add_explicit(&statements, 1, memory_order_relaxed);
}

uint64_t db_stats_statements(void)
{
	return atomic_load_explicit(&statements, memory_order_relaxed);
}

/* Relaxed counters: a scrape may see a round trip in the count a moment
 * before its bucket, which Prometheus tolerates between scrapes. */
void db_stats_observe_round_trip(double seconds)
{
	if (seconds < 0)
		seconds = 0;
	for (unsigned i = 0; i < DB_STATS_N_BUCKETS; i++) {
		if (seconds <= db_stats_round_trip_buckets[i]) {
			atomic_fetch_add_explicit(&rt_bucket[i], 1, memory_order_relaxed);
			break;
		}
	}
	atomic_fetch_add_explicit(&rt_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&rt_sum_ns, (uint_fast64_t)(seconds * 1e9), memory_order_relaxed);
}

/* Contract in db-stats.h. */
void db_stats_round_trips(struct db_stats_round_trips *out)
{
	for (unsigned i = 0; i < DB_STATS_N_BUCKETS; i++)
		out->bucket[i] = atomic_load_explicit(&rt_bucket[i], memory_order_relaxed);
	out->count = atomic_load_explicit(&rt_count, memory_order_relaxed);
	out->sum_s = (double)atomic_load_explicit(&rt_sum_ns, memory_order_relaxed) / 1e9;
}

/* CLOCK_MONOTONIC: round trips are durations, not dates. */
double db_stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
