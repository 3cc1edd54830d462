/* A request's first message as mail: composed by lib/mime From the
 * requester To the team, and described to lib/db exactly as a delivery
 * describes a received message (struct db_message_in), so the pipeline
 * stores and handles it like customer mail. The text and the attachments
 * are known, so nothing is parsed back. */
#include "config.h"
#include "desk/desk-request-private.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/xalloc.h"
#include "mime/mime-compose.h"
#include "mime/mime-fields.h"
#include "mime/mime.h"

/* A Message-ID of our host that names no ticket (threading must not read
 * it as one of ours). */
static char *request_message_id(const struct desk_settings *s)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[16];
	char nonce[sizeof(rnd) + 1];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		abort(); /* the kernel's random source never fails for 16 bytes */
	for (size_t i = 0; i < sizeof(rnd); i++)
		nonce[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	nonce[sizeof(rnd)] = '\0';
	return xasprintf("request.%s@%s", nonce, s->hostname != NULL && s->hostname[0] != '\0' ? s->hostname : "localhost");
}

/* The text with LF line ends, as a parsed text body has them. */
static char *text_lf(const char *text, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (text[i] != '\r' || i + 1 >= len || text[i + 1] != '\n')
			out[n++] = text[i];
	out[n] = '\0';
	return out;
}

/* The attachments as stored: sanitised names, their hashes. */
static void attachments_fill(struct desk_request_mail *rm, const struct desk_request *rq)
{
	size_t n = rq->n_attachments;

	rm->attachments = xcalloc(n + 1, sizeof(*rm->attachments));
	rm->filenames = xcalloc(n + 1, sizeof(*rm->filenames));
	rm->hashes = xcalloc(n + 1, sizeof(*rm->hashes));
	for (size_t i = 0; i < n; i++) {
		const struct mime_compose_attachment *a = &rq->attachments[i];

		rm->filenames[i] = mime_filename_sanitise(a->filename);
		mime_sha256_hex(a->data, a->size, rm->hashes[i]);
		rm->attachments[i] = (struct db_attachment_in){
			.filename = rm->filenames[i], .content_type = a->content_type, .data = a->data,
			.size = a->size, .sha256_hex = rm->hashes[i],
		};
	}
}

/* The header section of the composed message (without the blank line). */
static void headers_fill(struct desk_request_mail *rm)
{
	const char *end = strstr(rm->raw, "\r\n\r\n");
	size_t len = end != NULL ? (size_t)(end - rm->raw) : rm->raw_len;

	rm->header_block = xstrndup(rm->raw, len);
	rm->fields_buf = mime_fields_split(rm->header_block, &rm->fields, &rm->n_fields);
}

/* Contract in desk-request-private.h. */
void desk_request_mail_make(struct desk_request_mail *rm, const struct desk_settings *s,
			    const struct desk_request *rq, const char *subject, const char *team_address)
{
	const struct mime_compose_addr to = { NULL, team_address };
	struct mime_compose c = {
		.from = { NULL, rq->from }, .to = &to, .n_to = 1, .subject = subject,
		.date = rq->date != 0 ? rq->date : (int64_t)time(NULL),
		.attachments = rq->attachments, .n_attachments = rq->n_attachments,
	};

	memset(rm, 0, sizeof(*rm));
	rm->message_id = rq->message_id != NULL ? xstrdup(rq->message_id) : request_message_id(s);
	rm->text = text_lf(rq->text, rq->len);
	c.message_id = rm->message_id;
	c.text = rm->text;
	rm->raw = mime_compose(&c, &rm->raw_len);
	mime_sha256_hex(rm->raw, rm->raw_len, rm->raw_sha256);
	attachments_fill(rm, rq);
	headers_fill(rm);
	rm->to = (struct db_address){ .name = "", .addr = team_address };
	rm->in = (struct db_message_in){
		.raw = rm->raw, .raw_len = rm->raw_len, .raw_sha256_hex = rm->raw_sha256, .envelope_from = rq->from,
		.from_name = "", .from_addr = rq->from, .from_count = 1, .to = &rm->to, .n_to = 1,
		.subject = subject, .date = c.date, .message_id = rm->message_id, .header_block = rm->header_block,
		.text_body = rm->text, .attachments = rm->attachments, .n_attachments = rq->n_attachments,
		.content_type = rq->n_attachments > 0 ? "multipart/mixed" : "text/plain", .defects_str = "",
		/* The tenant's operator (maildeskctl, the HTTP side's brand)
		 * vouches for the requester. */
		.sender_authenticated = true, .fields = rm->fields, .n_fields = rm->n_fields,
	};
}

/* Contract in desk-request-private.h. */
void desk_request_mail_free(struct desk_request_mail *rm)
{
	for (size_t i = 0; rm->filenames != NULL && i < rm->in.n_attachments; i++)
		free(rm->filenames[i]);
	free(rm->filenames);
	free(rm->hashes);
	free(rm->attachments);
	free(rm->fields);
	free(rm->fields_buf);
	free(rm->header_block);
	free(rm->raw);
	free(rm->text);
	free(rm->message_id);
	memset(rm, 0, sizeof(*rm));
}
