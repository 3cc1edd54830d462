#ifndef MAILDESK_RULES_STATS_H
#define MAILDESK_RULES_STATS_H

#include <stdint.h>

/* Process-wide count of rules_eval() calls, for the metrics endpoint
 * (read at scrape time; lib/rules never calls up into the daemon). */
void rules_stats_count_eval(void);
uint64_t rules_stats_evals(void);

#endif
