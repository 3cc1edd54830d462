#include "config.h"
#include "log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *log_progname = "maildesk";
static enum log_level log_min = LOG_LEVEL_INFO;
static const char *const level_names[] = { "debug", "info", "warn", "error" };
/* syslog(3) priorities of the levels, for the journal's "<N>" prefix. */
static const int level_priorities[] = { 7, 6, 4, 3 };
static bool log_to_journal;

/* Is stderr the journal's stream? systemd sets JOURNAL_STREAM to its
 * "device:inode" (systemd.exec(5)); a redirected stderr no longer matches. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%ju:%ju", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_init(const char *progname, enum log_level min)
{
	log_progname = progname;
	log_min = min;
	log_to_journal = stderr_is_journal();
}

int log_level_parse(const char *s, enum log_level *level_r)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*level_r = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Formats the whole line first so concurrent threads never interleave. */
void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048];
	int n, m;
	va_list ap;

	if (level < log_min)
		return;
	/* The journal names the program and process itself and reads the
	 * priority from a "<N>" prefix; elsewhere the line says both. */
	if (log_to_journal)
		n = snprintf(line, sizeof(line), "<%d>level=%s ", level_priorities[level], level_names[level]);
	else
		n = snprintf(line, sizeof(line), "%s[%ld]: level=%s ", log_progname, (long)getpid(),
			     level_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* Nowhere left to report a failing stderr. */
	}
}

const char *log_quote(char *out, size_t out_size, const char *in, size_t in_len, size_t max_in)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (out_size < 8) {
		if (out_size)
			out[0] = '\0';
		return out;
	}
	out[o++] = '"';
	for (i = 0; i < in_len && i < max_in; i++) {
		unsigned char c = (unsigned char)in[i];
		if (o + 8 >= out_size)
			break;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	if (i < in_len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}
