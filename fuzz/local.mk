## Fuzz targets (fuzz/README.md), one per pure parser of strangers' text:
## the SMTP/LMTP session core, the rule language, DKIM canonicalisation,
## threading tokens, agent replies, lib/mime (whole messages, header
## sections, charsets/HTML/TNEF), quoted history, Authentication-Results,
## loop detection, delivery reports, DNS answers and relay replies. With ./configure --with-fuzzer (CC=clang) they are
## libFuzzer programs; otherwise fuzz/standalone.c is their main() and make
## check replays each over its seed corpus fuzz/corpus/NAME (under ASan and
## UBSan in make check-asan). Their names start with "fuzz-", so t/test-env
## gives them no PostgreSQL cluster.
FUZZ_TARGETS = fuzz/fuzz-smtp fuzz/fuzz-rules fuzz/fuzz-dkim-canon fuzz/fuzz-thread-token \
	fuzz/fuzz-agent-reply fuzz/fuzz-mime fuzz/fuzz-mime-header fuzz/fuzz-mime-parts fuzz/fuzz-quote \
	fuzz/fuzz-authres fuzz/fuzz-loop fuzz/fuzz-dsn fuzz/fuzz-dns-answer fuzz/fuzz-relay-reply \
	fuzz/fuzz-mime-fields fuzz/fuzz-http fuzz/fuzz-intake
## mboxrd writing of "contact export" (issue 14).
FUZZ_TARGETS += fuzz/fuzz-mbox
if FUZZER
noinst_PROGRAMS = $(FUZZ_TARGETS)
FUZZ_DRIVER =
else
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += $(FUZZ_TARGETS)
check_LIBRARIES += fuzz/libmdfuzzmain.a
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
fuzz_fuzz_agent_reply_LDADD = $(FUZZ_DRIVER) lib/agent/libmdagent.a lib/mime/libmdmime.a lib/base/libmdbase.a

## lib/mime: the targets may use mime-private.h (they link the library).
fuzz_fuzz_mime_SOURCES = fuzz/fuzz-mime.c fuzz/fuzz.h fuzz/fuzz-check.h fuzz/fuzz-mime-check.h
fuzz_fuzz_mime_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
fuzz_fuzz_mime_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_mime_LDADD = $(FUZZ_DRIVER) lib/mime/libmdmime.a lib/base/libmdbase.a $(MIME_LIBS) $(OPENSSL_LIBS)
fuzz_fuzz_mime_header_SOURCES = fuzz/fuzz-mime-header.c fuzz/fuzz.h fuzz/fuzz-check.h fuzz/fuzz-mime-check.h
fuzz_fuzz_mime_header_CPPFLAGS = $(AM_CPPFLAGS) $(GMIME_CFLAGS) $(OPENSSL_CFLAGS)
fuzz_fuzz_mime_header_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_mime_header_LDADD = $(FUZZ_DRIVER) lib/mime/libmdmime.a lib/base/libmdbase.a $(MIME_LIBS) $(OPENSSL_LIBS)
fuzz_fuzz_mime_parts_SOURCES = fuzz/fuzz-mime-parts.c fuzz/fuzz.h fuzz/fuzz-check.h fuzz/fuzz-mime-check.h
fuzz_fuzz_mime_parts_CPPFLAGS = $(AM_CPPFLAGS) $(GMIME_CFLAGS) $(OPENSSL_CFLAGS)
fuzz_fuzz_mime_parts_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_mime_parts_LDADD = $(FUZZ_DRIVER) lib/mime/libmdmime.a lib/base/libmdbase.a $(MIME_LIBS) $(OPENSSL_LIBS)
fuzz_fuzz_quote_SOURCES = fuzz/fuzz-quote.c fuzz/fuzz.h
fuzz_fuzz_quote_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_quote_LDADD = $(FUZZ_DRIVER) lib/text/libmdtext.a lib/base/libmdbase.a
fuzz_fuzz_authres_SOURCES = fuzz/fuzz-authres.c fuzz/fuzz.h fuzz/fuzz-mail.h
fuzz_fuzz_authres_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_authres_LDADD = $(FUZZ_DRIVER) lib/agent/libmdagent.a lib/mime/libmdmime.a lib/base/libmdbase.a
fuzz_fuzz_loop_SOURCES = fuzz/fuzz-loop.c fuzz/fuzz.h fuzz/fuzz-mail.h
fuzz_fuzz_loop_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_loop_LDADD = $(FUZZ_DRIVER) lib/agent/libmdagent.a lib/mime/libmdmime.a lib/base/libmdbase.a
fuzz_fuzz_dsn_SOURCES = fuzz/fuzz-dsn.c fuzz/fuzz.h fuzz/fuzz-check.h
fuzz_fuzz_dsn_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dsn_LDADD = $(FUZZ_DRIVER) lib/mime/libmdmime.a lib/base/libmdbase.a
fuzz_fuzz_mime_fields_SOURCES = fuzz/fuzz-mime-fields.c fuzz/fuzz.h
fuzz_fuzz_mime_fields_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_mime_fields_LDADD = $(FUZZ_DRIVER) lib/mime/libmdmime.a lib/base/libmdbase.a
fuzz_fuzz_dns_answer_SOURCES = fuzz/fuzz-dns-answer.c fuzz/fuzz.h
fuzz_fuzz_dns_answer_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dns_answer_LDADD = $(FUZZ_DRIVER) lib/dns/libmddns.a lib/base/libmdbase.a $(RESOLV_LIBS)
fuzz_fuzz_relay_reply_SOURCES = fuzz/fuzz-relay-reply.c fuzz/fuzz.h
fuzz_fuzz_relay_reply_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_relay_reply_LDADD = $(FUZZ_DRIVER) lib/smtp/libmdsmtp.a lib/base/libmdbase.a
fuzz_fuzz_http_SOURCES = fuzz/fuzz-http.c fuzz/fuzz.h
fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_http_LDADD = $(FUZZ_DRIVER) lib/http/libmdhttp.a lib/base/libmdbase.a $(JANSSON_LIBS) $(OPENSSL_LIBS) -lm
fuzz_fuzz_http_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)
EXTRA_DIST += fuzz/corpus/http/request fuzz/corpus/http/query fuzz/corpus/http/key fuzz/corpus/http/idem \
	fuzz/corpus/http/xff fuzz/corpus/http/cidrs

