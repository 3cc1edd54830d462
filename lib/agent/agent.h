#ifndef MD_AGENT_H
#define MD_AGENT_H
/* What agents do by mail, and when maildesk may answer mail by itself.
 *
 * (1) Commands: an agent steers a ticket with lines such as "#close" or
 *     "#snooze 3d" at the top of a reply. agent_reply_parse() reads them
 *     and says where the text for the customer starts.
 * (2) Loop safety (RFC 3834): agent_may_autoreply() refuses automatic
 *     answers to bounces, lists, other robots and our own mail, and
 *     agent_autoheaders_write() adds the fields our automatic mail carries.
 *
 * Pure code: no I/O, no database, no GLib. Uses lib/base (struct buf,
 * xalloc), so programs linking libmdagent.a also need libmdbase.a. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mime/mime-fields.h"

struct buf;

/* ---- (1) commands ---- */

enum agent_cmd_type {
	AGENT_CMD_CLOSE,
	AGENT_CMD_REOPEN,
	AGENT_CMD_SNOOZE,
	AGENT_CMD_ASSIGN,
	AGENT_CMD_UNASSIGN,
	AGENT_CMD_TAG,
	AGENT_CMD_UNTAG,
	AGENT_CMD_PRIORITY,
	AGENT_CMD_NOTE,
	AGENT_CMD_TEMPLATE,
	AGENT_CMD_CC_ADD,    /* #cc add ADDRESS */
	AGENT_CMD_CC_REMOVE, /* #cc remove ADDRESS */
	AGENT_CMD_ORDER,     /* #order REF, #order - / #order none: clears */
	AGENT_CMD_OPEN,      /* #open: the answer leaves the ticket open */
	AGENT_CMD_SOLVE,     /* #solve: the ticket is solved */
};

/* The lower-case command name without '#' ("close", "snooze", "cc" for
 * both #cc forms, ...);
 * "unknown" for a value outside the enum. Static storage. */
const char *agent_cmd_name(enum agent_cmd_type type);

/* Priorities as stored: "#priority urgent" is 3, "high" 2, "medium" 1,
 * "low" 0; the digits 0-3 give the same numbers. */
#define AGENT_PRIORITY_LOW 0
#define AGENT_PRIORITY_MEDIUM 1
#define AGENT_PRIORITY_HIGH 2
#define AGENT_PRIORITY_URGENT 3

/* A wall-clock time in the agent's zone, as written. */
struct agent_wall_clock {
	int year, month, day; /* a valid Gregorian date, year 2000-9999 */
	int hour, minute;     /* 0:00 when the agent wrote only a date */
	bool has_time;
};

/* #snooze: how long. Relative forms ("3d", "2h", "45m", "1w"; a number of
 * 1-4 digits, not 0, with unit m, h, d or w in either case) count from
 * `now`. Absolute forms ("YYYY-MM-DD" meaning 00:00, or "YYYY-MM-DD HH:MM"
 * 24-hour) are wall clock in the agent's zone: until = that wall clock
 * read as UTC minus tz_offset_s. A caller that knows the agent's zone by
 * name (with daylight saving) should convert `local` itself and ignore
 * `until`. An absolute time that is not after `now` is an error. */
struct agent_snooze {
	int64_t until;       /* Unix time to wake the ticket */
	bool absolute;
	int64_t duration_s;  /* relative only: the seconds added to now */
	struct agent_wall_clock local; /* absolute only */
};

/* One parsed command. "#tag a b" gives two commands (one tag each) with
 * the same line. All strings are owned by the reply. */
struct agent_cmd {
	enum agent_cmd_type type;
	unsigned line;           /* 1-based line in the input */
	/* ASSIGN: the address, lower case, angle brackets removed; NULL for
	 *         "#assign me" (see assign_me).
	 * TAG, UNTAG: one tag, lower case, [a-z0-9][a-z0-9_.-]{0,63}.
	 * TEMPLATE: the name, lower case, [a-z0-9_.-]{1,64}.
	 * CC_ADD, CC_REMOVE: the address, lower case, angle brackets
	 *         removed (local@domain, sane characters, at most 254).
	 *         Written "#cc add ADDRESS" / "#cc remove ADDRESS" (one
	 *         address per line); "#cc add x" with "#cc remove x" conflict.
 * ORDER: the order reference as written (base/orderref.h: 1-64 visible
 *         ASCII characters); NULL for "#order -" and "#order none",
 *         which clear it. Two different #order lines conflict.
	 * Other commands: NULL. */
	char *arg;
	bool assign_me;          /* ASSIGN: "#assign me" (the replying agent) */
	int priority;            /* PRIORITY: 0-3, see AGENT_PRIORITY_* */
	struct agent_snooze snooze; /* SNOOZE */
};

