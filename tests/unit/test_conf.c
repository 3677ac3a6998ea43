/* Unit tests for the configuration parser and the users file. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "conf/users.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

static struct usmbd_conf *load_ok(TALLOC_CTX *ctx, const char *text)
{
	struct usmbd_conf *c = NULL;
	char *msg = NULL;
	int ret;

	ret = conf_load_string(ctx, text, "t.conf", &c, &msg);
	if (ret != 0)
		fail_msg("unexpected error %d: %s", ret, msg ? msg : "(none)");
	assert_non_null(c);
	assert_null(msg);
	return c;
}

/* The error must start with "t.conf:LINE: " and mention what. */
static void expect_error(const char *text, unsigned line, const char *what)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c = NULL;
	char *msg = NULL, *prefix;
	int ret;

	ret = conf_load_string(ctx, text, "t.conf", &c, &msg);
	assert_int_equal(ret, -EINVAL);
	assert_null(c);
	assert_non_null(msg);
	prefix = talloc_asprintf(ctx, "t.conf:%u: ", line);
	if (strncmp(msg, prefix, strlen(prefix)) != 0)
		fail_msg("error '%s' does not start with '%s'", msg, prefix);
	if (strstr(msg, what) == NULL)
		fail_msg("error '%s' does not mention '%s'", msg, what);
	talloc_free(ctx);
}

static void check_ipc_last(const struct usmbd_conf *c)
{
	const struct conf_share *ipc = &c->shares[c->n_shares - 1];

	assert_true(c->n_shares >= 1);
	assert_true(ipc->is_ipc);
	assert_string_equal(ipc->name, "IPC$");
	assert_string_equal(ipc->comment, "IPC Service");
	assert_true(ipc->path == NULL || ipc->path[0] == '\0');
	assert_ptr_equal(conf_find_share(c, "ipc$"), ipc);
}

static void test_builtin_default(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c;
	const struct conf_share *demo;
	size_t i;

	c = load_ok(ctx, conf_builtin_default);
	assert_int_equal(c->n_listen, 2);
	assert_string_equal(c->listen[0].addr, "0.0.0.0");
	assert_int_equal(c->listen[0].port, 445);
	assert_string_equal(c->listen[1].addr, "::");
	assert_int_equal(c->listen[1].port, 445);
	assert_string_equal(c->users_file, "/var/lib/usmbd/users");
	assert_string_equal(c->state_dir, "/var/lib/usmbd");
	assert_int_equal(c->server_signing, CONF_SIGNING_AUTO);
	assert_int_equal(c->log_level, 2);
	assert_int_equal(c->max_connections, 1024);
	assert_int_equal(c->max_pdu_size, 16 * MIB);
	assert_int_equal(c->max_read_size, 8 * MIB);
	assert_int_equal(c->max_write_size, 8 * MIB);
	assert_int_equal(c->max_trans_size, 8 * MIB);
	assert_int_equal(c->handshake_timeout, 30);
	assert_int_equal(c->io_threads, 4);
	assert_int_equal(c->pending_threshold_ms, 500);

	/* Host name derived: 1..15 characters, upper case. */
	assert_non_null(c->server_name);
	assert_true(strlen(c->server_name) >= 1);
	assert_true(strlen(c->server_name) <= 15);
	for (i = 0; c->server_name[i] != '\0'; i++)
		assert_false(c->server_name[i] >= 'a' &&
			     c->server_name[i] <= 'z');

	assert_int_equal(c->n_shares, 2);
	demo = conf_find_share(c, "DEMO");
	assert_non_null(demo);
	assert_ptr_equal(demo, &c->shares[0]);
	assert_string_equal(demo->name, "demo");
	assert_string_equal(demo->path, "/srv/usmbd/demo");
	assert_string_equal(demo->comment, "usmbd demo share");
	assert_false(demo->read_only);
	assert_false(demo->guest_ok);
	assert_false(demo->is_ipc);
	check_ipc_last(c);
	assert_null(conf_find_share(c, "nosuch"));
	talloc_free(ctx);
}

