## lib/mime tests; included from t/local.mk.
check_PROGRAMS += t/test-mime
TESTS += t/test-mime
t_test_mime_SOURCES = t/test-mime.c
t_test_mime_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_mime_LDADD = lib/mime/libmdmime.a lib/base/libmdbase.a $(MIME_LIBS) $(CHECK_LIBS)
EXTRA_DIST += \
	t/mime-corpus/8bit-filename.eml \
	t/mime-corpus/8bit-header-nohint.eml \
	t/mime-corpus/8bit-header.eml \
	t/mime-corpus/alternative.eml \
	t/mime-corpus/attachment-base64.eml \
	t/mime-corpus/bad-base64.eml \
	t/mime-corpus/bad-date-address.eml \
	t/mime-corpus/cp1252-as-ascii.eml \
	t/mime-corpus/forwarded.eml \
	t/mime-corpus/gb2312.eml \
	t/mime-corpus/html-only.eml \
	t/mime-corpus/iso-2022-jp.eml \
	t/mime-corpus/latin1-labelled-utf8.eml \
	t/mime-corpus/make-tnef.py \
	t/mime-corpus/missing-boundary.eml \
	t/mime-corpus/multipart-no-boundary.eml \
	t/mime-corpus/no-headers.eml \
	t/mime-corpus/plain-utf8.eml \
	t/mime-corpus/qp-soft-breaks.eml \
	t/mime-corpus/rfc2231-filename.eml \
	t/mime-corpus/subject-b-utf8-split.eml \
	t/mime-corpus/subject-q-latin1.eml \
	t/mime-corpus/tnef-bad.eml \
	t/mime-corpus/tnef.eml \
	t/mime-corpus/unknown-charset.eml \
	t/mime-corpus/utf8-broken.eml
## Delivery reports (mime-dsn.h), parsed with the message.
check_PROGRAMS += t/test-mime-dsn
TESTS += t/test-mime-dsn
t_test_mime_dsn_SOURCES = t/test-mime-dsn.c
t_test_mime_dsn_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_mime_dsn_LDADD = lib/mime/libmdmime.a lib/base/libmdbase.a $(MIME_LIBS) $(CHECK_LIBS)
## The header field splitter (mime-fields.h).
check_PROGRAMS += t/test-mime-fields
TESTS += t/test-mime-fields
t_test_mime_fields_SOURCES = t/test-mime-fields.c
t_test_mime_fields_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_mime_fields_LDADD = lib/mime/libmdmime.a lib/base/libmdbase.a $(CHECK_LIBS)
