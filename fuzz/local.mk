## Fuzz targets (fuzz/README.md), one per pure parser: the SMTP/LMTP
## session core, the rule language, DKIM canonicalisation, threading tokens
## and agent replies. With ./configure --with-fuzzer (CC=clang) they are
## libFuzzer programs; otherwise fuzz/standalone.c is their main() and make
## check replays each over its seed corpus fuzz/corpus/NAME (under ASan and
## UBSan in make check-asan). Their names start with "fuzz-", so t/test-env
## gives them no PostgreSQL cluster.
FUZZ_TARGETS = fuzz/fuzz-smtp fuzz/fuzz-rules fuzz/fuzz-dkim-canon fuzz/fuzz-thread-token \
	fuzz/fuzz-agent-reply
if FUZZER
noinst_PROGRAMS = $(FUZZ_TARGETS)
FUZZ_DRIVER =
else
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += $(FUZZ_TARGETS)
check_LIBRARIES = fuzz/libmdfuzzmain.a
fuzz_libmdfuzzmain_a_SOURCES = fuzz/standalone.c
FUZZ_DRIVER = fuzz/libmdfuzzmain.a
endif

fuzz_fuzz_smtp_SOURCES = fuzz/fuzz-smtp.c fuzz/fuzz.h
fuzz_fuzz_smtp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_smtp_LDADD = $(FUZZ_DRIVER) lib/smtp/libmdsmtp.a lib/base/libmdbase.a
fuzz_fuzz_rules_SOURCES = fuzz/fuzz-rules.c fuzz/fuzz.h
fuzz_fuzz_rules_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_rules_LDADD = $(FUZZ_DRIVER) lib/rules/librules.a lib/base/libmdbase.a $(PCRE2_LIBS)
fuzz_fuzz_dkim_canon_SOURCES = fuzz/fuzz-dkim-canon.c fuzz/fuzz.h
fuzz_fuzz_dkim_canon_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dkim_canon_LDADD = $(FUZZ_DRIVER) lib/dkim/libmddkim.a lib/base/libmdbase.a \
	$(OPENSSL_LIBS) $(LIBPSL_LIBS)
fuzz_fuzz_thread_token_SOURCES = fuzz/fuzz-thread-token.c fuzz/fuzz.h
fuzz_fuzz_thread_token_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_thread_token_LDADD = $(FUZZ_DRIVER) lib/thread/libmdthread.a lib/base/libmdbase.a $(OPENSSL_LIBS)
fuzz_fuzz_agent_reply_SOURCES = fuzz/fuzz-agent-reply.c fuzz/fuzz.h
fuzz_fuzz_agent_reply_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_agent_reply_LDADD = $(FUZZ_DRIVER) lib/agent/libmdagent.a lib/base/libmdbase.a

EXTRA_DIST += fuzz/README.md
## The seed corpora: every file, so that make distcheck replays them too.
EXTRA_DIST += fuzz/corpus/agent-reply/01-close fuzz/corpus/agent-reply/02-snooze-relative \
	fuzz/corpus/agent-reply/03-snooze-absolute fuzz/corpus/agent-reply/04-assign-address \
	fuzz/corpus/agent-reply/05-note fuzz/corpus/agent-reply/06-only-commands-signature \
	fuzz/corpus/agent-reply/07-unknown-command fuzz/corpus/agent-reply/08-conflict \
	fuzz/corpus/agent-reply/09-bad-duration fuzz/corpus/agent-reply/10-hash-text \
	fuzz/corpus/agent-reply/11-tag-untag fuzz/corpus/agent-reply/12-empty \
	fuzz/corpus/agent-reply/13-priority-digits fuzz/corpus/agent-reply/14-many-tags
EXTRA_DIST += fuzz/corpus/dkim-canon/01-header-simple fuzz/corpus/dkim-canon/02-header-folded \
	fuzz/corpus/dkim-canon/03-header-no-colon fuzz/corpus/dkim-canon/04-header-bare-lf \
	fuzz/corpus/dkim-canon/05-body-wsp fuzz/corpus/dkim-canon/06-body-bare-lf \
	fuzz/corpus/dkim-canon/07-body-lone-cr fuzz/corpus/dkim-canon/08-body-no-final-newline \
	fuzz/corpus/dkim-canon/09-message fuzz/corpus/dkim-canon/10-message-lf \
	fuzz/corpus/dkim-canon/11-only-newlines fuzz/corpus/dkim-canon/12-headers-only \
	fuzz/corpus/dkim-canon/13-utf8-8bit
EXTRA_DIST += fuzz/corpus/rules/01-header-example fuzz/corpus/rules/02-text-operators \
	fuzz/corpus/rules/03-regex fuzz/corpus/rules/04-priority-status \
	fuzz/corpus/rules/05-headers-attachments fuzz/corpus/rules/06-events \
	fuzz/corpus/rules/07-actions fuzz/corpus/rules/08-stop-order fuzz/corpus/rules/09-unicode \
	fuzz/corpus/rules/10-error-unterminated fuzz/corpus/rules/11-error-bad-regex \
	fuzz/corpus/rules/12-error-unknowns fuzz/corpus/rules/13-empty-and-comments \
	fuzz/corpus/rules/14-nested-not fuzz/corpus/rules/15-catastrophic-regex
EXTRA_DIST += fuzz/corpus/smtp/01-smtp-basic fuzz/corpus/smtp/02-lmtp-late-refuse \
	fuzz/corpus/smtp/03-byte-at-a-time fuzz/corpus/smtp/04-pipelined-late \
	fuzz/corpus/smtp/05-starttls fuzz/corpus/smtp/06-long-line fuzz/corpus/smtp/07-smuggling \
	fuzz/corpus/smtp/08-small-limits fuzz/corpus/smtp/09-bad-commands fuzz/corpus/smtp/10-addresses \
	fuzz/corpus/smtp/11-shutdown-mid-data fuzz/corpus/smtp/12-timeout-take \
	fuzz/corpus/smtp/13-bare-lf-commands fuzz/corpus/smtp/14-pipeline-overflow \
	fuzz/corpus/smtp/15-smtp-refuse-mixed
EXTRA_DIST += fuzz/corpus/thread-token/01-default-format \
	fuzz/corpus/thread-token/02-custom-format fuzz/corpus/thread-token/03-near-miss \
	fuzz/corpus/thread-token/04-bad-format-no-placeholder \
	fuzz/corpus/thread-token/05-bad-format-twice fuzz/corpus/thread-token/06-format-empty-suffix \
	fuzz/corpus/thread-token/07-token fuzz/corpus/thread-token/08-token-upper \
	fuzz/corpus/thread-token/09-address fuzz/corpus/thread-token/10-address-edge \
	fuzz/corpus/thread-token/11-msgid fuzz/corpus/thread-token/12-bounce \
	fuzz/corpus/thread-token/13-trailing-byte fuzz/corpus/thread-token/14-leading-zero \
	fuzz/corpus/thread-token/15-huge-number