EXTRA_DIST += fuzz/README.md
## The seed corpora: every file, so that make distcheck replays them too.
EXTRA_DIST += fuzz/corpus/agent-reply/cc-add-remove fuzz/corpus/agent-reply/01-close fuzz/corpus/agent-reply/02-snooze-relative \
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
## The seed corpora of the targets added with issue 10.
EXTRA_DIST += fuzz/corpus/mime/01-alternative fuzz/corpus/mime/02-attachment-base64 \
	fuzz/corpus/mime/03-bad-base64 fuzz/corpus/mime/04-forwarded fuzz/corpus/mime/05-gb2312 \
	fuzz/corpus/mime/06-iso-2022-jp fuzz/corpus/mime/07-missing-boundary \
	fuzz/corpus/mime/08-multipart-no-boundary fuzz/corpus/mime/09-no-headers \
	fuzz/corpus/mime/10-rfc2231-filename fuzz/corpus/mime/11-tnef fuzz/corpus/mime/12-tnef-bad \
	fuzz/corpus/mime/13-utf8-broken fuzz/corpus/mime/14-8bit-filename fuzz/corpus/mime/15-html-only \
	fuzz/corpus/mime/16-qp-soft-breaks fuzz/corpus/mime/17-deep-nesting \
	fuzz/corpus/mime/18-nested-rfc822 fuzz/corpus/mime/19-nul-bytes-crlf \
	fuzz/corpus/mime/20-winmail-by-name fuzz/corpus/mime/21-mbox-from-line \
	fuzz/corpus/mime/22-crash-cr-cr-lf-nul \
	fuzz/corpus/mime/23-crash-long-filename-cut-before-spaces fuzz/corpus/mime/24-report-dsn-attack