static void test_sample_parses(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c = NULL;
	const struct conf_share *s;
	char *msg = NULL;
	int ret;

	ret = conf_load_file(ctx, SRCDIR "/conf/usmbd.conf.sample", &c, &msg);
	if (ret != 0)
		fail_msg("sample config: %s", msg ? msg : "(no message)");
	assert_string_equal(c->source, SRCDIR "/conf/usmbd.conf.sample");
	/* The continued listen line. */
	assert_int_equal(c->n_listen, 2);
	assert_string_equal(c->listen[1].addr, "::");
	assert_int_equal(c->n_shares, 3);
	s = conf_find_share(c, "data");
	assert_non_null(s);
	assert_string_equal(s->path, "/srv/usmbd/data");
	assert_string_equal(s->comment, "Team data");
	s = conf_find_share(c, "Public");
	assert_non_null(s);
	assert_true(s->read_only);
	assert_true(s->guest_ok);
	check_ipc_last(c);
	talloc_free(ctx);
}

static void test_missing_file(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c = NULL;
	char *msg = NULL;

	assert_int_equal(conf_load_file(ctx, "/nonexistent/usmbd.conf", &c,
					&msg),
			 -ENOENT);
	assert_null(c);
	assert_non_null(strstr(msg, "/nonexistent/usmbd.conf: "));
	talloc_free(ctx);
}

static void test_syntax(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c;

	c = load_ok(ctx,
		    "\xef\xbb\xbf# comment\n"
		    "; another comment \\\n"
		    "[ Global ]\r\n"
		    "  USERS   File\t=  /etc/usmbd/users  \r\n"
		    "state dir = /var/lib/\\\n"
		    "    usmbd-test//\n"
		    "server signing = Mandatory\n"
		    "log level = DEBUG\n"
		    "max pdu size = 1m\n"
		    "max read size = 64K\n"
		    "max write size = 65536\n"
		    "max trans size = 1020K\n"
		    "pending threshold ms = 0\n"
		    "server name = fileserver-01\n"
		    "listen = 127.0.0.1\n"
		    "[Docs]\n"
		    "path = /srv/docs\n"
		    "comment = # not a comment; really\n"
		    "read only = ON\n"
		    "guest ok = 1\n"
		    "[other]\n"
		    "path = /\n"
		    "read only = false\n"
		    "guest ok = Off\n");
	assert_string_equal(c->users_file, "/etc/usmbd/users");
	assert_string_equal(c->state_dir, "/var/lib/usmbd-test");
	assert_int_equal(c->server_signing, CONF_SIGNING_REQUIRED);
	assert_int_equal(c->log_level, 3);
	assert_int_equal(c->max_pdu_size, MIB);
	assert_int_equal(c->max_read_size, 64 * KIB);
	assert_int_equal(c->max_write_size, 64 * KIB);
	assert_int_equal(c->max_trans_size, 1020 * KIB);
	assert_int_equal(c->pending_threshold_ms, 0);
	assert_string_equal(c->server_name, "FILESERVER-01");
	assert_int_equal(c->n_listen, 1);
	assert_string_equal(c->listen[0].addr, "127.0.0.1");
	assert_int_equal(c->listen[0].port, 445);
	assert_int_equal(c->n_shares, 3);
	assert_string_equal(c->shares[0].name, "Docs");
	assert_string_equal(c->shares[0].comment, "# not a comment; really");
	assert_true(c->shares[0].read_only);
	assert_true(c->shares[0].guest_ok);
	assert_string_equal(c->shares[1].path, "/");
	assert_false(c->shares[1].read_only);
	assert_false(c->shares[1].guest_ok);
	assert_string_equal(c->shares[1].comment, "");
	check_ipc_last(c);

	/* Without [global] every global option takes its default. */
	c = load_ok(ctx, "[s]\npath=/x\n[t]\npath=/y\n");
	assert_int_equal(c->max_connections, 1024);
	assert_int_equal(c->n_listen, 2);
	assert_int_equal(c->n_shares, 3);

	/* An empty file is valid: only IPC$. */
	c = load_ok(ctx, "");
	assert_int_equal(c->n_shares, 1);
	check_ipc_last(c);
	talloc_free(ctx);
}

