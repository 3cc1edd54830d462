## lib/thread: conversation threading, pure (no I/O, no database). Signs
## tokens with OpenSSL's HMAC: programs that link libmdthread.a also need
## $(OPENSSL_LIBS).
noinst_LIBRARIES += lib/thread/libmdthread.a
lib_thread_libmdthread_a_SOURCES = \
	lib/thread/thread.h lib/thread/thread-private.h \
	lib/thread/thread-decide.c \
	lib/thread/thread-token.c \
	lib/thread/thread-agent-token.c \
	lib/thread/thread-subject.c
lib_thread_libmdthread_a_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
