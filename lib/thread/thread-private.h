#ifndef MD_THREAD_PRIVATE_H
#define MD_THREAD_PRIVATE_H
/* Helpers shared by the lib/thread source files; not part of the contract. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thread/thread.h"

/* Longest decimal int64 without sign. */
#define THREAD_DIGITS_MAX 19

/* Parses exactly len bytes of decimal digits into *n_r: no sign, no leading
 * zero (a lone "0" is allowed), at most max_digits, no int64 overflow.
 * Returns true on success; *n_r is untouched on failure. */
bool thread_digits_parse(const char *p, size_t len, size_t max_digits, int64_t *n_r);

/* 80 bits of HMAC-SHA256, base32: 10 bytes -> 16 characters. */
#define THREAD_MAC_BYTES 10
#define THREAD_MAC_CHARS 16

/* The lowercase base32 alphabet of MACs (RFC 4648 letters, lower case). */
extern const char thread_b32[];

/* The MAC of every signed form (thread-token.c): purpose, tenant, ticket,
 * agent and nonce all go into the input, so a value signed for one use
 * never verifies as another. False (out unset) without a secret. */
bool thread_mac(const char *secret, const char *purpose, int64_t tenant_id, int64_t ticket, int64_t agent,
		const char *nonce, char out[THREAD_MAC_CHARS + 1]);
/* Constant-time comparison of a received MAC (got_len bytes) with the
 * expected one; false when the length is wrong. */
bool thread_mac_equal(const char *expected, const char *got, size_t got_len);
/* Writes "" into out (when out and out_size allow). */
void thread_out_clear(char *out, size_t out_size);
/* Copies len bytes folded to lower case and NUL-terminates; false when
 * they do not fit in buf or contain a NUL. */
bool thread_lower_copy(const char *text, size_t len, char *buf, size_t buf_size);

/* Verifies the agent form of a reply token (thread-agent-token.c); buf is
 * the whole token in lower case, NUL-terminated. 1 valid (*t filled), 0 not. */
int thread_agent_token_parse(const char *secret, int64_t tenant_id, const char *buf, struct thread_token *t);

/* ASCII-only case folding: subjects and local parts are compared without
 * regard to locale. */
static inline char thread_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

#endif