static void test_listen_ipv6(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c;

	c = load_ok(ctx, "[global]\n"
			 "listen = [::1]:4445, 127.0.0.1:1 [fe80::1]\t"
			 "2001:DB8:0:0::1,,[0:0::0]:65535  10.0.0.1 ::ffff:"
			 "192.0.2.1\n");
	assert_int_equal(c->n_listen, 7);
	assert_string_equal(c->listen[0].addr, "::1");
	assert_int_equal(c->listen[0].port, 4445);
	assert_string_equal(c->listen[1].addr, "127.0.0.1");
	assert_int_equal(c->listen[1].port, 1);
	assert_string_equal(c->listen[2].addr, "fe80::1");
	assert_int_equal(c->listen[2].port, 445);
	/* Bare IPv6 takes port 445; addresses are stored canonically. */
	assert_string_equal(c->listen[3].addr, "2001:db8::1");
	assert_int_equal(c->listen[3].port, 445);
	assert_string_equal(c->listen[4].addr, "::");
	assert_int_equal(c->listen[4].port, 65535);
	assert_string_equal(c->listen[5].addr, "10.0.0.1");
	assert_int_equal(c->listen[5].port, 445);
	assert_string_equal(c->listen[6].addr, "::ffff:192.0.2.1");
	talloc_free(ctx);
}

static void test_errors(void **state)
{
	expect_error("[global]\n\nfoo bar = 1\n", 3,
		     "unknown option 'foo bar'");
	/* "usersfile" is not "users file": inner spaces are significant. */
	expect_error("[global]\nusersfile = /x\n", 2, "unknown option");
	expect_error("[s]\npath = /x\nread only = maybe\n", 3, "boolean");
	expect_error("[s]\npath = /x\nguest ok =\n", 3, "boolean");
	expect_error("[global]\nmax connections = 0\n", 2, "out of range");
	expect_error("[global]\nmax connections = 65537\n", 2,
		     "out of range");
	expect_error("[global]\nio threads = -1\n", 2, "number");
	expect_error("[global]\nio threads = 4x\n", 2, "number");
	expect_error("[global]\nhandshake timeout = 99999999999999999999999\n",
		     2, "number");
	expect_error("[global]\nmax read size = 16M\n", 2, "out of range");
	expect_error("[global]\nmax read size = 63K\n", 2, "out of range");
	expect_error("[global]\nmax pdu size = 65G\n", 2, "out of range");
	expect_error("[global]\nmax pdu size = 8MB\n", 2, "size");
	expect_error("[global]\nlog level = 4\n", 2, "out of range");
	expect_error("[global]\nlog level = loud\n", 2, "log level");
	expect_error("[global]\nserver signing = disabled\n", 2,
		     "auto or required");
	expect_error("[global]\nserver name = ABCDEFGHIJKLMNOP\n", 2,
		     "1 to 15");
	expect_error("[global]\nserver name = my server\n", 2, "letters");
	/* Missing path: reported at the share's header. */
	expect_error("[global]\n[a]\ncomment = x\n\n[b]\npath = /b\n", 2,
		     "share [a] has no 'path'");
	expect_error("[global]\n[last]\ncomment = x\n", 2, "no 'path'");
	expect_error("[s]\n# c\npath = srv/s\n", 3, "absolute");
	expect_error("[global]\nusers file = users\n", 2, "absolute");
	expect_error("[global]\nstate dir =\n", 2, "absolute");
	expect_error("[a]\npath=/a\n[b]\npath=/b\n[A]\npath=/c\n", 5,
		     "duplicate share");
	expect_error("[global]\n[Global]\n", 2, "duplicate section");
	expect_error("# c\n\nlisten = 0.0.0.0\n[global]\n", 3,
		     "before any [section]");
	expect_error("[global]\npath = /x\n", 2, "only valid in a share");
	expect_error("[s]\npath = /x\nlisten = 1.2.3.4\n", 3,
		     "only valid in [global]");
	expect_error("[s]\npath = /x\nPath = /y\n", 3, "already set on line 2");
	expect_error("[global]\nlisten = localhost:445\n", 2, "numeric IPv4");
	expect_error("[global]\nlisten = 1.2.3.4:0\n", 2, "1..65535");
	expect_error("[global]\nlisten = 1.2.3.4:65536\n", 2, "1..65535");
	expect_error("[global]\nlisten = 1.2.3.4:\n", 2, "1..65535");
	expect_error("[global]\nlisten = 256.1.1.1\n", 2, "numeric IPv4");
	expect_error("[global]\nlisten = [::1\n", 2, "[v6addr]:port");
	expect_error("[global]\nlisten = [::1]x\n", 2, "[v6addr]:port");
	expect_error("[global]\nlisten = [1.2.3.4]:445\n", 2, "numeric IPv6");
	expect_error("[global]\nlisten = ::1:x:445\n", 2, "numeric IPv6");
	expect_error("[global]\nlisten = , ,\n", 2, "at least one");
	expect_error("[global]\nlisten = [::]:445 [0::0]:445\n", 2, "twice");
	expect_error("[global]\n[IPC$]\npath = /x\n", 2, "built in");
	expect_error("[ipc$]\n", 1, "built in");
	expect_error("[a/b]\npath = /x\n", 1, "may not contain");
	expect_error("[a\\b]\npath = /x\n", 1, "may not contain");
	expect_error("[]\n", 1, "empty section name");
	expect_error("[abc\n", 1, "section header");
	expect_error("[abc] x\n", 1, "section header");
	expect_error("[global]\njust words\n", 2, "key = value");
	expect_error("[global]\n = 3\n", 2, "missing option name");
	expect_error("[s]\npath = /x\ncomment = a\tb\x01\n", 3, "control");
	/* A continued line is reported at its first physical line. */
	expect_error("[global]\nlisten = 1.2.3.4, \\\n   5.6.7.8, \\\n   x\n"
		     "io threads = 0\n",
		     2, "numeric IPv4");
	expect_error("[global]\nlisten = 1.2.3.4, \\\n   5.6.7.8\n"
		     "io threads = 0\n",
		     4, "out of range");
	/* Cross-option check. */
	expect_error("[global]\nmax write size = 1M\nmax pdu size = 1M\n", 3,
		     "max pdu size");
	expect_error("[global]\nmax pdu size = 64K\n", 2, "max pdu size");
}

