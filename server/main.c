/* usmbd: the daemon's entry point. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/log.h"
#include "server/ctl.h"
#include "server/tcp.h"
#ifdef HAVE_RDMA
#include "server/rdma_transport.h"
#endif
#include "smb2/smb2_crypto.h"
#include "smb2/smb2_server.h"

static bool stop_requested;

static void on_signal(struct tevent_context *ev, struct tevent_signal *se,
		      int signum, int count, void *siginfo, void *private_data)
{
	LOG_INFO("signal %d: shutting down", signum);
	stop_requested = true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: usmbd [--config FILE] [--dump-config] [--log-level N]\n"
		"  Runs the SMB3 file server in the foreground, logging to "
		"stderr.\n"
		"  Without --config it serves the built-in demo configuration "
		"(share\n"
		"  [demo] at /srv/usmbd/demo, users in /var/lib/usmbd/users).\n");
}

/* mkdir -p for the built-in demo configuration's directories. */
static int make_dirs(const char *path, mode_t mode)
{
	char *p = strdup(path);
	int rc = 0;

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			rc = -errno;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, mode) != 0 && errno != EEXIST)
		rc = -errno;
	free(p);
	return rc;
}

/*
 * The state dir holds the control socket (and later durable-handle
 * state): made 0700 if missing, refused when others may write to it.
 */
static int check_state_dir(const char *dir)
{
	struct stat st;

	if (make_dirs(dir, 0700) != 0 || stat(dir, &st) != 0) {
		fprintf(stderr, "usmbd: state dir %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "usmbd: state dir %s is not a directory\n",
			dir);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		fprintf(stderr,
			"usmbd: state dir %s is writable by group or others "
			"(mode %03o); refusing to start (chmod go-w %s)\n",
			dir, (unsigned)(st.st_mode & 0777), dir);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dump-config", no_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL;
	bool dump = false;
	int log_override = -1, opt, rc;
	TALLOC_CTX *top = talloc_new(NULL);
	struct usmbd_conf *conf = NULL;
	char *err = NULL;

	while ((opt = getopt_long(argc, argv, "c:dl:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'd':
			dump = true;
			break;
		case 'l':
			log_override = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (config_path)
		rc = conf_load_file(top, config_path, &conf, &err);
	else
		rc = conf_load_string(top, conf_builtin_default, "<builtin>",
				      &conf, &err);
	if (rc != 0) {
		fprintf(stderr, "usmbd: %s\n", err ? err : strerror(-rc));
		return 1;
	}
	if (dump) {
		conf_dump(conf, stdout);
		return 0;
	}
	log_max_level = log_override >= 0 ? log_override : conf->log_level;
	if (!config_path) {
		/* the demo configuration makes its own share directory */
		for (size_t i = 0; i < conf->n_shares; i++)
			if (!conf->shares[i].is_ipc)
				make_dirs(conf->shares[i].path, 0755);
	}
	if (check_state_dir(conf->state_dir) != 0)
		return 1;
	if (smb_crypto_init() != 0) {
		LOG_ERR("OpenSSL initialisation failed");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	struct tevent_context *ev = tevent_context_init(top);
	if (!ev) {
		LOG_ERR("tevent initialisation failed");
		return 1;
	}
	struct smb2_server *srv = smb2_server_new(top, ev, conf);
	if (!srv)
		return 1;
	tevent_add_signal(ev, top, SIGTERM, 0, on_signal, NULL);
	tevent_add_signal(ev, top, SIGINT, 0, on_signal, NULL);

	size_t listening = 0;
	for (size_t i = 0; i < conf->n_listen; i++) {
		rc = tcp_listen(srv, srv, conf->listen[i].addr,
				conf->listen[i].port);
		if (rc != 0) {
			LOG_ERR("listen on %s port %u: %s",
				conf->listen[i].addr, conf->listen[i].port,
				strerror(-rc));
			continue;
		}
		LOG_INFO("listening on %s%s%s:%u",
			 strchr(conf->listen[i].addr, ':') ? "[" : "",
			 conf->listen[i].addr,
			 strchr(conf->listen[i].addr, ':') ? "]" : "",
			 conf->listen[i].port);
		listening++;
	}
#ifdef HAVE_RDMA
	rdma_transport_start(srv);
#else
	if (conf->n_rdma_listen > 0)
		LOG_WARN("rdma listen is set but this build has no SMB Direct "
			 "(rdma-core); serving TCP only");
#endif
	if (listening == 0) {
		LOG_ERR("no listening socket, giving up");
		return 1;
	}
	rc = ctl_listen(srv, srv);
	if (rc != 0)
		LOG_WARN("control socket in %s: %s (usmbd-ctl will not work)",
			 conf->state_dir, strerror(-rc));
	for (size_t i = 0; i < conf->n_shares; i++)
		if (!conf->shares[i].is_ipc)
			LOG_INFO("share [%s] -> %s%s", conf->shares[i].name,
				 conf->shares[i].path,
				 conf->shares[i].read_only ? " (read only)"
							   : "");
	LOG_INFO("usmbd ready (config %s)", conf->source);
	while (!stop_requested) {
		if (tevent_loop_once(ev) != 0) {
			LOG_ERR("event loop failed: %s", strerror(errno));
			break;
		}
	}
	talloc_free(top);
	return 0;
}
