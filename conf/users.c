/*
 * The users file: "name:NTHASH" lines. The NT hash is a password
 * equivalent for NTLM (MS-NLMP 3.3.1), so the file is refused when someone
 * other than its owner could have written it, and rewritten atomically with
 * mode 0600. Rewrites keep comments and the order of the other lines.
 */
#include "conf/users.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define USERS_MAX_FILE_SIZE (16 * 1024 * 1024)
#define USER_NAME_MAX 64
#define NT_HASH_HEX_LEN 32

/* One line of the file as parse_line() understood it. */
struct users_line {
	const char *text; /* not NUL-terminated */
	size_t len;
	bool is_user;
	char name[USER_NAME_MAX + 1];
	uint8_t nt_hash[16];
};

/* NULL when name is acceptable, else why not. */
static const char *name_problem(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return "empty user name";
	if (len > USER_NAME_MAX)
		return "user name longer than 64 bytes";
	if (name[0] == '#')
		return "user name starts with '#'";
	if (isspace((unsigned char)name[0]) ||
	    isspace((unsigned char)name[len - 1]))
		return "user name starts or ends with a blank";
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == ':')
			return "user name contains ':'";
		if (ch < 0x20 || ch == 0x7f)
			return "user name contains a control character";
	}
	return NULL;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Fills *out; returns NULL or why the line is malformed. */
static const char *parse_line(const char *text, size_t len,
			      struct users_line *out)
{
	const char *colon, *hex, *why;
	size_t name_len, i;

	memset(out, 0, sizeof(*out));
	out->text = text;
	out->len = len;
	while (len > 0 && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0 || text[0] == '#')
		return NULL;
	colon = memchr(text, ':', len);
	if (colon == NULL)
		return "expected 'name:nthash'";
	name_len = (size_t)(colon - text);
	why = name_problem(text, name_len);
	if (why != NULL)
		return why;
	hex = colon + 1;
	if (len - name_len - 1 != NT_HASH_HEX_LEN)
		return "the NT hash must be exactly 32 hex digits";
	for (i = 0; i < sizeof(out->nt_hash); i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return "the NT hash must be exactly 32 hex digits";
		out->nt_hash[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out->name, text, name_len);
	out->name[name_len] = '\0';
	out->is_user = true;
	return NULL;
}

/*
 * Splits text into lines and parses each; duplicate names are an error.
 * On error returns -EINVAL with *errmsg = "path:line: why" on ctx.
 */
static int parse_text(TALLOC_CTX *ctx, const char *path, const char *text,
		      struct users_line **lines_out, size_t *n_out,
		      char **errmsg)
{
	struct users_line *lines = NULL;
	size_t n = 0, i;

	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		const char *why;

		lines = talloc_realloc(ctx, lines, struct users_line, n + 1);
		if (lines == NULL)
			return -ENOMEM;
		why = parse_line(text, len, &lines[n]);
		for (i = 0; why == NULL && lines[n].is_user && i < n; i++) {
			if (lines[i].is_user &&
			    strcasecmp(lines[i].name, lines[n].name) == 0)
				why = "user already listed on an earlier line";
		}
		if (why != NULL) {
			*errmsg = talloc_asprintf(ctx, "%s:%zu: %s", path,
						  n + 1, why);
			return -EINVAL;
		}
		n++;
		text += len + (nl != NULL ? 1 : 0);
	}
	*lines_out = lines;
	*n_out = n;
	return 0;
}

/* Who may have written the file: only its owner, and the owner must be
 * root or ourselves. */
