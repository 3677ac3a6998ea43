/*
 * Windows security descriptors (MS-DTYP 2.4): SIDs, ACEs, ACLs and the
 * self-relative SECURITY_DESCRIPTOR, with the access check (MS-DTYP
 * 2.5.3.2) and the inheritance rules Windows applies when it creates a
 * file or directory. Pure: no I/O, no server state; every decoder checks
 * every offset and length against the buffer it was given.
 */
#ifndef USMBD_SMB2_SECDESC_H
#define USMBD_SMB2_SECDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "smb2/ntstatus.h"
#include "smb2/wire.h"

/* Status codes of this module that ntstatus.h does not list (MS-ERREF). */
#ifndef NT_STATUS_INVALID_OWNER
#define NT_STATUS_INVALID_OWNER NT_STATUS(0xc000005a)
#endif
#ifndef NT_STATUS_INVALID_ACL
#define NT_STATUS_INVALID_ACL NT_STATUS(0xc0000077)
#endif
#ifndef NT_STATUS_INVALID_SECURITY_DESCR
#define NT_STATUS_INVALID_SECURITY_DESCR NT_STATUS(0xc0000079)
#endif

#define SEC_SID_MAX_SUB 15 /* MS-DTYP 2.4.2.2 SubAuthorityCount */

struct sec_sid {
	uint8_t revision; /* 1 */
	uint8_t n_sub;
	uint8_t authority[6]; /* big-endian 48 bits */
	uint32_t sub[SEC_SID_MAX_SUB];
};

/* ACE types (MS-DTYP 2.4.4.1) */
#define SEC_ACE_ALLOWED 0x00
#define SEC_ACE_DENIED 0x01
#define SEC_ACE_AUDIT 0x02
#define SEC_ACE_ALARM 0x03
#define SEC_ACE_ALLOWED_COMPOUND 0x04
#define SEC_ACE_ALLOWED_OBJECT 0x05
#define SEC_ACE_DENIED_OBJECT 0x06
#define SEC_ACE_AUDIT_OBJECT 0x07
#define SEC_ACE_ALARM_OBJECT 0x08
#define SEC_ACE_ALLOWED_CALLBACK 0x09
#define SEC_ACE_DENIED_CALLBACK 0x0a
#define SEC_ACE_ALLOWED_CALLBACK_OBJECT 0x0b
#define SEC_ACE_DENIED_CALLBACK_OBJECT 0x0c
#define SEC_ACE_AUDIT_CALLBACK 0x0d
#define SEC_ACE_ALARM_CALLBACK 0x0e
#define SEC_ACE_AUDIT_CALLBACK_OBJECT 0x0f
#define SEC_ACE_ALARM_CALLBACK_OBJECT 0x10
#define SEC_ACE_MANDATORY_LABEL 0x11
#define SEC_ACE_RESOURCE_ATTRIBUTE 0x12
#define SEC_ACE_SCOPED_POLICY_ID 0x13

/* ACE flags (MS-DTYP 2.4.4.1) */
#define SEC_ACE_OBJECT_INHERIT 0x01
#define SEC_ACE_CONTAINER_INHERIT 0x02
#define SEC_ACE_NO_PROPAGATE 0x04
#define SEC_ACE_INHERIT_ONLY 0x08
#define SEC_ACE_INHERITED 0x10
#define SEC_ACE_SUCCESSFUL_ACCESS 0x40
#define SEC_ACE_FAILED_ACCESS 0x80

/* SECURITY_DESCRIPTOR Control (MS-DTYP 2.4.6) */
#define SEC_OWNER_DEFAULTED 0x0001
#define SEC_GROUP_DEFAULTED 0x0002
#define SEC_DACL_PRESENT 0x0004
#define SEC_DACL_DEFAULTED 0x0008
#define SEC_SACL_PRESENT 0x0010
#define SEC_SACL_DEFAULTED 0x0020
#define SEC_DACL_TRUSTED 0x0040
#define SEC_SERVER_SECURITY 0x0080
#define SEC_DACL_AUTO_INHERIT_REQ 0x0100
#define SEC_SACL_AUTO_INHERIT_REQ 0x0200
#define SEC_DACL_AUTO_INHERITED 0x0400
#define SEC_SACL_AUTO_INHERITED 0x0800
#define SEC_DACL_PROTECTED 0x1000
#define SEC_SACL_PROTECTED 0x2000
#define SEC_RM_CONTROL_VALID 0x4000
#define SEC_SELF_RELATIVE 0x8000

