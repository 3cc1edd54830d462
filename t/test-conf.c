/* Configuration parsing: every key's type, the file/line in every error. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "base/conf.h"
#include "base/mimetypes.h"

static char conf_path[256];

/* Writes text to a fresh temporary file and returns its path. */
static const char *write_conf(const char *text)
{
	int fd;
	snprintf(conf_path, sizeof(conf_path), "/tmp/md-test-conf.XXXXXX");
	fd = mkstemp(conf_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return conf_path;
}

START_TEST(defaults_are_complete)
{
	struct md_config c;
	config_defaults(&c);
	ck_assert_str_eq(c.database, "dbname=maildesk");
	ck_assert_uint_eq(c.lmtp_listen.n, 1);
	ck_assert_str_eq(c.lmtp_listen.items[0], "127.0.0.1:2424");
	ck_assert_uint_eq(c.smtp_listen.n, 0);
	ck_assert_uint_eq(c.message_size_limit, 25u << 20);
	ck_assert_uint_eq(c.max_recipients, 100);
	ck_assert_uint_eq(c.idle_timeout, 300);
	ck_assert_str_eq(c.recipient_delimiter, "+");
	ck_assert(c.hostname[0] != '\0');
	config_free(&c);
	config_free(&c); /* twice is harmless */
}
END_TEST

START_TEST(values_of_every_type_parse)
{
	struct md_config c;
	char *err = NULL;
	const char *p = write_conf("# comment\n\n"
				   "database = host=/tmp dbname=x\n"
				   "lmtp_listen = 127.0.0.1:24, unix:/run/md/lmtp [::1]:2424\n"
				   "smtp_listen=0.0.0.0:25\n"
				   "  hostname =  mx.example.org  \n"
				   "message_size_limit = 10M\n"
				   "max_recipients = 7\n"
				   "idle_timeout = 2m\n"
				   "db_timeout = 1h\n"
				   "log_level = debug\r\n");
	config_defaults(&c);
	ck_assert_int_eq(config_load(p, &c, &err), 0);
	ck_assert_str_eq(c.database, "host=/tmp dbname=x");
	ck_assert_uint_eq(c.lmtp_listen.n, 3);
	ck_assert_str_eq(c.lmtp_listen.items[1], "unix:/run/md/lmtp");
	ck_assert_str_eq(c.lmtp_listen.items[2], "[::1]:2424");
	ck_assert_str_eq(c.smtp_listen.items[0], "0.0.0.0:25");
	ck_assert_str_eq(c.hostname, "mx.example.org");
	ck_assert_uint_eq(c.message_size_limit, 10u << 20);
	ck_assert_uint_eq(c.max_recipients, 7);
	ck_assert_uint_eq(c.idle_timeout, 120);
	ck_assert_uint_eq(c.db_timeout, 3600);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_DEBUG);
	config_free(&c);
	unlink(p);
}
END_TEST

