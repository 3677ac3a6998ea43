/*
 * NT ACLs of share files: tokens, storage and the checks of CREATE,
 * QUERY_INFO and SET_INFO. See ntacl.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "conf/log.h"
#include "smb2/ntacl.h"
#include "smb2/smb2_proto.h"

#define NTACL_BLOB_VERSION 1
#define DOMAIN_SID_FILE "domain.sid"
#define RID_DOMAIN_USERS 513
#define TOKEN_MAX_SIDS 6

struct smb2_ntacl_create {
	struct sec_token *tok;
	struct sec_desc *parent; /* stored or default */
	bool parent_stored;
};

/* ---- identity ---- */

/* The server's domain SID, S-1-5-21-a-b-c: made once, kept in the state
 * directory so that the SIDs stored in ACLs keep their meaning. */
static struct sec_sid domain_sid;
static bool domain_sid_ready;

static bool read_domain_sid(const char *path)
{
	char line[SEC_SID_STR_MAX] = "";
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return ok && sec_sid_parse(line, &domain_sid) &&
	       domain_sid.n_sub == 4 && domain_sid.sub[0] == 21;
}

static void make_domain_sid(const struct usmbd_conf *conf)
{
	char path[4096], str[SEC_SID_STR_MAX];
	uint32_t sub[4] = { 21, 0, 0, 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", conf->state_dir,
		 DOMAIN_SID_FILE);
	if (read_domain_sid(path))
		goto done;
	if (getrandom(&sub[1], 3 * sizeof(uint32_t), 0) !=
	    3 * sizeof(uint32_t)) {
		/* a fixed one beats none; a warning says it is not unique */
		sub[1] = 0x75736d62;
		sub[2] = sub[3] = 1;
	}
	sec_sid_make(&domain_sid, 5, 4, sub);
	sec_sid_string(&domain_sid, str, sizeof(str));
	f = fopen(path, "wxe");
	if (!f || fprintf(f, "%s\n", str) < 0 || fclose(f) != 0) {
		LOG_WARN("cannot store the domain SID in %s: %s", path,
			 strerror(errno));
		if (read_domain_sid(path)) /* another writer won */
			goto done;
		sec_sid_make(&domain_sid, 5, 4, sub);
	}
done:
	domain_sid_ready = true;
}

/* A stable RID for a user name: a hash of the lower-cased name, kept
 * above the range of well-known RIDs. */
static uint32_t user_rid(const char *user)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *c = user; *c; c++) {
		h ^= (uint8_t)tolower((unsigned char)*c);
		h *= 16777619u;
	}
	return (h & 0x3fffffffu) | 0x10000u;
}

static void domain_member(struct sec_sid *out, uint32_t rid)
{
	*out = domain_sid;
	out->sub[out->n_sub++] = rid;
}

NTSTATUS smb2_ntacl_token(TALLOC_CTX *mem_ctx, struct smb2_req *req,
			  struct sec_token **out)
{
	struct smb2_session *s = req->session;
	struct sec_token *tok = talloc_zero(mem_ctx, struct sec_token);
	struct sec_sid *sids;
	size_t n = 0;

	if (!tok || !s)
		return NT_STATUS_NO_MEMORY;
	sids = talloc_array(tok, struct sec_sid, TOKEN_MAX_SIDS);
	if (!sids)
		return NT_STATUS_NO_MEMORY;
	if (!domain_sid_ready)
		make_domain_sid(s->srv->conf);
	if (s->anonymous) {
		sids[n++] = sec_sid_anonymous;
		sids[n++] = sec_sid_everyone;
		tok->primary_group = 0;
	} else {
		domain_member(&sids[n++], user_rid(s->user ? s->user : ""));
		domain_member(&sids[n++], RID_DOMAIN_USERS);
		sids[n++] = sec_sid_everyone;
		sids[n++] = sec_sid_authenticated;
		sids[n++] = sec_sid_users;
		tok->primary_group = 1;
	}
	tok->sids = sids;
	tok->n_sids = n;
	*out = tok;
	return NT_STATUS_OK;
}

