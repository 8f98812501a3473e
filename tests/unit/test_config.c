/* test_config.c - the configuration loader and every one of its errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/config.h"

static char	tmpdir[] = "/tmp/posta-test-config.XXXXXX";
static char	cfgpath[256];

static int
setup(void **state)
{
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(cfgpath, sizeof cfgpath, "%s/config", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_cfg(const char *text, mode_t mode)
{
	FILE	*f = fopen(cfgpath, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(cfgpath, mode), 0);
}

static struct config *
load_ok(const char *text)
{
	struct perr	 err;
	struct config	*cfg;

	write_cfg(text, 0600);
	cfg = config_load(cfgpath, &err);
	if (cfg == NULL)
		fail_msg("unexpected error: %s", err.msg);
	return cfg;
}

/* The message must be exactly "<path>:<rest>". */
static void
load_fails(const char *text, mode_t mode, const char *rest)
{
	struct perr	 err;
	struct config	*cfg;
	char		 want[1024];

	write_cfg(text, mode);
	cfg = config_load(cfgpath, &err);
	assert_null(cfg);
	assert_int_equal(err.code, PERR_CONFIG);
	snprintf(want, sizeof want, "%s:%s", cfgpath, rest);
	assert_string_equal(err.msg, want);
}

#define ACCT	"[account a]\nprotocol = imap\nhost = h\nuser = u\n"

static void
identities_and_alternates_are_read_and_checked(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = load_ok(ACCT "identities = Al <al@x>, b@x\n"
	    "alternates = a@old\\.x  [a-z]+@y\n");
	assert_string_equal(cfg->accounts[0].identities, "Al <al@x>, b@x");
	assert_string_equal(cfg->accounts[0].alternates, "a@old\\.x  [a-z]+@y");
	config_free(cfg);
	load_fails(ACCT "alternates = ok@x (unclosed@x\n", 0600,
	    "5: key 'alternates': expected addresses or regular expressions, "
	    "got '(unclosed@x', which is not a valid regular expression");
}

static void
oauth2_settings_presets_and_https(void **state)
{
	struct config		*cfg;
	const struct oauth2_conf *o;

	(void)state;
	cfg = load_ok(ACCT "auth = xoauth2\noauth2_provider = microsoft\n"
	    "oauth2_client_id = id\noauth2_scope = custom\n"
	    "oauth2_refresh_token_command = keep\n");
	o = &cfg->accounts[0].oauth2;
	assert_string_equal(o->token_url,
	    "https://login.microsoftonline.com/common/oauth2/v2.0/token");
	assert_non_null(o->device_url);
	assert_string_equal(o->scope, "custom");	/* set: kept */
	assert_string_equal(o->refresh_token_command, "keep");
	assert_true(config_oauth2_builtin(&cfg->accounts[0],
	    &cfg->accounts[0].in));
	config_free(cfg);
	/* Google's device login cannot read mail: no device URL. */
	cfg = load_ok(ACCT "auth = oauthbearer\noauth2_provider = google\n"
	    "oauth2_client_id = id\n");
	assert_null(cfg->accounts[0].oauth2.device_url);
	assert_string_equal(cfg->accounts[0].oauth2.scope,
	    "https://mail.google.com/");
	config_free(cfg);
	load_fails(ACCT "oauth2_token_url = http://t/x\n", 0600,
	    "5: key 'oauth2_token_url': expected an https:// address (a "
	    "token or a code must not travel in clear), got 'http://t/x'");
	load_fails(ACCT "oauth2_device_url = https:///x\n", 0600,
	    "5: key 'oauth2_device_url': expected an https:// address (a "
	    "token or a code must not travel in clear), got 'https:///x'");
	load_fails(ACCT "oauth2_provider = yahoo\n", 0600,
	    "5: key 'oauth2_provider': expected google or microsoft, got "
	    "'yahoo'");
	load_fails(ACCT "auth = xoauth2\noauth2_client_id = id\n", 0600,
	    "5: key 'auth': XOAUTH2 needs oauth2_token_command, or "
	    "oauth2_client_id with oauth2_provider or oauth2_token_url (for "
	    "posta oauth2 login), in [account a]");
}

