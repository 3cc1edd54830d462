/* Fuzz target: the rule language (lib/rules). The input is compiled as a
 * program; when it compiles it is evaluated for every event against one
 * fixed snapshot of facts (with a low PCRE2 match limit, so a slow regex
 * costs little), and its listings are walked. The contract of rules.h is
 * checked: an error has a message and a 1-based position; one trace entry
 * per rule; SET_FIELD values are set. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "rules/rules.h"

static const struct rules_header headers[] = {
	{ "X-Priority", "1" },
	{ "Received", "from mx.example" },
	{ "Message-Id", "<ORD-777@shop.example>" },
	{ "Subject", "Invoice ORD-42 \xc3\xa9t\xc3\xa9" },
};
static const struct rules_attachment attachments[] = {
	{ "invoice.PDF", "application/pdf" },
	{ "", NULL },
};
static const char *const tags[] = { "vip", "billing" };

/* One snapshot with every field set, UTF-8 included. */
static struct rules_facts facts_for(enum rules_event ev)
{
	return (struct rules_facts){
		.event = ev,
		.from = "carla@customer.example",
		.to = "support@demo.example",
		.subject = "Re: Invoice ORD-42 [#1042] \xc3\x9c" "ber",
		.body = "Hello,\n\nplease refund ORD-42.\naaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n-- \nCarla\n",
		.headers = headers,
		.n_headers = sizeof(headers) / sizeof(headers[0]),
		.attachments = attachments,
		.n_attachments = sizeof(attachments) / sizeof(attachments[0]),
		.tags = tags,
		.n_tags = sizeof(tags) / sizeof(tags[0]),
		.priority = 2,
		.team = "Support",
		.status = "open",
		.assignee = "",
		.business_hours = true,
		.customer_open_tickets = 3,
		.event_name = "order.paid",
		.added_tag = "vip",
	};
}

/* Walks what a compiled program tells listings. */
static void walk_listing(const struct rules_program *p)
{
	size_t n_refs;
	const struct rules_ref *refs = rules_refs(p, &n_refs);

	for (size_t i = 0; i < rules_count(p); i++) {
		if (rules_name(p, i) == NULL || rules_line(p, i) == 0 || rules_events(p, i) >> RULES_EV_COUNT)
			abort();
	}
	for (size_t i = 0; i < n_refs; i++) {
		if (refs[i].name == NULL || refs[i].line == 0)
			abort();
	}
}

/* One evaluation per event, each result checked and freed. */
static void eval_all(const struct rules_program *p)
{
	for (int ev = 0; ev < RULES_EV_COUNT; ev++) {
		struct rules_facts f = facts_for(ev);
		struct rules_result r;

		if (rules_eval(p, &f, &r) < 0)
			abort();
		if (r.n_trace != rules_count(p))
			abort();
		for (size_t i = 0; i < r.n_actions; i++) {
			if (r.actions[i].kind == RULES_ACT_SET_FIELD && r.actions[i].value == NULL)
				abort();
		}
		rules_result_free(&r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rules_limits limits = { .match_limit = 1000, .depth_limit = 100 };
	struct rules_error err;
	struct rules_program *p;

	memset(&err, 0, sizeof(err));
	p = rules_compile((const char *)data, size, &limits, &err);
	if (p == NULL) {
		if (err.line == 0 || err.column == 0 || err.message[0] == '\0' ||
		    memchr(err.message, '\0', sizeof(err.message)) == NULL)
			abort();
		return 0;
	}
	walk_listing(p);
	eval_all(p);
	rules_program_free(&p);
	return 0;
}
