#ifndef MD_TEXT_H
#define MD_TEXT_H
/* Text of message bodies: where the new part of a reply ends and the quoted
 * history begins, so a ticket shows what the customer wrote this time.
 * Pure code: no I/O, no allocation, no GLib. The input is the plain text the
 * mime module produced (UTF-8, LF line ends; CRLF is accepted too). */
#include <stddef.h>

/* The marker maildesk puts in notifications; a line containing it ends
 * the new part too. */
#define TEXT_REPLY_MARKER "## Reply above this line ##"

/* Length in bytes of the new part of a reply: the text above the first
 * quote separator, with trailing blank lines and a trailing signature
 * separator line ("-- ") block NOT removed (keep signatures), only the
 * history cut. Returns len when no separator is found.
 *
 * text need not be NUL-terminated; it is read only in [text, text + len)
 * (text may be NULL when len is 0). The result is always 0, len, or the
 * offset of the first byte of a line (after an LF): nothing is cut inside
 * a line, and a separator on the first line gives 0.
 *
 * Separators, the first one from the top wins (leading spaces/tabs are
 * ignored, words compare without regard to ASCII case):
 *   - any line containing TEXT_REPLY_MARKER, also a quoted one
 *     ("> ## Reply above this line ##");
 *   - an attribution line "On <date...> wrote:" and its translations
 *     "Am ... schrieb ...:", "El ... escribió:", "Le ... a écrit :",
 *     "Op ... schreef ...:", "Il ... ha scritto:", "Em ... escreveu:".
 *     It must start with that word, end with the colon (a no-break space
 *     before it is fine), contain a digit (the date) and be shorter than
 *     400 bytes, so "Carla wrote: ..." or "On Monday I wrote:" in a
 *     sentence is not one. It may wrap onto a second line (Gmail) when the
 *     first line does not end a sentence ('.', '!', '?', ':').
 *     Exception: when the attribution is followed by quoted lines and then
 *     by unquoted text again, the reply is written inline between the
 *     quotes and the attribution does not cut;
 *   - Outlook's "-----Original Message-----" and its spellings with other
 *     dash counts, spaces or languages ("Ursprüngliche Nachricht",
 *     "Mensaje original", "Message d'origine", ...);
 *   - forwarded-message separators ("---------- Forwarded message
 *     ---------", "-------- Forwarded Message --------", "Begin forwarded
 *     message:", and translations): the forwarded mail counts as history;
 *   - an Outlook header block: a "From:" line ("De:", "Von:", "Van:",
 *     "Da:", "Fra:", "Från:", also "*From:*") with a "Sent:", "Date:",
 *     "To:", "Subject:" or "Cc:" line (or a translation) among the next
 *     two lines;
 *   - a line of 20 or more underscores (Outlook on the web) with a "From:"
 *     line as the next or next-but-one line;
 *   - the trailing run of lines starting with '>' (a quote at the end of
 *     the text, with only blank lines between its quoted lines): the cut is
 *     at its first quoted line. Quoted lines followed by new unquoted text
 *     (inline replies, bottom posting) are kept. */
size_t text_reply_new_len(const char *text, size_t len);

#endif