EXTRA_DIST += fuzz/corpus/mime-header/01-plain fuzz/corpus/mime-header/02-rfc2047-words \
	fuzz/corpus/mime-header/03-rfc2047-split-char fuzz/corpus/mime-header/04-rfc2047-edge \
	fuzz/corpus/mime-header/05-8bit-latin1 fuzz/corpus/mime-header/06-mbox-line \
	fuzz/corpus/mime-header/07-no-header-start fuzz/corpus/mime-header/08-crlf-folded \
	fuzz/corpus/mime-header/09-bad-addresses fuzz/corpus/mime-header/10-bad-date-ids \
	fuzz/corpus/mime-header/11-cjk-words fuzz/corpus/mime-header/12-empty-and-duplicates \
	fuzz/corpus/mime-header/13-crash-cr-runs-before-lf fuzz/corpus/mime-header/14-crash-cr-cr-lf-body
EXTRA_DIST += fuzz/corpus/mime-parts/01-charset-none-ascii fuzz/corpus/mime-parts/02-charset-latin1 \
	fuzz/corpus/mime-parts/03-charset-lying-utf8 fuzz/corpus/mime-parts/04-charset-gb2312 \
	fuzz/corpus/mime-parts/05-charset-iso2022jp fuzz/corpus/mime-parts/06-charset-unknown \
	fuzz/corpus/mime-parts/07-charset-utf16-nul fuzz/corpus/mime-parts/08-charset-cp1252 \
	fuzz/corpus/mime-parts/09-html-document fuzz/corpus/mime-parts/10-html-broken-entities \
	fuzz/corpus/mime-parts/11-html-empty fuzz/corpus/mime-parts/12-tnef-two-files \
	fuzz/corpus/mime-parts/13-tnef-truncated fuzz/corpus/mime-parts/14-tnef-bad-checksum \
	fuzz/corpus/mime-parts/15-tnef-repeated-attr fuzz/corpus/mime-parts/16-tnef-huge-length \
	fuzz/corpus/mime-parts/17-tnef-signature-only \
	fuzz/corpus/mime-parts/18-crash-tnef-empty-entry-counted
EXTRA_DIST += fuzz/corpus/quote/01-attribution-en fuzz/corpus/quote/02-attribution-de \
	fuzz/corpus/quote/03-outlook-original-crlf fuzz/corpus/quote/04-outlook-header-block \
	fuzz/corpus/quote/05-underscores fuzz/corpus/quote/06-quoted-marker \
	fuzz/corpus/quote/07-inline-reply-keeps fuzz/corpus/quote/08-forwarded \
	fuzz/corpus/quote/09-attribution-fr-nbsp fuzz/corpus/quote/10-attribution-wrapped \
	fuzz/corpus/quote/11-not-attributions fuzz/corpus/quote/12-empty \
	fuzz/corpus/quote/13-trailing-quote fuzz/corpus/quote/14-binary
EXTRA_DIST += fuzz/corpus/authres/01-dkim-dmarc-pass fuzz/corpus/authres/02-below-received \
	fuzz/corpus/authres/03-parent-domain-version fuzz/corpus/authres/04-other-authserv \
	fuzz/corpus/authres/05-spf-folded fuzz/corpus/authres/06-quoted-values-case \
	fuzz/corpus/authres/07-comment-first fuzz/corpus/authres/08-no-domain \
	fuzz/corpus/authres/09-empty-authserv fuzz/corpus/authres/10-strip-below \
	fuzz/corpus/authres/11-lowercase-crlf
EXTRA_DIST += fuzz/corpus/loop/01-plain-customer fuzz/corpus/loop/02-null-sender-bounce \
	fuzz/corpus/loop/03-angle-null-sender fuzz/corpus/loop/04-auto-submitted \
	fuzz/corpus/loop/05-auto-submitted-no fuzz/corpus/loop/06-auto-submitted-empty \
	fuzz/corpus/loop/07-list fuzz/corpus/loop/08-precedence-case fuzz/corpus/loop/09-exchange-robots \
	fuzz/corpus/loop/10-noreply fuzz/corpus/loop/11-owner-request fuzz/corpus/loop/12-our-loop \
	fuzz/corpus/loop/13-comments-folding-crlf fuzz/corpus/loop/14-all-null
EXTRA_DIST += fuzz/corpus/dsn/01-failed fuzz/corpus/dsn/02-delayed-crlf \
	fuzz/corpus/dsn/03-folded-diagnostic fuzz/corpus/dsn/04-utf8-8bit-controls \
	fuzz/corpus/dsn/05-no-final-newline fuzz/corpus/dsn/06-near-misses fuzz/corpus/dsn/07-empty \
	fuzz/corpus/dsn/08-nul-bytes fuzz/corpus/dsn/09-attack-groups-folding-cr-nul \
	fuzz/corpus/dsn/10-blank-line-groups
