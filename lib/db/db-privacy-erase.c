/* "contact erase" (contract in db-privacy.h): one transaction of
 * statements that each read the same five parameters, in an order where
 * the later ones no longer need what the earlier ones removed. */
#include "config.h"
#include "db/db-privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-private.h"

/* The parameters, typed once: tenant, contact, address (lower case),
 * placeholder, actor. */
#define P_CTE "WITH p AS (SELECT $1::bigint AS tenant, $2::bigint AS contact, lower($3::text) AS addr," \
	      " $4::text AS ph, $5::text AS actor)"
/* The tickets the contact requested, and those it takes part in. */
#define REQ_TICKETS "(SELECT id FROM tickets WHERE tenant_id = p.tenant AND requester_id = p.contact)"
#define PART_TICKETS \
	"(SELECT ticket_id FROM ticket_participants WHERE tenant_id = p.tenant AND contact_id = p.contact)"
/* The messages emptied: every one on its tickets, and its own elsewhere. */
#define EM_CTE                                                                                          \
	P_CTE ", em AS (SELECT m.tenant_id, m.id, m.raw_sha256 FROM messages m, p WHERE m.tenant_id = p.tenant" \
	      " AND (m.ticket_id IN " REQ_TICKETS " OR lower(m.from_addr) = p.addr"                         \
	      " OR lower(m.envelope_from) = p.addr))"
/* A message of someone else that names the address. */
#define MENTIONS(m) \
	"position(p.addr IN lower(" m ".to_json::text || " m ".cc_json::text || " m ".reply_to_json::text)) > 0"

/* The statements, in order; those ending in "SELECT count(*) FROM u"
 * report how many rows they changed. */
