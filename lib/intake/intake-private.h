#ifndef MD_INTAKE_PRIVATE_H
#define MD_INTAKE_PRIVATE_H
/* Shared by lib/intake's files only. */
#include <stdbool.h>
#include <stddef.h>

/* Whether len bytes are UTF-8 without NUL or control characters; tab, CR
 * and LF are allowed only when multiline. */
bool intake_text_valid(const char *s, size_t len, bool multiline);
/* Makes a (cut) submitted name printable for an error: control and 8-bit
 * bytes become '?'. */
void intake_text_sanitise_name(char *name);

#endif