static void
minimal_imap_account_gets_defaults(void **state)
{
	struct config		*cfg = load_ok(ACCT);
	const struct account	*a;
	struct perr		 err;

	assert_int_equal(cfg->naccounts, 1);
	a = config_account(cfg, NULL, &err);
	assert_non_null(a);
	assert_string_equal(a->name, "a");
	assert_int_equal(a->protocol, PROTO_IMAP);
	assert_int_equal(a->in.tls, TLSM_IMPLICIT);
	assert_int_equal(a->in.port, 993);
	assert_int_equal(a->offline, OFFLINE_ALL);
	assert_false(a->allow_plaintext);
	assert_null(a->smtp.host);
	assert_non_null(cfg->store);
	assert_non_null(strstr(cfg->store, "posta/posta.db"));
	config_free(cfg);
}

static void
ports_default_from_protocol_and_tls(void **state)
{
	struct config	*cfg = load_ok(
	    "[account i]\nprotocol = imap\nhost = h\nuser = u\ntls = starttls\n"
	    "[account p]\nprotocol = pop3\nhost = h\nuser = u\n"
	    "smtp_host = s\n"
	    "[account q]\nprotocol = pop3\nhost = h\nuser = u\ntls=starttls\n"
	    "smtp_host = s\nsmtp_tls = implicit\n");

	assert_int_equal(cfg->accounts[0].in.port, 143);
	assert_int_equal(cfg->accounts[1].in.port, 995);
	assert_int_equal(cfg->accounts[1].smtp.port, 587);
	assert_int_equal(cfg->accounts[1].smtp.tls, TLSM_STARTTLS);
	assert_int_equal(cfg->accounts[2].in.port, 110);
	assert_int_equal(cfg->accounts[2].smtp.port, 465);
	config_free(cfg);
}