static void test_long_share_name(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	char name[82];
	char *text;

	memset(name, 'n', 80);
	name[80] = '\0';
	text = talloc_asprintf(ctx, "[%s]\npath = /x\n", name);
	load_ok(ctx, text);
	strcat(name, "n");
	text = talloc_asprintf(ctx, "[global]\n[%s]\npath = /x\n", name);
	expect_error(text, 2, "longer than 80");
	talloc_free(ctx);
}

static char *dump_to_string(TALLOC_CTX *ctx, const struct usmbd_conf *c)
{
	char *buf = NULL, *out;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	conf_dump(c, f);
	assert_int_equal(fclose(f), 0);
	out = talloc_strdup(ctx, buf);
	free(buf);
	return out;
}

static void assert_conf_equal(const struct usmbd_conf *a,
			      const struct usmbd_conf *b)
{
	size_t i;

	assert_int_equal(a->n_listen, b->n_listen);
	for (i = 0; i < a->n_listen; i++) {
		assert_string_equal(a->listen[i].addr, b->listen[i].addr);
		assert_int_equal(a->listen[i].port, b->listen[i].port);
	}
	assert_string_equal(a->users_file, b->users_file);
	assert_string_equal(a->state_dir, b->state_dir);
	assert_string_equal(a->server_name, b->server_name);
	assert_int_equal(a->server_signing, b->server_signing);
	assert_int_equal(a->log_level, b->log_level);
	assert_int_equal(a->max_connections, b->max_connections);
	assert_int_equal(a->max_pdu_size, b->max_pdu_size);
	assert_int_equal(a->max_read_size, b->max_read_size);
	assert_int_equal(a->max_write_size, b->max_write_size);
	assert_int_equal(a->max_trans_size, b->max_trans_size);
	assert_int_equal(a->handshake_timeout, b->handshake_timeout);
	assert_int_equal(a->io_threads, b->io_threads);
	assert_int_equal(a->pending_threshold_ms, b->pending_threshold_ms);
	assert_int_equal(a->n_shares, b->n_shares);
	for (i = 0; i < a->n_shares; i++) {
		const struct conf_share *x = &a->shares[i], *y = &b->shares[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->path ? x->path : "",
				    y->path ? y->path : "");
		assert_string_equal(x->comment, y->comment);
		assert_int_equal(x->read_only, y->read_only);
		assert_int_equal(x->guest_ok, y->guest_ok);
		assert_int_equal(x->is_ipc, y->is_ipc);
	}
}