static const struct {
	const char *text;
	const char *error_suffix; /* expected after "PATH" */
} bad_configs[] = {
	{ "nonsense_key = 1\n", ":1: unknown key \"nonsense_key\"" },
	{ "# ok\nmax_recipients = many\n", ":2: max_recipients: \"many\" must be a whole number" },
	{ "max_recipients = 0\n", ":1: max_recipients: \"0\" is out of range" },
	{ "agent_token_lifetime = 0\n", ":1: agent_token_lifetime: \"0\" is out of range" },
	{ "message_size_limit = 10X\n", ":1: message_size_limit: \"10X\" must be a size in bytes, optionally with k, M or G" },
	{ "idle_timeout = -5\n", ":1: idle_timeout: \"-5\" must be a duration in seconds, optionally with s, m, h or d" },
	{ "lmtp_listen = 127.0.0.1\n", ":1: lmtp_listen: \"127.0.0.1\" expected HOST:PORT or unix:/path" },
	{ "lmtp_listen = 127.0.0.1:70000\n", ":1: lmtp_listen: \"127.0.0.1:70000\" port must be a number from 1 to 65535" },
	{ "smtp_listen = unix:relative\n", ":1: smtp_listen: \"unix:relative\" unix socket path must be absolute (unix:/path)" },
	{ "lmtp_listen = localhost:24\n", ":1: lmtp_listen: \"localhost:24\" HOST must be an IPv4 or IPv6 address, not a name" },
	{ "log_level = loud\n", ":1: log_level: \"loud\" must be one of debug, info, warn, error" },
	{ "hostname\n", ":1: expected \"key = value\"" },
	{ "= value\n", ":1: expected \"key = value\"" },
	{ "hostname = a\n\nhostname = b\n", ":3: hostname is already set on line 1" },
	{ "max_recipients = 99999999999999999999999\n", ":1: max_recipients: \"99999999999999999999999\" must be a whole number" },
#define NOT_A_DOMAIN " must be a domain name (letters, digits, hyphens and dots, with at least one dot)"
	{ "shared_domain = localhost\n", ":1: shared_domain: \"localhost\"" NOT_A_DOMAIN },
	{ "\nshared_domain = mail..example\n", ":2: shared_domain: \"mail..example\"" NOT_A_DOMAIN },
	{ "shared_domain = mail_x.example\n", ":1: shared_domain: \"mail_x.example\"" NOT_A_DOMAIN },
	{ "shared_domain = .\n", ":1: shared_domain: \".\"" NOT_A_DOMAIN },
	{ "shared_domain = a.example..\n", ":1: shared_domain: \"a.example..\"" NOT_A_DOMAIN },
	{ "shared_domain = -mail.example\n", ":1: shared_domain: \"-mail.example\"" NOT_A_DOMAIN },
	{ "shared_domain = mail-.example\n", ":1: shared_domain: \"mail-.example\"" NOT_A_DOMAIN },
	{ "shared_domain = .mail.example\n", ":1: shared_domain: \".mail.example\"" NOT_A_DOMAIN },
	{ "shared_domain = user@mail.example\n", ":1: shared_domain: \"user@mail.example\"" NOT_A_DOMAIN },
	{ "trusted_listeners = lmtp, everything\n", ":1: trusted_listeners: \"lmtp, everything\" expected HOST:PORT or unix:/path" },
	{ "lmtp_listen = 127.0.0.1:24\n\ntrusted_listeners = 127.0.0.1:25\n",
	  ":3: trusted_listeners: \"127.0.0.1:25\" is neither lmtp, smtp nor an address of lmtp_listen or smtp_listen"
	  " (written the same way)" },
};

START_TEST(bad_values_name_file_and_line)
{
	struct md_config c;
	char *err = NULL, *expected;
	const char *p = write_conf(bad_configs[_i].text);

	config_defaults(&c);
	ck_assert_int_eq(config_load(p, &c, &err), -1);
	ck_assert_ptr_nonnull(err);
	expected = malloc(strlen(p) + strlen(bad_configs[_i].error_suffix) + 1);
	strcpy(expected, p);
	strcat(expected, bad_configs[_i].error_suffix);
	ck_assert_str_eq(err, expected);
	free(expected);
	free(err);
	config_free(&c);
	unlink(p);
}
END_TEST

/* With authserv_id, agent answers need our mail server's word unless the
 * file says no; agent reply addresses live agent_token_lifetime. */
