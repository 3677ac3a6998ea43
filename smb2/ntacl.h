/*
 * NT ACLs of files on a share: the session's token, the descriptor stored
 * with a file (the "user.usmbd.ntacl" xattr: a version byte and the
 * self-relative descriptor, smb2/secdesc.h), and the checks CREATE,
 * QUERY_INFO and SET_INFO make with them (MS-SMB2 3.3.5.9, 3.3.5.20.3,
 * 3.3.5.21.3). A file without a stored descriptor behaves as one whose
 * DACL grants Everyone full control, so shares that never saw an ACL
 * cost one failed getxattr per open.
 */
#ifndef USMBD_SMB2_NTACL_H
#define USMBD_SMB2_NTACL_H

#include "smb2/secdesc.h"
#include "smb2/smb2_server.h"

/* Per-CREATE state between the check and the creation of a new file. */
struct smb2_ntacl_create;

/* The token of the request's session (a talloc child of mem_ctx). */
NTSTATUS smb2_ntacl_token(TALLOC_CTX *mem_ctx, struct smb2_req *req,
			  struct sec_token **out);

/*
 * CREATE, before anything is opened: checks desired (the raw
 * DesiredAccess) against the descriptor of relpath when it exists, the
 * DELETE right also through the parent's FILE_DELETE_CHILD, or against
 * the parent's FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY when it does not
 * and creates (the disposition may create it).
 * *access (the share's view, MAXIMUM_ALLOWED already mapped) becomes the
 * granted access and *max_access the maximal access for MxAc when a
 * descriptor is stored; both are left alone otherwise. *st is for
 * smb2_ntacl_create_new.
 */
NTSTATUS smb2_ntacl_create_check(struct smb2_req *req, const char *relpath,
				 bool exists, bool is_dir, bool creates,
				 uint32_t desired,
				 uint32_t *access, uint32_t *max_access,
				 struct smb2_ntacl_create **st);

/*
 * Checks the descriptor of a SecD create context (MS-SMB2 2.2.13.2.x):
 * INVALID_SECURITY_DESCR (or INVALID_PARAMETER) when it cannot be used.
 */
NTSTATUS smb2_ntacl_check_secd(struct smb2_req *req, const uint8_t *buf,
			       size_t len);

/*
 * CREATE of a new file or directory, fd open on it: stores the
 * descriptor it gets from its parent and the SecD context (secd, may be
 * NULL), and sets *max_access from it.
 */
NTSTATUS smb2_ntacl_create_new(struct smb2_req *req,
			       struct smb2_ntacl_create *st, int fd,
			       bool is_dir, const uint8_t *secd,
			       size_t secd_len, uint32_t *max_access);

/* QUERY_INFO SMB2_0_INFO_SECURITY: appends the parts secinfo asks for. */
NTSTATUS smb2_ntacl_query(struct smb2_req *req, struct smb2_open *o,
			  uint32_t secinfo, struct wire_wr *w);

/* SET_INFO SMB2_0_INFO_SECURITY. */
NTSTATUS smb2_ntacl_set(struct smb2_req *req, struct smb2_open *o,
			uint32_t secinfo, const uint8_t *buf, size_t len);

/* true when the session holds the privilege (SEC_PRIV_*). */
bool smb2_ntacl_has_privilege(struct smb2_req *req, uint32_t priv);

#endif
