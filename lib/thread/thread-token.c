/* Signed tokens in reply addresses and in our own Message-IDs, and the
 * split of a recipient address into base and extension. */
#include "config.h"
#include "thread/thread.h"
#include "thread/thread-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* "<ticket>-<agent>-<mac>" at its longest. */
#define THREAD_TOKEN_MAX (THREAD_DIGITS_MAX + 1 + THREAD_DIGITS_MAX + 1 + THREAD_MAC_CHARS)
/* The agent form adds "-<issued 7>-<nonce>". */
#define THREAD_AGENT_TOKEN_MAX (THREAD_TOKEN_MAX + 1 + 7 + 1 + THREAD_AGENT_NONCE_CHARS)
/* A Message-ID nonce is 1..32 of [a-z0-9]. */
#define THREAD_NONCE_MAX 32
/* "md.<ticket>.<nonce>.<mac>" at its longest. */
#define THREAD_MSGID_LOCAL_MAX (3 + THREAD_DIGITS_MAX + 1 + THREAD_NONCE_MAX + 1 + THREAD_MAC_CHARS)

/* Purposes bound into the MAC, so a value signed for one use never
 * verifies as the other. */
#define THREAD_PURPOSE_REPLY "reply"
#define THREAD_PURPOSE_MSGID "msgid"

const char thread_b32[] = "abcdefghijklmnopqrstuvwxyz234567";

bool thread_digits_parse(const char *p, size_t len, size_t max_digits, int64_t *n_r)
{
	int64_t n = 0;

	if (len == 0 || len > max_digits || (p[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		if (n > (INT64_MAX - (p[i] - '0')) / 10)
			return false;
		n = n * 10 + (p[i] - '0');
	}
	*n_r = n;
	return true;
}

/* Lowercase base32 without padding keeps the MAC safe in local parts and
 * unharmed by MTAs that fold case. */
static void thread_b32_encode(const unsigned char *in, size_t in_len, char *out)
{
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < in_len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = thread_b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = thread_b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* One MAC for every signed form. Every field is in the input, separated by
 * newlines that no field can contain, so no two inputs collide. An empty
 * secret signs nothing (returns false). */
bool thread_mac(const char *secret, const char *purpose, int64_t tenant_id, int64_t ticket, int64_t agent,
		const char *nonce, char out[THREAD_MAC_CHARS + 1])
{
	char msg[160];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int n;

	if (secret == NULL || secret[0] == '\0')
		return false;
	n = snprintf(msg, sizeof(msg), "maildesk-thread-v1\n%s\n%" PRId64 "\n%" PRId64 "\n%" PRId64 "\n%s",
		     purpose, tenant_id, ticket, agent, nonce);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return false;
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, (size_t)n, md,
		 &md_len) == NULL ||
	    md_len < THREAD_MAC_BYTES)
		return false;
	thread_b32_encode(md, THREAD_MAC_BYTES, out);
	return true;
}

/* Compares a received MAC with the expected one without leaking, through
 * timing, how many leading characters were right. */
bool thread_mac_equal(const char *expected, const char *got, size_t got_len)
{
	if (got_len != THREAD_MAC_CHARS)
		return false;
	return CRYPTO_memcmp(expected, got, THREAD_MAC_CHARS) == 0;
}

/* Writes "" so that a caller that ignores a bad argument at least sends
 * nothing that could verify. */
void thread_out_clear(char *out, size_t out_size)
{
	if (out != NULL && out_size > 0)
		out[0] = '\0';
}

void thread_token_make(const char *secret, int64_t tenant_id, const struct thread_token *t, char *out,
		       size_t out_size)
{
	char mac[THREAD_MAC_CHARS + 1];
	int n;

	thread_out_clear(out, out_size);
	if (out == NULL || t->ticket_number <= 0 || t->agent_id < 0 ||
	    !thread_mac(secret, THREAD_PURPOSE_REPLY, tenant_id, t->ticket_number, t->agent_id, "", mac))
		return;
	n = snprintf(out, out_size, "%" PRId64 "-%" PRId64 "-%s", t->ticket_number, t->agent_id, mac);
	if (n < 0 || (size_t)n >= out_size)
		thread_out_clear(out, out_size);
}

/* Copies len bytes folded to lowercase; false when they do not fit or
 * contain a NUL. */
bool thread_lower_copy(const char *text, size_t len, char *buf, size_t buf_size)
{
	if (len >= buf_size)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\0')
			return false;
		buf[i] = thread_ascii_lower(text[i]);
	}
	buf[len] = '\0';
	return true;
}

