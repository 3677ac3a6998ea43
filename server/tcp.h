/* TCP transport: listeners on port 445 style addresses and NBSS framing
 * (MS-SMB2 2.1: 4-byte header, zero byte then a 24-bit length). */
#ifndef USMBD_TCP_H
#define USMBD_TCP_H

#include <stdint.h>
#include <talloc.h>

#include "smb2/smb2_server.h"

/* Listens on addr:port (numeric IPv4 or IPv6). 0 or -errno. */
int tcp_listen(TALLOC_CTX *mem_ctx, struct smb2_server *srv, const char *addr,
	       uint16_t port);

#endif