bool smb2_ntacl_has_privilege(struct smb2_req *req, uint32_t priv)
{
	struct sec_token *tok;
	bool has;

	if (!NT_STATUS_IS_OK(smb2_ntacl_token(req, req, &tok)))
		return false;
	has = (tok->privileges & priv) == priv;
	talloc_free(tok);
	return has;
}

/* ---- storage ---- */

/*
 * What a file without a stored descriptor reports and is checked
 * against: Everyone full control (inheritable from a directory, so new
 * files keep that behaviour). Nobody is recorded as its owner, and since
 * everyone may take ownership of it anyway, the caller is shown as the
 * owner: the first client to set an ACL on it becomes the owner, as the
 * creator would have on Windows. New files in such directories store
 * nothing, which keeps their allocation free of an xattr block.
 */
static struct sec_desc *default_sd(TALLOC_CTX *mem_ctx, bool is_dir,
				   const struct sec_token *tok)
{
	struct sec_desc *sd = talloc_zero(mem_ctx, struct sec_desc);
	struct sec_ace ace = { .type = SEC_ACE_ALLOWED,
			       .mask = FILE_ALL_ACCESS,
			       .sid = sec_sid_everyone };

	if (!sd)
		return NULL;
	sd->revision = 1;
	sd->control = SEC_SELF_RELATIVE | SEC_DACL_PRESENT;
	sd->owner = talloc_memdup(sd, &tok->sids[0], sizeof(struct sec_sid));
	sd->group = talloc_memdup(sd, &tok->sids[tok->primary_group],
				  sizeof(struct sec_sid));
	sd->dacl = talloc_zero(sd, struct sec_acl);
	if (!sd->owner || !sd->group || !sd->dacl)
		goto nomem;
	sd->dacl->revision = 2;
	if (is_dir)
		ace.flags = SEC_ACE_OBJECT_INHERIT | SEC_ACE_CONTAINER_INHERIT;
	if (!sec_acl_add(sd->dacl, &ace))
		goto nomem;
	return sd;
nomem:
	talloc_free(sd);
	return NULL;
}

/* Decodes a stored blob; a damaged one is logged and treated as none. */
static struct sec_desc *blob_decode(TALLOC_CTX *mem_ctx, const uint8_t *blob,
				    size_t len)
{
	struct sec_desc *sd;

	if (len < 1 || blob[0] != NTACL_BLOB_VERSION ||
	    !NT_STATUS_IS_OK(sec_desc_decode(mem_ctx, blob + 1, len - 1, &sd))) {
		LOG_WARN("ignoring an unreadable stored NT ACL");
		return NULL;
	}
	return sd;
}

/* *sd: the stored descriptor, or NULL when none is stored (-ENODATA). */
static int load_path(TALLOC_CTX *mem_ctx, struct vfs_share *vfs,
		     const char *relpath, struct sec_desc **sd)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int rc = vfs_get_ntacl_path(vfs, relpath, mem_ctx, &blob, &len);

	*sd = NULL;
	if (rc == -ENODATA)
		return 0;
	if (rc != 0)
		return rc;
	*sd = blob_decode(mem_ctx, blob, len);
	talloc_free(blob);
	return 0;
}

static NTSTATUS load_open(TALLOC_CTX *mem_ctx, struct smb2_req *req,
			  const struct smb2_open *o, struct sec_desc **sd)
{
	struct sec_token *tok;
	uint8_t *blob = NULL;
	size_t len = 0;
	int rc = vfs_get_ntacl(o->fd, mem_ctx, &blob, &len);

	*sd = NULL;
	if (rc == 0) {
		*sd = blob_decode(mem_ctx, blob, len);
		talloc_free(blob);
	} else if (rc != -ENODATA) {
		return ntstatus_from_errno(rc);
	}
	if (!*sd) {
		NTSTATUS status = smb2_ntacl_token(mem_ctx, req, &tok);

		if (!NT_STATUS_IS_OK(status))
			return status;
		*sd = default_sd(mem_ctx, o->is_dir, tok);
	}
	return *sd ? NT_STATUS_OK : NT_STATUS_NO_MEMORY;
}

