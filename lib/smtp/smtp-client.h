#ifndef MD_SMTP_CLIENT_H
#define MD_SMTP_CLIENT_H
/* The client side's reading of a server's replies (RFC 5321 4.2): what the
 * relay answers is text from a stranger, read here without I/O so that
 * tests and fuzzers reach it (daemon/relay.c does the talking). */
#include <stdbool.h>
#include <stddef.h>

/* One line of a reply, "250-text" or "250 text". */
struct smtp_client_line {
	/* The reply code: three digits, the first 1-5, followed by ' ', '-'
	 * or the end of the line; 0 for any other line. */
	int code;
	bool more;        /* "250-": more lines of this reply follow (never with code 0) */
	const char *text; /* after the code and its separator: points into line, "" when none */
	bool starttls;    /* text is the EHLO keyword STARTTLS (any case), alone or
			   * followed by white space */
};

/* Reads one reply line (line ends already removed; line is not NULL).
 * Never fails: a line that is not a reply gets code 0. */
void smtp_client_line_parse(const char *line, struct smtp_client_line *l_r);

/* Appends text to the one-line summary in out, a NUL-terminated string in
 * size bytes (size > 0), after a space when out is not empty: CR, LF and
 * tab become spaces, every other byte outside printable ASCII (0x20-0x7e)
 * a '?', so the summary is safe for a log line and a UTF-8 text column.
 * Cut at size - 1 bytes; out always stays terminated. */
void smtp_client_text_append(char *out, size_t size, const char *text);

/* "CODE text" for a reply whose text is response (NULL: none; multi-line
 * replies joined by line ends are fine), as smtp_client_text_append
 * cleans it, trailing spaces removed, into out (size > 0, always
 * terminated). */
void smtp_client_reply_summary(int code, const char *response, char *out, size_t size);

#endif
