/*
 * smb.conf-style configuration parser.
 *
 * A single option table (conf_options[]) drives everything: which keys are
 * known in which kind of section, how their values are parsed and range
 * checked, their defaults (written as text and parsed like a value from the
 * file, so a default can never bypass a check) and how conf_dump() prints
 * them back. The result is one talloc tree owned by the caller.
 */
#include "conf/conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_DEFAULT_PORT 445
/* The SMB Direct port Windows uses for iWARP and Linux clients try first. */
#define CONF_DEFAULT_RDMA_PORT 5445
#define CONF_MAX_FILE_SIZE (1024 * 1024)
#define CONF_SHARE_NAME_MAX 80
#define CONF_COMMENT_MAX 256
#define NETBIOS_NAME_MAX 15
#define IPC_SHARE_NAME "IPC$"
#define IPC_SHARE_COMMENT "IPC Service"
#define GLOBAL_SECTION "global"

#define KIB (1024u)
#define MIB (1024u * 1024u)
#define GIB (1024u * 1024u * 1024u)

/*
 * Room for the SMB2 header, the WRITE/IOCTL request body and a transform
 * header around the largest payload a client may send.
 */
#define PDU_OVERHEAD (4 * KIB)

const char conf_builtin_default[] =
	"# Built-in configuration, used when usmbd runs without --config.\n"
	"[global]\n"
	"\tlisten = 0.0.0.0:445, [::]:445\n"
	"\tusers file = /var/lib/usmbd/users\n"
	"\tstate dir = /var/lib/usmbd\n"
	"\n"
	"[demo]\n"
	"\tpath = /srv/usmbd/demo\n"
	"\tcomment = usmbd demo share\n";

enum opt_type {
	OPT_BOOL,
	OPT_UINT,
	OPT_SIZE,
	OPT_STRING,
	OPT_PATH,
	OPT_LISTEN,
	OPT_SIGNING,
	OPT_ENCRYPT,
	OPT_IFACES,
	OPT_LOG_LEVEL,
	OPT_NETBIOS_NAME,
};

enum opt_scope {
	SCOPE_GLOBAL,
	SCOPE_SHARE,
};

struct conf_option {
	const char *name; /* lower case, single spaces */
	enum opt_scope scope;
	enum opt_type type;
	/* Parsed like a value from the file. NULL: required (share) or
	 * computed at load time (global). */
	const char *def;
	uint32_t min, max; /* numbers: value range; strings: max length */
	size_t offset;	   /* in struct usmbd_conf or struct conf_share */
};

#define GLOBAL_OPT(name, type, def, min, max, field)                     \
	{ name, SCOPE_GLOBAL, type, def, min, max,                      \
	  offsetof(struct usmbd_conf, field) }
#define SHARE_OPT(name, type, def, min, max, field)                      \
	{ name, SCOPE_SHARE, type, def, min, max,                       \
	  offsetof(struct conf_share, field) }

static const struct conf_option conf_options[] = {
	/* listen lists: min is the number of addresses needed, max the
	 * port of a bare address */
	GLOBAL_OPT("listen", OPT_LISTEN, "0.0.0.0:445, [::]:445", 1,
		   CONF_DEFAULT_PORT, listen),
	GLOBAL_OPT("rdma listen", OPT_LISTEN, "", 0, CONF_DEFAULT_RDMA_PORT,
		   rdma_listen),
	GLOBAL_OPT("users file", OPT_PATH, "/var/lib/usmbd/users", 0, 0,
		   users_file),
	GLOBAL_OPT("state dir", OPT_PATH, "/var/lib/usmbd", 0, 0, state_dir),
	GLOBAL_OPT("server name", OPT_NETBIOS_NAME, NULL, 1,
		   NETBIOS_NAME_MAX, server_name),
	GLOBAL_OPT("server signing", OPT_SIGNING, "auto", 0, 0,
		   server_signing),
	GLOBAL_OPT("smb encrypt", OPT_ENCRYPT, "off", 0, 2, smb_encrypt),
	GLOBAL_OPT("server multi channel support", OPT_BOOL, "yes", 0, 0,
		   multichannel),
	GLOBAL_OPT("interfaces", OPT_IFACES, "", 0, 0, ifaces),
	GLOBAL_OPT("log level", OPT_LOG_LEVEL, "info", 0, 3, log_level),
	GLOBAL_OPT("max connections", OPT_UINT, "1024", 1, 65536,
		   max_connections),
	GLOBAL_OPT("max pdu size", OPT_SIZE, "16M", 64 * KIB, 64 * MIB,
		   max_pdu_size),
	GLOBAL_OPT("max read size", OPT_SIZE, "8M", 64 * KIB, 8 * MIB,
		   max_read_size),
	GLOBAL_OPT("max write size", OPT_SIZE, "8M", 64 * KIB, 8 * MIB,
		   max_write_size),
	GLOBAL_OPT("max trans size", OPT_SIZE, "8M", 64 * KIB, 8 * MIB,
		   max_trans_size),
	GLOBAL_OPT("handshake timeout", OPT_UINT, "30", 1, 3600,
		   handshake_timeout),
	GLOBAL_OPT("io threads", OPT_UINT, "4", 1, 256, io_threads),
	GLOBAL_OPT("pending threshold ms", OPT_UINT, "500", 0, 60000,
		   pending_threshold_ms),
	GLOBAL_OPT("max connections per client", OPT_UINT, "128", 1, 65536,
		   max_connections_per_client),
	GLOBAL_OPT("max sessions per connection", OPT_UINT, "64", 1, 65536,
		   max_sessions_per_connection),
	GLOBAL_OPT("max opens per session", OPT_UINT, "16384", 1, 1048576,
		   max_opens_per_session),
	GLOBAL_OPT("max credits", OPT_UINT, "8192", 16, 8192, max_credits),
	GLOBAL_OPT("receive timeout", OPT_UINT, "30", 1, 3600,
		   receive_timeout),
	GLOBAL_OPT("session lifetime", OPT_UINT, "0", 0, 31536000,
		   session_lifetime),
	GLOBAL_OPT("failed logon delay ms", OPT_UINT, "500", 0, 60000,
		   logon_delay_ms),
	SHARE_OPT("path", OPT_PATH, NULL, 0, 0, path),
	SHARE_OPT("comment", OPT_STRING, "", 0, CONF_COMMENT_MAX, comment),
	SHARE_OPT("read only", OPT_BOOL, "no", 0, 0, read_only),
	SHARE_OPT("guest ok", OPT_BOOL, "no", 0, 0, guest_ok),
	SHARE_OPT("smb encrypt", OPT_ENCRYPT, "inherit", 0, 3, smb_encrypt),
};

