#ifndef MD_LOG_H
#define MD_LOG_H
/* One line per event on stderr:
 *   maildeskd[PID]: level=info event=session.start session=1a2b3c src=127.0.0.1
 * When stderr is the journal's stream (JOURNAL_STREAM matches it, as under
 * systemd), the line instead starts with the syslog priority the journal
 * reads, and no name or PID (the journal adds them):
 *   <6>level=info event=session.start session=1a2b3c src=127.0.0.1
 * (debug <7>, info <6>, warn <4>, error <3>), so `journalctl -p warning`
 * finds the warnings and errors.
 * Messages are key=value; values that come from clients must go through
 * log_quote() first. Safe to call from any thread: each line is written with a
 * single write(2). */
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* Sets the program name shown in each line and the lowest level written,
 * and looks whether stderr is the journal (see above). */
void log_init(const char *progname, enum log_level min);
/* Parses "debug", "info", "warn", "error". Returns 0, or -1 if unknown. */
int log_level_parse(const char *s, enum log_level *level_r);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* Makes client text safe for one log value: wraps it in double quotes,
 * escapes quotes and backslashes, turns control and non-ASCII bytes into
 * \xNN, and truncates past max_in input bytes (adding "..."). Writes into
 * out (size out_size, always terminated) and returns out. */
const char *log_quote(char *out, size_t out_size, const char *in, size_t in_len, size_t max_in);

#endif