int thread_token_verify(const char *secret, int64_t tenant_id, const char *text, size_t len,
			struct thread_token *t)
{
	char buf[THREAD_AGENT_TOKEN_MAX + 1], expected[THREAD_MAC_CHARS + 1];
	const char *dash1, *dash2, *mac;
	struct thread_token tok = { 0 };
	size_t dashes = 0;

	if (text == NULL || len == 0 || !thread_lower_copy(text, len, buf, sizeof(buf)))
		return 0;
	for (size_t i = 0; i < len; i++)
		dashes += buf[i] == '-';
	if (dashes == 4)
		return thread_agent_token_parse(secret, tenant_id, buf, t);
	if (dashes != 2 || len > THREAD_TOKEN_MAX)
		return 0;
	dash1 = memchr(buf, '-', len);
	if (dash1 == NULL)
		return 0;
	dash2 = memchr(dash1 + 1, '-', len - (size_t)(dash1 + 1 - buf));
	if (dash2 == NULL)
		return 0;
	mac = dash2 + 1;
	if (!thread_digits_parse(buf, (size_t)(dash1 - buf), THREAD_DIGITS_MAX, &tok.ticket_number) ||
	    tok.ticket_number == 0 ||
	    !thread_digits_parse(dash1 + 1, (size_t)(dash2 - dash1 - 1), THREAD_DIGITS_MAX, &tok.agent_id))
		return 0;
	if (!thread_mac(secret, THREAD_PURPOSE_REPLY, tenant_id, tok.ticket_number, tok.agent_id, "", expected) ||
	    !thread_mac_equal(expected, mac, len - (size_t)(mac - buf)))
		return 0;
	*t = tok;
	return 1;
}

int thread_address_split(const char *address, const char *delims, char *base, size_t base_size,
			 const char **ext_r, size_t *ext_len_r)
{
	const char *at = strrchr(address, '@');
	size_t local_len, cut, domain_len;

	*ext_r = NULL;
	*ext_len_r = 0;
	if (at == NULL)
		return -1;
	local_len = (size_t)(at - address);
	cut = local_len;
	if (delims != NULL && delims[0] != '\0') {
		size_t n = 0;
		while (n < local_len && strchr(delims, address[n]) == NULL)
			n++;
		/* Postfix does not split when the delimiter opens the local part. */
		if (n > 0 && n < local_len)
			cut = n;
	}
	domain_len = strlen(at);
	if (cut + domain_len >= base_size)
		return -1;
	memcpy(base, address, cut);
	memcpy(base + cut, at, domain_len + 1);
	if (cut + 1 < local_len) {
		*ext_r = address + cut + 1;
		*ext_len_r = local_len - cut - 1;
	}
	return 0;
}

/* A nonce goes verbatim into the Message-ID and the MAC input: only
 * characters that need no quoting and cannot be confused with separators. */
static bool thread_nonce_valid(const char *nonce, size_t len)
{
	if (len == 0 || len > THREAD_NONCE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((nonce[i] >= 'a' && nonce[i] <= 'z') || (nonce[i] >= '0' && nonce[i] <= '9')))
			return false;
	}
	return true;
}

/* The host goes to the right of '@' in a msg-id: dot-atom text only. */
static bool thread_host_valid(const char *host)
{
	if (host == NULL || host[0] == '\0')
		return false;
	for (const char *p = host; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7f || strchr("()<>[]:;@\\,\"", c) != NULL)
			return false;
	}
	return true;
}