#define N_OPTIONS (sizeof(conf_options) / sizeof(conf_options[0]))

struct parser {
	TALLOC_CTX *tmp;
	struct usmbd_conf *conf;
	const char *source;
	unsigned line;	       /* first physical line of the current line */
	bool in_section;
	bool in_global;
	bool seen_global;
	size_t share_idx;      /* valid when in_section && !in_global */
	unsigned section_line;
	unsigned set_line[N_OPTIONS]; /* where each option was set; 0: not */
	char *errmsg;	       /* on tmp */
};

static int perr(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = talloc_vasprintf(p->tmp, fmt, ap);
	va_end(ap);
	if (what == NULL)
		return -ENOMEM;
	p->errmsg = talloc_asprintf(p->tmp, "%s:%u: %s", p->source, line,
				    what);
	return p->errmsg != NULL ? -EINVAL : -ENOMEM;
}

static bool has_control_chars(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return true;
	}
	return false;
}

/* Trims in place; returns the first non-blank character. */
static char *trim(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

/* Decimal digits only: no sign, no blanks, no base prefix. */
static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned digit = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*end = s;
	*out = v;
	return true;
}

static void *field_of(void *base, const struct conf_option *opt)
{
	return (char *)base + opt->offset;
}

static const void *cfield_of(const void *base, const struct conf_option *opt)
{
	return (const char *)base + opt->offset;
}

/* ---- value parsers, one per option type ---- */

static int parse_bool(struct parser *p, const struct conf_option *opt,
		      void *base, const char *value)
{
	static const char *const yes[] = { "yes", "true", "1", "on" };
	static const char *const no[] = { "no", "false", "0", "off" };
	bool *field = field_of(base, opt);
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*field = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*field = false;
			return 0;
		}
	}
	return perr(p, p->line,
		    "'%s' must be a boolean (yes/no, true/false, on/off, "
		    "1/0), not '%s'", opt->name, value);
}

static int check_range(struct parser *p, const struct conf_option *opt,
		       const char *value, uint64_t v)
{
	if (v >= opt->min && v <= opt->max)
		return 0;
	return perr(p, p->line, "'%s' = %s is out of range (%u..%u)",
		    opt->name, value, opt->min, opt->max);
}

static int parse_uint(struct parser *p, const struct conf_option *opt,
		      void *base, const char *value)
{
	const char *end;
	uint64_t v;
	int ret;

	if (!parse_u64(value, &end, &v) || *end != '\0')
		return perr(p, p->line, "'%s' must be a number, not '%s'",
			    opt->name, value);
	ret = check_range(p, opt, value, v);
	if (ret == 0)
		*(uint32_t *)field_of(base, opt) = (uint32_t)v;
	return ret;
}

static char *format_size(TALLOC_CTX *ctx, uint64_t v)
{
	if (v != 0 && v % GIB == 0)
		return talloc_asprintf(ctx, "%lluG",
				       (unsigned long long)(v / GIB));
	if (v != 0 && v % MIB == 0)
		return talloc_asprintf(ctx, "%lluM",
				       (unsigned long long)(v / MIB));
	if (v != 0 && v % KIB == 0)
		return talloc_asprintf(ctx, "%lluK",
				       (unsigned long long)(v / KIB));
	return talloc_asprintf(ctx, "%llu", (unsigned long long)v);
}

