/* Fuzz target: what lib/thread reads from strangers' mail: reply-address
 * tokens, bounce tokens, our signed Message-IDs, recipient addresses split
 * at the delimiter, subject-tag formats and subject tags. The input is
 * tried as each of them (as bytes and as a C string cut at its first NUL);
 * its first line is also tried as a subject-tag format for the rest.
 * Checked: a token that verifies is spelt exactly as the module writes it
 * (up to case), an empty secret verifies nothing, an address split stays
 * inside the address, a format that the check refuses finds nothing, and
 * what the module makes from numbers taken from the input it reads back
 * (tokens, Message-IDs, tags). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "fuzz/fuzz.h"
#include "thread/thread.h"

/* The seeds 07-token, 09-address, 11-msgid and 12-bounce are signed with
 * this secret for this tenant, so they reach the "valid" paths. */
#define SECRET "fuzz-secret"
#define TENANT 7
/* Subject tags hold at most 18 digits (thread.h). */
#define TAG_NUMBER_MAX 999999999999999999LL

/* A token that verifies must be spelt as the module writes it for what it
 * names, up to case: no leading zeros, signs or trailing bytes. */
static void check_spelt_as(const char *made, const char *text, size_t len)
{
	if (strlen(made) != len || strncasecmp(made, text, len) != 0)
		abort();
}

/* A reply token that verifies, against the one made for its numbers. */
static void check_token(const char *text, size_t len, const struct thread_token *t)
{
	char made[128];

	if (t->issued != 0)
		thread_agent_token_make(SECRET, TENANT, t->ticket_number, t->agent_id, t->issued, t->nonce, made,
					sizeof(made));
	else
		thread_token_make(SECRET, TENANT, t, made, sizeof(made));
	check_spelt_as(made, text, len);
}

/* Token, bounce token and Message-ID of the raw input, then the extension
 * of the input read as an address. */
static void try_tokens(const char *bytes, size_t len, const char *str)
{
	struct thread_token t;
	int64_t id;
	char base[256], made[128];
	const char *ext;
	size_t ext_len;

	if (thread_token_verify(SECRET, TENANT, bytes, len, &t) == 1)
		check_token(bytes, len, &t);
	if (thread_token_verify("", TENANT, bytes, len, &t) != 0)
		abort();
	if (thread_bounce_token_verify(SECRET, TENANT, bytes, len, &id) == 1) {
		thread_bounce_token_make(SECRET, TENANT, id, made, sizeof(made));
		check_spelt_as(made, bytes, len);
	}
	(void)thread_msgid_verify(SECRET, TENANT, str, &id);
	if (thread_address_split(str, "+-", base, sizeof(base), &ext, &ext_len) == 0) {
		if (strchr(base, '@') == NULL || (ext != NULL && (ext < str || ext + ext_len > str + strlen(str))))
			abort();
		if (ext != NULL && thread_token_verify(SECRET, TENANT, ext, ext_len, &t) == 1)
			check_token(ext, ext_len, &t);
	}
}

/* A number from the input's first bytes, 1..max. */
static int64_t number_from(const unsigned char *p, size_t len, int64_t max)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len && i < 8; i++)
		n = n << 8 | p[i];
	return (int64_t)(n % (uint64_t)max) + 1;
}

/* What we make we must read back: token, bounce token, Message-ID. */
static void round_trips(int64_t number)
{
	struct thread_token t = { .ticket_number = number, .agent_id = number % 5 };
	struct thread_token back;
	char out[128];
	int64_t got;

	thread_token_make(SECRET, TENANT, &t, out, sizeof(out));
	if (thread_token_verify(SECRET, TENANT, out, strlen(out), &back) != 1 ||
	    back.ticket_number != number || back.agent_id != t.agent_id ||
	    thread_token_verify(SECRET, TENANT + 1, out, strlen(out), &back) != 0)
		abort();
	thread_bounce_token_make(SECRET, TENANT, number, out, sizeof(out));
	if (thread_bounce_token_verify(SECRET, TENANT, out, strlen(out), &got) != 1 || got != number)
		abort();
	thread_msgid_make(SECRET, TENANT, number, "n0nce", "mx.example", out, sizeof(out));
	if (thread_msgid_verify(SECRET, TENANT, out, &got) != 1 || got != number)
		abort();
}

/* The first line as a format: when it is valid, the rest is searched
 * for a tag and a tag made with it must be found again. */
static void try_subject(char *str, int64_t number)
{
	char *nl = strchr(str, '\n');
	const char *subject = nl != NULL ? nl + 1 : "";
	char tag[256];
	int64_t got;

	(void)thread_subject_tag_find("[#{number}]", str, &got);
	if (nl != NULL)
		*nl = '\0';
	if (thread_subject_tag_format_check(str) != NULL) {
		if (thread_subject_tag_find(str, subject, &got) != 0)
			abort();
		return;
	}
	(void)thread_subject_tag_find(str, subject, &got);
	if (thread_subject_tag_make(str, number, tag, sizeof(tag)) != 0 ||
	    thread_subject_tag_find(str, tag, &got) != 1 || got != number)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *str = xmalloc(size + 1);

	memcpy(str, data, size);
	str[size] = '\0';
	try_tokens((const char *)data, size, str);
	round_trips(number_from(data, size, INT64_MAX - 1));
	try_subject(str, number_from(data, size, TAG_NUMBER_MAX));
	free(str);
	return 0;
}
