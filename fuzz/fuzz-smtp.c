/* Fuzz target: the whole SMTP/LMTP session core (lib/smtp). The input is
 * a client's byte stream, fed in chunks; a fake application answers RCPT
 * and DATA at once or late, accepting or refusing, and STARTTLS "succeeds".
 * Replies are discarded, but the contract of smtp-server.h is checked:
 * whole CRLF-ended reply lines, nothing written after close(), one close,
 * reply codes 200-599 in the trace.
 *
 * Input layout: byte 0 = flags (FL_*) xor 0x40, so that '@' is "SMTP,
 * defaults" and 'A'..'_' set the low five flags; bytes 1-3 = chunk sizes,
 * used in turn (n % 64 + 1 bytes: '@' 1, 'A' 2, ..., '~' 63; a NUL byte
 * = the whole rest); then the session bytes. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "smtp/smtp-server.h"

#define FL_LMTP 0x01     /* LMTP instead of SMTP */
#define FL_STARTTLS 0x02 /* offer STARTTLS */
#define FL_LATE 0x04     /* answer RCPT/DATA after each chunk, not at once */
#define FL_REFUSE 0x08   /* refuse some recipients and messages */
#define FL_TAKE 0x10     /* steal the message buffer in the data callback */
#define FL_SMALL 0x20    /* tight limits: 200-byte messages, 3 rcpts, depth 2 */
#define FL_SHUTDOWN 0x40 /* call smtp_session_shutdown() halfway */
#define FL_TIMEOUT 0x80  /* end with smtp_session_timeout() */

#define FL_XOR 0x40
#define HEADER_LEN 4

struct app {
	struct smtp_session *s;
	unsigned flags;
	bool rcpt_pending;
	size_t data_pending; /* recipients of the pending DATA not yet answered */
	size_t data_total;
	bool closed;
	unsigned n_rcpt_seen;
	unsigned n_data; /* data callbacks so far */
};

/* The contract: complete reply lines only, and none after close(). */
static void app_write(void *ctx, const char *data, size_t len)
{
	struct app *a = ctx;

	if (a->closed || len < 2 || data[len - 2] != '\r' || data[len - 1] != '\n')
		abort();
}

/* Accepts or refuses one recipient by a rule that depends on the count
 * only, so the same input always takes the same path. */
static void app_rcpt_answer(struct app *a)
{
	unsigned n = a->n_rcpt_seen++;

	a->rcpt_pending = false;
	if ((a->flags & FL_REFUSE) && n % 3 == 1)
		smtp_session_rcpt_reply(a->s, 550, "5.1.1", "No such user\x01here");
	else if ((a->flags & FL_REFUSE) && n % 3 == 2)
		smtp_session_rcpt_reply(a->s, 700, NULL, "out of range");
	else
		smtp_session_rcpt_reply(a->s, 250, "2.1.5", "Ok");
}

/* Answers every recipient of the pending message, last index first so the
 * core has to put LMTP replies back in RCPT order. The last answer may
 * resume pipelined input and start the next message (n_data changes):
 * its recipients are not ours to answer here. */
static void app_data_answer(struct app *a)
{
	unsigned gen = a->n_data;
	size_t total = a->data_total;

	a->data_pending = 0;
	for (size_t i = total; i-- > 0 && a->n_data == gen;) {
		if ((a->flags & FL_REFUSE) && i % 2 == 1)
			smtp_session_data_reply(a->s, i, 452, "4.3.1", "Full");
		else
			smtp_session_data_reply(a->s, i, 250, "2.0.0", "Ok");
	}
	/* Out of range and repeated answers must be ignored. */
	if (a->n_data == gen) {
		smtp_session_data_reply(a->s, total, 250, NULL, "Ok");
		smtp_session_data_reply(a->s, 0, 250, NULL, "Ok");
	}
}