/* A byte count with an optional binary suffix: 65536, 64K, 8M, 1G. */
static int parse_size(struct parser *p, const struct conf_option *opt,
		      void *base, const char *value)
{
	uint64_t v, mult = 1;
	const char *end;

	if (!parse_u64(value, &end, &v))
		goto bad;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		mult = KIB;
		break;
	case 'M':
		mult = MIB;
		break;
	case 'G':
		mult = GIB;
		break;
	default:
		goto bad;
	}
	if (*end != '\0' && end[1] != '\0')
		goto bad;
	if (v > UINT64_MAX / mult)
		v = UINT64_MAX;
	else
		v *= mult;
	if (v < opt->min || v > opt->max)
		return perr(p, p->line, "'%s' = %s is out of range (%s..%s)",
			    opt->name, value, format_size(p->tmp, opt->min),
			    format_size(p->tmp, opt->max));
	*(uint32_t *)field_of(base, opt) = (uint32_t)v;
	return 0;
bad:
	return perr(p, p->line,
		    "'%s' must be a size in bytes with an optional K, M or G "
		    "suffix, not '%s'", opt->name, value);
}

static int set_string(struct parser *p, const struct conf_option *opt,
		      void *base, const char *value)
{
	char **field = field_of(base, opt);

	talloc_free(*field);
	*field = talloc_strdup(p->conf, value);
	return *field != NULL ? 0 : -ENOMEM;
}

static int parse_string(struct parser *p, const struct conf_option *opt,
			void *base, const char *value)
{
	if (has_control_chars(value))
		return perr(p, p->line, "'%s' contains control characters",
			    opt->name);
	if (opt->max != 0 && strlen(value) > opt->max)
		return perr(p, p->line, "'%s' is longer than %u bytes",
			    opt->name, opt->max);
	return set_string(p, opt, base, value);
}

static int parse_path(struct parser *p, const struct conf_option *opt,
		      void *base, const char *value)
{
	char *path;
	size_t len;

	if (value[0] != '/')
		return perr(p, p->line,
			    "'%s' must be an absolute path, not '%s'",
			    opt->name, value);
	if (has_control_chars(value))
		return perr(p, p->line, "'%s' contains control characters",
			    opt->name);
	path = talloc_strdup(p->tmp, value);
	if (path == NULL)
		return -ENOMEM;
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	return set_string(p, opt, base, path);
}

static int parse_signing(struct parser *p, const struct conf_option *opt,
			 void *base, const char *value)
{
	enum conf_signing *field = field_of(base, opt);

	if (strcasecmp(value, "auto") == 0)
		*field = CONF_SIGNING_AUTO;
	else if (strcasecmp(value, "required") == 0 ||
		 strcasecmp(value, "mandatory") == 0)
		*field = CONF_SIGNING_REQUIRED;
	else
		return perr(p, p->line,
			    "'%s' must be auto or required, not '%s'",
			    opt->name, value);
	return 0;
}

static const char *const encrypt_names[] = { "off", "desired", "required",
					     "inherit" };

/*
 * interfaces = NAME[;speed=SIZE][;rss=yes|no][;rdma=yes|no], ...
 * (speed in bits per second, with K/M/G suffixes meaning 10^3/6/9).
 */
