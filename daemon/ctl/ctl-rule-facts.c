/* maildeskctl rule test: the facts a message file would give the rule
 * engine as a new ticket of a team (open, medium priority, no tags, no
 * assignee), read with lib/mime and the team's settings in the database. */
#include "config.h"
#include "ctl-rule.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "db/db-admin-rule.h"
#include "mime/mime.h"

/* The largest message file "rule test" reads. */
#define EML_MAX (64u << 20)

/* What the facts point into. */
struct eml_priv {
	struct mime_message *msg;
	struct rules_header *headers;
	struct rules_attachment *atts;
	size_t n_headers;
	char *from, *to;
	const char *team;
};

/* The header fields lib/mime split (unfolded, trimmed), copied for the
 * engine: no header parsing of our own here. */
static void headers_copy(struct eml_priv *p, const struct mime_message *m)
{
	p->headers = xcalloc(m->n_fields + 1, sizeof(*p->headers));
	for (size_t i = 0; i < m->n_fields; i++) {
		p->headers[i].name = xstrdup(m->fields[i].name);
		p->headers[i].value = xstrdup(m->fields[i].value);
	}
	p->n_headers = m->n_fields;
}

/* Lower case, as the engine expects addresses. */
static char *lower_dup(const char *s)
{
	char *r = xstrdup(s != NULL ? s : "");

	for (char *c = r; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return r;
}

/* Is addr among the message's To and Cc? */
static bool addressed_to(const struct mime_message *m, const char *addr)
{
	const struct mime_address_list *lists[2] = { &m->to, &m->cc };

	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < lists[l]->n; i++) {
			if (strcasecmp(lists[l]->items[i].addr, addr) == 0)
				return true;
		}
	}
	return false;
}

/* The team alias the mail is addressed to, else the team's first one;
 * whether it is business hours now; the sender's open tickets. */
static int team_facts(struct ctl *ctl, const struct ctl_rule_scope *sc, struct eml_priv *p, struct rules_facts *f)
{
	struct db_table *t;
	char *error = NULL;

	if (db_report_rule_team_facts(ctl->db, ctl_id(sc->tenant_id), ctl_id(sc->team_id), p->from, &t, &error) < 0)
		return ctl_db_fail(error);
	for (size_t r = 0; r < t->n_rows && p->to == NULL; r++) {
		const char *addr = db_table_get(t, r, 0);

		if (addr != NULL && addressed_to(p->msg, addr))
			p->to = xstrdup(addr);
	}
	if (p->to == NULL && db_table_get(t, 0, 0) != NULL)
		p->to = xstrdup(db_table_get(t, 0, 0));
	f->business_hours = db_table_get(t, 0, 1)[0] == 't';
	f->customer_open_tickets = (unsigned)strtoul(db_table_get(t, 0, 2), NULL, 10);
	db_table_free(&t);
	return 0;
}

/* Fills the facts from the parsed message. */
static void message_facts(struct eml_priv *p, enum rules_event ev, struct rules_facts *f)
{
	const struct mime_message *m = p->msg;

	headers_copy(p, m);
	p->atts = xcalloc(m->n_attachments + 1, sizeof(*p->atts));
	for (size_t i = 0; i < m->n_attachments; i++) {
		p->atts[i].name = m->attachments[i].filename;
		p->atts[i].type = m->attachments[i].content_type;
	}
	*f = (struct rules_facts){
		.event = ev, .from = p->from, .subject = m->subject, .body = m->text_body,
		.headers = p->headers, .n_headers = p->n_headers,
		.attachments = p->atts, .n_attachments = m->n_attachments,
		.priority = 1, .team = p->team, .status = "open", .assignee = "",
		.business_hours = true,
	};
}

int ctl_eml_facts_load(struct ctl *ctl, const struct ctl_rule_scope *sc, const char *path, enum rules_event ev,
		       struct ctl_eml_facts *f)
{
	struct eml_priv *p = xcalloc(1, sizeof(*p));
	char *raw = NULL;
	size_t len = 0;
	int ret;

	memset(f, 0, sizeof(*f));
	f->priv = p;
	if ((ret = ctl_file_read(path, EML_MAX, false, &raw, &len)) != 0)
		return ret;
	mime_init();
	p->msg = mime_parse(raw, len);
	free(raw);
	p->from = lower_dup(p->msg->from.addr);
	p->team = sc->team;
	message_facts(p, ev, &f->facts);
	ret = team_facts(ctl, sc, p, &f->facts);
	f->facts.to = p->to;
	return ret;
}

void ctl_eml_facts_free(struct ctl_eml_facts *f)
{
	struct eml_priv *p = f->priv;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_headers; i++) {
		free((char *)p->headers[i].name);
		free((char *)p->headers[i].value);
	}
	free(p->headers);
	free(p->atts);
	free(p->from);
	free(p->to);
	mime_message_free(&p->msg);
	free(p);
	memset(f, 0, sizeof(*f));
}
