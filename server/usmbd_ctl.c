/* usmbd-ctl: asks a running usmbd over its control socket. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <talloc.h>
#include <unistd.h>

#include "conf/conf.h"
#include "server/ctl.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: usmbd-ctl [--config FILE | --socket PATH] status\n"
		   "  status   sessions with their channels: transport, peer,\n"
		   "           bytes in/out\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	TALLOC_CTX *ctx = talloc_new(NULL);
	const char *config = NULL, *path = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	int opt, fd;

	while ((opt = getopt_long(argc, argv, "c:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (!path) {
		struct usmbd_conf *conf = NULL;
		char *err = NULL;
		int rc = config ? conf_load_file(ctx, config, &conf, &err)
				: conf_load_string(ctx, conf_builtin_default,
						   "<builtin>", &conf, &err);
		if (rc != 0) {
			fprintf(stderr, "usmbd-ctl: %s\n", err ? err : "bad config");
			return 1;
		}
		path = talloc_asprintf(ctx, "%s/%s", conf->state_dir,
				       USMBD_CTL_SOCKET);
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usmbd-ctl: socket path too long\n");
		return 1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "usmbd-ctl: cannot reach usmbd at %s: %s\n",
			path, strerror(errno));
		return 1;
	}
	snprintf(buf, sizeof(buf), "%s\n", argv[optind]);
	if (write(fd, buf, strlen(buf)) < 0) {
		fprintf(stderr, "usmbd-ctl: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	talloc_free(ctx);
	return strncmp(argv[optind], "status", 6) == 0 ? 0 : 1;
}
