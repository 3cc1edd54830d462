#ifndef MAILDESK_DB_STATS_H
#define MAILDESK_DB_STATS_H

#include <stdint.h>

/* Process-wide count of failed database statements and connections (every
 * failure lib/db reports goes through db_result_check), for the metrics
 * endpoint, read at scrape time: lib/db never calls up into the daemon. */
void db_stats_count_error(void);
uint64_t db_stats_errors(void);

#endif