static NTSTATUS store(int fd, const struct sec_desc *sd)
{
	struct wire_wr w;
	int rc;

	wire_wr_init(&w, NULL, 256);
	wire_wr_u8(&w, NTACL_BLOB_VERSION);
	sec_desc_encode(&w, sd, SEC_INFO_OWNER | SEC_INFO_GROUP |
				    SEC_INFO_DACL | SEC_INFO_SACL);
	rc = w.err ? -ENOMEM : vfs_set_ntacl(fd, w.buf, w.len);
	talloc_free(w.buf);
	return rc ? ntstatus_from_errno(rc) : NT_STATUS_OK;
}

/* ---- CREATE ---- */

static char *parent_of(TALLOC_CTX *mem_ctx, const char *relpath)
{
	const char *slash = strrchr(relpath, '/');

	if (!slash)
		return talloc_strdup(mem_ctx, ".");
	return talloc_strndup(mem_ctx, relpath, (size_t)(slash - relpath));
}

/* The parent's descriptor, the default one when none is stored (and for
 * the share root, which has no parent on the share). */
static NTSTATUS load_parent(struct smb2_req *req, const char *relpath,
			    struct smb2_ntacl_create *st)
{
	struct sec_desc **sd = &st->parent;
	char *parent;
	int rc = 0;

	*sd = NULL;
	if (strcmp(relpath, ".") != 0) {
		parent = parent_of(req, relpath);
		if (!parent)
			return NT_STATUS_NO_MEMORY;
		rc = load_path(req, req->tcon->share->vfs, parent, sd);
		talloc_free(parent);
	}
	if (rc != 0)
		return ntstatus_from_errno(rc);
	st->parent_stored = *sd != NULL;
	if (!*sd)
		*sd = default_sd(st, true, st->tok);
	return *sd ? NT_STATUS_OK : NT_STATUS_NO_MEMORY;
}

/*
 * What the parent grants on a child whatever the child's DACL says
 * (MS-FSA 2.1.5.1.2.1): DELETE through FILE_DELETE_CHILD, and
 * FILE_READ_ATTRIBUTES through FILE_LIST_DIRECTORY.
 */
static uint32_t parent_grants(struct smb2_req *req,
			      struct smb2_ntacl_create *st, const char *relpath)
{
	uint32_t pmax, extra = 0;

	if (!st->parent &&
	    !NT_STATUS_IS_OK(load_parent(req, relpath, st)))
		return 0;
	pmax = sec_max_access(st->parent, st->tok);
	if (pmax & FILE_DELETE_CHILD)
		extra |= DELETE_ACCESS;
	if (pmax & FILE_LIST_DIRECTORY)
		extra |= FILE_READ_ATTRIBUTES;
	return extra;
}

