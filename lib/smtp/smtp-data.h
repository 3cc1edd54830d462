#ifndef MD_SMTP_DATA_H
#define MD_SMTP_DATA_H
/* The DATA body decoder: a push parser that takes the bytes after the 354
 * in any split, removes dot-stuffing and finds the end of the message. Only
 * the strict sequence CRLF "." CRLF ends it (RFC 5321 4.1.1.4); a bare LF or
 * a bare CR never does, nor does "\n.\n" or "\r.\r" - accepting those would
 * let a client smuggle a second message past a filter that reads the
 * standard (SMTP smuggling). Bare CR and LF are kept in the message as they
 * came; a line starts only after CRLF. Lines may be of any length: the
 * message is capped as a whole. */
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

enum smtp_data_state {
	SMTP_DATA_LINE_START,  /* after CRLF, or at the very start */
	SMTP_DATA_DOT,         /* "." at the start of a line */
	SMTP_DATA_DOT_CR,      /* "." CR at the start of a line */
	SMTP_DATA_TEXT,        /* inside a line */
	SMTP_DATA_CR,          /* CR inside a line (or after ".." etc.) */
	SMTP_DATA_END,         /* CRLF.CRLF seen */
};

struct smtp_data {
	enum smtp_data_state state;
	struct buf *out;       /* the message; not owned */
	bool too_big;          /* out's cap was hit: out was freed and the
				* rest of the message is being discarded */
};

/* Starts a message that is appended to out, whose max (0: none) is the
 * size limit. */
void smtp_data_init(struct smtp_data *d, struct buf *out);
/* Decodes up to n bytes. Returns how many were used: all of them, or fewer
 * when the end of the message was reached (the rest belongs to the next
 * command). *end_r is set when the message is complete. Once too_big is set
 * nothing more is stored, but the end is still looked for. */
size_t smtp_data_parse(struct smtp_data *d, const char *p, size_t n, bool *end_r);

#endif