static void roundtrip(TALLOC_CTX *ctx, const char *text)
{
	struct usmbd_conf *a, *b, *c;
	char *dump_a, *dump_b;

	a = load_ok(ctx, text);
	dump_a = dump_to_string(ctx, a);
	b = load_ok(ctx, dump_a);
	assert_conf_equal(a, b);
	dump_b = dump_to_string(ctx, b);
	/* Only the "from" comment may differ. */
	assert_string_equal(strchr(dump_a, '\n'), strchr(dump_b, '\n'));
	c = load_ok(ctx, dump_b);
	assert_conf_equal(a, c);
}

static void test_encrypt_scopes(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c = load_ok(ctx, "[global]\n"
					    "smb encrypt = desired\n"
					    "[a]\npath = /a\n"
					    "[b]\npath = /b\n"
					    "smb encrypt = required\n"
					    "[c]\npath = /c\n"
					    "smb encrypt = off\n");
	assert_int_equal(c->smb_encrypt, CONF_ENCRYPT_DESIRED);
	assert_int_equal(conf_share_encrypt(c, conf_find_share(c, "a")),
			 CONF_ENCRYPT_DESIRED);
	assert_int_equal(conf_share_encrypt(c, conf_find_share(c, "b")),
			 CONF_ENCRYPT_REQUIRED);
	assert_int_equal(conf_share_encrypt(c, conf_find_share(c, "c")),
			 CONF_ENCRYPT_OFF);
	talloc_free(ctx);
	/* "inherit" is a share-only value */
	expect_error("[global]\nsmb encrypt = inherit\n", 2, "smb encrypt");
	expect_error("[a]\npath = /a\nsmb encrypt = maybe\n", 3,
		     "smb encrypt");
}

static void test_interfaces(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c = load_ok(
		ctx, "[global]\n"
		     "interfaces = eth0;speed=25G;rdma=yes, eth1;rss=no\n"
		     "[a]\npath = /a\n");
	assert_int_equal(c->n_ifaces, 2);
	assert_string_equal(c->ifaces[0].name, "eth0");
	assert_true(c->ifaces[0].speed == 25000000000ull);
	assert_int_equal(c->ifaces[0].rdma, 1);
	assert_int_equal(c->ifaces[0].rss, -1);
	assert_string_equal(c->ifaces[1].name, "eth1");
	assert_int_equal(c->ifaces[1].rss, 0);
	assert_int_equal(c->ifaces[1].rdma, -1);
	assert_true(c->ifaces[1].speed == 0);
	talloc_free(ctx);
	expect_error("[global]\ninterfaces = eth0;speed=fast\n", 2,
		     "interfaces");
	expect_error("[global]\ninterfaces = eth0;colour=blue\n", 2,
		     "interfaces");
}