static NTSTATUS check_existing(struct smb2_req *req,
			       struct smb2_ntacl_create *st,
			       const char *relpath, const struct sec_desc *sd,
			       uint32_t desired, uint32_t *access)
{
	uint32_t want = sec_map_generic(desired);
	uint32_t extra = 0, granted = 0;
	NTSTATUS status;

	status = sec_access_check(sd, st->tok, want, &granted);
	if ((!NT_STATUS_IS_OK(status) &&
	     (want & (DELETE_ACCESS | FILE_READ_ATTRIBUTES | MAXIMUM_ALLOWED))) ||
	    (NT_STATUS_IS_OK(status) && (want & MAXIMUM_ALLOWED)))
		extra = parent_grants(req, st, relpath);
	if (NT_STATUS_EQUAL(status, NT_STATUS_ACCESS_DENIED) && extra) {
		uint32_t have = sec_max_access(sd, st->tok) | extra | SYNCHRONIZE;
		uint32_t rest = want & ~MAXIMUM_ALLOWED;

		if ((rest & ~have) == 0) {
			status = NT_STATUS_OK;
			granted = want & MAXIMUM_ALLOWED ? have | rest : rest;
		}
	}
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (want & MAXIMUM_ALLOWED) {
		granted |= extra;
		granted &= req->tcon->max_access | (want & ~MAXIMUM_ALLOWED);
	}
	*access = granted;
	return NT_STATUS_OK;
}

NTSTATUS smb2_ntacl_create_check(struct smb2_req *req, const char *relpath,
				 bool exists, bool is_dir, bool creates,
				 uint32_t desired,
				 uint32_t *access, uint32_t *max_access,
				 struct smb2_ntacl_create **out)
{
	struct smb2_ntacl_create *st = talloc_zero(req,
						   struct smb2_ntacl_create);
	struct sec_desc *sd = NULL;
	NTSTATUS status;
	int rc;

	if (!st)
		return NT_STATUS_NO_MEMORY;
	*out = st;
	status = smb2_ntacl_token(st, req, &st->tok);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (!exists) {
		uint32_t need = is_dir ? FILE_ADD_SUBDIRECTORY : FILE_ADD_FILE;

		status = load_parent(req, relpath, st);
		if (!NT_STATUS_IS_OK(status) || !creates)
			return status;
		if (!(sec_max_access(st->parent, st->tok) & need) &&
		    !(st->tok->privileges & SEC_PRIV_RESTORE))
			return NT_STATUS_ACCESS_DENIED;
		return NT_STATUS_OK;
	}
	rc = load_path(st, req->tcon->share->vfs, relpath, &sd);
	if (rc != 0 || !sd)
		return NT_STATUS_OK; /* nothing stored: the share decides */
	status = check_existing(req, st, relpath, sd, desired, access);
	if (NT_STATUS_IS_OK(status))
		*max_access = sec_max_access(sd, st->tok) & req->tcon->max_access;
	return status;
}

NTSTATUS smb2_ntacl_check_secd(struct smb2_req *req, const uint8_t *buf,
			       size_t len)
{
	struct sec_desc *sd;
	NTSTATUS status = sec_desc_decode(req, buf, len, &sd);

	if (!NT_STATUS_IS_OK(status))
		return status;
	/* a SACL in it needs the right to set one */
	if ((sd->control & SEC_SACL_PRESENT) &&
	    !smb2_ntacl_has_privilege(req, SEC_PRIV_SECURITY))
		status = NT_STATUS_PRIVILEGE_NOT_HELD;
	talloc_free(sd);
	return status;
}

NTSTATUS smb2_ntacl_create_new(struct smb2_req *req,
			       struct smb2_ntacl_create *st, int fd,
			       bool is_dir, const uint8_t *secd,
			       size_t secd_len, uint32_t *max_access)
{
	struct sec_desc *creator = NULL, *sd;
	NTSTATUS status;

	if (!st || !st->tok || !st->parent)
		return NT_STATUS_INTERNAL_ERROR;
	if (secd) {
		status = sec_desc_decode(st, secd, secd_len, &creator);
		if (!NT_STATUS_IS_OK(status))
			return status;
		sec_desc_map_generic(creator);
	}
	status = sec_desc_inherit(st, st->parent, creator, is_dir, st->tok,
				  &sd);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (!secd && !st->parent_stored) {
		/* what the default gives, kept without storing it */
		*max_access = req->tcon->max_access;
		talloc_free(sd);
		return NT_STATUS_OK;
	}
	status = store(fd, sd);
	/* a file system without user xattrs keeps the Everyone default */
	if (NT_STATUS_EQUAL(status, NT_STATUS_NOT_SUPPORTED) && !secd)
		status = NT_STATUS_OK;
	if (NT_STATUS_IS_OK(status))
		*max_access = (sec_max_access(sd, st->tok) | READ_CONTROL |
			       WRITE_DAC) & req->tcon->max_access;
	talloc_free(sd);
	return status;
}