static const char *const erase_sql[] = {
	/* Attachment contents only the emptied messages carry. */
	EM_CTE ", u AS (UPDATE blobs b SET data = ''::bytea, purged_at = now() FROM p"
	       " WHERE b.tenant_id = p.tenant AND b.purged_at IS NULL"
	       " AND b.sha256 IN (SELECT a.sha256 FROM attachments a JOIN em"
	       " ON a.tenant_id = em.tenant_id AND a.message_id = em.id)"
	       " AND NOT EXISTS (SELECT 1 FROM attachments a2 WHERE a2.tenant_id = b.tenant_id"
	       " AND a2.sha256 = b.sha256 AND a2.message_id NOT IN (SELECT id FROM em)) RETURNING 1)"
	       " SELECT count(*) FROM u",
	/* Raw mail of the emptied messages, and other raw mail on its
	 * tickets or addressed to it that names it. */
	EM_CTE ", u AS (UPDATE raw_messages r SET data = ''::bytea, purged_at = now() FROM p"
	       " WHERE r.tenant_id = p.tenant AND r.purged_at IS NULL"
	       " AND (r.sha256 IN (SELECT raw_sha256 FROM em WHERE raw_sha256 IS NOT NULL)"
	       " OR (r.sha256 IN (SELECT m.raw_sha256 FROM messages m WHERE m.tenant_id = p.tenant"
	       " AND (m.ticket_id IN " PART_TICKETS " OR " MENTIONS("m") "))"
	       " AND position(p.addr IN lower(encode(r.data, 'escape'))) > 0)) RETURNING 1)"
	       " SELECT count(*) FROM u",
	EM_CTE " UPDATE attachments a SET filename = '', content_id = NULL FROM em"
	       " WHERE a.tenant_id = em.tenant_id AND a.message_id = em.id",
	EM_CTE ", u AS (UPDATE messages m SET subject = '', headers = '', text_body = '', html_body = NULL,"
	       " defects = '', to_json = '[]', cc_json = '[]', reply_to_json = '[]',"
	       " from_name = CASE WHEN lower(m.from_addr) = p.addr THEN NULL ELSE m.from_name END,"
	       " from_addr = CASE WHEN lower(m.from_addr) = p.addr THEN p.ph ELSE m.from_addr END,"
	       " envelope_from = CASE WHEN lower(m.envelope_from) = p.addr THEN p.ph ELSE m.envelope_from END,"
	       " rcpt = CASE WHEN lower(m.rcpt) = p.addr THEN p.ph ELSE m.rcpt END,"
	       " match_detail = md_erase_text(m.match_detail, p.addr, p.ph)"
	       " FROM p, em WHERE m.tenant_id = em.tenant_id AND m.id = em.id RETURNING 1)"
	       " SELECT count(*) FROM u",
	/* Other people's messages keep their text without the address. */
	P_CTE " UPDATE messages m SET to_json = md_erase_addrs(m.to_json, p.addr, p.ph),"
	      " cc_json = md_erase_addrs(m.cc_json, p.addr, p.ph),"
	      " reply_to_json = md_erase_addrs(m.reply_to_json, p.addr, p.ph),"
	      " headers = md_erase_text(m.headers, p.addr, p.ph), text_body = md_erase_text(m.text_body, p.addr, p.ph),"
	      " html_body = md_erase_text(m.html_body, p.addr, p.ph),"
	      " match_detail = md_erase_text(m.match_detail, p.addr, p.ph)"
	      " FROM p WHERE m.tenant_id = p.tenant"
	      " AND (m.ticket_id IN " PART_TICKETS " OR " MENTIONS("m") ")",
	P_CTE ", u AS (UPDATE tickets t SET subject = '' FROM p"
	      " WHERE t.tenant_id = p.tenant AND t.requester_id = p.contact RETURNING 1) SELECT count(*) FROM u",
	P_CTE " UPDATE ticket_events e SET detail = md_erase_text(e.detail, p.addr, p.ph),"
	      " actor = md_erase_text(e.actor, p.addr, p.ph) FROM p WHERE e.tenant_id = p.tenant"
	      " AND (e.ticket_id IN " REQ_TICKETS " OR e.ticket_id IN " PART_TICKETS ")"
	      " AND position(p.addr IN lower(e.detail || ' ' || e.actor)) > 0",
	P_CTE " INSERT INTO ticket_events (tenant_id, ticket_id, kind, actor, detail)"
	      " SELECT p.tenant, t.id, 'erased', p.actor, 'requester erased as ' || p.ph FROM p, tickets t"
	      " WHERE t.tenant_id = p.tenant AND t.requester_id = p.contact",
	/* Outbound mail to the address or about its tickets; mail not sent
	 * yet never will be. */
	P_CTE ", u AS (UPDATE outbound o SET data = ''::bytea, purged_at = now(),"
	      " state = CASE WHEN o.state IN ('sent', 'failed') THEN o.state ELSE 'failed' END,"
	      " last_error = CASE WHEN o.state IN ('sent', 'failed') THEN md_erase_text(o.last_error, p.addr, p.ph)"
	      " ELSE 'not sent: its recipient was erased' END,"
	      " rcpts = ARRAY(SELECT CASE WHEN lower(r) = p.addr THEN p.ph ELSE r END FROM unnest(o.rcpts) r)"
	      " FROM p WHERE o.tenant_id = p.tenant AND (o.ticket_id IN " REQ_TICKETS
	      " OR EXISTS (SELECT 1 FROM unnest(o.rcpts) r WHERE lower(r) = p.addr)"
	      " OR (o.ticket_id IN " PART_TICKETS " AND position(p.addr IN lower(encode(o.data, 'escape'))) > 0))"
	      " RETURNING 1) SELECT count(*) FROM u",
	/* No answer is ever copied to the placeholder. */
	P_CTE " DELETE FROM ticket_participants tp USING p WHERE tp.tenant_id = p.tenant AND tp.contact_id = p.contact",
	/* Webhook payloads carry the requester, subjects and message text:
	 * those of their tickets, or naming them, go (sent or not). */
	P_CTE " DELETE FROM webhook_deliveries w USING p WHERE w.tenant_id = p.tenant"
	      " AND (w.ticket_id IN " REQ_TICKETS " OR position(p.addr IN lower(w.payload)) > 0)",
	P_CTE " UPDATE contacts c SET email = p.ph, name = NULL FROM p"
	      " WHERE c.tenant_id = p.tenant AND c.id = p.contact",
};
/* Where each counting statement's count goes (index into erase_sql). */
enum { SQL_BLOBS = 0, SQL_RAW = 1, SQL_MESSAGES = 3, SQL_TICKETS = 5, SQL_OUTBOUND = 8 };