static void test_dump_roundtrip(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c;
	char *dump;

	roundtrip(ctx, conf_builtin_default);
	roundtrip(ctx, "");
	roundtrip(ctx,
		  "[global]\n"
		  "listen = [2001:db8::5]:10445 192.0.2.7:8445 ::1\n"
		  "users file = /etc/usmbd/users\n"
		  "state dir = /var/lib/u\n"
		  "server name = nas\n"
		  "server signing = mandatory\n"
		  "log level = warn\n"
		  "max connections = 7\n"
		  "max pdu size = 1052673\n"
		  "max read size = 65537\n"
		  "max write size = 1M\n"
		  "max trans size = 96K\n"
		  "handshake timeout = 3600\n"
		  "io threads = 256\n"
		  "pending threshold ms = 60000\n"
		  "[Media Files]\n"
		  "path = /srv/media\n"
		  "comment = Films; music # and more\n"
		  "read only = yes\n"
		  "guest ok = yes\n"
		  "[empty$]\n"
		  "path = /srv/e\n");

	/* The dump names every option, with sizes in readable units. */
	c = load_ok(ctx, conf_builtin_default);
	dump = dump_to_string(ctx, c);
	assert_non_null(strstr(dump, "listen = 0.0.0.0:445, [::]:445\n"));
	assert_non_null(strstr(dump, "max pdu size = 16M\n"));
	assert_non_null(strstr(dump, "log level = info\n"));
	assert_non_null(strstr(dump, "pending threshold ms = 500\n"));
	assert_non_null(strstr(dump, "[demo]\n"));
	assert_non_null(strstr(dump, "guest ok = no\n"));
	assert_null(strstr(dump, "IPC$"));
	talloc_free(ctx);
}

/* ---- users file ---- */

static char *make_temp_dir(TALLOC_CTX *ctx)
{
	char *dir = talloc_strdup(ctx, "/tmp/usmbd-test-conf-XXXXXX");

	assert_non_null(mkdtemp(dir));
	return dir;
}

