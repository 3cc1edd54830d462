#ifndef MD_BASE_MBOX_H
#define MD_BASE_MBOX_H
/* Writing mail into an mbox file in the mboxrd form (as mutt, Thunderbird
 * and Dovecot read it), for "maildeskctl contact export". The mail is a
 * stranger's bytes: no line of it can ever pass for the "From " line that
 * starts the next message. */
#include <stddef.h>
#include <time.h>

#include "base/buf.h"

/* Appends one message to mbox: the line "From SENDER DATE" (DATE in
 * asctime form, UTC; SENDER "MAILER-DAEMON" when it is NULL, empty, or
 * holds anything but printable ASCII without blanks), then data's lines
 * with LF ends (a CR before an LF is dropped; a last line without LF gets
 * one), each line that starts with any number of '>' and then "From "
 * with one more '>' in front, then an empty line. data need not be
 * NUL-terminated and may hold any byte. Never fails (out of memory
 * aborts; mbox should have no max). */
void mbox_append(struct buf *mbox, const char *sender, time_t when, const char *data, size_t len);

#endif
