/*
 * SMB Direct transport for the server: the smb2_transport_ops of RDMA
 * connections (as server/tcp.c is for TCP), on top of the verbs glue in
 * rdma/smbdirect_verbs.h.
 */
#ifndef USMBD_RDMA_TRANSPORT_H
#define USMBD_RDMA_TRANSPORT_H

#include "smb2/smb2_server.h"

/*
 * Starts the listeners of `rdma listen`. Without an RDMA device it logs
 * one line and starts none: the server goes on with TCP. Returns the
 * number of listeners started.
 */
int rdma_transport_start(struct smb2_server *srv);

#endif
