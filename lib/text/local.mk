## lib/text: plain-text helpers for message bodies, pure (no I/O, no GLib):
## where the new part of a reply ends. Uses struct strv from lib/base, so
## programs that link libmdtext.a also need lib/base/libmdbase.a.
noinst_LIBRARIES += lib/text/libmdtext.a
lib_text_libmdtext_a_SOURCES = \
	lib/text/text.h \
	lib/text/text-quote.c