void thread_msgid_make(const char *secret, int64_t tenant_id, int64_t ticket_number, const char *nonce,
		       const char *host, char *out, size_t out_size)
{
	char mac[THREAD_MAC_CHARS + 1];
	int n;

	thread_out_clear(out, out_size);
	if (out == NULL || ticket_number <= 0 || nonce == NULL || !thread_nonce_valid(nonce, strlen(nonce)) ||
	    !thread_host_valid(host) ||
	    !thread_mac(secret, THREAD_PURPOSE_MSGID, tenant_id, ticket_number, 0, nonce, mac))
		return;
	n = snprintf(out, out_size, "md.%" PRId64 ".%s.%s@%s", ticket_number, nonce, mac, host);
	if (n < 0 || (size_t)n >= out_size)
		thread_out_clear(out, out_size);
}

int thread_msgid_verify(const char *secret, int64_t tenant_id, const char *msgid, int64_t *ticket_number_r)
{
	char buf[THREAD_MSGID_LOCAL_MAX + 1], expected[THREAD_MAC_CHARS + 1];
	const char *at, *num, *dot1, *dot2;
	size_t len;
	int64_t ticket;

	if (msgid == NULL || (at = strchr(msgid, '@')) == NULL)
		return 0;
	len = (size_t)(at - msgid);
	if (!thread_lower_copy(msgid, len, buf, sizeof(buf)) || strncmp(buf, "md.", 3) != 0)
		return 0;
	num = buf + 3;
	if ((dot1 = strchr(num, '.')) == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return 0;
	if (!thread_digits_parse(num, (size_t)(dot1 - num), THREAD_DIGITS_MAX, &ticket) || ticket == 0)
		return 0;
	/* The nonce is cut out in place so it can feed the MAC as a string. */
	buf[dot2 - buf] = '\0';
	if (!thread_nonce_valid(dot1 + 1, (size_t)(dot2 - dot1 - 1)) ||
	    !thread_mac(secret, THREAD_PURPOSE_MSGID, tenant_id, ticket, 0, dot1 + 1, expected) ||
	    !thread_mac_equal(expected, dot2 + 1, len - (size_t)(dot2 + 1 - buf)))
		return 0;
	*ticket_number_r = ticket;
	return 1;
}

void thread_bounce_token_make(const char *secret, int64_t tenant_id, int64_t outbound_id, char *out, size_t out_size)
{
	char mac[THREAD_MAC_CHARS + 1];
	int n;

	thread_out_clear(out, out_size);
	if (out == NULL || outbound_id <= 0 || !thread_mac(secret, "bounce", tenant_id, outbound_id, 0, "", mac))
		return;
	n = snprintf(out, out_size, "b%" PRId64 "-%s", outbound_id, mac);
	if (n < 0 || (size_t)n >= out_size)
		thread_out_clear(out, out_size);
}

int thread_bounce_token_verify(const char *secret, int64_t tenant_id, const char *text, size_t len,
			       int64_t *outbound_id_r)
{
	char buf[THREAD_TOKEN_MAX + 1], expected[THREAD_MAC_CHARS + 1];
	const char *dash;
	int64_t id;

	if (text == NULL || len < 2 || !thread_lower_copy(text, len, buf, sizeof(buf)) || buf[0] != 'b')
		return 0;
	dash = memchr(buf, '-', len);
	if (dash == NULL || !thread_digits_parse(buf + 1, (size_t)(dash - buf - 1), THREAD_DIGITS_MAX, &id) ||
	    id == 0)
		return 0;
	if (!thread_mac(secret, "bounce", tenant_id, id, 0, "", expected) ||
	    !thread_mac_equal(expected, dash + 1, len - (size_t)(dash + 1 - buf)))
		return 0;
	*outbound_id_r = id;
	return 1;
}
