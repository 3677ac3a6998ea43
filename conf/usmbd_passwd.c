/*
 * usmbd-passwd: sets or removes a user's NT hash in the usmbd users file.
 * The password comes from standard input (first line) or, on a terminal,
 * from two prompts without echo; only MD4(UTF-16LE(password)) is stored
 * (MS-NLMP 3.3.1, NTOWFv1).
 */
#include "conf/conf.h"
#include "conf/users.h"
#include "smb2/smb2_crypto.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PROG "usmbd-passwd"
#define EXIT_USAGE 2
/* Windows limits passwords to 256 characters; up to 4 UTF-8 bytes each. */
#define PASSWORD_MAX_CHARS 256
#define PASSWORD_BUF (PASSWORD_MAX_CHARS * 4 + 3)

static struct termios saved_termios;
static volatile sig_atomic_t echo_is_off;

static void usage(void)
{
	printf(
		"Usage: " PROG " [--users FILE | --config FILE] USER\n"
		"       " PROG " [--users FILE | --config FILE] --delete USER\n"
		"\n"
		"Sets USER's password in the usmbd users file, or removes "
		"USER.\n"
		"The password is read from standard input (its first line); "
		"on a\n"
		"terminal it is asked for twice without echo.\n"
		"\n"
		"  -u, --users FILE   users file (default: the built-in "
		"configuration's,\n"
		"                     /var/lib/usmbd/users)\n"
		"  -c, --config FILE  take the users file from this "
		"configuration\n"
		"  -d, --delete       remove USER\n"
		"  -h, --help         show this help\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static int usage_error(const char *why)
{
	if (why != NULL)
		fprintf(stderr, PROG ": %s\n", why);
	fprintf(stderr,
		"Usage: " PROG " [--users FILE | --config FILE] [--delete] "
		"USER\n"
		"Try '" PROG " --help' for more information.\n");
	return EXIT_USAGE;
}

static void restore_echo(void)
{
	if (echo_is_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
		echo_is_off = 0;
	}
}

/* Leaves the terminal usable when interrupted at a prompt. */
static void on_signal(int sig)
{
	restore_echo();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Signals ignored by whoever started us stay ignored. */
static void catch_signal(int sig)
{
	struct sigaction old;

	if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		signal(sig, on_signal);
}

static int set_echo(bool on)
{
	struct termios t;

	if (on) {
		restore_echo();
		return 0;
	}
	if (tcgetattr(STDIN_FILENO, &saved_termios) != 0)
		return -errno;
	t = saved_termios;
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL;
	catch_signal(SIGINT);
	catch_signal(SIGTERM);
	catch_signal(SIGHUP);
	catch_signal(SIGQUIT);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) != 0)
		return -errno;
	echo_is_off = 1;
	return 0;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/*
 * Reads one line into buf without its line ending. 0, or -1 after
 * printing why not.
 */
static int read_password_line(char *buf, size_t size)
{
	size_t len;
	int ch;

	if (fgets(buf, (int)size, stdin) == NULL) {
		fprintf(stderr, PROG ": no password given on standard input\n");
		return -1;
	}
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n') {
		buf[--len] = '\0';
	} else if (!feof(stdin)) {
		while ((ch = getchar()) != EOF && ch != '\n')
			;
		fprintf(stderr, PROG ": password longer than %d characters\n",
			PASSWORD_MAX_CHARS);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (strlen(buf) != len) {
		fprintf(stderr, PROG ": password contains a NUL byte\n");
		return -1;
	}
	if (len == 0) {
		fprintf(stderr, PROG ": empty password refused\n");
		return -1;
	}
	if (utf8_chars(buf) > PASSWORD_MAX_CHARS) {
		fprintf(stderr, PROG ": password longer than %d characters\n",
			PASSWORD_MAX_CHARS);
		return -1;
	}
	return 0;
}

static int prompt_line(const char *prompt, char *buf, size_t size)
{
	int ret;

	fputs(prompt, stderr);
	fflush(stderr);
	if (set_echo(false) != 0) {
		fprintf(stderr, PROG ": cannot turn off terminal echo: %s\n",
			strerror(errno));
		return -1;
	}
	ret = read_password_line(buf, size);
	set_echo(true);
	return ret;
}

/* Fills password; 0, or -1 after printing why not. */
static int get_password(char *password, size_t size)
{
	char again[PASSWORD_BUF];
	int ret;

	if (!isatty(STDIN_FILENO))
		return read_password_line(password, size);
	if (prompt_line("New password: ", password, size) != 0)
		return -1;
	ret = prompt_line("Retype new password: ", again, sizeof(again));
	if (ret == 0 && strcmp(password, again) != 0) {
		fprintf(stderr, PROG ": passwords do not match\n");
		ret = -1;
	}
	explicit_bzero(again, sizeof(again));
	return ret;
}

/* The users file named by --users, --config or the built-in config. */
static const char *resolve_users_file(TALLOC_CTX *ctx, const char *users,
				      const char *config)
{
	struct usmbd_conf *conf;
	char *msg = NULL;
	int ret;

	if (users != NULL)
		return users;
	if (config != NULL)
		ret = conf_load_file(ctx, config, &conf, &msg);
	else
		ret = conf_load_string(ctx, conf_builtin_default, "<builtin>",
				       &conf, &msg);
	if (ret != 0) {
		fprintf(stderr, PROG ": %s\n", msg != NULL ? msg :
							     strerror(-ret));
		return NULL;
	}
	return conf->users_file;
}

static void report_update_error(const char *file, const char *user, int ret)
{
	if (ret == -EINVAL)
		fprintf(stderr,
			PROG ": invalid user name '%s': it must be 1 to 64 "
			"bytes, without ':' or control characters, not start "
			"with '#' and not start or end with a blank\n",
			user);
	else if (ret == -ENOENT)
		fprintf(stderr, PROG ": no user '%s' in %s\n", user, file);
	else
		fprintf(stderr, PROG ": cannot update %s: %s\n", file,
			strerror(-ret));
}

static int set_password(const char *file, const char *user, bool exists)
{
	char password[PASSWORD_BUF];
	uint8_t nt_hash[16];
	int ret;

	ret = smb_crypto_init();
	if (ret != 0) {
		fprintf(stderr, PROG ": cannot initialise cryptography: %s\n",
			strerror(-ret));
		return 1;
	}
	if (get_password(password, sizeof(password)) != 0) {
		explicit_bzero(password, sizeof(password));
		return 1;
	}
	ret = smb_nt_hash(password, nt_hash);
	explicit_bzero(password, sizeof(password));
	if (ret != 0) {
		fprintf(stderr, PROG ": cannot hash the password: %s\n",
			ret == -EINVAL ? "it is not valid UTF-8" :
					 strerror(-ret));
		return 1;
	}
	ret = users_update(file, user, nt_hash);
	explicit_bzero(nt_hash, sizeof(nt_hash));
	if (ret != 0) {
		report_update_error(file, user, ret);
		return 1;
	}
	printf("%s user '%s' in %s\n", exists ? "Updated" : "Added", user,
	       file);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "users", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ "delete", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *users_opt = NULL, *config_opt = NULL, *file, *user;
	struct usmbd_users *users;
	TALLOC_CTX *ctx;
	bool delete = false;
	char *msg = NULL;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "u:c:dh", long_opts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'u':
			users_opt = optarg;
			break;
		case 'c':
			config_opt = optarg;
			break;
		case 'd':
			delete = true;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return usage_error(NULL);
		}
	}
	if (optind == argc)
		return usage_error("missing USER");
	if (optind < argc - 1)
		return usage_error("only one USER at a time");
	if (users_opt != NULL && config_opt != NULL)
		return usage_error("give --users or --config, not both");
	user = argv[optind];
	ctx = talloc_new(NULL);
	file = resolve_users_file(ctx, users_opt, config_opt);
	if (file == NULL) {
		talloc_free(ctx);
		return 1;
	}
	/* Validate the existing file first, for a precise message. */
	ret = users_load(ctx, file, &users, &msg);
	if (ret != 0) {
		fprintf(stderr, PROG ": %s\n", msg != NULL ? msg :
							     strerror(-ret));
		talloc_free(ctx);
		return 1;
	}
	if (delete) {
		ret = users_update(file, user, NULL);
		if (ret != 0)
			report_update_error(file, user, ret);
		else
			printf("Deleted user '%s' from %s\n", user, file);
		ret = ret != 0 ? 1 : 0;
	} else {
		ret = set_password(file, user,
				   users_find(users, user) != NULL);
	}
	talloc_free(ctx);
	return ret;
}