START_TEST(require_dkim_follows_authserv_id_unless_set)
{
	static const struct {
		const char *text;
		bool require;
		unsigned lifetime;
	} cases[] = {
		{ "", false, 30 * 86400 },
		{ "authserv_id = mx.example\n", true, 30 * 86400 },
		{ "authserv_id = mx.example\nagent_reply_require_dkim = no\n", false, 30 * 86400 },
		{ "agent_reply_require_dkim = no\nauthserv_id = mx.example\n", false, 30 * 86400 },
		{ "agent_reply_require_dkim = yes\nauthserv_id = mx.example\n", true, 30 * 86400 },
		{ "agent_token_lifetime = 2h\n", false, 7200 },
		{ "agent_token_lifetime = 1\n", false, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct md_config c;
		char *err = NULL;
		const char *p = write_conf(cases[i].text);

		config_defaults(&c);
		ck_assert_msg(config_load(p, &c, &err) == 0, "%s", err);
		ck_assert_msg(c.agent_reply_require_dkim == cases[i].require, "case %zu", i);
		ck_assert_uint_eq(c.agent_token_lifetime, cases[i].lifetime);
		config_free(&c);
		unlink(p);
	}
}
END_TEST

START_TEST(empty_hostname_means_the_system_name)
{
	struct md_config c;
	char *err = NULL, host[256];
	const char *p = write_conf("hostname =\n");

	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	config_defaults(&c);
	ck_assert_int_eq(config_load(p, &c, &err), 0);
	ck_assert_str_eq(c.hostname, host);
	config_free(&c);
	unlink(p);
}
END_TEST

/* The signer and the lookups compare shared_domain exactly. */
START_TEST(shared_domain_is_normalised)
{
	static const char *const cases[][2] = {
		{ "shared_domain = Mail.Provider.Example\n", "mail.provider.example" },
		{ "shared_domain = mail.provider.example.\n", "mail.provider.example" },
		{ "shared_domain = MAIL-1.Provider.EXAMPLE.\n", "mail-1.provider.example" },
		{ "shared_domain =\n", "" },
		{ "# none\n", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct md_config c;
		char *err = NULL;
		const char *p = write_conf(cases[i][0]);

		config_defaults(&c);
		ck_assert_int_eq(config_load(p, &c, &err), 0);
		ck_assert_str_eq(c.shared_domain, cases[i][1]);
		config_free(&c);
		unlink(p);
	}
}
END_TEST

START_TEST(unreadable_file_is_an_error)
{
	struct md_config c;
	char *err = NULL;
	config_defaults(&c);
	ck_assert_int_eq(config_load("/nonexistent/maildesk.conf", &c, &err), -1);
	ck_assert_str_eq(err, "/nonexistent/maildesk.conf: cannot read: No such file or directory");
	free(err);
	config_free(&c);
}
END_TEST

START_TEST(listen_addresses_parse)
{
	struct md_listen l;
	const char *err;
	ck_assert_int_eq(config_listen_parse("[::1]:24", &l, &err), 0);
	ck_assert(!l.is_unix);
	ck_assert_str_eq(l.host, "::1");
	ck_assert_uint_eq(l.port, 24);
	config_listen_free(&l);
	ck_assert_int_eq(config_listen_parse("unix:/run/x", &l, &err), 0);
	ck_assert(l.is_unix);
	ck_assert_str_eq(l.path, "/run/x");
	config_listen_free(&l);
	ck_assert_int_eq(config_listen_parse("[::1:24", &l, &err), -1);
	ck_assert_int_eq(config_listen_parse(":25", &l, &err), -1);
}
END_TEST

/* Trust per listener: by kind (lmtp, smtp) or by address as written. */
START_TEST(trusted_listeners_by_kind_or_address)
{
	struct md_config c;
	char *err = NULL;
	const char *p;

	config_defaults(&c);
	ck_assert(config_listener_trusted(&c, "127.0.0.1:2424", true));
	ck_assert(!config_listener_trusted(&c, "127.0.0.1:25", false));
	ck_assert_str_eq(c.lmtp_socket_group, "");
	config_free(&c);
	p = write_conf("lmtp_listen = unix:/run/md/lmtp, 127.0.0.1:24\nsmtp_listen = 0.0.0.0:25\n"
		       "trusted_listeners = unix:/run/md/lmtp\nlmtp_socket_group = postfix\n");
	config_defaults(&c);
	ck_assert_int_eq(config_load(p, &c, &err), 0);
	ck_assert(config_listener_trusted(&c, "unix:/run/md/lmtp", true));
	ck_assert(!config_listener_trusted(&c, "127.0.0.1:24", true));
	ck_assert(!config_listener_trusted(&c, "0.0.0.0:25", false));
	ck_assert_str_eq(c.lmtp_socket_group, "postfix");
	config_free(&c);
	unlink(p);
	p = write_conf("smtp_listen = 0.0.0.0:25\ntrusted_listeners =\n");
	config_defaults(&c);
	ck_assert_int_eq(config_load(p, &c, &err), 0);
	ck_assert(!config_listener_trusted(&c, "127.0.0.1:2424", true));
	config_free(&c);
	unlink(p);
	p = write_conf("smtp_listen = 0.0.0.0:25\ntrusted_listeners = smtp lmtp\n");
	config_defaults(&c);
	ck_assert_int_eq(config_load(p, &c, &err), 0);
	ck_assert(config_listener_trusted(&c, "0.0.0.0:25", false));
	ck_assert(config_listener_trusted(&c, "127.0.0.1:2424", true));
	config_free(&c);
	unlink(p);
}
END_TEST

START_TEST(secret_file_must_be_long_enough)
{
	char *secret = NULL, *err = NULL;
	const char *p = write_conf("short\n");
	ck_assert_int_eq(config_read_secret(p, &secret, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "shorter than 32"));
	free(err);
	unlink(p);
	p = write_conf("0123456789abcdef0123456789abcde\n"); /* 31 */
	ck_assert_int_eq(config_read_secret(p, &secret, &err), -1);
	free(err);
	unlink(p);
	p = write_conf("0123456789abcdef0123456789abcdef\n");
	ck_assert_int_eq(config_read_secret(p, &secret, &err), 0);
	ck_assert_str_eq(secret, "0123456789abcdef0123456789abcdef");
	free(secret);
	ck_assert_int_eq(chmod(p, 0640), 0);
	ck_assert_int_eq(config_read_secret(p, &secret, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_nonnull(strstr(err, p));
	free(err);
	ck_assert_int_eq(chmod(p, 0604), 0);
	ck_assert_int_eq(config_read_secret(p, &secret, &err), -1);
	free(err);
	unlink(p);
}
END_TEST

/* -N: every key once, the file's values as written, defaults marked, the
 * password of the conninfo masked; a bad file prints nothing. */
START_TEST(effective_configuration_marks_defaults_and_masks_passwords)
{
	char *err = NULL, *text = NULL;
	size_t len = 0;
	const char *p = write_conf("database = host=db user=md password='s3cr et' dbname=maildesk\n"
				   "# a comment\nmax_recipients = 7\n");
	FILE *out = open_memstream(&text, &len);

	ck_assert_int_eq(config_print(p, out, &err), 0);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "database = host=db user=md password=******** dbname=maildesk\n"));
	ck_assert_ptr_null(strstr(text, "s3cr"));
	ck_assert_ptr_nonnull(strstr(text, "\nmax_recipients = 7\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlmtp_listen = 127.0.0.1:2424  # default\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlog_level = info  # default\n"));
	/* One line per key: as many lines as "key = " starts. */
	size_t lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	ck_assert_uint_ge(lines, 30);
	ck_assert_ptr_null(strstr(text, "max_recipients = 100"));
	free(text);
	unlink(p);

	text = NULL;
	p = write_conf("max_recipients = lots\n");
	out = open_memstream(&text, &len);
	ck_assert_int_eq(config_print(p, out, &err), -1);
	fclose(out);
	ck_assert_str_eq(text, "");
	ck_assert_ptr_nonnull(strstr(err, ":1: max_recipients"));
	free(err);
	free(text);
	unlink(p);
}
END_TEST

/* Attachment types come from the MIME database: first type for an
 * extension, any case, comments ignored, unknown is octet-stream. */
START_TEST(mime_types_come_from_the_database)
{
	const char *p = write_conf("# comment line\napplication/pdf\t\tpdf\n"
				   "application/x-first  dat  # trailing comment words\n"
				   "application/x-second dat\nnoslash ext\ntext/plain txt text\n");

	mimetypes_set_path(p);
	ck_assert_str_eq(mimetypes_guess("/tmp/Invoice.PDF"), "application/pdf");
	ck_assert_str_eq(mimetypes_guess("notes.text"), "text/plain");
	ck_assert_str_eq(mimetypes_guess("a.dat"), "application/x-first");
	ck_assert_str_eq(mimetypes_guess("a.ext"), "application/octet-stream");
	ck_assert_str_eq(mimetypes_guess("README"), "application/octet-stream");
	ck_assert_str_eq(mimetypes_guess(".pdf"), "application/octet-stream");
	ck_assert_str_eq(mimetypes_guess("dir.pdf/file"), "application/octet-stream");
	ck_assert_str_eq(mimetypes_guess("trailing."), "application/octet-stream");
	unlink(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults_are_complete);
	tcase_add_test(tc, values_of_every_type_parse);
	tcase_add_loop_test(tc, bad_values_name_file_and_line, 0, sizeof(bad_configs) / sizeof(bad_configs[0]));
	tcase_add_test(tc, shared_domain_is_normalised);
	tcase_add_test(tc, unreadable_file_is_an_error);
	tcase_add_test(tc, empty_hostname_means_the_system_name);
	tcase_add_test(tc, listen_addresses_parse);
	tcase_add_test(tc, secret_file_must_be_long_enough);
	tcase_add_test(tc, effective_configuration_marks_defaults_and_masks_passwords);
	tcase_add_test(tc, mime_types_come_from_the_database);
	tcase_add_test(tc, trusted_listeners_by_kind_or_address);
	tcase_add_test(tc, require_dkim_follows_authserv_id_unless_set);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