static void
every_key_is_read(void **state)
{
	struct config		*cfg;
	const struct account	*a;
	struct perr		 err;
	char			 text[2048];

	snprintf(text, sizeof text,
	    "[general]\nstore = db/posta.db\ndefault_account = b\n"
	    ACCT
	    "[account b]\nprotocol = pop3\nemail = me@example.org\n"
	    "real_name = Niccol\xc3\xb2 Rossi\nhost = pop.example.org\n"
	    "port = 1995\ntls = none\nallow_plaintext = yes\n"
	    "ca_file = %s\ncertificate_fingerprint = sha256:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\n"
	    "password = secret\noffline = days:30\npop3_keep = days:7\n"
	    "pop3_delete_when_deleted_locally = yes\n"
	    "smtp_host = smtp.example.org\nsmtp_port = 2525\n"
	    "smtp_tls = implicit\nsmtp_user = sender\n"
	    "smtp_password_command = echo x\n"
	    "[keys]\nj = next\n", cfgpath);
	cfg = load_ok(text);
	a = config_account(cfg, NULL, &err);
	assert_non_null(a);
	assert_string_equal(a->name, "b");
	assert_int_equal(a->protocol, PROTO_POP3);
	assert_string_equal(a->email, "me@example.org");
	assert_string_equal(a->real_name, "Niccol\xc3\xb2 Rossi");
	assert_string_equal(a->in.user, "me@example.org");	/* from email */
	assert_int_equal(a->in.port, 1995);
	assert_int_equal(a->in.tls, TLSM_NONE);
	assert_true(a->allow_plaintext);
	assert_string_equal(a->ca_file, cfgpath);
	assert_string_equal(a->cert_fingerprint, "sha256:"
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	assert_int_equal(a->offline, OFFLINE_DAYS);
	assert_int_equal(a->offline_days, 30);
	assert_int_equal(a->pop3_keep, KEEP_DAYS);
	assert_int_equal(a->pop3_keep_days, 7);
	assert_true(a->pop3_delete_when_deleted_locally);
	assert_int_equal(a->smtp.port, 2525);
	assert_int_equal(a->smtp.tls, TLSM_IMPLICIT);
	assert_string_equal(a->smtp.user, "sender");
	assert_null(a->smtp.password);
	assert_string_equal(a->smtp.password_command, "echo x");
	/* relative store paths are relative to the config file */
	assert_non_null(strstr(cfg->store, tmpdir));
	assert_int_equal(cfg->nkeys, 1);
	assert_string_equal(cfg->keys[0].action, "next");
	config_free(cfg);
}

static void
smtp_credentials_default_to_the_account(void **state)
{
	struct config	*cfg = load_ok(ACCT "password = pw\nsmtp_host = s\n");
	struct perr	 err;
	char		*pw;

	assert_string_equal(cfg->accounts[0].smtp.user, "u");
	pw = config_password(&cfg->accounts[0], &cfg->accounts[0].smtp, &err);
	assert_string_equal(pw, "pw");
	secret_free(pw);
	config_free(cfg);
}

static void
missing_file_is_notfound(void **state)
{
	struct perr	 err;
	char		 want[512];

	assert_null(config_load("/nonexistent/posta/config", &err));
	assert_int_equal(err.code, PERR_NOTFOUND);
	snprintf(want, sizeof want, "/nonexistent/posta/config: cannot read "
	    "the configuration: No such file or directory");
	assert_string_equal(err.msg, want);
}

static void
error_unknown_section(void **state)
{
	load_fails("[general]\nstore = x\n\n[bogus]\nk = v\n", 0600,
	    "4: unknown section [bogus] (expected [general], [account NAME], "
	    "[search NAME], [keys] or [colors])");
}

static void
error_key_before_section(void **state)
{
	load_fails("store = x\n", 0600, "1: key 'store': keys must come after "
	    "a section header such as [general] or [account NAME]");
}

static void
error_unknown_general_key(void **state)
{
	load_fails("[general]\nstores = x\n", 0600, "2: key 'stores': unknown "
	    "key in [general] (expected store, default_account, "
	    "new_mail_command, bell_on_new_mail, print_command or "
	    "url_command)");
}

static void
display_settings_are_read(void **state)
{
	struct config	*cfg = load_ok(ACCT);

	(void)state;
	assert_null(cfg->index_format);
	assert_true(cfg->confirm_send);
	assert_int_equal(cfg->delete_model, CONFIG_DELETE_TRASH);
	assert_false(cfg->prefer_html);
	config_free(cfg);
	cfg = load_ok("[general]\nindex_format = %Z %-20.20F %{%d %b} %s\n"
	    "date_format = %d.%m.%y\nsort = reverse-size\nthreads = yes\n"
	    "sidebar_width = 24\neditor = vim -u NONE\ndelete_model = mark\n"
	    "keep_tags = yes\nconfirm_send = no\n"
	    "alternative_order = text/html text/plain\n"
	    "auto_view = text/calendar, application/*\n" ACCT);
	assert_string_equal(cfg->index_format, "%Z %-20.20F %{%d %b} %s");
	assert_string_equal(cfg->date_format, "%d.%m.%y");
	assert_int_equal(cfg->sort, CONFIG_SORT_SIZE);
	assert_true(cfg->sort_reverse);
	assert_true(cfg->threads);
	assert_int_equal(cfg->sidebar_width, 24);
	assert_string_equal(config_editor(cfg), "vim -u NONE");
	assert_int_equal(cfg->delete_model, CONFIG_DELETE_MARK);
	assert_true(cfg->keep_tags);
	assert_false(cfg->confirm_send);
	assert_true(cfg->prefer_html);
	assert_int_equal(cfg->nauto_view, 2);
	assert_string_equal(cfg->auto_view[1], "application/*");
	config_free(cfg);
}

static void
error_bad_display_settings(void **state)
{
	(void)state;
	load_fails("[general]\nindex_format = %-9q\n", 0600, "2: key "
	    "'index_format': expected %d, %{STRFTIME}, %f, %F, %n, %t, %s, "
	    "%Z, %c or %% (with a width such as %-20.20f) at character 1, "
	    "got '%-9q'");
	load_fails("[general]\ndelete_model = shred\n", 0600, "2: key "
	    "'delete_model': expected trash or mark, got 'shred'");
	load_fails("[general]\nsort = newest\n", 0600, "2: key 'sort': "
	    "expected date, from, subject or size (reverse-date, ... the "
	    "other way), got 'newest'");
	load_fails("[general]\nsidebar_width = 2\n", 0600, "2: key "
	    "'sidebar_width': expected a number of columns from 8 to 200, "
	    "got '2'");
	load_fails("[general]\nauto_view = calendar\n", 0600, "2: key "
	    "'auto_view': expected MIME types such as text/calendar, got "
	    "'calendar'");
}

static void
new_mail_settings_are_read(void **state)
{
	struct config	*cfg = load_ok(ACCT);

	assert_null(cfg->new_mail_command);
	assert_false(cfg->bell_on_new_mail);
	config_free(cfg);
	cfg = load_ok("[general]\nnew_mail_command = notify-send posta\n"
	    "bell_on_new_mail = yes\n" ACCT);
	assert_string_equal(cfg->new_mail_command, "notify-send posta");
	assert_true(cfg->bell_on_new_mail);
	assert_null(cfg->print_command);
	assert_null(cfg->url_command);
	config_free(cfg);
	cfg = load_ok("[general]\nprint_command = lpr -P x\n"
	    "url_command = xdg-open\n" ACCT);
	assert_string_equal(cfg->print_command, "lpr -P x");
	assert_string_equal(cfg->url_command, "xdg-open");
	config_free(cfg);
	load_fails("[general]\nbell_on_new_mail = loud\n" ACCT, 0600, "2: key "
	    "'bell_on_new_mail': expected yes or no, got 'loud'");
}

static void
error_unknown_account_key(void **state)
{
	load_fails(ACCT "hots = x\n", 0600,
	    "5: key 'hots': unknown key in [account a]");
}

static void
error_account_without_name(void **state)
{
	load_fails("[account ]\nprotocol = imap\n", 0600,
	    "1: [account] needs a name, as in [account work]");
}

static void
error_account_defined_twice(void **state)
{
	load_fails(ACCT "[account a]\nhost = y\n", 0600,
	    "5: account 'a' is defined twice (first at line 1)");
}

static void
error_bad_protocol(void **state)
{
	load_fails("[account a]\nprotocol = smtp\n", 0600,
	    "2: key 'protocol': expected imap or pop3, got 'smtp'");
}

static void
error_bad_port(void **state)
{
	load_fails(ACCT "port = 99999\n", 0600, "5: key 'port': expected a "
	    "port number from 1 to 65535, got '99999'");
	load_fails(ACCT "smtp_port = 2x\n", 0600, "5: key 'smtp_port': "
	    "expected a port number from 1 to 65535, got '2x'");
}

static void
error_bad_tls(void **state)
{
	load_fails(ACCT "tls = ssl\n", 0600, "5: key 'tls': expected implicit, "
	    "starttls or none, got 'ssl'");
	load_fails(ACCT "smtp_tls = yes\n", 0600, "5: key 'smtp_tls': expected "
	    "implicit, starttls or none, got 'yes'");
}

static void
error_bad_booleans(void **state)
{
	load_fails(ACCT "allow_plaintext = maybe\n", 0600, "5: key "
	    "'allow_plaintext': expected yes or no, got 'maybe'");
	load_fails(ACCT "pop3_delete_when_deleted_locally = 2\n", 0600,
	    "5: key 'pop3_delete_when_deleted_locally': expected yes or no, "
	    "got '2'");
}

static void
error_bad_offline_and_keep(void **state)
{
	load_fails(ACCT "offline = some\n", 0600, "5: key 'offline': expected "
	    "all, headers or days:N, got 'some'");
	load_fails(ACCT "offline = days:0\n", 0600, "5: key 'offline': "
	    "expected all, headers or days:N, got 'days:0'");
	load_fails(ACCT "pop3_keep = days:x\n", 0600, "5: key 'pop3_keep': "
	    "expected no, yes or days:N, got 'days:x'");
}

static void
check_interval_setting(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = load_ok(ACCT);
	assert_int_equal(cfg->accounts[0].check_interval,
	    CONFIG_CHECK_INTERVAL);
	config_free(cfg);
	cfg = load_ok(ACCT "check_interval = 0\n");
	assert_int_equal(cfg->accounts[0].check_interval, 0);
	config_free(cfg);
	cfg = load_ok(ACCT "check_interval = 60\n");
	assert_int_equal(cfg->accounts[0].check_interval, 60);
	config_free(cfg);
	load_fails(ACCT "check_interval = -1\n", 0600, "5: key "
	    "'check_interval': expected a number of seconds from 0 (no "
	    "checks) to 86400, got '-1'");
	load_fails(ACCT "check_interval = soon\n", 0600, "5: key "
	    "'check_interval': expected a number of seconds from 0 (no "
	    "checks) to 86400, got 'soon'");
}

static void
compress_setting(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = load_ok(ACCT);
	assert_true(cfg->accounts[0].compress);
	config_free(cfg);
	cfg = load_ok(ACCT "compress = no\n");
	assert_false(cfg->accounts[0].compress);
	config_free(cfg);
	load_fails(ACCT "compress = deflate\n", 0600, "5: key 'compress': "
	    "expected yes or no, got 'deflate'");
}

static void
folders_setting_words_and_patterns(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = load_ok(ACCT);
	assert_int_equal(cfg->accounts[0].folders, FOLDERS_SUBSCRIBED);
	assert_int_equal(cfg->accounts[0].nfolder_patterns, 0);
	config_free(cfg);
	cfg = load_ok(ACCT "folders = All\n");
	assert_int_equal(cfg->accounts[0].folders, FOLDERS_ALL);
	config_free(cfg);
	cfg = load_ok(ACCT "folders = subscribed , Lavoro/* ,[Gmail]/All Mail\n");
	assert_int_equal(cfg->accounts[0].folders, FOLDERS_SUBSCRIBED);
	assert_int_equal(cfg->accounts[0].nfolder_patterns, 2);
	assert_string_equal(cfg->accounts[0].folder_patterns[0], "Lavoro/*");
	assert_string_equal(cfg->accounts[0].folder_patterns[1],
	    "[Gmail]/All Mail");
	config_free(cfg);
	load_fails(ACCT "folders = a,,b\n", 0600, "5: key 'folders': expected "
	    "subscribed, all or a comma-separated list of folder names and "
	    "patterns, got 'a,,b' (an empty folder name or pattern)");
}

static void
error_bad_fingerprint(void **state)
{
	load_fails(ACCT "certificate_fingerprint = md5:00\n", 0600, "5: key "
	    "'certificate_fingerprint': expected sha256: followed by 64 "
	    "hexadecimal digits, got 'md5:00'");
	load_fails(ACCT "certificate_fingerprint = sha256:abcd\n", 0600,
	    "5: key 'certificate_fingerprint': expected sha256: followed by 64 "
	    "hexadecimal digits, got 'sha256:abcd'");
}

static void
error_unreadable_ca_file(void **state)
{
	load_fails(ACCT "ca_file = /nonexistent/ca.pem\n", 0600, "5: key "
	    "'ca_file': cannot read '/nonexistent/ca.pem': No such file or "
	    "directory");
}

static void
error_missing_protocol_host_user(void **state)
{
	load_fails("[account a]\nhost = h\n", 0600, "1: [account a]: key "
	    "'protocol' is missing (expected imap or pop3)");
	load_fails("\n[account a]\nprotocol = pop3\n", 0600, "2: [account a]: "
	    "key 'host' is missing (expected the server's host name)");
	load_fails("[account a]\nprotocol = pop3\nhost = h\n", 0600, "1: "
	    "[account a]: key 'user' is missing (expected the login name, or "
	    "an 'email' to use as one)");
}

static void
error_password_in_readable_file(void **state)
{
	char	want[512];

	snprintf(want, sizeof want, "5: key 'password': refused: the file is "
	    "readable by group or others; run 'chmod 600 %s' or use "
	    "password_command", cfgpath);
	load_fails(ACCT "password = pw\n", 0640, want);
	snprintf(want, sizeof want, "6: key 'smtp_password': refused: the file "
	    "is readable by group or others; run 'chmod 600 %s' or use "
	    "password_command", cfgpath);
	load_fails(ACCT "smtp_host = s\nsmtp_password = pw\n", 0604, want);
}

static void
password_command_in_readable_file_is_fine(void **state)
{
	struct perr	 err;
	struct config	*cfg;

	write_cfg(ACCT "password_command = echo pw\n", 0644);
	cfg = config_load(cfgpath, &err);
	assert_non_null(cfg);
	config_free(cfg);
}

static void
error_plaintext_not_allowed(void **state)
{
	load_fails(ACCT "tls = none\n", 0600, "5: key 'tls': 'none' sends the "
	    "password in clear; set allow_plaintext = yes in [account a] to "
	    "allow it");
	load_fails(ACCT "smtp_host = s\nsmtp_tls = none\n", 0600, "6: key "
	    "'smtp_tls': 'none' sends the password in clear; set "
	    "allow_plaintext = yes in [account a] to allow it");
}

static void
error_default_account_unknown(void **state)
{
	load_fails("[general]\ndefault_account = zz\n" ACCT, 0600,
	    "2: key 'default_account': no [account zz] in this file");
}

static void
error_syntax(void **state)
{
	load_fails(ACCT "this line has no equals sign\n", 0600,
	    "5: syntax error (expected [section], key = value or a comment)");
}

static void
error_long_line(void **state)
{
	char	text[600];

	memset(text, 'x', sizeof text);
	memcpy(text, ACCT "password_command = ", strlen(ACCT) + 19);
	text[sizeof text - 2] = '\n';
	text[sizeof text - 1] = '\0';
	load_fails(text, 0600, "5: line longer than 198 characters");
}

static void
colors_unset_by_default(void **state)
{
	struct config	*cfg = load_ok(ACCT);
	size_t		 i;

	assert_int_equal(cfg->colors_mode, UI_COLORS_AUTO);
	for (i = 0; i < UI_NELEMS; i++)
		assert_false(cfg->colors[i].set);
	config_free(cfg);
}

static void
assert_style(const struct ui_style *st, short fg, short bg, unsigned attrs)
{
	assert_true(st->set);
	assert_int_equal(st->fg, fg);
	assert_int_equal(st->bg, bg);
	assert_int_equal(st->attrs, attrs);
}

static void
colors_every_form_is_read(void **state)
{
	struct config	*cfg = load_ok(ACCT "[colors]\n"
	    "enable = yes\n"
	    "normal = default\n"
	    "selected = black on yellow\n"
	    "status = bright blue on default\n"
	    "unread = bold yellow\n"
	    "flagged = color208 on black\n"
	    "quote1 = underline\n"
	    "quote2 = brightred on BrightBlack\n"
	    "quote3 = dim colour7\n"
	    "header = on blue reverse standout\n"
	    "sidebar_account = Bold Red\n"
	    "sidebar_current = on bright cyan green\n"
	    "search = color0 on color255\n"
	    "error = red bold\n"
	    "tree = magenta\n");

	assert_int_equal(cfg->colors_mode, UI_COLORS_ON);
	assert_style(&cfg->colors[UI_NORMAL], -1, -1, 0);
	assert_style(&cfg->colors[UI_SELECTED], 0, 3, 0);
	assert_style(&cfg->colors[UI_STATUS], 12, -1, 0);
	assert_style(&cfg->colors[UI_UNREAD], 3, -1, UI_ATTR_BOLD);
	assert_style(&cfg->colors[UI_FLAGGED], 208, 0, 0);
	assert_style(&cfg->colors[UI_QUOTE1], -1, -1, UI_ATTR_UNDERLINE);
	assert_style(&cfg->colors[UI_QUOTE2], 9, 8, 0);
	assert_style(&cfg->colors[UI_QUOTE3], 7, -1, UI_ATTR_DIM);
	assert_style(&cfg->colors[UI_HEADER], -1, 4,
	    UI_ATTR_REVERSE | UI_ATTR_STANDOUT);
	assert_style(&cfg->colors[UI_SIDEBAR_ACCOUNT], 1, -1, UI_ATTR_BOLD);
	assert_style(&cfg->colors[UI_SIDEBAR_CURRENT], 2, 14, 0);
	assert_style(&cfg->colors[UI_SEARCH], 0, 255, 0);
	assert_style(&cfg->colors[UI_ERROR], 1, -1, UI_ATTR_BOLD);
	assert_style(&cfg->colors[UI_TREE], 5, -1, 0);
	config_free(cfg);
	cfg = load_ok(ACCT "[colors]\nenable = no\nunread = red\n");
	assert_int_equal(cfg->colors_mode, UI_COLORS_OFF);
	assert_style(&cfg->colors[UI_UNREAD], 1, -1, 0);
	assert_false(cfg->colors[UI_NORMAL].set);
	config_free(cfg);
}

static void
error_colors_unknown_element(void **state)
{
	load_fails(ACCT "[colors]\nindicator = red\n", 0600, "6: key "
	    "'indicator': unknown key in [colors] (expected enable, normal, "
	    "selected, status, unread, flagged, quote1, quote2, quote3, "
	    "header, sidebar_account, sidebar_current, search, error or tree)");
}

#define COLOR_WORDS "(colours: black, red, green, yellow, blue, magenta, " \
	"cyan, white, each also as brightNAME, color0 to color255, default; " \
	"attributes: bold, underline, reverse, dim, standout)"

static void
error_colors_bad_values(void **state)
{
	load_fails("[colors]\nunread = bold purple\n", 0600, "2: key "
	    "'unread': unknown colour or attribute 'purple' " COLOR_WORDS);
	load_fails("[colors]\nstatus = red on purple\n", 0600, "2: key "
	    "'status': unknown background colour 'purple' " COLOR_WORDS);
	load_fails("[colors]\nflagged = color256\n", 0600, "2: key "
	    "'flagged': colour 'color256' is beyond color255");
	load_fails("[colors]\nflagged = white on colour99999999999999999999\n",
	    0600, "2: key 'flagged': colour 'colour99999999999999999999' is "
	    "beyond color255");
	load_fails("[colors]\ntree = color\n", 0600, "2: key 'tree': unknown "
	    "colour or attribute 'color' " COLOR_WORDS);
	load_fails("[colors]\ntree = bright\n", 0600, "2: key 'tree': "
	    "'bright' must be followed by a colour name, got nothing");
	load_fails("[colors]\ntree = bright color3\n", 0600, "2: key 'tree': "
	    "'bright' must be followed by a colour name, got 'color3'");
	load_fails("[colors]\ntree = red on\n", 0600, "2: key 'tree': 'on' "
	    "must be followed by a colour, got nothing");
	load_fails("[colors]\ntree = red blue\n", 0600, "2: key 'tree': two "
	    "foreground colours in 'red blue' (a background is written 'on "
	    "COLOUR')");
	load_fails("[colors]\ntree = on red on blue\n", 0600, "2: key 'tree': "
	    "two background colours in 'on red on blue'");
	load_fails("[colors]\ntree =\n", 0600, "2: key 'tree': expected a "
	    "colour or an attribute, as in 'bold yellow' or 'white on blue', "
	    "got nothing");
	load_fails("[colors]\nenable = sometimes\n", 0600, "2: key 'enable': "
	    "expected yes or no, got 'sometimes'");
}

static void
password_command_first_line(void **state)
{
	struct config	*cfg = load_ok(ACCT
	    "password_command = printf 'first\\nsecond\\n'\n");
	struct perr	 err;
	char		*pw;

	pw = config_password(&cfg->accounts[0], &cfg->accounts[0].in, &err);
	assert_non_null(pw);
	assert_string_equal(pw, "first");
	secret_free(pw);
	config_free(cfg);
}

static void
password_command_failure_reports_status_not_output(void **state)
{
	struct config	*cfg = load_ok(ACCT
	    "password_command = echo topsecret; exit 3\n");
	struct perr	 err;

	assert_null(config_password(&cfg->accounts[0], &cfg->accounts[0].in,
	    &err));
	assert_int_equal(err.code, PERR_AUTH);
	assert_string_equal(err.msg,
	    "account a: password_command failed with exit status 3");
	assert_null(strstr(err.msg, "topsecret"));
	config_free(cfg);
}

static void
password_command_empty_output(void **state)
{
	struct config	*cfg = load_ok(ACCT "password_command = true\n");
	struct perr	 err;

	assert_null(config_password(&cfg->accounts[0], &cfg->accounts[0].in,
	    &err));
	assert_string_equal(err.msg,
	    "account a: password_command printed no password");
	config_free(cfg);
}

static void
no_password_configured(void **state)
{
	struct config	*cfg = load_ok(ACCT);
	struct perr	 err;

	assert_null(config_password(&cfg->accounts[0], &cfg->accounts[0].in,
	    &err));
	assert_int_equal(err.code, PERR_OK);
	config_free(cfg);
}

static void
account_lookup_by_name(void **state)
{
	struct config	*cfg = load_ok(ACCT);
	struct perr	 err;
	char		 want[512];

	assert_non_null(config_account(cfg, "a", &err));
	assert_null(config_account(cfg, "zz", &err));
	snprintf(want, sizeof want, "%s: no account named 'zz'", cfgpath);
	assert_string_equal(err.msg, want);
	config_free(cfg);
}

static void
default_path_order(void **state)
{
	char	*p;

	p = config_default_path("/x/explicit");
	assert_string_equal(p, "/x/explicit");
	free(p);
	setenv("POSTA_CONFIG", "/y/env", 1);
	p = config_default_path(NULL);
	assert_string_equal(p, "/y/env");
	free(p);
	unsetenv("POSTA_CONFIG");
	setenv("XDG_CONFIG_HOME", "/z/xdg", 1);
	p = config_default_path(NULL);
	assert_string_equal(p, "/z/xdg/posta/config");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/h", 1);
	p = config_default_path(NULL);
	assert_string_equal(p, "/home/h/.config/posta/config");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimal_imap_account_gets_defaults),
		cmocka_unit_test(identities_and_alternates_are_read_and_checked),
		cmocka_unit_test(oauth2_settings_presets_and_https),
		cmocka_unit_test(ports_default_from_protocol_and_tls),
		cmocka_unit_test(every_key_is_read),
		cmocka_unit_test(smtp_credentials_default_to_the_account),
		cmocka_unit_test(missing_file_is_notfound),
		cmocka_unit_test(error_unknown_section),
		cmocka_unit_test(error_key_before_section),
		cmocka_unit_test(error_unknown_general_key),
		cmocka_unit_test(new_mail_settings_are_read),
		cmocka_unit_test(display_settings_are_read),
		cmocka_unit_test(error_bad_display_settings),
		cmocka_unit_test(error_unknown_account_key),
		cmocka_unit_test(error_account_without_name),
		cmocka_unit_test(error_account_defined_twice),
		cmocka_unit_test(error_bad_protocol),
		cmocka_unit_test(error_bad_port),
		cmocka_unit_test(error_bad_tls),
		cmocka_unit_test(error_bad_booleans),
		cmocka_unit_test(error_bad_offline_and_keep),
		cmocka_unit_test(check_interval_setting),
		cmocka_unit_test(compress_setting),
		cmocka_unit_test(folders_setting_words_and_patterns),
		cmocka_unit_test(error_bad_fingerprint),
		cmocka_unit_test(error_unreadable_ca_file),
		cmocka_unit_test(error_missing_protocol_host_user),
		cmocka_unit_test(error_password_in_readable_file),
		cmocka_unit_test(password_command_in_readable_file_is_fine),
		cmocka_unit_test(error_plaintext_not_allowed),
		cmocka_unit_test(error_default_account_unknown),
		cmocka_unit_test(error_syntax),
		cmocka_unit_test(error_long_line),
		cmocka_unit_test(colors_unset_by_default),
		cmocka_unit_test(colors_every_form_is_read),
		cmocka_unit_test(error_colors_unknown_element),
		cmocka_unit_test(error_colors_bad_values),
		cmocka_unit_test(password_command_first_line),
		cmocka_unit_test(password_command_failure_reports_status_not_output),
		cmocka_unit_test(password_command_empty_output),
		cmocka_unit_test(no_password_configured),
		cmocka_unit_test(account_lookup_by_name),
		cmocka_unit_test(default_path_order),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
