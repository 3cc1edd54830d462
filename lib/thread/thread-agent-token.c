/* Tokens that speak for an agent: the agent form of reply tokens (with an
 * issue time and a nonce, so a leaked notification stops working), and
 * each agent's signed control address. Contracts in thread.h. */
#include "config.h"
#include "thread/thread.h"
#include "thread/thread-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PURPOSE_AGENT_REPLY "agent-reply"
#define PURPOSE_CONTROL "control"
#define CONTROL_PREFIX "control-"
/* The issue time: 7 base32 digits, 35 bits. */
#define ISSUED_CHARS 7
#define ISSUED_LIMIT (INT64_C(1) << 35)
/* "control-<agent>-<mac>" at its longest. */
#define CONTROL_TOKEN_MAX (sizeof(CONTROL_PREFIX) - 1 + THREAD_DIGITS_MAX + 1 + THREAD_MAC_CHARS)

/* The value of one base32 character, or -1 when it is none. */
static int b32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Whether len bytes are all of the base32 alphabet. */
static bool b32_only(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (b32_value(p[i]) < 0)
			return false;
	return true;
}

/* The issue time in a fixed width, so the token's length never says it. */
static void issued_encode(int64_t issued, char out[ISSUED_CHARS + 1])
{
	for (int i = ISSUED_CHARS - 1; i >= 0; i--) {
		out[i] = thread_b32[issued & 31];
		issued >>= 5;
	}
	out[ISSUED_CHARS] = '\0';
}

/* The inverse of issued_encode(); false unless exactly 7 base32 chars. */
static bool issued_decode(const char *p, size_t len, int64_t *issued_r)
{
	int64_t v = 0;

	if (len != ISSUED_CHARS || !b32_only(p, len))
		return false;
	for (size_t i = 0; i < len; i++)
		v = v * 32 + b32_value(p[i]);
	*issued_r = v;
	return true;
}

/* The nonce input of the MAC: "<issued>.<nonce>" keeps both fields apart. */
static bool agent_mac(const char *secret, int64_t tenant_id, int64_t ticket, int64_t agent, int64_t issued,
		      const char *nonce, char mac[THREAD_MAC_CHARS + 1])
{
	char input[48];

	snprintf(input, sizeof(input), "%" PRId64 ".%s", issued, nonce);
	return thread_mac(secret, PURPOSE_AGENT_REPLY, tenant_id, ticket, agent, input, mac);
}

void thread_agent_token_make(const char *secret, int64_t tenant_id, int64_t ticket_number, int64_t agent_id,
			     int64_t issued, const char *nonce, char *out, size_t out_size)
{
	char mac[THREAD_MAC_CHARS + 1], stamp[ISSUED_CHARS + 1];
	int n;

	thread_out_clear(out, out_size);
	if (out == NULL || ticket_number <= 0 || agent_id <= 0 || issued <= 0 || issued >= ISSUED_LIMIT ||
	    nonce == NULL || strlen(nonce) != THREAD_AGENT_NONCE_CHARS || !b32_only(nonce, THREAD_AGENT_NONCE_CHARS) ||
	    !agent_mac(secret, tenant_id, ticket_number, agent_id, issued, nonce, mac))
		return;
	issued_encode(issued, stamp);
	n = snprintf(out, out_size, "%" PRId64 "-%" PRId64 "-%s-%s-%s", ticket_number, agent_id, stamp, nonce, mac);
	if (n < 0 || (size_t)n >= out_size)
		thread_out_clear(out, out_size);
}

/* Cuts buf at its dashes into exactly n fields (start and length each). */
static bool fields_split(const char *buf, const char **start, size_t *len, size_t n)
{
	const char *p = buf;

	for (size_t i = 0; i < n; i++) {
		const char *dash = strchr(p, '-');
		if ((dash == NULL) != (i == n - 1))
			return false;
		start[i] = p;
		len[i] = dash != NULL ? (size_t)(dash - p) : strlen(p);
		p = dash != NULL ? dash + 1 : p;
	}
	return true;
}

/* Contract in thread-private.h. */
int thread_agent_token_parse(const char *secret, int64_t tenant_id, const char *buf, struct thread_token *t)
{
	const char *f[5];
	size_t len[5];
	char expected[THREAD_MAC_CHARS + 1];
	struct thread_token tok = { 0 };

	if (!fields_split(buf, f, len, 5) ||
	    !thread_digits_parse(f[0], len[0], THREAD_DIGITS_MAX, &tok.ticket_number) || tok.ticket_number == 0 ||
	    !thread_digits_parse(f[1], len[1], THREAD_DIGITS_MAX, &tok.agent_id) || tok.agent_id == 0 ||
	    !issued_decode(f[2], len[2], &tok.issued) || tok.issued == 0 || len[3] != THREAD_AGENT_NONCE_CHARS ||
	    !b32_only(f[3], len[3]))
		return 0;
	memcpy(tok.nonce, f[3], THREAD_AGENT_NONCE_CHARS);
	tok.nonce[THREAD_AGENT_NONCE_CHARS] = '\0';
	if (!agent_mac(secret, tenant_id, tok.ticket_number, tok.agent_id, tok.issued, tok.nonce, expected) ||
	    !thread_mac_equal(expected, f[4], len[4]))
		return 0;
	*t = tok;
	return 1;
}

bool thread_token_expired(const struct thread_token *t, int64_t now, int64_t lifetime_s)
{
	if (t->agent_id == 0)
		return false;
	if (t->issued <= 0)
		return true;
	return now > t->issued && now - t->issued > lifetime_s;
}

void thread_control_token_make(const char *secret, int64_t tenant_id, int64_t agent_id, char *out,
			       size_t out_size)
{
	char mac[THREAD_MAC_CHARS + 1];
	int n;

	thread_out_clear(out, out_size);
	if (out == NULL || agent_id <= 0 || !thread_mac(secret, PURPOSE_CONTROL, tenant_id, 0, agent_id, "", mac))
		return;
	n = snprintf(out, out_size, CONTROL_PREFIX "%" PRId64 "-%s", agent_id, mac);
	if (n < 0 || (size_t)n >= out_size)
		thread_out_clear(out, out_size);
}

int thread_control_token_verify(const char *secret, int64_t tenant_id, const char *text, size_t len,
				int64_t *agent_id_r)
{
	char buf[CONTROL_TOKEN_MAX + 1], expected[THREAD_MAC_CHARS + 1];
	const char *f[2];
	size_t flen[2];
	int64_t agent;

	if (text == NULL || !thread_lower_copy(text, len, buf, sizeof(buf)) ||
	    strncmp(buf, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) != 0 ||
	    !fields_split(buf + strlen(CONTROL_PREFIX), f, flen, 2) ||
	    !thread_digits_parse(f[0], flen[0], THREAD_DIGITS_MAX, &agent) || agent == 0)
		return 0;
	if (!thread_mac(secret, PURPOSE_CONTROL, tenant_id, 0, agent, "", expected) ||
	    !thread_mac_equal(expected, f[1], flen[1]))
		return 0;
	*agent_id_r = agent;
	return 1;
}