/* SECURITY_INFORMATION (MS-DTYP 2.4.7) */
#define SEC_INFO_OWNER 0x00000001u
#define SEC_INFO_GROUP 0x00000002u
#define SEC_INFO_DACL 0x00000004u
#define SEC_INFO_SACL 0x00000008u
#define SEC_INFO_LABEL 0x00000010u
#define SEC_INFO_ATTRIBUTE 0x00000020u
#define SEC_INFO_SCOPE 0x00000040u
#define SEC_INFO_BACKUP 0x00010000u

/*
 * One ACE. sid is decoded for every type; the bytes between the mask and
 * the SID (object ACEs: flags and GUIDs) and after the SID (callback
 * application data, padding) are kept as they came, so that ACE types this
 * server does not evaluate survive a round trip byte for byte.
 */
struct sec_ace {
	uint8_t type;
	uint8_t flags;
	uint32_t mask;
	struct sec_sid sid;
	uint8_t *pre; /* talloc, may be NULL */
	uint16_t pre_len;
	uint8_t *post;
	uint16_t post_len;
};

struct sec_acl {
	uint8_t revision; /* 2, or 4 with object ACEs */
	uint16_t n_aces;
	struct sec_ace *aces; /* talloc array */
};

/*
 * A decoded descriptor. A NULL owner/group/sacl/dacl is absent; a DACL
 * present (SEC_DACL_PRESENT) with dacl == NULL is the NULL DACL, which
 * grants everyone everything.
 */
struct sec_desc {
	uint8_t revision; /* 1 */
	uint8_t sbz1;	  /* resource manager bits */
	uint16_t control;
	struct sec_sid *owner;
	struct sec_sid *group;
	struct sec_acl *sacl;
	struct sec_acl *dacl;
};

/* Privileges a token may hold (the ones a file server honours). */
#define SEC_PRIV_SECURITY 0x1u	     /* SeSecurityPrivilege: SACLs */
#define SEC_PRIV_BACKUP 0x2u	     /* SeBackupPrivilege */
#define SEC_PRIV_RESTORE 0x4u	     /* SeRestorePrivilege: any owner */
#define SEC_PRIV_TAKE_OWNERSHIP 0x8u /* SeTakeOwnershipPrivilege */

/* The identity an access check runs for. sids[0] is the user. */
struct sec_token {
	const struct sec_sid *sids;
	size_t n_sids;
	size_t primary_group; /* index into sids */
	uint32_t privileges;
};

/* ---- SIDs ---- */

size_t sec_sid_size(const struct sec_sid *sid);
bool sec_sid_equal(const struct sec_sid *a, const struct sec_sid *b);
/* Parses "S-1-5-21-1-2-3"; false on anything malformed. */
bool sec_sid_parse(const char *str, struct sec_sid *out);
/* Prints into buf (SEC_SID_STR_MAX bytes is always enough). */
#define SEC_SID_STR_MAX 192
void sec_sid_string(const struct sec_sid *sid, char *buf, size_t len);
/* Builds a SID from an authority and sub-authorities. */
void sec_sid_make(struct sec_sid *out, uint8_t authority, unsigned n_sub,
		  const uint32_t *sub);
bool sec_sid_decode(const uint8_t *p, size_t len, struct sec_sid *out,
		    size_t *used);
void sec_sid_encode(struct wire_wr *w, const struct sec_sid *sid);

/* Well-known SIDs (MS-DTYP 2.4.2.4). */
extern const struct sec_sid sec_sid_everyone;	    /* S-1-1-0 */
extern const struct sec_sid sec_sid_creator_owner;  /* S-1-3-0 */
extern const struct sec_sid sec_sid_creator_group;  /* S-1-3-1 */
extern const struct sec_sid sec_sid_owner_rights;   /* S-1-3-4 */
extern const struct sec_sid sec_sid_anonymous;	    /* S-1-5-7 */
extern const struct sec_sid sec_sid_authenticated;  /* S-1-5-11 */
extern const struct sec_sid sec_sid_system;	    /* S-1-5-18 */
extern const struct sec_sid sec_sid_administrators; /* S-1-5-32-544 */
extern const struct sec_sid sec_sid_users;	    /* S-1-5-32-545 */

