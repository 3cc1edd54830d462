#ifndef MD_DAEMON_WEBHOOK_SEND_H
#define MD_DAEMON_WEBHOOK_SEND_H
/* One webhook request (libcurl) and its signature, with no database: the
 * sender thread (webhook.h) claims, calls this, and records the outcome. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "t=TS,v1=HEX" (and ",v1=HEX2" when old_secret is not "" or NULL):
 * HMAC-SHA256 with each secret over "TS.BODY", lower-case hex. malloc'd. */
char *webhook_signature(time_t ts, const char *body, size_t len, const char *secret, const char *old_secret);

struct webhook_request {
	const char *url, *body; /* body is JSON text */
	const char *event, *event_id;
	int64_t delivery_id;
	const char *secret, *old_secret;
	unsigned timeout_s;
};
struct webhook_response {
	long code;          /* HTTP status, 0 when none came */
	bool delivered;     /* 2xx */
	bool permanent;     /* no retry helps: 3xx (redirects are not followed), 4xx but 408 and 429, a bad URL */
	char error[256];    /* why not delivered ("" when delivered); never holds the secret */
};
/* POSTs req->body to req->url (http or https only, no redirects, the
 * whole request bounded by timeout_s, the answer's body read up to 64 KiB
 * and dropped) with Content-Type application/json, X-Maildesk-Event,
 * X-Maildesk-Event-Id, X-Maildesk-Delivery and X-Maildesk-Signature.
 * Always fills *res. Thread-safe once webhook_send_init() ran. */
void webhook_send(const struct webhook_request *req, struct webhook_response *res);
/* libcurl's global set-up: once, in the main thread, before any thread
 * sends. Returns 0 or -1. */
int webhook_send_init(void);
#endif