/* ---- QUERY_INFO / SET_INFO (MS-SMB2 3.3.5.20.3, 3.3.5.21.3) ---- */

NTSTATUS smb2_ntacl_query(struct smb2_req *req, struct smb2_open *o,
			  uint32_t secinfo, struct wire_wr *w)
{
	struct sec_desc *sd;
	NTSTATUS status;

	if ((secinfo & (SEC_INFO_OWNER | SEC_INFO_GROUP | SEC_INFO_DACL |
			SEC_INFO_LABEL | SEC_INFO_ATTRIBUTE |
			SEC_INFO_SCOPE)) &&
	    !(o->access_mask & READ_CONTROL))
		return NT_STATUS_ACCESS_DENIED;
	if ((secinfo & SEC_INFO_SACL) &&
	    !(o->access_mask & ACCESS_SYSTEM_SECURITY))
		return NT_STATUS_ACCESS_DENIED;
	if (o->fd < 0)
		return NT_STATUS_INVALID_PARAMETER;
	status = load_open(req, req, o, &sd);
	if (!NT_STATUS_IS_OK(status))
		return status;
	sec_desc_encode(w, sd, secinfo);
	talloc_free(sd);
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

static NTSTATUS set_rights(const struct smb2_open *o, uint32_t secinfo)
{
	uint32_t need = 0;

	if (secinfo & (SEC_INFO_OWNER | SEC_INFO_GROUP | SEC_INFO_LABEL))
		need |= WRITE_OWNER;
	if (secinfo & SEC_INFO_DACL)
		need |= WRITE_DAC;
	if (secinfo & SEC_INFO_SACL)
		need |= ACCESS_SYSTEM_SECURITY;
	return (o->access_mask & need) == need ? NT_STATUS_OK
					       : NT_STATUS_ACCESS_DENIED;
}

NTSTATUS smb2_ntacl_set(struct smb2_req *req, struct smb2_open *o,
			uint32_t secinfo, const uint8_t *buf, size_t len)
{
	struct sec_desc *upd, *sd;
	struct sec_token *tok;
	NTSTATUS status;

	status = set_rights(o, secinfo);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (o->fd < 0)
		return NT_STATUS_INVALID_PARAMETER;
	if (req->tcon->read_only)
		return NT_STATUS_MEDIA_WRITE_PROTECTED;
	status = sec_desc_decode(req, buf, len, &upd);
	if (!NT_STATUS_IS_OK(status))
		return status;
	status = load_open(upd, req, o, &sd);
	if (!NT_STATUS_IS_OK(status))
		goto out;
	/* MS-DTYP 2.5.3.4: an owner must be one of the caller's SIDs,
	 * unless the caller may restore files */
	if ((secinfo & SEC_INFO_OWNER) && upd->owner &&
	    !sec_sid_equal(upd->owner, sd->owner)) {
		status = smb2_ntacl_token(upd, req, &tok);
		if (NT_STATUS_IS_OK(status) &&
		    !sec_token_has_sid(tok, upd->owner) &&
		    !(tok->privileges & SEC_PRIV_RESTORE))
			status = NT_STATUS_INVALID_OWNER;
		if (!NT_STATUS_IS_OK(status))
			goto out;
	}
	sec_desc_map_generic(upd);
	status = sec_desc_merge(upd, &sd, upd, secinfo);
	if (NT_STATUS_IS_OK(status))
		status = store(o->fd, sd);
out:
	talloc_free(upd);
	return status;
}
