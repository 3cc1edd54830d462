noinst_LIBRARIES += lib/base/libmdbase.a
lib_base_libmdbase_a_SOURCES = \
	lib/base/xalloc.c lib/base/xalloc.h \
	lib/base/strv.c lib/base/strv.h \
	lib/base/buf.c lib/base/buf.h \
	lib/base/log.c lib/base/log.h \
	lib/base/conf.c lib/base/conf.h \
	lib/base/mimetypes.c lib/base/mimetypes.h \
	lib/base/orderref.c lib/base/orderref.h \
	lib/base/utf8.c lib/base/utf8.h
## mboxrd writing ("contact export").
lib_base_libmdbase_a_SOURCES += lib/base/mbox.c lib/base/mbox.h
