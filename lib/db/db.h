#ifndef MD_DB_H
#define MD_DB_H
/* The only module that includes libpq. Synchronous calls on one connection;
 * a struct db is used by one thread at a time (the daemon gives each worker
 * thread its own). SQL is sent with parameters only, never by escaping.
 *
 * Errors: functions return 0 (or 1 found / 0 not found for lookups) and -1
 * on failure with *error_r set to a malloc'd one-line message (free() it).
 * A call that fails leaves nothing half-written: every write runs in one
 * transaction that is rolled back on any error. When the connection was lost
 * the failing call returns -1 and the next call reconnects first. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* Connects with a libpq conninfo string. timeout_s bounds connecting and
 * every statement (statement_timeout), 0 = none. Returns 0 or -1. On -1,
 * *db_r is still NULL. */
int db_connect(const char *conninfo, unsigned timeout_s, struct db **db_r, char **error_r);
/* Closes and frees; *db set to NULL; NULL ignored. */
void db_close(struct db **db);

/* Applies the numbered migrations from sql/ (compiled into the binary) that
 * are not yet applied, each in its own transaction. *applied_r gets how many
 * ran. Safe to run concurrently and repeatedly. */
int db_migrate(struct db *db, unsigned *applied_r, char **error_r);
/* Returns 0 when every migration this build knows is applied, -1 with a
 * message that says which version the database is at and that
 * "maildeskctl db migrate" is needed. */
int db_schema_check(struct db *db, char **error_r);
/* The highest migration number compiled in. */
unsigned db_schema_version_known(void);
/* The highest migration version recorded in the database (0 when none, or
 * when schema_migrations does not exist yet). Returns 0 or -1. */
int db_schema_version(struct db *db, unsigned *version_r, char **error_r);

/* Team alias lookup for RCPT TO: address compared case-insensitively.
 * With shared_domain (the provider's shared sending domain; NULL or ""
 * for none), an address on shared_domain is never a team alias itself:
 * ALIASLOCAL.TENANT@shared_domain reaches the team whose oldest alias has
 * the local part ALIASLOCAL in the tenant named TENANT (case-insensitively;
 * the part after the last dot is the tenant), and only when exactly one
 * team matches. Returns 1 found (ids set), 0 unknown, -1 error. */
int db_alias_lookup(struct db *db, const char *address, const char *shared_domain, int64_t *tenant_id_r,
		    int64_t *team_id_r, char **error_r);

struct mime_field;
struct mime_dsn;

struct db_address {
	const char *name;
	const char *addr;
};

/* Where a message fetched over IMAP came from (issue 15): the channel's
 * position that its delivery transaction advances (db-imap.h). */
struct db_channel_pos {
	int64_t channel_id;
	const char *holder; /* the daemon that must still hold its lease */
	int64_t uidvalidity;
	int64_t uid;
};

struct db_attachment_in {
	const char *filename;
	const char *content_type;
	const char *content_id; /* may be NULL */
	bool is_inline;
	const unsigned char *data;
	size_t size;
	const char *sha256_hex;
};

/* One received message, as parsed. Pointers are borrowed for the call. */
struct db_message_in {
	const char *raw;
	size_t raw_len;
	const char *raw_sha256_hex;
	const char *envelope_from; /* "" for <> */
	const char *from_name, *from_addr;
	size_t from_count; /* mailboxes in all From fields; trusted only when 1 */
	const struct db_address *to, *cc, *reply_to;
	size_t n_to, n_cc, n_reply_to;
	const char *subject;
	int64_t date; /* 0 = unknown */
	const char *message_id, *in_reply_to; /* may be NULL */
	const char *const *references;
	size_t n_references;
	const char *header_block, *text_body, *html_body; /* html may be NULL */
	const struct db_attachment_in *attachments;
	size_t n_attachments;
	const char *content_type; /* top-level "type/subtype", lowercase; may be NULL */
	unsigned defects;
	const char *defects_str; /* "" when none */
	/* Per recipient: the extension of the recipient address
	 * ("TOKEN" of support+TOKEN@...), NULL when none. */
	const char *rcpt_extension;
	/* Who sent it, as the caller (lib/desk, desk_inbound_trust) judged
	 * from our own mail server's Authentication-Results: DMARC pass, or
	 * DKIM pass for exactly the From domain. agents_need_auth: an agent's
	 * From counts only with that pass (agent_reply_require_dkim); without
	 * it the agent's address alone counts, as for answers. Both false
	 * when unknown: threading then trusts nobody's authentication. */
	bool sender_authenticated;
	bool agents_need_auth;
	/* The header fields as lib/mime parsed them once (our Received on top,
	 * untrusted Authentication-Results already dropped), for lib/desk and
	 * lib/agent; lib/db never reads them. */
	const struct mime_field *fields;
	size_t n_fields;
	/* The delivery-status part as lib/mime parsed it (mime-dsn.h), NULL
	 * when none; for lib/desk's bounce handling, lib/db never reads it. */
	const struct mime_dsn *dsn;
	/* NULL, or the IMAP channel position this message advances, written
	 * by desk_deliver in the message's own transaction (also for a
	 * duplicate, so a refetched message moves the position on). */
	const struct db_channel_pos *channel_pos;
};