/* The contact of address, locked. 1 with *id_r, 0 none, -1. */
static int contact_lock(struct db *db, const char *tenant, const char *address, int64_t *id_r, char **error_r)
{
	const char *params[2] = { tenant, address };
	struct db_table *t = NULL;
	int found = db_exec_row(db, "SELECT id FROM contacts WHERE tenant_id = $1 AND email = lower($2) FOR UPDATE",
				2, params, &t, error_r);

	if (found == 1)
		*id_r = db_cell_int(t, 0, 0);
	db_table_free(&t);
	return found;
}

/* An agent's address is refused: "their own messages" would be every
 * answer the agent wrote. 1 not an agent, 2 an agent, -1. */
static int agent_check(struct db *db, const char *tenant, const char *address, char **error_r)
{
	const char *params[2] = { tenant, address };
	struct db_table *t = NULL;
	int found = db_exec_row(db, "SELECT 1 FROM agents WHERE tenant_id = $1 AND email = lower($2)", 2, params, &t,
				error_r);

	db_table_free(&t);
	return found < 0 ? -1 : found == 1 ? 2 : 1;
}

/* Runs the statements; fills the counts of r. Returns 0 or -1. */
static int erase_run(struct db *db, const char *const params[5], struct db_privacy_erase_result *r,
		     char **error_r)
{
	for (size_t i = 0; i < sizeof(erase_sql) / sizeof(erase_sql[0]); i++) {
		struct db_table *t = NULL;
		int64_t n;

		if (db_exec(db, erase_sql[i], 5, params, &t, error_r) < 0)
			return -1;
		n = t != NULL && t->n_rows == 1 && t->n_cols == 1 ? db_cell_int(t, 0, 0) : 0;
		db_table_free(&t);
		if (i == SQL_BLOBS)
			r->blobs = n;
		else if (i == SQL_RAW)
			r->raw_messages = n;
		else if (i == SQL_MESSAGES)
			r->messages = n;
		else if (i == SQL_TICKETS)
			r->tickets = n;
		else if (i == SQL_OUTBOUND)
			r->outbound = n;
	}
	return 0;
}

/* The erasure record: the address only as its SHA-256. Returns 0 or -1. */
static int erase_record(struct db *db, const char *const params[5], struct db_privacy_erase_result *r,
			char **error_r)
{
	struct db_num n[5];
	const char *values[9] = { params[0], params[2], params[3], params[4], db_num(&n[0], r->tickets),
				  db_num(&n[1], r->messages), db_num(&n[2], r->raw_messages),
				  db_num(&n[3], r->blobs), db_num(&n[4], r->outbound) };
	struct db_table *t = NULL;

	if (db_exec_row(db,
			"INSERT INTO contact_erasures (tenant_id, address_sha256, placeholder, actor, tickets,"
			" messages, raw_messages, blobs, outbound) VALUES ($1,"
			" encode(sha256(convert_to(lower($2::text), 'UTF8')), 'hex'), $3, $4, $5, $6, $7, $8, $9)"
			" RETURNING id",
			9, values, &t, error_r) < 1)
		return -1;
	r->erasure_id = db_cell_int(t, 0, 0);
	db_table_free(&t);
	return 0;
}

/* Contract in db-privacy.h. */
int db_privacy_erase(struct db *db, int64_t tenant_id, const char *address, const char *actor,
		     struct db_privacy_erase_result *r, char **error_r)
{
	struct db_num tn, cn;
	const char *params[5] = { db_num(&tn, tenant_id), NULL, address, r->placeholder, actor };
	int64_t contact_id = 0;
	int found;

	memset(r, 0, sizeof(*r));
	if (db_begin(db, error_r) < 0)
		return -1;
	found = contact_lock(db, params[0], address, &contact_id, error_r);
	if (found == 1)
		found = agent_check(db, params[0], address, error_r);
	if (found == 1) {
		params[1] = db_num(&cn, contact_id);
		snprintf(r->placeholder, sizeof(r->placeholder), "erased-%lld@invalid", (long long)contact_id);
		if (erase_run(db, params, r, error_r) < 0 || erase_record(db, params, r, error_r) < 0 ||
		    db_commit(db, error_r) < 0)
			found = -1;
	}
	if (found != 1)
		db_rollback(db);
	return found;
}
