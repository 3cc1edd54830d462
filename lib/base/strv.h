#ifndef MD_STRV_H
#define MD_STRV_H
/* A non-owning view of bytes: {p, len}. Not NUL-terminated. A view is valid
 * only as long as the buffer it points into is neither freed nor grown; the
 * function that hands one out says how long that is. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct strv {
	const char *p;
	size_t len;
};

#define STRV_LIT(s) ((struct strv){ (s), sizeof(s) - 1 })

static inline struct strv strv_from(const char *s) { return (struct strv){ s, s ? strlen(s) : 0 }; }

/* ASCII case-insensitive comparison with a C string. */
bool strv_eq_ci(struct strv v, const char *s);
/* True when v begins with prefix, ignoring ASCII case. */
bool strv_prefix_ci(struct strv v, const char *prefix);
/* Drops leading and trailing spaces and tabs. */
struct strv strv_trim(struct strv v);

#endif
