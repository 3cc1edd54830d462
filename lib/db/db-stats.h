#ifndef MAILDESK_DB_STATS_H
#define MAILDESK_DB_STATS_H

#include <stdint.h>

/* Process-wide statistics of lib/db for the metrics endpoint, read at
 * scrape time (lib/db never calls up into the daemon). Every function is
 * thread-safe (relaxed atomics) and never blocks. */

/* Count of failed database statements and connections (every failure
 * lib/db reports goes through db_result_check). */
void db_stats_count_error(void);
uint64_t db_stats_errors(void);

/* Statements sent to PostgreSQL (each statement, BEGIN/COMMIT and
 * savepoint commands included; prepares not), however many travel in one
 * round trip: statements per delivery next to round trips per delivery. */
void db_stats_count_statement(void);
uint64_t db_stats_statements(void);

/* Round trips to PostgreSQL (each wait for an answer: a statement, a
 * prepare, or a pipeline of several statements sent and its results read), by duration: a histogram with fixed upper bounds
 * db_stats_round_trip_buckets[] (seconds, ascending; +Inf implied). */
#define DB_STATS_N_BUCKETS 12
extern const double db_stats_round_trip_buckets[DB_STATS_N_BUCKETS];

/* Records one round trip that took seconds (negative counts as 0). */
void db_stats_observe_round_trip(double seconds);

/* A copy of the histogram: per-bucket counts (not cumulative), the number
 * of round trips and their summed duration in seconds. */
struct db_stats_round_trips {
	uint64_t bucket[DB_STATS_N_BUCKETS];
	uint64_t count;
	double sum_s;
};
void db_stats_round_trips(struct db_stats_round_trips *out);

/* Monotonic seconds (CLOCK_MONOTONIC), to time a round trip. */
double db_stats_now(void);

#endif
