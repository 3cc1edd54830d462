/* Fuzz target: loop detection (lib/agent agent_may_autoreply). The input
 * is a mail's envelope and header section: line 1 the envelope sender
 * ("-" for none: NULL), line 2 the From address ("-" for NULL), then header
 * fields "Name: value" with folded continuation lines, up to an empty line.
 * Checked against agent.h: a reason exactly when the answer is no, the
 * same answer without why_r, and, since every rule is "some field or
 * address says so", a field added never turns a no into a yes: our own
 * X-Maildesk-Loop field added must give no. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz-mail.h"

/* The answer, checked for a reason exactly on no and the same without
 * why_r. */
static bool checked_answer(const struct agent_mail_facts *f)
{
	const char *why = "unset";
	bool ok = agent_may_autoreply(f, &why);

	if (ok != (why == NULL) || (!ok && why[0] == '\0'))
		abort();
	if (agent_may_autoreply(f, NULL) != ok)
		abort();
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mail m;
	struct agent_mail_facts f;

	fuzz_mail_init(&m, data, size);
	f.envelope_sender = fuzz_mail_setting(&m);
	f.from_address = fuzz_mail_setting(&m);
	fuzz_mail_fields(&m);
	f.headers = m.fields;
	f.headers_count = m.n;
	checked_answer(&f);
	m.fields[m.n] = (struct mime_field){ AGENT_LOOP_HEADER, " support@example.org" };
	f.headers_count = m.n + 1;
	if (checked_answer(&f))
		abort();
	fuzz_mail_free(&m);
	return 0;
}
