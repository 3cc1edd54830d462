## lib/mime: the only module that includes GMime (and libxml2, uchardet,
## libytnef).
## Programs that link lib/mime/libmdmime.a put $(MIME_LIBS) after it and
## after lib/base/libmdbase.a in their LDADD, e.g.
##   foo_LDADD = lib/mime/libmdmime.a lib/base/libmdbase.a $(MIME_LIBS)
noinst_LIBRARIES += lib/mime/libmdmime.a
lib_mime_libmdmime_a_SOURCES = \
	lib/mime/mime.c lib/mime/mime.h lib/mime/mime-private.h \
	lib/mime/mime-charset.c lib/mime/mime-rfc2047.c \
	lib/mime/mime-header.c lib/mime/mime-part.c lib/mime/mime-html.c \
	lib/mime/mime-tnef.c lib/mime/mime-fields.c lib/mime/mime-fields.h \
	lib/mime/mime-dsn.c lib/mime/mime-dsn.h \
	lib/mime/mime-compose.c lib/mime/mime-compose.h
lib_mime_libmdmime_a_CPPFLAGS = $(AM_CPPFLAGS) $(GMIME_CFLAGS) $(LIBXML2_CFLAGS) $(UCHARDET_CFLAGS) \
	$(LIBYTNEF_CFLAGS)
MIME_LIBS = $(GMIME_LIBS) $(LIBXML2_LIBS) $(UCHARDET_LIBS) $(LIBYTNEF_LIBS)