struct agent_reply {
	struct agent_cmd *cmds;  /* in input order, exact duplicates dropped */
	size_t cmds_count;
	/* Byte offset in the input where the text for the customer starts:
	 * the first line that is neither blank nor a command, or the input
	 * length when there is none. 0 when there are no commands (the text
	 * is used as it is). Always the start of a line, never inside one. */
	size_t text_offset;
	bool has_note;           /* #note: the whole mail is an internal note */
	/* The customer text is blank: only whitespace (space, tab, CR, LF,
	 * no-break space) before the end or before a signature separator line
	 * ("-- " or "--"), so a signature alone does not count as text. Also
	 * true for an empty reply without commands. */
	bool only_commands;
	/* On failure: "line N: ..." naming the bad command and the bad word,
	 * e.g. `line 2: #snooze: "3x" is not a duration (use 3d, 2h, 45m, 1w
	 * or YYYY-MM-DD [HH:MM])`, and the line number; no commands then.
	 * NULL and 0 on success. */
	char *error;
	unsigned error_line;
};

/* At most this many commands (after "#tag a b" is split). */
#define AGENT_CMDS_MAX 100

/* Reads the commands at the top of the new part of an agent's reply.
 *
 * text is UTF-8 with LF or CRLF line ends; it need not be NUL-terminated
 * and is read only in [text, text + len) (NULL is fine when len is 0). A
 * UTF-8 byte order mark at the start is skipped.
 *
 * A command line starts with '#' and an ASCII letter (leading spaces and
 * tabs are ignored); its name compares without regard to case and its
 * arguments are separated by spaces or tabs (for #tag/#untag also commas).
 * Commands are read from the top, blank lines before and between them are
 * allowed, up to the first other line: that line and everything after it
 * is the customer text, where '#' lines are plain text. '#' followed by a
 * digit ("#1 is fixed") or by anything other than a letter is text, so it
 * ends the commands. An unknown name ("#clsoe", "#hashtag") is an error, so
 * a typo never reaches the customer.
 *
 * Conflicts are errors: two different ones of #close, #reopen, #open,
 * #solve and #snooze (the commands that set the status);
 * #assign with #unassign or with another assignee; #tag x with #untag x;
 * two different priorities or snooze times. Identical commands are fine
 * (kept once). Different #template names are all kept, in order.
 *
 * now is the Unix time relative snoozes count from and absolute ones must
 * follow; tz_offset_s is the agent's offset east of UTC in seconds (e.g.
 * 3600 for UTC+1) used to compute snooze.until from a wall clock.
 *
 * Always sets *reply_r (free with agent_reply_free()). Returns 0, or -1
 * when a command is bad: then *error_r points at (*reply_r)->error (valid
 * until the reply is freed), the first bad line in input order. */
int agent_reply_parse(const char *text, size_t len, int64_t now, int32_t tz_offset_s,
		      struct agent_reply **reply_r, const char **error_r);

/* Whether the reply names the ticket's next status (#close, #reopen,
 * #open, #solve, #snooze): then an answer does not make it pending. */
bool agent_reply_sets_status(const struct agent_reply *reply);

/* Frees the reply and its strings and sets *reply to NULL; nothing on NULL. */
void agent_reply_free(struct agent_reply **reply);

/* ---- (2) loop safety ---- */

/* Our own loop header: every automatic mail maildesk sends carries it, and
 * incoming mail that has it is never answered automatically. */
#define AGENT_LOOP_HEADER "X-Maildesk-Loop"

/* Header fields are lib/mime's (mime-fields.h): parsed once per message,
 * name without the colon, value unfolded (folding and surrounding
 * whitespace are tolerated here too). */

struct agent_mail_facts {
	/* The SMTP envelope sender (MAIL FROM), with or without <>; NULL, ""
	 * and "<>" are the null sender (a bounce). */
	const char *envelope_sender;
	const struct mime_field *headers; /* every header field, any order */
	size_t headers_count;
	const char *from_address; /* addr-spec of From:, NULL when none */
};

/* Whether maildesk may send an automatic answer (acknowledgement,
 * notification to a customer) to this incoming mail, after RFC 3834
 * section 2 and common practice. Returns false and sets *why_r (when
 * why_r is not NULL) to a short static reason for the first that applies:
 *   - the null envelope sender (a bounce or other notification);
 *   - our own AGENT_LOOP_HEADER is present (our mail came back);
 *   - Auto-Submitted present with a value other than "no" (case and
 *     comments/parameters after it ignored; empty counts as automatic);
 *   - Content-Type multipart/report (DSN, MDN);
 *   - Precedence bulk, junk, list or auto_reply;
 *   - any List-* field (List-Id, List-Unsubscribe, List-Post, ...);
 *   - X-Auto-Response-Suppress present (any value), X-Autoreply or
 *     X-Autorespond present (robots that predate RFC 3834);
 *   - envelope sender or From local part (with or without "+detail",
 *     any case) MAILER-DAEMON, postmaster, nobody, noreply, no-reply,
 *     no_reply, donotreply, do-not-reply, do_not_reply, listserv,
 *     majordomo, or ending in "-request", or starting with "owner-".
 * Returns true (and *why_r = NULL) otherwise. Never allocates. */
