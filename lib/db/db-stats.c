#include "config.h"
#include "db-stats.h"

#include <stdatomic.h>

static atomic_uint_fast64_t errors;

/* Relaxed: a counter, ordered with nothing. */
void db_stats_count_error(void)
{
	atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed);
}

uint64_t db_stats_errors(void)
{
	return atomic_load_explicit(&errors, memory_order_relaxed);
}
