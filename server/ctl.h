/*
 * The control socket: a unix socket in the state dir (mode 0600) that
 * `usmbd-ctl` talks to. One command line in, a text answer out.
 */
#ifndef USMBD_CTL_H
#define USMBD_CTL_H

#include <talloc.h>

#include "smb2/smb2_server.h"

#define USMBD_CTL_SOCKET "usmbd.ctl"

/* Listens on <state dir>/usmbd.ctl. 0 or -errno. */
int ctl_listen(TALLOC_CTX *mem_ctx, struct smb2_server *srv);

/* The text `usmbd-ctl status` prints (on mem_ctx). */
char *ctl_status_text(TALLOC_CTX *mem_ctx, struct smb2_server *srv);

#endif
