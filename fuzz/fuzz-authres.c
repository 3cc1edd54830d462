/* Fuzz target: Authentication-Results (RFC 8601) as lib/agent reads them.
 * Input: line 1 our authserv-id, line 2 the From domain ("-" for NULL),
 * then a header section (fields "Name: value", folded lines go on).
 * Checked against agent.h: agent_auth_results_pass gives a reason exactly
 * when it says no; agent_auth_results_read sets nothing without a domain
 * and an id, and no pass without a trusted field seen; an exact DKIM or
 * DMARC pass it reads is also a pass for agent_auth_results_pass (both
 * demand the exact domain); agent_auth_results_strip, for a trusted peer
 * and for an untrusted one, keeps the section when no field is named
 * Authentication-Results, never grows it, stripping twice changes nothing
 * more, and an untrusted peer keeps no more than a trusted one. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/agent.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz-mail.h"

/* The verdict flags against each other and against the pass check. */
static void check_read(const struct fuzz_mail *m, const char *id, const char *domain)
{
	struct agent_auth_verdict v;
	bool any;

	memset(&v, 0xa5, sizeof(v));
	agent_auth_results_read(m->fields, m->n, id, domain, &v);
	any = v.dmarc_pass || v.dkim_pass || v.spf_pass;
	if ((domain == NULL || domain[0] == '\0' || id == NULL || id[0] == '\0') && (any || v.seen))
		abort();
	if (any && !v.seen)
		abort();
	if (agent_auth_verdict_author(&v) != (v.dmarc_pass || v.dkim_pass))
		abort();
	if (agent_auth_verdict_author(&v) && !agent_auth_results_pass(m->fields, m->n, id, domain, NULL))
		abort();
}

/* The pass check: a reason exactly on no. */
static void check_pass(const struct fuzz_mail *m, const char *id, const char *domain)
{
	const char *why = "unset";
	bool ok = agent_auth_results_pass(m->fields, m->n, id, domain, &why);

	if (ok != (why == NULL) || (!ok && why[0] == '\0'))
		abort();
}

/* Stripping for one kind of peer: a subset of the bytes, a fixed point, a
 * no-op without A-R. Returns the stripped length. */
static size_t check_strip_as(const char *block, const char *id, bool trusted)
{
	char *once = agent_auth_results_strip(block, id, trusted), *twice;
	size_t len = strlen(block), olen = strlen(once);

	if (olen > len)
		abort();
	if (strcasestr(block, "Authentication-Results") == NULL && strcmp(once, block) != 0)
		abort();
	twice = agent_auth_results_strip(once, id, trusted);
	if (strcmp(once, twice) != 0)
		abort();
	free(twice);
	free(once);
	return olen;
}

/* Both kinds of peer; the untrusted one never keeps more. */
static void check_strip(const char *block, const char *id)
{
	if (check_strip_as(block, id, false) > check_strip_as(block, id, true))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mail m;
	const char *id, *domain;
	char *block;

	fuzz_mail_init(&m, data, size);
	id = fuzz_mail_line(&m);
	domain = fuzz_mail_setting(&m);
	if (id == NULL)
		id = "";
	block = strdup(m.rest != NULL ? m.rest : "");
	if (block == NULL)
		abort();
	fuzz_mail_fields(&m);
	if (domain != NULL)
		check_pass(&m, id, domain);
	check_read(&m, id, domain);
	check_strip(block, id);
	free(block);
	fuzz_mail_free(&m);
	return 0;
}
