#ifndef MD_BUF_H
#define MD_BUF_H
/* An owning, length-tracking, capped byte buffer. data is always
 * NUL-terminated (the NUL is not counted in len) so it can be handed to
 * C string functions when the content has no NULs. max == 0 means no cap. */
#include <stdarg.h>
#include <stddef.h>

#include "strv.h"

struct buf {
	char *data;
	size_t len, cap, max;
};

/* Empty buffer holding at most max bytes (0: unlimited). Allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Appends n bytes. Returns 0, or -1 (and appends nothing) when the result
 * would exceed max. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
/* printf-append. Returns 0, or -1 (nothing appended) past max. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Drops the first n bytes (all when n >= len). */
void buf_consume(struct buf *b, size_t n);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Frees the memory; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);
/* Hands the data (NUL-terminated, free() it) to the caller; the buffer is empty. */
char *buf_steal(struct buf *b, size_t *len_r);
static inline struct strv buf_view(const struct buf *b) { return (struct strv){ b->data ? b->data : "", b->len }; }

#endif