static int parse_iface_token(struct parser *p, const struct conf_option *opt,
			     char *tok, struct conf_iface *out)
{
	char *save = NULL, *part = strtok_r(tok, ";", &save);

	out->rss = -1;
	out->rdma = -1;
	out->speed = 0;
	if (!part || !*part || strlen(part) >= 16)
		return perr(p, p->line, "'%s': bad interface name '%s'",
			    opt->name, part ? part : "");
	out->name = talloc_strdup(p->conf, part);
	if (!out->name)
		return -ENOMEM;
	while ((part = strtok_r(NULL, ";", &save)) != NULL) {
		char *eq = strchr(part, '=');
		const char *v;
		if (!eq)
			goto bad;
		*eq = '\0';
		v = eq + 1;
		if (strcasecmp(part, "speed") == 0) {
			char *end;
			unsigned long long n = strtoull(v, &end, 10);
			uint64_t mul = 1;
			if (end == v)
				goto bad;
			if (*end == 'K' || *end == 'k')
				mul = 1000ull, end++;
			else if (*end == 'M' || *end == 'm')
				mul = 1000000ull, end++;
			else if (*end == 'G' || *end == 'g')
				mul = 1000000000ull, end++;
			if (*end || n == 0 || n > UINT64_MAX / mul)
				goto bad;
			out->speed = n * mul;
		} else if (strcasecmp(part, "rss") == 0 ||
			   strcasecmp(part, "rdma") == 0) {
			int b;
			if (strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0)
				b = 1;
			else if (strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0)
				b = 0;
			else
				goto bad;
			if (strcasecmp(part, "rss") == 0)
				out->rss = b;
			else
				out->rdma = b;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	return perr(p, p->line,
		    "'%s': '%s' is not speed=N[K|M|G], rss=yes|no or "
		    "rdma=yes|no",
		    opt->name, part);
}

static int parse_ifaces(struct parser *p, const struct conf_option *opt,
			void *base, const char *value)
{
	struct usmbd_conf *conf = base;
	char *copy = talloc_strdup(p->tmp, value), *tok, *save = NULL;
	int ret;

	if (!copy)
		return -ENOMEM;
	conf->ifaces = NULL;
	conf->n_ifaces = 0;
	for (tok = strtok_r(copy, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		struct conf_iface *l = talloc_realloc(
			p->conf, conf->ifaces, struct conf_iface,
			conf->n_ifaces + 1);
		if (!l)
			return -ENOMEM;
		conf->ifaces = l;
		ret = parse_iface_token(p, opt, tok, &l[conf->n_ifaces]);
		if (ret != 0)
			return ret;
		conf->n_ifaces++;
	}
	return 0;
}

static int parse_encrypt(struct parser *p, const struct conf_option *opt,
			 void *base, const char *value)
{
	enum conf_encrypt *field = field_of(base, opt);

	for (unsigned i = 0; i <= opt->max; i++) {
		if (strcasecmp(value, encrypt_names[i]) == 0) {
			*field = (enum conf_encrypt)i;
			return 0;
		}
	}
	return perr(p, p->line, "'%s' must be off, desired or required%s, "
			       "not '%s'",
		    opt->name, opt->max == 3 ? " (or inherit)" : "", value);
}

static const char *const log_level_names[] = { "error", "warn", "info",
					       "debug" };

static int parse_log_level(struct parser *p, const struct conf_option *opt,
			   void *base, const char *value)
{
	int *field = field_of(base, opt);
	const char *end;
	uint64_t v;
	int i;

	if (parse_u64(value, &end, &v) && *end == '\0') {
		if (check_range(p, opt, value, v) != 0)
			return -EINVAL;
		*field = (int)v;
		return 0;
	}
	if (strcasecmp(value, "warning") == 0) {
		*field = 1;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		if (strcasecmp(value, log_level_names[i]) == 0) {
			*field = i;
			return 0;
		}
	}
	return perr(p, p->line,
		    "'%s' must be 0..3 or error, warn, info, debug, not '%s'",
		    opt->name, value);
}

/* Characters a NetBIOS name may hold besides letters and digits. */
static bool netbios_char_ok(char ch)
{
	return isalnum((unsigned char)ch) || strchr("!@#$%^&()-'{}.~_", ch);
}

static int parse_netbios_name(struct parser *p, const struct conf_option *opt,
			      void *base, const char *value)
{
	char *name;
	size_t i, len = strlen(value);

	if (len < opt->min || len > opt->max)
		return perr(p, p->line, "'%s' must be 1 to %u characters",
			    opt->name, opt->max);
	name = talloc_strdup(p->tmp, value);
	if (name == NULL)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (!netbios_char_ok(name[i]))
			return perr(p, p->line,
				    "'%s' may hold letters, digits and "
				    "!@#$%%^&()-'{}.~_ only, not '%s'",
				    opt->name, value);
		name[i] = (char)toupper((unsigned char)name[i]);
	}
	return set_string(p, opt, base, name);
}

/* One listen token: "a.b.c.d", "a.b.c.d:port", "[v6]", "[v6]:port", "v6". */
static int parse_listen_token(struct parser *p, const struct conf_option *opt,
			      char *tok, struct conf_listen *out)
{
	char buf[INET6_ADDRSTRLEN];
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	const char *host = tok, *port = NULL, *end;
	char *colon;
	uint64_t v = opt->max;
	int family = AF_INET;

	if (tok[0] == '[') {
		char *close = strchr(tok, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			goto bad;
		*close = '\0';
		host = tok + 1;
		port = close[1] == ':' ? close + 2 : NULL;
		family = AF_INET6;
	} else if ((colon = strchr(tok, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL) {
			family = AF_INET6; /* bare IPv6, default port */
		} else {
			*colon = '\0';
			port = colon + 1;
		}
	}
	if (inet_pton(family, host, &addr) != 1)
		return perr(p, p->line,
			    "'%s': '%s' is not a numeric IPv%c address",
			    opt->name, host, family == AF_INET ? '4' : '6');
	if (port != NULL &&
	    (!parse_u64(port, &end, &v) || *end != '\0' || v < 1 ||
	     v > 65535))
		return perr(p, p->line,
			    "'%s': port '%s' is not a number in 1..65535",
			    opt->name, port);
	if (inet_ntop(family, &addr, buf, sizeof(buf)) == NULL)
		return -errno;
	out->addr = talloc_strdup(p->conf, buf);
	out->port = (uint16_t)v;
	return out->addr != NULL ? 0 : -ENOMEM;
bad:
	return perr(p, p->line,
		    "'%s': '%s' is not addr, addr:port, [v6addr] or "
		    "[v6addr]:port", opt->name, tok);
}

static bool is_rdma_listen(const struct conf_option *opt)
{
	return opt->offset == offsetof(struct usmbd_conf, rdma_listen);
}

static int parse_listen(struct parser *p, const struct conf_option *opt,
			void *base, const char *value)
{
	struct usmbd_conf *conf = base;
	struct conf_listen **field = field_of(base, opt);
	struct conf_listen *list = NULL;
	size_t n = 0, i;
	char *copy, *tok, *save = NULL;
	int ret;

	copy = talloc_strdup(p->tmp, value);
	if (copy == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save)) {
		list = talloc_realloc(p->conf, list, struct conf_listen, n + 1);
		if (list == NULL)
			return -ENOMEM;
		ret = parse_listen_token(p, opt, tok, &list[n]);
		if (ret != 0)
			return ret;
		for (i = 0; i < n; i++) {
			if (list[i].port == list[n].port &&
			    strcmp(list[i].addr, list[n].addr) == 0)
				return perr(p, p->line,
					    "'%s': %s port %u is given twice",
					    opt->name, list[n].addr,
					    list[n].port);
		}
		n++;
	}
	if (n < opt->min)
		return perr(p, p->line, "'%s' needs at least one address",
			    opt->name);
	talloc_free(*field);
	*field = list;
	if (is_rdma_listen(opt))
		conf->n_rdma_listen = n;
	else
		conf->n_listen = n;
	return 0;
}

/* ---- value formatters for conf_dump ---- */

static char *format_value(TALLOC_CTX *ctx, const struct conf_option *opt,
			  const void *base)
{
	const void *field = cfield_of(base, opt);
	const struct usmbd_conf *conf = base;
	const char *s;
	char *out;
	size_t i, n;

	switch (opt->type) {
	case OPT_BOOL:
		return talloc_strdup(ctx, *(const bool *)field ? "yes" : "no");
	case OPT_UINT:
		return talloc_asprintf(ctx, "%u", *(const uint32_t *)field);
	case OPT_SIZE:
		return format_size(ctx, *(const uint32_t *)field);
	case OPT_STRING:
	case OPT_PATH:
	case OPT_NETBIOS_NAME:
		s = *(char *const *)field;
		return talloc_strdup(ctx, s != NULL ? s : "");
	case OPT_SIGNING:
		return talloc_strdup(ctx, *(const enum conf_signing *)field ==
						  CONF_SIGNING_REQUIRED ?
					  "required" : "auto");
	case OPT_IFACES:
		out = talloc_strdup(ctx, "");
		for (i = 0; out != NULL && i < conf->n_ifaces; i++) {
			const struct conf_iface *f = &conf->ifaces[i];
			out = talloc_asprintf_append(out, "%s%s", i ? ", " : "",
						     f->name);
			if (out && f->speed)
				out = talloc_asprintf_append(
					out, ";speed=%llu",
					(unsigned long long)f->speed);
			if (out && f->rss >= 0)
				out = talloc_asprintf_append(
					out, ";rss=%s", f->rss ? "yes" : "no");
			if (out && f->rdma >= 0)
				out = talloc_asprintf_append(
					out, ";rdma=%s", f->rdma ? "yes" : "no");
		}
		return out;
	case OPT_ENCRYPT:
		i = (size_t)*(const enum conf_encrypt *)field;
		return talloc_strdup(ctx, i < 4 ? encrypt_names[i] : "off");
	case OPT_LOG_LEVEL:
		i = (size_t)*(const int *)field;
		return talloc_strdup(ctx, i < 4 ? log_level_names[i] : "info");
	case OPT_LISTEN:
		out = talloc_strdup(ctx, "");
		n = is_rdma_listen(opt) ? conf->n_rdma_listen : conf->n_listen;
		for (i = 0; out != NULL && i < n; i++) {
			const struct conf_listen *l =
				&(*(struct conf_listen *const *)field)[i];
			bool v6 = strchr(l->addr, ':') != NULL;

			out = talloc_asprintf_append(out, "%s%s%s%s:%u",
						     i > 0 ? ", " : "",
						     v6 ? "[" : "", l->addr,
						     v6 ? "]" : "", l->port);
		}
		return out;
	}
	return NULL;
}

typedef int parse_fn(struct parser *p, const struct conf_option *opt,
		     void *base, const char *value);

static parse_fn *const parsers[] = {
	[OPT_BOOL] = parse_bool,
	[OPT_UINT] = parse_uint,
	[OPT_SIZE] = parse_size,
	[OPT_STRING] = parse_string,
	[OPT_PATH] = parse_path,
	[OPT_LISTEN] = parse_listen,
	[OPT_SIGNING] = parse_signing,
	[OPT_ENCRYPT] = parse_encrypt,
	[OPT_IFACES] = parse_ifaces,
	[OPT_LOG_LEVEL] = parse_log_level,
	[OPT_NETBIOS_NAME] = parse_netbios_name,
};

static int parse_value(struct parser *p, const struct conf_option *opt,
		       void *base, const char *value)
{
	return parsers[opt->type](p, opt, base, value);
}

/* ---- sections ---- */

static struct conf_share *current_share(struct parser *p)
{
	return &p->conf->shares[p->share_idx];
}

/* Fills in what the section left unset and checks what it must have. */
static int apply_defaults(struct parser *p, enum opt_scope scope, void *base,
			  unsigned line)
{
	unsigned saved_line = p->line;
	size_t i;
	int ret = 0;

	p->line = line; /* where a (never expected) bad default is reported */
	for (i = 0; ret == 0 && i < N_OPTIONS; i++) {
		const struct conf_option *opt = &conf_options[i];

		if (opt->scope != scope || p->set_line[i] != 0)
			continue;
		if (opt->def != NULL)
			ret = parse_value(p, opt, base, opt->def);
		else if (scope == SCOPE_SHARE)
			ret = perr(p, line, "share [%s] has no '%s'",
				   current_share(p)->name, opt->name);
		/* else: computed after parsing */
	}
	p->line = saved_line;
	return ret;
}

static int end_section(struct parser *p)
{
	int ret = 0;

	if (p->in_section && !p->in_global)
		ret = apply_defaults(p, SCOPE_SHARE, current_share(p),
				     p->section_line);
	p->in_section = false;
	p->in_global = false;
	return ret;
}

static int check_share_name(struct parser *p, const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0)
		return perr(p, p->line, "empty section name");
	if (len > CONF_SHARE_NAME_MAX)
		return perr(p, p->line,
			    "share name '%s' is longer than %u characters",
			    name, CONF_SHARE_NAME_MAX);
	/* The characters Windows refuses in share names (NetShareAdd). */
	if (has_control_chars(name) || strchr(name, '\t') ||
	    strpbrk(name, "/\\[]:|<>+=;,*?\"") != NULL)
		return perr(p, p->line,
			    "share name '%s' may not contain control "
			    "characters or any of / \\ [ ] : | < > + = ; , * "
			    "? \"", name);
	if (strcasecmp(name, IPC_SHARE_NAME) == 0)
		return perr(p, p->line,
			    "[%s] is built in and cannot be defined", name);
	for (i = 0; i < p->conf->n_shares; i++) {
		if (strcasecmp(p->conf->shares[i].name, name) == 0)
			return perr(p, p->line, "duplicate share [%s]", name);
	}
	return 0;
}

static int begin_share(struct parser *p, const char *name)
{
	struct usmbd_conf *c = p->conf;
	struct conf_share *shares;
	size_t i;
	int ret;

	ret = check_share_name(p, name);
	if (ret != 0)
		return ret;
	shares = talloc_realloc(c, c->shares, struct conf_share,
				c->n_shares + 1);
	if (shares == NULL)
		return -ENOMEM;
	c->shares = shares;
	memset(&shares[c->n_shares], 0, sizeof(shares[0]));
	shares[c->n_shares].name = talloc_strdup(c, name);
	if (shares[c->n_shares].name == NULL)
		return -ENOMEM;
	p->share_idx = c->n_shares++;
	for (i = 0; i < N_OPTIONS; i++) {
		if (conf_options[i].scope == SCOPE_SHARE)
			p->set_line[i] = 0;
	}
	return 0;
}

static int begin_section(struct parser *p, char *line)
{
	size_t len = strlen(line);
	char *name;
	int ret;

	ret = end_section(p);
	if (ret != 0)
		return ret;
	if (line[len - 1] != ']')
		return perr(p, p->line,
			    "section header must be '[name]' alone on its "
			    "line");
	line[len - 1] = '\0';
	name = trim(line + 1);
	p->section_line = p->line;
	p->in_section = true;
	if (strcasecmp(name, GLOBAL_SECTION) == 0) {
		if (p->seen_global)
			return perr(p, p->line, "duplicate section [%s]",
				    name);
		p->seen_global = true;
		p->in_global = true;
		return 0;
	}
	return begin_share(p, name);
}

/* Lower case, with runs of blanks folded to one space. */
static void normalise_key(char *key)
{
	char *start = key, *out = key;
	bool blank = false;

	for (; *key != '\0'; key++) {
		if (isspace((unsigned char)*key)) {
			blank = true;
			continue;
		}
		if (blank && out != start)
			*out++ = ' ';
		blank = false;
		*out++ = (char)tolower((unsigned char)*key);
	}
	*out = '\0';
}

static const struct conf_option *find_option(const char *key)
{
	size_t i;

	for (i = 0; i < N_OPTIONS; i++) {
		if (strcmp(conf_options[i].name, key) == 0)
			return &conf_options[i];
	}
	return NULL;
}

static int set_option(struct parser *p, char *line)
{
	const struct conf_option *opt;
	enum opt_scope scope;
	char *eq = strchr(line, '='), *key, *value;
	size_t idx;

	if (eq == NULL)
		return perr(p, p->line,
			    "expected 'key = value' or '[section]'");
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	normalise_key(key);
	if (*key == '\0')
		return perr(p, p->line, "missing option name before '='");
	opt = find_option(key);
	if (opt == NULL)
		return perr(p, p->line, "unknown option '%s'", key);
	if (!p->in_section)
		return perr(p, p->line, "'%s' appears before any [section]",
			    key);
	scope = p->in_global ? SCOPE_GLOBAL : SCOPE_SHARE;
	/* an option may exist in both scopes (a share overriding the
	 * global default) */
	if (opt->scope != scope && opt + 1 < conf_options + N_OPTIONS) {
		for (const struct conf_option *o = opt + 1;
		     o < conf_options + N_OPTIONS; o++)
			if (strcmp(o->name, key) == 0 && o->scope == scope)
				opt = o;
	}
	if (opt->scope != scope)
		return perr(p, p->line, "'%s' is only valid in %s", key,
			    opt->scope == SCOPE_GLOBAL ? "[global]" :
							 "a share section");
	idx = (size_t)(opt - conf_options);
	if (p->set_line[idx] != 0)
		return perr(p, p->line, "'%s' is already set on line %u", key,
			    p->set_line[idx]);
	p->set_line[idx] = p->line;
	return parse_value(p, opt, p->in_global ? (void *)p->conf :
						  (void *)current_share(p),
			   value);
}

/*
 * Reads one logical line: physical lines ending in a backslash continue on
 * the next one (whose indentation is dropped). Comment lines never continue.
 * Returns 1 with *out set, 0 at the end of the text, or -ENOMEM.
 */
static int next_line(struct parser *p, const char **cursor, unsigned *lineno,
		     char **out)
{
	const char *s = *cursor;
	bool first = true, comment = false;
	char *buf;

	if (*s == '\0')
		return 0;
	buf = talloc_strdup(p->tmp, "");
	p->line = *lineno + 1;
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		const char *next = s + len + (nl != NULL ? 1 : 0);
		bool cont;

		(*lineno)++;
		if (!first) {
			while (len > 0 && isspace((unsigned char)*s)) {
				s++;
				len--;
			}
		} else {
			const char *q = s;

			while (q < s + len && isspace((unsigned char)*q))
				q++;
			comment = q < s + len && (*q == '#' || *q == ';');
		}
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		cont = !comment && len > 0 && s[len - 1] == '\\';
		if (cont)
			len--;
		if (buf != NULL)
			buf = talloc_strndup_append(buf, s, len);
		s = next;
		first = false;
		if (!cont || *s == '\0')
			break;
	}
	*cursor = s;
	*out = buf;
	return buf != NULL ? 1 : -ENOMEM;
}

static int parse_text(struct parser *p, const char *text)
{
	const char *cursor = text;
	unsigned lineno = 0;
	char *raw, *line;
	int ret;

	if (strncmp(cursor, "\xef\xbb\xbf", 3) == 0)
		cursor += 3; /* UTF-8 byte order mark */
	while ((ret = next_line(p, &cursor, &lineno, &raw)) > 0) {
		line = trim(raw);
		if (*line == '\0' || *line == '#' || *line == ';')
			ret = 0;
		else if (*line == '[')
			ret = begin_section(p, line);
		else
			ret = set_option(p, line);
		talloc_free(raw);
		if (ret != 0)
			return ret;
	}
	if (ret < 0)
		return ret;
	return end_section(p);
}

/* ---- whole-configuration steps ---- */

static char *default_server_name(TALLOC_CTX *ctx)
{
	char host[256] = "";
	size_t i;

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	host[strcspn(host, ".")] = '\0';
	host[NETBIOS_NAME_MAX] = '\0';
	for (i = 0; host[i] != '\0'; i++) {
		host[i] = (char)toupper((unsigned char)host[i]);
		if (!netbios_char_ok(host[i]))
			host[i] = '-';
	}
	return talloc_strdup(ctx, host[0] != '\0' ? host : "USMBD");
}

/* Checks that span several options, once all are known. */
static int check_consistency(struct parser *p)
{
	const struct usmbd_conf *c = p->conf;
	const struct conf_option *pdu = find_option("max pdu size");
	uint32_t payload = c->max_write_size > c->max_trans_size ?
				   c->max_write_size :
				   c->max_trans_size;
	unsigned line = p->set_line[pdu - conf_options];

	if ((uint64_t)payload + PDU_OVERHEAD <= c->max_pdu_size)
		return 0;
	if (line == 0) {
		line = p->set_line[find_option("max write size") -
				   conf_options];
		if (line == 0)
			line = p->set_line[find_option("max trans size") -
					   conf_options];
	}
	return perr(p, line,
		    "'max pdu size' (%u) must exceed 'max write size' and "
		    "'max trans size' by at least %u bytes", c->max_pdu_size,
		    PDU_OVERHEAD);
}

static int add_ipc_share(struct usmbd_conf *c)
{
	struct conf_share *shares, *ipc;

	shares = talloc_realloc(c, c->shares, struct conf_share,
				c->n_shares + 1);
	if (shares == NULL)
		return -ENOMEM;
	c->shares = shares;
	ipc = &shares[c->n_shares++];
	memset(ipc, 0, sizeof(*ipc));
	ipc->name = talloc_strdup(c, IPC_SHARE_NAME);
	ipc->path = talloc_strdup(c, "");
	ipc->comment = talloc_strdup(c, IPC_SHARE_COMMENT);
	ipc->is_ipc = true;
	if (ipc->name == NULL || ipc->path == NULL || ipc->comment == NULL)
		return -ENOMEM;
	return 0;
}

static int finish_conf(struct parser *p)
{
	int ret;

	p->in_global = true;
	ret = apply_defaults(p, SCOPE_GLOBAL, p->conf, 0);
	if (ret != 0)
		return ret;
	if (p->conf->server_name == NULL) {
		p->conf->server_name = default_server_name(p->conf);
		if (p->conf->server_name == NULL)
			return -ENOMEM;
	}
	ret = check_consistency(p);
	if (ret != 0)
		return ret;
	return add_ipc_share(p->conf);
}

int conf_load_string(TALLOC_CTX *mem_ctx, const char *text,
		     const char *source_name, struct usmbd_conf **out,
		     char **errmsg)
{
	struct parser p;
	int ret;

	memset(&p, 0, sizeof(p));
	*out = NULL;
	if (errmsg != NULL)
		*errmsg = NULL;
	p.tmp = talloc_new(NULL);
	if (p.tmp == NULL)
		return -ENOMEM;
	p.source = source_name != NULL ? source_name : "<string>";
	p.conf = talloc_zero(mem_ctx, struct usmbd_conf);
	if (p.conf == NULL) {
		talloc_free(p.tmp);
		return -ENOMEM;
	}
	p.conf->source = talloc_strdup(p.conf, p.source);
	ret = p.conf->source != NULL ? parse_text(&p, text) : -ENOMEM;
	if (ret == 0)
		ret = finish_conf(&p);
	if (ret != 0) {
		if (errmsg != NULL)
			*errmsg = p.errmsg != NULL ?
					  talloc_steal(mem_ctx, p.errmsg) :
					  talloc_asprintf(mem_ctx, "%s: %s",
							  p.source,
							  strerror(-ret));
		talloc_free(p.conf);
	} else {
		*out = p.conf;
	}
	talloc_free(p.tmp);
	return ret;
}

static int read_whole_file(TALLOC_CTX *ctx, const char *path, char **out,
			   const char **why)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		ret = -EINVAL;
		goto out;
	}
	if (st.st_size > CONF_MAX_FILE_SIZE) {
		*why = "larger than 1 MiB";
		ret = -EFBIG;
		goto out;
	}
	buf = talloc_size(ctx, (size_t)st.st_size + 1);
	if (buf == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			talloc_free(buf);
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (strlen(buf) != got) {
		*why = "contains a NUL byte";
		ret = -EINVAL;
		talloc_free(buf);
		goto out;
	}
	*out = buf;
out:
	close(fd);
	return ret;
}