/* A recipient to look up: the core promises local@domain. */
static void app_rcpt(void *ctx, const char *address)
{
	struct app *a = ctx;

	if (address == NULL || strchr(address, '@') == NULL)
		abort();
	a->rcpt_pending = true;
	if (!(a->flags & FL_LATE))
		app_rcpt_answer(a);
}

/* A whole message: at least one recipient, by the contract. */
static void app_data(void *ctx, const struct smtp_transaction *t, const char *msg, size_t len)
{
	struct app *a = ctx;

	if (t->n_rcpts == 0 || (len > 0 && msg == NULL))
		abort();
	if (a->flags & FL_TAKE)
		free(smtp_session_take_message(a->s));
	a->n_data++;
	a->data_total = t->n_rcpts;
	a->data_pending = t->n_rcpts;
	if (!(a->flags & FL_LATE))
		app_data_answer(a);
}

/* TLS "starts" at once, from inside the callback, as the header allows. */
static void app_starttls(void *ctx)
{
	struct app *a = ctx;

	smtp_session_tls_started(a->s);
}

/* The core asks to close once; it must not write after that. */
static void app_close(void *ctx, const char *reason)
{
	struct app *a = ctx;

	if (a->closed || reason == NULL)
		abort();
	a->closed = true;
}

/* Every reply is logged with a verb and a code the client can read. */
static void app_trace(void *ctx, const char *command, unsigned reply_code)
{
	if (command == NULL || reply_code < 200 || reply_code > 599)
		abort();
}

/* The late application: whatever waits gets its answer now. Answers may
 * run queued commands that wait again, so this loops (bounded by the
 * queue, which the core caps at pipeline_depth). */
static void app_answer_late(struct app *a)
{
	for (unsigned i = 0; i < 10000 && (a->rcpt_pending || a->data_pending > 0); i++) {
		if (a->rcpt_pending)
			app_rcpt_answer(a);
		else
			app_data_answer(a);
	}
}

/* The session settings the flags ask for. */
static struct smtp_server_settings settings_for(unsigned flags)
{
	bool small = flags & FL_SMALL;

	return (struct smtp_server_settings){
		.protocol = (flags & FL_LMTP) ? SMTP_PROTOCOL_LMTP : SMTP_PROTOCOL_SMTP,
		.hostname = "mx.example",
		.max_message_size = small ? 200 : 100000,
		.max_recipients = small ? 3 : 0,
		.max_bad_commands = small ? 2 : 0,
		.pipeline_depth = small ? 2 : 0,
		.starttls = flags & FL_STARTTLS,
	};
}

/* Feeds the session bytes in chunks whose sizes come from the header. */
static void feed_chunks(struct app *a, const uint8_t *hdr, const uint8_t *p, size_t len)
{
	size_t off = 0;

	for (unsigned i = 0; off < len; i++) {
		uint8_t c = hdr[i % 3];
		size_t n = c == 0 ? len - off : (size_t)(c % 64) + 1;

		if (n > len - off)
			n = len - off;
		smtp_session_feed(a->s, (const char *)p + off, n);
		off += n;
		if (a->flags & FL_LATE)
			app_answer_late(a);
		if ((a->flags & FL_SHUTDOWN) && off >= len / 2)
			smtp_session_shutdown(a->s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct smtp_server_callbacks cb = {
		.write = app_write,
		.rcpt = app_rcpt,
		.data = app_data,
		.starttls = app_starttls,
		.close = app_close,
		.trace = app_trace,
	};
	struct app a = { .flags = size > 0 ? data[0] ^ FL_XOR : 0 };
	struct smtp_server_settings set = settings_for(a.flags);

	if (size < HEADER_LEN)
		return 0;
	a.s = smtp_session_new(&set, &cb, &a);
	feed_chunks(&a, data + 1, data + HEADER_LEN, size - HEADER_LEN);
	if (a.flags & FL_TIMEOUT)
		smtp_session_timeout(a.s);
	app_answer_late(&a);
	smtp_session_free(&a.s);
	return 0;
}