bool agent_may_autoreply(const struct agent_mail_facts *f, const char **why_r);

enum agent_auto_kind {
	AGENT_AUTO_REPLIED,   /* an answer to a message: "auto-replied" */
	AGENT_AUTO_GENERATED, /* a notification not caused by one: "auto-generated" */
};

/* Appends the header fields every automatic mail carries, CRLF-ended:
 *   Auto-Submitted: auto-replied   (or auto-generated)
 *   X-Auto-Response-Suppress: All  (asks Exchange not to answer it)
 *   X-Maildesk-Loop: <loop_value>
 * loop_value names the sending mailbox (e.g. the team's support address)
 * and must be 1-200 bytes of printable ASCII (0x21-0x7e, spaces inside
 * allowed, none at either end); CR, LF, other control bytes and 8-bit
 * bytes are refused so nothing can be injected. Returns 0, or -1 (and
 * appends nothing) when loop_value is bad or the buffer's max is hit. */
int agent_autoheaders_write(struct buf *b, enum agent_auto_kind kind, const char *loop_value);

/* ---- (3) authenticated agent replies ---- */

/* The layout these read (delivery writes it): the header section starts
 * with maildeskd's own Received field; the Authentication-Results fields
 * (RFC 8601) between it and the next Received field are the trusted
 * peer's (its MTA writes them on top of its own Received line), and only
 * those count. Anything further down, even in our authserv-id, was written
 * by someone else. A section whose first field is no Received, or that has
 * more than one From field, counts nothing. Fields are parsed as RFC 8601
 * writes them: comments (CFWS) anywhere, quoted-string values, an
 * authserv-id with a version, reason=; a result inside a comment or a
 * quoted string is no result, and a field in our authserv-id that does not
 * parse counts nothing. headers are in message order. */

/* Whether our own mail server vouches for the sender's domain: in the
 * trusted fields whose authserv-id is trusted_id, dkim=pass with header.d,
 * or dmarc=pass with header.from, exactly equal to domain (ignoring case;
 * never a parent or child domain). On false, *why_r (when not NULL) is a
 * short static reason; on true it is NULL. */
bool agent_auth_results_pass(const struct mime_field *headers, size_t count, const char *trusted_id,
			     const char *domain, const char **why_r);

/* What our own mail server's Authentication-Results say of a message's
 * author domain (the domain of its single From mailbox). Only the fields
 * agent_auth_results_pass() would trust count. Every flag demands an exact
 * match with from_domain (case-insensitive), never a parent or child
 * domain. */
struct agent_auth_verdict {
	bool seen;       /* at least one trusted field was read */
	bool dmarc_pass; /* dmarc=pass, header.from = from_domain */
	bool dkim_pass;  /* dkim=pass, header.d = from_domain */
	bool spf_pass;   /* spf=pass, smtp.mailfrom's domain = from_domain */
};

/* Fills *v_r (all false first) from headers (message order). from_domain
 * NULL or "", trusted_id NULL or "" give all false. Never allocates. */
void agent_auth_results_read(const struct mime_field *headers, size_t count, const char *trusted_id,
			     const char *from_domain, struct agent_auth_verdict *v_r);

/* The author is vouched for: DMARC pass, or DKIM pass for exactly the
 * From domain. (SPF alone never proves the From line.) */
bool agent_auth_verdict_author(const struct agent_auth_verdict *v);

/* A copy of a raw header section as received (before our Received line
 * is put on top; malloc'd, free() it) without the Authentication-Results
 * fields that claim trusted_id (or do not parse after claiming it) and
 * were not written by a peer we trust: from an untrusted peer (trusted
 * false) every such field wherever it stands; from a trusted one those
 * below its first Received field. Every other field is kept byte for
 * byte. trusted_id "" strips nothing. */
char *agent_auth_results_strip(const char *block, const char *trusted_id, bool trusted);
/* The same on fields already split from block (mime_fields_split_spans, or
 * a parsed message's): drop_r (n entries, caller's) says which fields were
 * dropped, so the caller can keep reading the fields without them. */
char *agent_auth_results_strip_fields(const char *block, const struct mime_field *fields,
				      const struct mime_field_span *spans, size_t n, const char *trusted_id, bool trusted,
				      unsigned char *drop_r);

#endif