int conf_load_file(TALLOC_CTX *mem_ctx, const char *path,
		   struct usmbd_conf **out, char **errmsg)
{
	const char *why = NULL;
	char *text = NULL;
	int ret;

	*out = NULL;
	if (errmsg != NULL)
		*errmsg = NULL;
	ret = read_whole_file(NULL, path, &text, &why);
	if (ret != 0) {
		if (errmsg != NULL)
			*errmsg = talloc_asprintf(mem_ctx, "%s: %s", path,
						  why != NULL ? why :
								strerror(-ret));
		return ret;
	}
	ret = conf_load_string(mem_ctx, text, path, out, errmsg);
	talloc_free(text);
	return ret;
}

const struct conf_share *conf_find_share(const struct usmbd_conf *c,
					 const char *name)
{
	size_t i;

	for (i = 0; i < c->n_shares; i++) {
		if (strcasecmp(c->shares[i].name, name) == 0)
			return &c->shares[i];
	}
	return NULL;
}

static void dump_section(FILE *f, enum opt_scope scope, const void *base)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	size_t i;

	for (i = 0; i < N_OPTIONS; i++) {
		const struct conf_option *opt = &conf_options[i];
		char *value;

		if (opt->scope != scope)
			continue;
		value = format_value(tmp, opt, base);
		fprintf(f, "\t%s = %s\n", opt->name,
			value != NULL ? value : "");
	}
	talloc_free(tmp);
}

void conf_dump(const struct usmbd_conf *c, FILE *f)
{
	size_t i;

	fprintf(f, "# Effective usmbd configuration (from %s)\n",
		c->source != NULL ? c->source : "<unknown>");
	fprintf(f, "[%s]\n", GLOBAL_SECTION);
	dump_section(f, SCOPE_GLOBAL, c);
	for (i = 0; i < c->n_shares; i++) {
		if (c->shares[i].is_ipc)
			continue; /* built in, added again on load */
		fprintf(f, "\n[%s]\n", c->shares[i].name);
		dump_section(f, SCOPE_SHARE, &c->shares[i]);
	}
}

enum conf_encrypt conf_share_encrypt(const struct usmbd_conf *c,
				     const struct conf_share *s)
{
	return s->smb_encrypt == CONF_ENCRYPT_INHERIT ? c->smb_encrypt
						      : s->smb_encrypt;
}