/* ---- descriptors ---- */

/*
 * Decodes a self-relative descriptor (MS-DTYP 2.4.6) into a talloc child
 * of mem_ctx. NT_STATUS_INVALID_SECURITY_DESCR for anything malformed:
 * offsets or sizes outside buf, bad revisions, ACEs overrunning their ACL.
 */
NTSTATUS sec_desc_decode(TALLOC_CTX *mem_ctx, const uint8_t *buf, size_t len,
			 struct sec_desc **out);
/*
 * Appends the self-relative form with only the parts secinfo names
 * (SEC_INFO_*); the control bits of the parts left out are cleared.
 */
void sec_desc_encode(struct wire_wr *w, const struct sec_desc *sd,
		     uint32_t secinfo);
/* Deep copy. */
struct sec_desc *sec_desc_copy(TALLOC_CTX *mem_ctx, const struct sec_desc *sd);
struct sec_acl *sec_acl_copy(TALLOC_CTX *mem_ctx, const struct sec_acl *acl);
/* Appends one ACE to acl (a talloc array owned by acl). false on OOM. */
bool sec_acl_add(struct sec_acl *acl, const struct sec_ace *ace);

/*
 * Replaces in *sd the parts secinfo names with those of upd (MS-SMB2
 * 3.3.5.21.3, MS-FSA 2.1.5.16): owner, group, DACL, SACL; a part upd
 * lacks is removed. Label ACEs (SEC_INFO_LABEL) are kept in the SACL
 * unless the label is being set.
 */
NTSTATUS sec_desc_merge(TALLOC_CTX *mem_ctx, struct sec_desc **sd,
			const struct sec_desc *upd, uint32_t secinfo);

/* ---- access ---- */

/* GENERIC_* bits to file rights (MS-SMB2 2.2.13.1.1). */
uint32_t sec_map_generic(uint32_t mask);
/* Maps the generic rights of the ACEs that apply to the object itself
 * (not inherit-only), as Windows stores a descriptor it is given. */
void sec_desc_map_generic(struct sec_desc *sd);

/*
 * The access check (MS-DTYP 2.5.3.2) of desired (generic bits mapped;
 * MAXIMUM_ALLOWED allowed) against sd for tok. On success *granted is
 * what the open gets: desired, or for MAXIMUM_ALLOWED every right the
 * DACL grants plus the rest of desired. NT_STATUS_ACCESS_DENIED or
 * NT_STATUS_PRIVILEGE_NOT_HELD (ACCESS_SYSTEM_SECURITY without
 * SeSecurityPrivilege) otherwise.
 */
NTSTATUS sec_access_check(const struct sec_desc *sd,
			  const struct sec_token *tok, uint32_t desired,
			  uint32_t *granted);
/* Every right sd grants tok (what MAXIMUM_ALLOWED would get). */
uint32_t sec_max_access(const struct sec_desc *sd, const struct sec_token *tok);

bool sec_token_has_sid(const struct sec_token *tok, const struct sec_sid *sid);

/*
 * The descriptor of a new file or directory (MS-DTYP 2.5.3.4 as NTFS
 * applies it): owner and group from creator (the SD a client gave, may be
 * NULL) or else the token; the DACL and SACL from creator when given and
 * not defaulted, else the ACEs of parent that are inheritable to a child
 * of this kind (CREATOR OWNER/GROUP substituted, generic rights mapped,
 * inherit-only copies kept for directories), else a default DACL (owner
 * and SYSTEM full control). parent may be NULL.
 */
NTSTATUS sec_desc_inherit(TALLOC_CTX *mem_ctx, const struct sec_desc *parent,
			  const struct sec_desc *creator, bool is_dir,
			  const struct sec_token *tok, struct sec_desc **out);

#endif
