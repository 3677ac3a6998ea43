/*
 * usmbd configuration: an smb.conf-style INI file parsed into an immutable
 * talloc'd struct. One option table (name, type, default, min, max) drives
 * parsing, defaults, range checks and --dump-config.
 */
#ifndef USMBD_CONF_H
#define USMBD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <talloc.h>

enum conf_signing {
	CONF_SIGNING_AUTO = 0, /* sign when the client asks */
	CONF_SIGNING_REQUIRED = 1,
};

enum conf_encrypt {
	CONF_ENCRYPT_OFF = 0,
	CONF_ENCRYPT_DESIRED = 1,  /* encrypt when the client can */
	CONF_ENCRYPT_REQUIRED = 2, /* refuse clients that cannot */
	CONF_ENCRYPT_INHERIT = 3,  /* share: use the [global] setting */
};

struct conf_listen {
	char *addr; /* numeric IPv4 or IPv6 address ("0.0.0.0", "::") */
	uint16_t port;
};

/* An interface advertised by FSCTL_QUERY_NETWORK_INTERFACE_INFO, with
 * what the admin overrides (0 / -1: take it from the kernel). */
struct conf_iface {
	char *name;	    /* netdev name */
	uint64_t speed;	    /* bits per second; 0: from sysfs */
	int rss;	    /* -1 auto, 0 no, 1 yes */
	int rdma;	    /* -1 auto, 0 no, 1 yes */
};

struct conf_share {
	char *name;    /* as written in the section header */
	char *path;    /* absolute */
	char *comment;
	bool read_only;
	bool guest_ok;
	bool is_ipc; /* the built-in IPC$ share */
	enum conf_encrypt smb_encrypt;
};

struct usmbd_conf {
	char *source; /* file name, or "<builtin>" */
	struct conf_listen *listen;
	size_t n_listen;
	/* SMB Direct listeners (rdma_cm port space); none: no SMB Direct */
	struct conf_listen *rdma_listen;
	size_t n_rdma_listen;
	char *users_file;
	char *state_dir;
	char *server_name; /* NetBIOS name, upper case */
	enum conf_signing server_signing;
	enum conf_encrypt smb_encrypt;
	bool multichannel; /* offer SMB2_GLOBAL_CAP_MULTI_CHANNEL (3.x) */
	struct conf_iface *ifaces; /* empty: every interface that is up */
	size_t n_ifaces;
	int log_level; /* 0 error, 1 warning, 2 info, 3 debug */
	uint32_t max_connections;
	uint32_t max_pdu_size;	    /* largest NBSS message accepted */
	uint32_t max_read_size;	    /* advertised in NEGOTIATE */
	uint32_t max_write_size;
	uint32_t max_trans_size;
	uint32_t handshake_timeout; /* seconds until SESSION_SETUP must finish */
	uint32_t io_threads;	    /* thread pool size for blocking file I/O */
	uint32_t pending_threshold_ms; /* interim STATUS_PENDING after this */
	uint32_t max_connections_per_client; /* per peer address */
	uint32_t max_sessions_per_connection;
	uint32_t max_opens_per_session;
	uint32_t max_credits;	   /* credit window per connection */
	uint32_t receive_timeout;  /* seconds to finish a started message */
	uint32_t logon_delay_ms;   /* first failed-logon delay, doubles */
	uint32_t session_lifetime; /* seconds until reauthentication; 0 never */
	struct conf_share *shares;  /* IPC$ is always present, added last */
	size_t n_shares;
};

/* The configuration used when usmbd runs without --config. */
extern const char conf_builtin_default[];

/*
 * Parses an INI text. On error returns -EINVAL (or -errno) and sets *errmsg
 * (on mem_ctx) to "name:line: what is wrong".
 */
int conf_load_string(TALLOC_CTX *mem_ctx, const char *text,
		     const char *source_name, struct usmbd_conf **out,
		     char **errmsg);
int conf_load_file(TALLOC_CTX *mem_ctx, const char *path,
		   struct usmbd_conf **out, char **errmsg);

/* A share's effective encryption setting (resolving "inherit"). */
enum conf_encrypt conf_share_encrypt(const struct usmbd_conf *c,
				     const struct conf_share *s);

/* Case-insensitive share lookup; NULL if absent. */
const struct conf_share *conf_find_share(const struct usmbd_conf *c,
					 const char *name);

/* Writes the effective configuration in INI form. */
void conf_dump(const struct usmbd_conf *c, FILE *f);

#endif