static void remove_tree(TALLOC_CTX *ctx, const char *dir)
{
	char *cmd = talloc_asprintf(ctx, "rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static char *read_file(TALLOC_CTX *ctx, const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return talloc_strdup(ctx, buf);
}

static const uint8_t hash_a[16] = {
	0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
	0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52,
};
static const uint8_t hash_b[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

static void test_rdma_listen(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *c;
	char *dump;

	/* Off unless configured. */
	c = load_ok(ctx, conf_builtin_default);
	assert_int_equal(c->n_rdma_listen, 0);
	assert_null(c->rdma_listen);
	dump = dump_to_string(ctx, c);
	assert_non_null(strstr(dump, "\trdma listen = \n"));

	/* A bare address takes 5445, the port Linux clients try first. */
	c = load_ok(ctx, "[global]\n"
			 "rdma listen = 10.99.1.2:445, 10.99.1.2 [fe80::1]:445 "
			 "[::]\n");
	assert_int_equal(c->n_rdma_listen, 4);
	assert_string_equal(c->rdma_listen[0].addr, "10.99.1.2");
	assert_int_equal(c->rdma_listen[0].port, 445);
	assert_string_equal(c->rdma_listen[1].addr, "10.99.1.2");
	assert_int_equal(c->rdma_listen[1].port, 5445);
	assert_string_equal(c->rdma_listen[2].addr, "fe80::1");
	assert_int_equal(c->rdma_listen[2].port, 445);
	assert_string_equal(c->rdma_listen[3].addr, "::");
	assert_int_equal(c->rdma_listen[3].port, 5445);
	/* The TCP listeners keep their default. */
	assert_int_equal(c->n_listen, 2);
	assert_int_equal(c->listen[0].port, 445);
	dump = dump_to_string(ctx, c);
	assert_non_null(strstr(dump, "\trdma listen = 10.99.1.2:445, "
				     "10.99.1.2:5445, [fe80::1]:445, "
				     "[::]:5445\n"));
	roundtrip(ctx, "[global]\nrdma listen = 0.0.0.0:5445 [::1]:445\n");

	/* An empty list turns SMB Direct off; TCP needs an address. */
	c = load_ok(ctx, "[global]\nrdma listen =\n");
	assert_int_equal(c->n_rdma_listen, 0);
	expect_error("[global]\nlisten =\n", 2, "at least one address");
	expect_error("[global]\nrdma listen = 1.2.3.4:0\n", 2,
		     "not a number in 1..65535");
	expect_error("[global]\nrdma listen = rdma0:445\n", 2,
		     "not a numeric IPv4");
	expect_error("[global]\nrdma listen = 1.2.3.4, 1.2.3.4:5445\n", 2,
		     "given twice");
	expect_error("[s]\npath = /x\nrdma listen = 1.2.3.4\n", 3,
		     "only valid in [global]");
	talloc_free(ctx);
}

static void test_users_roundtrip(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	char *dir = make_temp_dir(ctx);
	char *sub = talloc_asprintf(ctx, "%s/sub", dir);
	char *path = talloc_asprintf(ctx, "%s/users", sub);
	struct usmbd_users *u;
	const struct usmbd_user *found;
	struct stat st;
	mode_t old_umask;
	char *msg = NULL;

	/* A missing file is an empty list. */
	assert_int_equal(users_load(ctx, path, &u, &msg), 0);
	assert_non_null(u);
	assert_int_equal(u->n_users, 0);
	assert_null(users_find(u, "alice"));

	/* The parent directory is created 0700, the file is 0600 even
	 * under a permissive umask. */
	old_umask = umask(0);
	assert_int_equal(users_update(path, "alice", hash_a), 0);
	umask(old_umask);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_string_equal(read_file(ctx, path),
			    "alice:a4f49c406510bdcab6824ee7c30fd852\n");

	assert_int_equal(users_update(path, "Bob Smith", hash_b), 0);
	assert_int_equal(users_load(ctx, path, &u, &msg), 0);
	assert_int_equal(u->n_users, 2);
	found = users_find(u, "ALICE");
	assert_non_null(found);
	assert_string_equal(found->name, "alice");
	assert_memory_equal(found->nt_hash, hash_a, 16);
	found = users_find(u, "bob smith");
	assert_non_null(found);
	assert_memory_equal(found->nt_hash, hash_b, 16);

	/* Replace keeps one entry per user, in place. */
	assert_int_equal(users_update(path, "Alice", hash_b), 0);
	assert_string_equal(read_file(ctx, path),
			    "Alice:0001020304050607f8f9fafbfcfdfeff\n"
			    "Bob Smith:0001020304050607f8f9fafbfcfdfeff\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Delete, and deleting an unknown user. */
	assert_int_equal(users_update(path, "bob smith", NULL), 0);
	assert_int_equal(users_update(path, "bob smith", NULL), -ENOENT);
	assert_int_equal(users_load(ctx, path, &u, &msg), 0);
	assert_int_equal(u->n_users, 1);
	assert_null(users_find(u, "Bob Smith"));
	assert_non_null(users_find(u, "alice"));

	/* Invalid names are refused before anything is written. */
	assert_int_equal(users_update(path, "", hash_a), -EINVAL);
	assert_int_equal(users_update(path, "a:b", hash_a), -EINVAL);
	assert_int_equal(users_update(path, "a\nb", hash_a), -EINVAL);
	assert_int_equal(users_update(path, "#x", hash_a), -EINVAL);
	assert_int_equal(users_update(path,
				      "12345678901234567890123456789012345"
				      "678901234567890123456789012345",
				      hash_a),
			 -EINVAL);
	assert_int_equal(users_update(path,
				      "12345678901234567890123456789012345"
				      "67890123456789012345678901234",
				      hash_a),
			 0);

	remove_tree(ctx, dir);
	talloc_free(ctx);
}

static void test_users_keeps_comments(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	char *dir = make_temp_dir(ctx);
	char *path = talloc_asprintf(ctx, "%s/users", dir);
	struct usmbd_users *u;
	char *msg = NULL;

	write_file(path,
		   "# usmbd users\n"
		   "\n"
		   "  carol:A4F49C406510BDCAB6824EE7C30FD852  \r\n"
		   "dave:0001020304050607f8f9fafbfcfdfeff",
		   0600);
	assert_int_equal(users_load(ctx, path, &u, &msg), 0);
	assert_int_equal(u->n_users, 2);
	assert_memory_equal(users_find(u, "carol")->nt_hash, hash_a, 16);
	assert_int_equal(users_update(path, "dave", hash_a), 0);
	assert_int_equal(users_update(path, "erin", hash_b), 0);
	assert_string_equal(read_file(ctx, path),
			    "# usmbd users\n"
			    "\n"
			    "  carol:A4F49C406510BDCAB6824EE7C30FD852  \r\n"
			    "dave:a4f49c406510bdcab6824ee7c30fd852\n"
			    "erin:0001020304050607f8f9fafbfcfdfeff\n");
	remove_tree(ctx, dir);
	talloc_free(ctx);
}

static void expect_users_error(const char *text, const char *where,
			       const char *what)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	char *dir = make_temp_dir(ctx);
	char *path = talloc_asprintf(ctx, "%s/users", dir);
	char *prefix = talloc_asprintf(ctx, "%s:%s: ", path, where);
	struct usmbd_users *u = NULL;
	char *msg = NULL;

	write_file(path, text, 0600);
	assert_int_equal(users_load(ctx, path, &u, &msg), -EINVAL);
	assert_null(u);
	assert_non_null(msg);
	if (strncmp(msg, prefix, strlen(prefix)) != 0 ||
	    strstr(msg, what) == NULL)
		fail_msg("error '%s' is not '%s...%s'", msg, prefix, what);
	/* An update refuses to rewrite a file it cannot parse. */
	assert_int_equal(users_update(path, "new", hash_a), -EINVAL);
	assert_string_equal(read_file(ctx, path), text);
	remove_tree(ctx, dir);
	talloc_free(ctx);
}

static void test_users_malformed(void **state)
{
	const char *ok = "a:0001020304050607f8f9fafbfcfdfeff\n";
	TALLOC_CTX *ctx = talloc_new(NULL);
	char *text;

	text = talloc_asprintf(ctx, "# x\n%s\nb:00010203\n", ok);
	expect_users_error(text, "4", "32 hex digits");
	text = talloc_asprintf(ctx, "%sb:0001020304050607f8f9fafbfcfdfeffaa\n",
			       ok);
	expect_users_error(text, "2", "32 hex digits");
	text = talloc_asprintf(ctx, "%sb:0001020304050607g8f9fafbfcfdfef\n",
			       ok);
	expect_users_error(text, "2", "32 hex digits");
	expect_users_error("\n\nnocolon\n", "3", "name:nthash");
	expect_users_error(":0001020304050607f8f9fafbfcfdfeff\n", "1",
			   "empty user name");
	text = talloc_asprintf(ctx, "%sA:0001020304050607f8f9fafbfcfdfeff\n",
			       ok);
	expect_users_error(text, "2", "already listed");
	expect_users_error("a\x01:0001020304050607f8f9fafbfcfdfeff\n", "1",
			   "control");
	talloc_free(ctx);
}

static void test_users_unsafe_file(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	char *dir = make_temp_dir(ctx);
	char *path = talloc_asprintf(ctx, "%s/users", dir);
	struct usmbd_users *u = NULL;
	char *msg = NULL;

	write_file(path, "a:0001020304050607f8f9fafbfcfdfeff\n", 0606);
	assert_int_equal(users_load(ctx, path, &u, &msg), -EPERM);
	assert_null(u);
	assert_non_null(strstr(msg, "world-writable"));
	assert_int_equal(users_update(path, "b", hash_a), -EPERM);

	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(users_load(ctx, path, &u, &msg), -EPERM);

	/* Owned by someone else: only that user could have written it. */
	assert_int_equal(chmod(path, 0600), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 4242, 4242), 0);
		assert_int_equal(users_load(ctx, path, &u, &msg), -EPERM);
		assert_non_null(strstr(msg, "owned by uid 4242"));
		assert_int_equal(chown(path, 0, 0), 0);
	}
	assert_int_equal(users_load(ctx, path, &u, &msg), 0);
	assert_int_equal(u->n_users, 1);
	remove_tree(ctx, dir);
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_default),
		cmocka_unit_test(test_sample_parses),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_listen_ipv6),
		cmocka_unit_test(test_rdma_listen),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_share_name),
		cmocka_unit_test(test_encrypt_scopes),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_users_roundtrip),
		cmocka_unit_test(test_users_keeps_comments),
		cmocka_unit_test(test_users_malformed),
		cmocka_unit_test(test_users_unsafe_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
