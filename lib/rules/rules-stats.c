#include "config.h"
#include "rules-stats.h"

#include <stdatomic.h>

static atomic_uint_fast64_t evals;

/* Relaxed: a counter, ordered with nothing. */
void rules_stats_count_eval(void)
{
	atomic_fetch_add_explicit(&evals, 1, memory_order_relaxed);
}

uint64_t rules_stats_evals(void)
{
	return atomic_load_explicit(&evals, memory_order_relaxed);
}
