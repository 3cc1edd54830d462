/* One signed webhook request with libcurl (contracts in webhook-send.h). */
#include "config.h"
#include "webhook-send.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* How much of a receiver's answer is read before the request is cut. */
#define ANSWER_MAX (64 * 1024)

/* HMAC-SHA256 of "ts.body" with secret, as ",v1=HEX" onto b. */
static void signature_add(struct buf *b, const char *prefix, const char *ts, const char *body, size_t len,
			  const char *secret)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	struct buf msg;

	buf_init(&msg, 0);
	buf_printf(&msg, "%s.", ts);
	buf_append(&msg, body, len);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg.data, msg.len, mac, &mac_len);
	buf_free(&msg);
	buf_printf(b, "%sv1=", prefix);
	for (unsigned i = 0; i < mac_len; i++)
		buf_printf(b, "%02x", mac[i]);
}

/* Contract in webhook-send.h. */
char *webhook_signature(time_t ts, const char *body, size_t len, const char *secret, const char *old_secret)
{
	char tstext[24];
	struct buf b;

	snprintf(tstext, sizeof(tstext), "%lld", (long long)ts);
	buf_init(&b, 0);
	buf_printf(&b, "t=%s", tstext);
	signature_add(&b, ",", tstext, body, len, secret);
	if (old_secret != NULL && old_secret[0] != '\0')
		signature_add(&b, ",", tstext, body, len, old_secret);
	return buf_steal(&b, NULL);
}

/* Counts the answer and drops it; past ANSWER_MAX the transfer is cut
 * (a receiver cannot make us read without end). */
static size_t answer_sink(char *ptr, size_t size, size_t n, void *arg)
{
	size_t *seen = arg;

	(void)ptr;
	*seen += size * n;
	return *seen > ANSWER_MAX ? 0 : size * n;
}

/* Whether a status means "try again later": 5xx, 408, 429. */
static bool status_retryable(long code)
{
	return code >= 500 || code == 408 || code == 429;
}

/* The request's headers (a curl list to free). */
static struct curl_slist *headers_make(const struct webhook_request *req)
{
	struct curl_slist *h = NULL;
	char *sig = webhook_signature(time(NULL), req->body, strlen(req->body), req->secret, req->old_secret);
	char *line;

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "User-Agent: maildesk/" PACKAGE_VERSION);
	h = curl_slist_append(h, "Expect:");
	line = xasprintf("X-Maildesk-Event: %s", req->event);
	h = curl_slist_append(h, line);
	free(line);
	line = xasprintf("X-Maildesk-Event-Id: %s", req->event_id);
	h = curl_slist_append(h, line);
	free(line);
	line = xasprintf("X-Maildesk-Delivery: %lld", (long long)req->delivery_id);
	h = curl_slist_append(h, line);
	free(line);
	line = xasprintf("X-Maildesk-Signature: %s", sig);
	h = curl_slist_append(h, line);
	free(line);
	free(sig);
	return h;
}

/* Contract in webhook-send.h. */
void webhook_send(const struct webhook_request *req, struct webhook_response *res)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h;
	size_t seen = 0;
	CURLcode rc;
	CURL *c;

	memset(res, 0, sizeof(*res));
	if (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0) {
		res->permanent = true;
		snprintf(res->error, sizeof(res->error), "only http and https URLs are sent to");
		return;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(res->error, sizeof(res->error), "curl_easy_init failed");
		return;
	}
	h = headers_make(req);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)req->timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)req->timeout_s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, answer_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->code);
	if (res->code >= 200 && res->code < 300) {
		/* Also when we cut a long answer: the receiver took it. */
		res->delivered = true;
	} else if (res->code != 0) {
		res->permanent = !status_retryable(res->code);
		snprintf(res->error, sizeof(res->error), "HTTP status %ld%s", res->code,
			 res->code >= 300 && res->code < 400 ? " (redirects are not followed)" : "");
	} else {
		res->permanent = rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT;
		snprintf(res->error, sizeof(res->error), "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* Contract in webhook-send.h. */
int webhook_send_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}
