#ifndef MD_AGENT_PRIVATE_H
#define MD_AGENT_PRIVATE_H
/* Shared between the command scanner (agent-command.c) and the argument
 * readers (agent-args.c). Not for use outside lib/agent. */
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/strv.h"
#include "agent/agent.h"

/* Hint shown with every snooze error, also used for a missing argument. */
#define AGENT_SNOOZE_USAGE "use 3d, 2h, 45m, 1w or YYYY-MM-DD [HH:MM]"

/* Length of the whitespace at p (space, tab or UTF-8 no-break space),
 * 0 when there is none. Reads only [p, end). */
size_t agent_ws_len(const char *p, const char *end);

/* Splits the next word off *rest (whitespace-separated; with commas also
 * ',' separates). Returns an empty view when *rest holds no more words. */
struct strv agent_word_next(struct strv *rest, bool commas);

/* Appends word in double quotes for an error message: control bytes and
 * invalid UTF-8 become '?', and a long word is cut (with "...") on a
 * character boundary, so the message stays one readable line. */
void agent_quote(struct buf *b, struct strv word);

/* The argument readers: each returns 0 and its result, or -1 with one
 * message (without the "line N: " prefix) appended to err. Results are
 * newly allocated lower-case strings (free()). */
int agent_snooze_read(struct strv word, struct strv time_word, int64_t now, int32_t tz_offset_s,
		      struct agent_snooze *s_r, struct buf *err);
int agent_tag_read(const char *cmd, struct strv word, char **tag_r, struct buf *err);
int agent_address_read(struct strv word, char **address_r, bool *me_r, struct buf *err);
/* An address for "#cmd": as agent_address_read() without "me"; messages
 * start with "#cmd: ". */
int agent_mailbox_read(const char *cmd, struct strv word, char **address_r, struct buf *err);
int agent_priority_read(struct strv word, int *priority_r, struct buf *err);
int agent_template_read(struct strv word, char **name_r, struct buf *err);

#endif