EXTRA_DIST += fuzz/corpus/mime-fields/01-plain-lf fuzz/corpus/mime-fields/02-folded-crlf \
	fuzz/corpus/mime-fields/03-not-fields fuzz/corpus/mime-fields/04-cr-controls \
	fuzz/corpus/mime-fields/05-blank-lines fuzz/corpus/mime-fields/06-authres \
	fuzz/corpus/mime-fields/07-8bit-no-final-newline
EXTRA_DIST += fuzz/corpus/dns-answer/01-txt-spf fuzz/corpus/dns-answer/02-txt-dkim-split \
	fuzz/corpus/dns-answer/03-txt-two-records fuzz/corpus/dns-answer/04-mx-two-compressed \
	fuzz/corpus/dns-answer/05-cname-then-mx fuzz/corpus/dns-answer/06-nxdomain \
	fuzz/corpus/dns-answer/07-servfail fuzz/corpus/dns-answer/08-refused-rcode5 \
	fuzz/corpus/dns-answer/09-nodata fuzz/corpus/dns-answer/10-txt-bad-length \
	fuzz/corpus/dns-answer/11-mx-short-rdata fuzz/corpus/dns-answer/12-pointer-loop \
	fuzz/corpus/dns-answer/13-truncated-header fuzz/corpus/dns-answer/14-ancount-lies \
	fuzz/corpus/dns-answer/15-class-chaos fuzz/corpus/dns-answer/16-mx-escaped-dot \
	fuzz/corpus/dns-answer/17-null-mx
EXTRA_DIST += fuzz/corpus/relay-reply/01-ehlo-starttls \
	fuzz/corpus/relay-reply/02-ehlo-starttls-lowercase fuzz/corpus/relay-reply/03-ehlo-refused \
	fuzz/corpus/relay-reply/04-multiline-refusal fuzz/corpus/relay-reply/05-not-replies \
	fuzz/corpus/relay-reply/06-8bit-and-nul fuzz/corpus/relay-reply/07-starttls-near-misses \
	fuzz/corpus/relay-reply/08-long-lines fuzz/corpus/relay-reply/09-bare-code \
	fuzz/corpus/relay-reply/10-empty
## Orders (issue 12): #order in agent replies, order tests and actions in rules.
EXTRA_DIST += fuzz/corpus/agent-reply/order-commands fuzz/corpus/rules/16-orders
## mboxrd writing of "contact export" (issue 14): a stranger's mail never
## forges a message separator.
fuzz_fuzz_mbox_SOURCES = fuzz/fuzz-mbox.c fuzz/fuzz.h
fuzz_fuzz_mbox_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_mbox_LDADD = $(FUZZ_DRIVER) lib/base/libmdbase.a
EXTRA_DIST += fuzz/corpus/mbox/01-from-lines-crlf fuzz/corpus/mbox/02-bad-sender-no-final-lf \
	fuzz/corpus/mbox/03-empty-sender-cr-nul fuzz/corpus/mbox/04-empty
## Intake beyond mail (issue 13): form bodies, chat transcripts, shop events.
fuzz_fuzz_intake_SOURCES = fuzz/fuzz-intake.c fuzz/fuzz.h fuzz/fuzz-check.h
fuzz_fuzz_intake_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_intake_LDADD = $(FUZZ_DRIVER) lib/intake/libmdintake.a lib/base/libmdbase.a $(JANSSON_LIBS) $(OPENSSL_LIBS)
EXTRA_DIST += fuzz/corpus/intake/01-urlencoded fuzz/corpus/intake/02-urlencoded-bad fuzz/corpus/intake/03-multipart \
	fuzz/corpus/intake/04-multipart-bad fuzz/corpus/intake/05-chat fuzz/corpus/intake/06-chat-bad \
	fuzz/corpus/intake/07-event fuzz/corpus/intake/08-event-bad fuzz/corpus/intake/09-stamp \
	fuzz/corpus/intake/10-crash-blank-line-field-with-lf