struct db_delivery_result {
	int64_t ticket_number;
	int64_t message_id;
	bool duplicate; /* the same message was already stored for this team */
	bool new_ticket;
	bool reopened;  /* appended to a closed/solved/pending/snoozed ticket, now open */
	int64_t linked_ticket_number; /* new ticket linked to this old one, else 0 */
	char match_reason[16];        /* "new", "token", "references", "subject-tag" */
	char match_detail[300];       /* one line: why */
	int64_t ticket_id;            /* row id of the ticket (0 for a duplicate) */
	int64_t sender_contact_id;
	int64_t token_agent_id;       /* the agent a verified rcpt token names, else 0 */
	int64_t token_issued;         /* that token's issue time (Unix), 0 when it has none */
	int64_t bounce_outbound_id;   /* a delivery report to the verified VERP
				       * return path of this outbound row, else 0 */
	/* What the delivery read of the team's configuration (both false
	 * unless it knows): no acknowledgement template, so the step is not
	 * run; no SLA policy, so a new ticket gets no due times to compute. */
	bool skip_ack;
	bool skip_sla;
	/* The version of the tenant's order patterns (db-order.h) the
	 * delivery read, 0: the tenant has none, nothing to extract. */
	int64_t order_patterns_version;
};

/* A generic result for the command line: all values as text. */
struct db_table {
	size_t n_rows, n_cols;
	char **col_names;
	char **cells; /* row-major; NULL for SQL NULL */
};
/* BEGIN/COMMIT/ROLLBACK around a series of lib/db's typed operations (SQL
 * text is lib/db's own: db_exec() is in db-private.h, and t/test-no-sql.sh
 * fails when SQL appears outside lib/db). */
int db_begin(struct db *db, char **error_r);
/* BEGIN of an outer transaction (maildeskctl's audited commands, so that
 * the change and its audit_log row commit together): until its own
 * db_commit or db_rollback, a db_begin() (or db_begin_pipelined()) inside
 * it opens a savepoint instead, its db_commit() releases it and its
 * db_rollback() undoes only that part. Returns 0 or -1. */
int db_begin_outer(struct db *db, char **error_r);
int db_commit(struct db *db, char **error_r);
/* BEGIN for a transaction that may queue: until db_commit or db_rollback,
 * a statement whose rows nobody reads (db_exec with table_r NULL, the typed
 * writes) is sent without waiting for its answer, in libpq's pipeline mode,
 * and travels with the next statement that waits, so several statements
 * cost one round trip. A queued statement's failure is returned by the
 * next call that waits (a read, db_flush, db_release after it, db_commit),
 * and fails the transaction as it would have at once. The delivery uses it. */
int db_begin_pipelined(struct db *db, char **error_r);
/* Waits for every statement queued so far. Returns 0, or -1 with the first
 * failure's message in *error_r. 0 at once when nothing that may fail is
 * queued, or outside a pipelined transaction. A step in a savepoint calls
 * it before db_release, so that its own failure is undone by
 * db_rollback_to rather than failing the whole transaction. */
int db_flush(struct db *db, char **error_r);
void db_rollback(struct db *db);
/* Savepoints inside the open transaction (also inside a delivery's, in
 * lib/desk's steps after the message is stored): a step that may fail on its own is run between
 * db_savepoint() and db_release(); on failure db_rollback_to() undoes just
 * that step and leaves the transaction usable (also after an SQL error
 * aborted it). name: 1-32 of [a-z0-9_], starting with a letter (it is an
 * SQL identifier, so it cannot be a parameter); anything else is refused.
 * Each returns 0, or -1 with *error_r (no transaction, a bad name, the
 * connection lost). db_rollback_to() keeps the savepoint (release it). */
int db_savepoint(struct db *db, const char *name, char **error_r);
int db_release(struct db *db, const char *name, char **error_r);
int db_rollback_to(struct db *db, const char *name, char **error_r);
const char *db_table_get(const struct db_table *t, size_t row, size_t col);
void db_table_free(struct db_table **t);
/* True when the last failed call was a unique-constraint violation. */
bool db_last_error_was_duplicate(const struct db *db);
/* True when the connection is known to be broken or going away (the last
 * call met a closed or reset server, or the server's shutdown); a caller
 * outside a transaction may try again: a broken connection is made anew
 * by the next call. */
bool db_connection_lost(const struct db *db);

#endif