static int check_file_safety(TALLOC_CTX *ctx, const char *path,
			     const struct stat *st, char **errmsg)
{
	if (!S_ISREG(st->st_mode)) {
		*errmsg = talloc_asprintf(ctx, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		*errmsg = talloc_asprintf(ctx,
					  "%s: refusing a users file that is "
					  "group- or world-writable (mode "
					  "%04o); run chmod 600 on it",
					  path,
					  (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		*errmsg = talloc_asprintf(ctx,
					  "%s: refusing a users file owned by "
					  "uid %u (expected root or uid %u)",
					  path, (unsigned)st->st_uid,
					  (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

/* Reads the file; a missing one reads as empty text. */
static int read_users_text(TALLOC_CTX *ctx, const char *path, char **text,
			   char **errmsg)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*text = talloc_strdup(ctx, "");
		return *text != NULL ? 0 : -ENOMEM;
	}
	if (fd < 0) {
		ret = -errno;
		*errmsg = talloc_asprintf(ctx, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		*errmsg = talloc_asprintf(ctx, "%s: %s", path, strerror(errno));
		goto out;
	}
	ret = check_file_safety(ctx, path, &st, errmsg);
	if (ret != 0)
		goto out;
	if (st.st_size > USERS_MAX_FILE_SIZE) {
		*errmsg = talloc_asprintf(ctx, "%s: larger than 16 MiB", path);
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
		if (n <= 0)
			break; /* shrank under us: parse what we have */
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (strlen(buf) != got) {
		*errmsg = talloc_asprintf(ctx, "%s: contains a NUL byte", path);
		ret = -EINVAL;
		goto out;
	}
	*text = buf;
out:
	close(fd);
	return ret;
}

int users_load(TALLOC_CTX *mem_ctx, const char *path, struct usmbd_users **out,
	       char **errmsg)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct usmbd_users *u = NULL;
	struct users_line *lines = NULL;
	char *text = NULL, *msg = NULL;
	size_t n = 0, i;
	int ret;

	*out = NULL;
	if (errmsg != NULL)
		*errmsg = NULL;
	if (tmp == NULL)
		return -ENOMEM;
	ret = read_users_text(tmp, path, &text, &msg);
	if (ret == 0)
		ret = parse_text(tmp, path, text, &lines, &n, &msg);
	if (ret == 0) {
		u = talloc_zero(mem_ctx, struct usmbd_users);
		if (u != NULL)
			u->users = talloc_zero_array(u, struct usmbd_user,
						     n > 0 ? n : 1);
		ret = u != NULL && u->users != NULL ? 0 : -ENOMEM;
	}
	for (i = 0; ret == 0 && i < n; i++) {
		struct usmbd_user *dst = &u->users[u->n_users];

		if (!lines[i].is_user)
			continue;
		dst->name = talloc_strdup(u->users, lines[i].name);
		if (dst->name == NULL)
			ret = -ENOMEM;
		memcpy(dst->nt_hash, lines[i].nt_hash, sizeof(dst->nt_hash));
		u->n_users++;
	}
	if (ret != 0) {
		talloc_free(u);
		if (errmsg != NULL)
			*errmsg = msg != NULL ? talloc_steal(mem_ctx, msg) :
						talloc_asprintf(mem_ctx,
								"%s: %s", path,
								strerror(-ret));
	} else {
		*out = u;
	}
	talloc_free(tmp);
	return ret;
}

const struct usmbd_user *users_find(const struct usmbd_users *u,
				    const char *name)
{
	size_t i;

	if (u == NULL)
		return NULL;
	for (i = 0; i < u->n_users; i++) {
		if (strcasecmp(u->users[i].name, name) == 0)
			return &u->users[i];
	}
	return NULL;
}

/* mkdir -p; the last component gets mode, its missing parents 0755. */
static int make_dirs(TALLOC_CTX *ctx, const char *dir, mode_t mode)
{
	char *parent, *slash;
	int ret;

	if (mkdir(dir, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	parent = talloc_strdup(ctx, dir);
	if (parent == NULL)
		return -ENOMEM;
	slash = strrchr(parent, '/');
	if (slash == NULL || slash == parent)
		return -ENOENT;
	*slash = '\0';
	ret = make_dirs(ctx, parent, 0755);
	if (ret != 0)
		return ret;
	if (mkdir(dir, mode) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* New file contents: the old lines with name's line replaced or dropped. */
static char *render_update(TALLOC_CTX *ctx, const struct users_line *lines,
			   size_t n, const char *name, const uint8_t *nt_hash,
			   bool *found)
{
	char *out = talloc_strdup(ctx, ""), hex[NT_HASH_HEX_LEN + 1];
	size_t i;

	if (nt_hash != NULL) {
		for (i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", nt_hash[i]);
	}
	*found = false;
	for (i = 0; out != NULL && i < n; i++) {
		if (lines[i].is_user && strcasecmp(lines[i].name, name) == 0) {
			*found = true;
			if (nt_hash != NULL)
				out = talloc_asprintf_append(out, "%s:%s\n",
							     name, hex);
			continue;
		}
		out = talloc_asprintf_append(out, "%.*s\n", (int)lines[i].len,
					     lines[i].text);
	}
	if (out != NULL && !*found && nt_hash != NULL)
		out = talloc_asprintf_append(out, "%s:%s\n", name, hex);
	return out;
}

/* Writes text to a fresh 0600 file beside path, then renames it over. */
static int replace_file(TALLOC_CTX *ctx, int dir_fd, const char *dir,
			const char *path, const char *text)
{
	const char *base = strrchr(path, '/');
	char *tmp_path;
	int fd, ret;

	base = base != NULL ? base + 1 : path;
	tmp_path = talloc_asprintf(ctx, "%s/.%s.XXXXXX", dir, base);
	if (tmp_path == NULL)
		return -ENOMEM;
	fd = mkostemp(tmp_path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* mkostemp's mode is subject to the umask; make it exact. */
	ret = fchmod(fd, 0600) == 0 ? 0 : -errno;
	if (ret == 0)
		ret = write_all(fd, text, strlen(text));
	if (ret == 0 && fsync(fd) != 0)
		ret = -errno;
	if (close(fd) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp_path, path) != 0)
		ret = -errno;
	if (ret != 0) {
		unlink(tmp_path);
		return ret;
	}
	/* Make the rename itself durable. */
	return fsync(dir_fd) == 0 ? 0 : -errno;
}

static int update_locked(TALLOC_CTX *tmp, int dir_fd, const char *dir,
			 const char *path, const char *name,
			 const uint8_t *nt_hash)
{
	struct users_line *lines = NULL;
	char *text, *msg = NULL, *new_text;
	size_t n = 0;
	bool found;
	int ret;

	ret = read_users_text(tmp, path, &text, &msg);
	if (ret == 0)
		ret = parse_text(tmp, path, text, &lines, &n, &msg);
	if (ret != 0)
		return ret;
	new_text = render_update(tmp, lines, n, name, nt_hash, &found);
	if (new_text == NULL)
		return -ENOMEM;
	if (nt_hash == NULL && !found)
		return -ENOENT;
	return replace_file(tmp, dir_fd, dir, path, new_text);
}

int users_update(const char *path, const char *name, const uint8_t *nt_hash)
{
	TALLOC_CTX *tmp;
	char *dir, *slash;
	int dir_fd, ret;

	if (path == NULL || *path == '\0' || name == NULL ||
	    name_problem(name, strlen(name)) != NULL)
		return -EINVAL;
	tmp = talloc_new(NULL);
	if (tmp == NULL)
		return -ENOMEM;
	dir = talloc_strdup(tmp, path);
	if (dir == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		dir = talloc_strdup(tmp, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	ret = dir != NULL ? make_dirs(tmp, dir, 0700) : -ENOMEM;
	if (ret != 0)
		goto out;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		ret = -errno;
		goto out;
	}
	/* Serialises concurrent updaters so none loses another's change. */
	if (flock(dir_fd, LOCK_EX) != 0)
		ret = -errno;
	else
		ret = update_locked(tmp, dir_fd, dir, path, name, nt_hash);
	close(dir_fd);
out:
	talloc_free(tmp);
	return ret;
}
