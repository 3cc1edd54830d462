#ifndef MD_MIMETYPES_H
#define MD_MIMETYPES_H
/* Content types by file name extension, from the system's MIME database
 * (/etc/mime.types, Debian's media-types package): "type ext ext ..." lines,
 * '#' comments. Read once, on first use; not thread-safe (maildeskctl uses
 * it). */

/* The path of the database read on first use; tests point it elsewhere.
 * Must be called before the first mimetypes_guess(). NULL restores the
 * default. */
void mimetypes_set_path(const char *path);

/* The content type for filename's extension (compared without regard to
 * case; the last '.' after the last '/' starts it), or
 * "application/octet-stream" when it has none, the database does not know
 * it, or the database cannot be read. Static storage, valid until exit. */
const char *mimetypes_guess(const char *filename);

#endif
