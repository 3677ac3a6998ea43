/*
 * Security descriptors (MS-DTYP 2.4.2 SID, 2.4.4 ACE, 2.4.5 ACL, 2.4.6
 * SECURITY_DESCRIPTOR), the access check (2.5.3.2) and inheritance
 * (2.5.3.4). See secdesc.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smb2/secdesc.h"
#include "smb2/smb2_proto.h"

#define SD_HEADER_SIZE 20
#define ACL_HEADER_SIZE 8
#define ACE_HEADER_SIZE 4
#define SID_FIXED_SIZE 8
#define ACL_REVISION_NT4 2
#define ACL_REVISION_DS 4
#define ACE_OBJECT_TYPE_PRESENT 0x1u
#define ACE_INHERITED_OBJECT_TYPE_PRESENT 0x2u
#define GUID_SIZE 16
#define ACE_INHERIT_FLAGS                                                      \
	(SEC_ACE_OBJECT_INHERIT | SEC_ACE_CONTAINER_INHERIT |                  \
	 SEC_ACE_NO_PROPAGATE | SEC_ACE_INHERIT_ONLY)

#define WELL_KNOWN(auth, ...)                                                  \
	{                                                                      \
		.revision = 1,                                                 \
		.n_sub = sizeof((uint32_t[]){ __VA_ARGS__ }) / 4,              \
		.authority = { 0, 0, 0, 0, 0, auth },                          \
		.sub = { __VA_ARGS__ },                                        \
	}

const struct sec_sid sec_sid_everyone = WELL_KNOWN(1, 0);
const struct sec_sid sec_sid_creator_owner = WELL_KNOWN(3, 0);
const struct sec_sid sec_sid_creator_group = WELL_KNOWN(3, 1);
const struct sec_sid sec_sid_owner_rights = WELL_KNOWN(3, 4);
const struct sec_sid sec_sid_anonymous = WELL_KNOWN(5, 7);
const struct sec_sid sec_sid_authenticated = WELL_KNOWN(5, 11);
const struct sec_sid sec_sid_system = WELL_KNOWN(5, 18);
const struct sec_sid sec_sid_administrators = WELL_KNOWN(5, 32, 544);
const struct sec_sid sec_sid_users = WELL_KNOWN(5, 32, 545);

/* ---- SIDs (MS-DTYP 2.4.2) ---- */

size_t sec_sid_size(const struct sec_sid *sid)
{
	return SID_FIXED_SIZE + 4 * (size_t)sid->n_sub;
}

bool sec_sid_equal(const struct sec_sid *a, const struct sec_sid *b)
{
	if (a->revision != b->revision || a->n_sub != b->n_sub ||
	    memcmp(a->authority, b->authority, 6) != 0)
		return false;
	return memcmp(a->sub, b->sub, 4 * (size_t)a->n_sub) == 0;
}

void sec_sid_make(struct sec_sid *out, uint8_t authority, unsigned n_sub,
		  const uint32_t *sub)
{
	memset(out, 0, sizeof(*out));
	out->revision = 1;
	out->n_sub = (uint8_t)(n_sub > SEC_SID_MAX_SUB ? SEC_SID_MAX_SUB
						       : n_sub);
	out->authority[5] = authority;
	memcpy(out->sub, sub, 4 * (size_t)out->n_sub);
}

static bool parse_u64(const char **s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int base = 10;

	if (!((*s)[0] >= '0' && (*s)[0] <= '9'))
		return false;
	if ((*s)[0] == '0' && ((*s)[1] == 'x' || (*s)[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoull(*s, &end, base);
	if (errno != 0 || end == *s || v > max)
		return false;
	*s = end;
	*out = v;
	return true;
}

bool sec_sid_parse(const char *str, struct sec_sid *out)
{
	const char *s = str;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	if ((s[0] != 'S' && s[0] != 's') || s[1] != '-')
		return false;
	s += 2;
	if (!parse_u64(&s, 255, &v) || v != 1 || *s++ != '-')
		return false;
	out->revision = 1;
	if (!parse_u64(&s, 0xffffffffffffull, &v))
		return false;
	for (int i = 0; i < 6; i++)
		out->authority[i] = (uint8_t)(v >> (8 * (5 - i)));
	while (*s == '-') {
		s++;
		if (out->n_sub == SEC_SID_MAX_SUB ||
		    !parse_u64(&s, UINT32_MAX, &v))
			return false;
		out->sub[out->n_sub++] = (uint32_t)v;
	}
	return *s == '\0';
}

void sec_sid_string(const struct sec_sid *sid, char *buf, size_t len)
{
	uint64_t auth = 0;
	size_t at;
	int n;

	for (int i = 0; i < 6; i++)
		auth = (auth << 8) | sid->authority[i];
	/* MS-DTYP 2.4.2.1: authorities of 2^32 and more print in hex */
	if (auth >> 32)
		n = snprintf(buf, len, "S-%u-0x%012" PRIx64, sid->revision,
			     auth);
	else
		n = snprintf(buf, len, "S-%u-%" PRIu64, sid->revision, auth);
	for (unsigned i = 0; i < sid->n_sub && n >= 0; i++) {
		at = (size_t)n;
		if (at >= len)
			break;
		n += snprintf(buf + at, len - at, "-%" PRIu32, sid->sub[i]);
	}
}

bool sec_sid_decode(const uint8_t *p, size_t len, struct sec_sid *out,
		    size_t *used)
{
	size_t need;

	if (len < SID_FIXED_SIZE)
		return false;
	memset(out, 0, sizeof(*out));
	out->revision = p[0];
	out->n_sub = p[1];
	if (out->revision != 1 || out->n_sub > SEC_SID_MAX_SUB)
		return false;
	need = SID_FIXED_SIZE + 4 * (size_t)out->n_sub;
	if (len < need)
		return false;
	memcpy(out->authority, p + 2, 6);
	for (unsigned i = 0; i < out->n_sub; i++)
		out->sub[i] = get_le32(p + SID_FIXED_SIZE + 4 * i);
	if (used)
		*used = need;
	return true;
}

void sec_sid_encode(struct wire_wr *w, const struct sec_sid *sid)
{
	wire_wr_u8(w, sid->revision);
	wire_wr_u8(w, sid->n_sub);
	wire_wr_bytes(w, sid->authority, 6);
	for (unsigned i = 0; i < sid->n_sub; i++)
		wire_wr_u32(w, sid->sub[i]);
}

/* ---- ACEs and ACLs (MS-DTYP 2.4.4, 2.4.5) ---- */

static bool ace_is_object(uint8_t type)
{
	switch (type) {
	case SEC_ACE_ALLOWED_OBJECT:
	case SEC_ACE_DENIED_OBJECT:
	case SEC_ACE_AUDIT_OBJECT:
	case SEC_ACE_ALARM_OBJECT:
	case SEC_ACE_ALLOWED_CALLBACK_OBJECT:
	case SEC_ACE_DENIED_CALLBACK_OBJECT:
	case SEC_ACE_AUDIT_CALLBACK_OBJECT:
	case SEC_ACE_ALARM_CALLBACK_OBJECT:
		return true;
	default:
		return false;
	}
}

/* The bytes between the mask and the SID of an ACE of this type. */
static bool ace_pre_len(uint8_t type, const uint8_t *body, size_t len,
			size_t *pre)
{
	uint32_t flags;

	if (type == SEC_ACE_ALLOWED_COMPOUND) {
		*pre = 4; /* CompoundAceType, Reserved */
		return len >= 4;
	}
	if (!ace_is_object(type)) {
		*pre = 0;
		return type <= SEC_ACE_SCOPED_POLICY_ID;
	}
	if (len < 4)
		return false;
	flags = get_le32(body);
	*pre = 4;
	if (flags & ACE_OBJECT_TYPE_PRESENT)
		*pre += GUID_SIZE;
	if (flags & ACE_INHERITED_OBJECT_TYPE_PRESENT)
		*pre += GUID_SIZE;
	return len >= *pre;
}

static bool ace_decode(TALLOC_CTX *mem_ctx, const uint8_t *p, size_t len,
		       struct sec_ace *ace, size_t *used)
{
	size_t size, pre, sid_len;
	const uint8_t *body;
	size_t body_len;

	if (len < ACE_HEADER_SIZE + 4)
		return false;
	memset(ace, 0, sizeof(*ace));
	ace->type = p[0];
	ace->flags = p[1];
	size = get_le16(p + 2);
	if (size < ACE_HEADER_SIZE + 4 || size > len)
		return false;
	ace->mask = get_le32(p + 4);
	body = p + 8;
	body_len = size - 8;
	if (!ace_pre_len(ace->type, body, body_len, &pre))
		return false;
	if (!sec_sid_decode(body + pre, body_len - pre, &ace->sid, &sid_len))
		return false;
	if (pre) {
		ace->pre = talloc_memdup(mem_ctx, body, pre);
		if (!ace->pre)
			return false;
		ace->pre_len = (uint16_t)pre;
	}
	if (body_len > pre + sid_len) {
		ace->post_len = (uint16_t)(body_len - pre - sid_len);
		ace->post = talloc_memdup(mem_ctx, body + pre + sid_len,
					  ace->post_len);
		if (!ace->post)
			return false;
	}
	*used = size;
	return true;
}

static size_t ace_size(const struct sec_ace *ace)
{
	size_t n = ACE_HEADER_SIZE + 4 + ace->pre_len + sec_sid_size(&ace->sid) +
		   ace->post_len;

	return (n + 3) & ~(size_t)3;
}

static void ace_encode(struct wire_wr *w, const struct sec_ace *ace)
{
	size_t size = ace_size(ace);
	size_t start = w->len;

	wire_wr_u8(w, ace->type);
	wire_wr_u8(w, ace->flags);
	wire_wr_u16(w, (uint16_t)size);
	wire_wr_u32(w, ace->mask);
	wire_wr_bytes(w, ace->pre, ace->pre_len);
	sec_sid_encode(w, &ace->sid);
	wire_wr_bytes(w, ace->post, ace->post_len);
	if (!w->err && w->len - start < size)
		wire_wr_zero(w, size - (w->len - start));
}

static size_t acl_size(const struct sec_acl *acl)
{
	size_t n = ACL_HEADER_SIZE;

	for (unsigned i = 0; i < acl->n_aces; i++)
		n += ace_size(&acl->aces[i]);
	return n;
}

static NTSTATUS acl_decode(TALLOC_CTX *mem_ctx, const uint8_t *p, size_t len,
			   struct sec_acl **out)
{
	struct sec_acl *acl;
	size_t size, off = ACL_HEADER_SIZE, used;

	if (len < ACL_HEADER_SIZE)
		return NT_STATUS_INVALID_SECURITY_DESCR;
	size = get_le16(p + 2);
	if (size < ACL_HEADER_SIZE || size > len)
		return NT_STATUS_INVALID_SECURITY_DESCR;
	if (p[0] != ACL_REVISION_NT4 && p[0] != ACL_REVISION_DS)
		return NT_STATUS_INVALID_ACL;
	acl = talloc_zero(mem_ctx, struct sec_acl);
	if (!acl)
		return NT_STATUS_NO_MEMORY;
	acl->revision = p[0];
	acl->n_aces = get_le16(p + 4);
	/* every ACE takes at least 16 bytes: a cheap bound on the count */
	if ((size_t)acl->n_aces * 16 > size - ACL_HEADER_SIZE)
		goto bad;
	acl->aces = talloc_zero_array(acl, struct sec_ace, acl->n_aces);
	if (acl->n_aces && !acl->aces) {
		talloc_free(acl);
		return NT_STATUS_NO_MEMORY;
	}
	for (unsigned i = 0; i < acl->n_aces; i++) {
		if (!ace_decode(acl->aces, p + off, size - off, &acl->aces[i],
				&used))
			goto bad;
		off += used;
	}
	*out = acl;
	return NT_STATUS_OK;
bad:
	talloc_free(acl);
	return NT_STATUS_INVALID_ACL;
}

static void acl_encode(struct wire_wr *w, const struct sec_acl *acl)
{
	wire_wr_u8(w, acl->revision);
	wire_wr_u8(w, 0);
	wire_wr_u16(w, (uint16_t)acl_size(acl));
	wire_wr_u16(w, acl->n_aces);
	wire_wr_u16(w, 0);
	for (unsigned i = 0; i < acl->n_aces; i++)
		ace_encode(w, &acl->aces[i]);
}

bool sec_acl_add(struct sec_acl *acl, const struct sec_ace *ace)
{
	struct sec_ace *n;

	if (acl->n_aces == UINT16_MAX)
		return false;
	n = talloc_realloc(acl, acl->aces, struct sec_ace, acl->n_aces + 1);
	if (!n)
		return false;
	acl->aces = n;
	n[acl->n_aces] = *ace;
	/* the opaque parts move under the ACL that now holds them */
	if (ace->pre)
		n[acl->n_aces].pre = talloc_memdup(n, ace->pre, ace->pre_len);
	if (ace->post)
		n[acl->n_aces].post = talloc_memdup(n, ace->post,
						    ace->post_len);
	acl->n_aces++;
	if (acl->revision < ACL_REVISION_DS && ace_is_object(ace->type))
		acl->revision = ACL_REVISION_DS;
	return true;
}

struct sec_acl *sec_acl_copy(TALLOC_CTX *mem_ctx, const struct sec_acl *acl)
{
	struct sec_acl *c = talloc_zero(mem_ctx, struct sec_acl);

	if (!c)
		return NULL;
	c->revision = acl->revision;
	for (unsigned i = 0; i < acl->n_aces; i++) {
		if (!sec_acl_add(c, &acl->aces[i])) {
			talloc_free(c);
			return NULL;
		}
	}
	return c;
}

/* ---- descriptors (MS-DTYP 2.4.6) ---- */

static NTSTATUS sid_at(TALLOC_CTX *mem_ctx, const uint8_t *buf, size_t len,
		       uint32_t off, struct sec_sid **out)
{
	if (off == 0)
		return NT_STATUS_OK;
	if (off < SD_HEADER_SIZE || off >= len)
		return NT_STATUS_INVALID_SECURITY_DESCR;
	*out = talloc(mem_ctx, struct sec_sid);
	if (!*out)
		return NT_STATUS_NO_MEMORY;
	if (!sec_sid_decode(buf + off, len - off, *out, NULL))
		return NT_STATUS_INVALID_SECURITY_DESCR;
	return NT_STATUS_OK;
}

static NTSTATUS acl_at(TALLOC_CTX *mem_ctx, const uint8_t *buf, size_t len,
		       uint32_t off, struct sec_acl **out)
{
	if (off == 0)
		return NT_STATUS_OK;
	if (off < SD_HEADER_SIZE || off >= len)
		return NT_STATUS_INVALID_SECURITY_DESCR;
	return acl_decode(mem_ctx, buf + off, len - off, out);
}

NTSTATUS sec_desc_decode(TALLOC_CTX *mem_ctx, const uint8_t *buf, size_t len,
			 struct sec_desc **out)
{
	struct sec_desc *sd;
	uint32_t off_owner, off_group, off_sacl, off_dacl;
	NTSTATUS status;

	if (len < SD_HEADER_SIZE || buf[0] != 1)
		return NT_STATUS_INVALID_SECURITY_DESCR;
	sd = talloc_zero(mem_ctx, struct sec_desc);
	if (!sd)
		return NT_STATUS_NO_MEMORY;
	sd->revision = buf[0];
	sd->sbz1 = buf[1];
	sd->control = get_le16(buf + 2);
	off_owner = get_le32(buf + 4);
	off_group = get_le32(buf + 8);
	off_sacl = get_le32(buf + 12);
	off_dacl = get_le32(buf + 16);
	status = sid_at(sd, buf, len, off_owner, &sd->owner);
	if (NT_STATUS_IS_OK(status))
		status = sid_at(sd, buf, len, off_group, &sd->group);
	/* an offset without its PRESENT bit means nothing (MS-DTYP 2.4.6) */
	if (NT_STATUS_IS_OK(status) && (sd->control & SEC_SACL_PRESENT))
		status = acl_at(sd, buf, len, off_sacl, &sd->sacl);
	if (NT_STATUS_IS_OK(status) && (sd->control & SEC_DACL_PRESENT))
		status = acl_at(sd, buf, len, off_dacl, &sd->dacl);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(sd);
		return status;
	}
	sd->control |= SEC_SELF_RELATIVE;
	*out = sd;
	return NT_STATUS_OK;
}

#define DACL_CONTROL                                                           \
	(SEC_DACL_PRESENT | SEC_DACL_DEFAULTED | SEC_DACL_AUTO_INHERIT_REQ |   \
	 SEC_DACL_AUTO_INHERITED | SEC_DACL_PROTECTED | SEC_DACL_TRUSTED)
#define SACL_CONTROL                                                           \
	(SEC_SACL_PRESENT | SEC_SACL_DEFAULTED | SEC_SACL_AUTO_INHERIT_REQ |   \
	 SEC_SACL_AUTO_INHERITED | SEC_SACL_PROTECTED)

void sec_desc_encode(struct wire_wr *w, const struct sec_desc *sd,
		     uint32_t secinfo)
{
	const struct sec_sid *owner = secinfo & SEC_INFO_OWNER ? sd->owner
							       : NULL;
	const struct sec_sid *group = secinfo & SEC_INFO_GROUP ? sd->group
							       : NULL;
	bool want_sacl = secinfo & (SEC_INFO_SACL | SEC_INFO_LABEL);
	const struct sec_acl *sacl = want_sacl ? sd->sacl : NULL;
	const struct sec_acl *dacl = secinfo & SEC_INFO_DACL ? sd->dacl : NULL;
	uint16_t control = sd->control | SEC_SELF_RELATIVE;
	size_t at = SD_HEADER_SIZE;
	uint32_t off_sacl = 0, off_dacl = 0, off_owner = 0, off_group = 0;

	if (!(secinfo & SEC_INFO_OWNER))
		control &= ~SEC_OWNER_DEFAULTED;
	if (!(secinfo & SEC_INFO_GROUP))
		control &= ~SEC_GROUP_DEFAULTED;
	if (!(secinfo & SEC_INFO_DACL))
		control &= ~DACL_CONTROL;
	if (!want_sacl)
		control &= ~SACL_CONTROL;
	/* Windows lays the parts out as SACL, DACL, owner, group */
	if (sacl) {
		off_sacl = (uint32_t)at;
		at += acl_size(sacl);
	}
	if (dacl) {
		off_dacl = (uint32_t)at;
		at += acl_size(dacl);
	}
	if (owner) {
		off_owner = (uint32_t)at;
		at += sec_sid_size(owner);
	}
	if (group)
		off_group = (uint32_t)at;
	wire_wr_u8(w, sd->revision ? sd->revision : 1);
	wire_wr_u8(w, sd->sbz1);
	wire_wr_u16(w, control);
	wire_wr_u32(w, off_owner);
	wire_wr_u32(w, off_group);
	wire_wr_u32(w, off_sacl);
	wire_wr_u32(w, off_dacl);
	if (sacl)
		acl_encode(w, sacl);
	if (dacl)
		acl_encode(w, dacl);
	if (owner)
		sec_sid_encode(w, owner);
	if (group)
		sec_sid_encode(w, group);
}

static struct sec_sid *sid_dup(TALLOC_CTX *mem_ctx, const struct sec_sid *s)
{
	return s ? talloc_memdup(mem_ctx, s, sizeof(*s)) : NULL;
}

struct sec_desc *sec_desc_copy(TALLOC_CTX *mem_ctx, const struct sec_desc *sd)
{
	struct sec_desc *c = talloc_zero(mem_ctx, struct sec_desc);

	if (!c)
		return NULL;
	*c = *sd;
	c->owner = sid_dup(c, sd->owner);
	c->group = sid_dup(c, sd->group);
	c->sacl = sd->sacl ? sec_acl_copy(c, sd->sacl) : NULL;
	c->dacl = sd->dacl ? sec_acl_copy(c, sd->dacl) : NULL;
	if ((sd->owner && !c->owner) || (sd->group && !c->group) ||
	    (sd->sacl && !c->sacl) || (sd->dacl && !c->dacl)) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

/* The SACL of upd with the label ACEs of old (or the reverse when only
 * the label is set): SACL and label are set independently. */
static NTSTATUS merge_sacl(struct sec_desc *sd, const struct sec_desc *upd,
			   uint32_t secinfo)
{
	bool set_sacl = secinfo & SEC_INFO_SACL;
	bool set_label = secinfo & SEC_INFO_LABEL;
	const struct sec_acl *old = sd->sacl;
	struct sec_acl *n = talloc_zero(sd, struct sec_acl);

	if (!n)
		return NT_STATUS_NO_MEMORY;
	n->revision = ACL_REVISION_NT4;
	for (int pass = 0; pass < 2; pass++) {
		const struct sec_acl *src = pass == 0 ? old : upd->sacl;

		for (unsigned i = 0; src && i < src->n_aces; i++) {
			bool label = src->aces[i].type ==
				     SEC_ACE_MANDATORY_LABEL;
			bool from_upd = pass == 1;
			bool take = label ? (set_label == from_upd)
					  : (set_sacl == from_upd);

			if (take && !sec_acl_add(n, &src->aces[i]))
				return NT_STATUS_NO_MEMORY;
		}
	}
	sd->sacl = n;
	sd->control &= ~SACL_CONTROL;
	if (n->n_aces || (set_sacl && (upd->control & SEC_SACL_PRESENT)))
		sd->control |= SEC_SACL_PRESENT;
	if (set_sacl)
		sd->control |= upd->control & (SACL_CONTROL & ~SEC_SACL_PRESENT);
	if (!(sd->control & SEC_SACL_PRESENT))
		sd->sacl = NULL;
	return NT_STATUS_OK;
}

NTSTATUS sec_desc_merge(TALLOC_CTX *mem_ctx, struct sec_desc **sdp,
			const struct sec_desc *upd, uint32_t secinfo)
{
	struct sec_desc *sd = sec_desc_copy(mem_ctx, *sdp);

	if (!sd)
		return NT_STATUS_NO_MEMORY;
	/* an owner or group left out of the update stays as it is */
	if ((secinfo & SEC_INFO_OWNER) && upd->owner) {
		sd->owner = sid_dup(sd, upd->owner);
		if (!sd->owner)
			return NT_STATUS_NO_MEMORY;
		sd->control &= ~SEC_OWNER_DEFAULTED;
	}
	if ((secinfo & SEC_INFO_GROUP) && upd->group) {
		sd->group = sid_dup(sd, upd->group);
		if (!sd->group)
			return NT_STATUS_NO_MEMORY;
		sd->control &= ~SEC_GROUP_DEFAULTED;
	}
	if (secinfo & SEC_INFO_DACL) {
		/* no DACL in the update is the NULL DACL, as on Windows */
		sd->dacl = upd->dacl ? sec_acl_copy(sd, upd->dacl) : NULL;
		if (upd->dacl && !sd->dacl)
			return NT_STATUS_NO_MEMORY;
		sd->control &= ~DACL_CONTROL;
		sd->control |= (upd->control & DACL_CONTROL) | SEC_DACL_PRESENT;
	}
	if (secinfo & (SEC_INFO_SACL | SEC_INFO_LABEL)) {
		NTSTATUS status = merge_sacl(sd, upd, secinfo);

		if (!NT_STATUS_IS_OK(status))
			return status;
	}
	sd->control &= ~(SEC_DACL_AUTO_INHERIT_REQ | SEC_SACL_AUTO_INHERIT_REQ);
	*sdp = sd;
	return NT_STATUS_OK;
}

/* ---- access check (MS-DTYP 2.5.3.2) ---- */

uint32_t sec_map_generic(uint32_t a)
{
	if (a & GENERIC_READ)
		a |= FILE_GENERIC_READ;
	if (a & GENERIC_WRITE)
		a |= FILE_GENERIC_WRITE;
	if (a & GENERIC_EXECUTE)
		a |= FILE_GENERIC_EXECUTE;
	if (a & GENERIC_ALL)
		a |= FILE_ALL_ACCESS;
	return a & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE |
		     GENERIC_ALL);
}

static void acl_map_generic(struct sec_acl *acl)
{
	for (unsigned i = 0; acl && i < acl->n_aces; i++)
		if (!(acl->aces[i].flags & SEC_ACE_INHERIT_ONLY))
			acl->aces[i].mask = sec_map_generic(acl->aces[i].mask);
}

void sec_desc_map_generic(struct sec_desc *sd)
{
	acl_map_generic(sd->dacl);
	acl_map_generic(sd->sacl);
}

bool sec_token_has_sid(const struct sec_token *tok, const struct sec_sid *sid)
{
	for (size_t i = 0; i < tok->n_sids; i++)
		if (sec_sid_equal(&tok->sids[i], sid))
			return true;
	return false;
}

/* The ACE applies to this object for this token. */
static bool ace_applies(const struct sec_ace *ace, const struct sec_token *tok)
{
	if (ace->flags & SEC_ACE_INHERIT_ONLY)
		return false;
	return sec_token_has_sid(tok, &ace->sid);
}

/*
 * Walks the DACL once, as the MAXIMUM_ALLOWED branch of MS-DTYP 2.5.3.2
 * does: a right is granted by the first ACE naming it for one of the
 * token's SIDs, and denied likewise. The owner's implicit READ_CONTROL and
 * WRITE_DAC count unless an OWNER RIGHTS ACE is present.
 */
uint32_t sec_max_access(const struct sec_desc *sd, const struct sec_token *tok)
{
	uint32_t granted = 0, denied = 0;
	bool owner_rights = false;
	const struct sec_acl *dacl = sd->dacl;

	if (!(sd->control & SEC_DACL_PRESENT) || !dacl)
		return FILE_ALL_ACCESS; /* NULL DACL */
	for (unsigned i = 0; i < dacl->n_aces; i++)
		if (!(dacl->aces[i].flags & SEC_ACE_INHERIT_ONLY) &&
		    sec_sid_equal(&dacl->aces[i].sid, &sec_sid_owner_rights))
			owner_rights = true;
	if (sd->owner && sec_token_has_sid(tok, sd->owner)) {
		if (!owner_rights)
			granted |= READ_CONTROL | WRITE_DAC;
	}
	for (unsigned i = 0; i < dacl->n_aces; i++) {
		const struct sec_ace *ace = &dacl->aces[i];
		bool match = ace_applies(ace, tok);
		uint32_t mask = sec_map_generic(ace->mask);

		/* OWNER RIGHTS stands for the owner (MS-DTYP 2.5.3.2) */
		if (!match && sd->owner && !(ace->flags & SEC_ACE_INHERIT_ONLY) &&
		    sec_sid_equal(&ace->sid, &sec_sid_owner_rights))
			match = sec_token_has_sid(tok, sd->owner);
		if (!match)
			continue;
		if (ace->type == SEC_ACE_ALLOWED)
			granted |= mask & ~denied;
		else if (ace->type == SEC_ACE_DENIED)
			denied |= mask & ~granted;
	}
	return granted;
}

NTSTATUS sec_access_check(const struct sec_desc *sd,
			  const struct sec_token *tok, uint32_t desired,
			  uint32_t *granted)
{
	uint32_t want = sec_map_generic(desired) & ~MAXIMUM_ALLOWED;
	uint32_t have = sec_max_access(sd, tok);

	if (want & ACCESS_SYSTEM_SECURITY) {
		if (!(tok->privileges & SEC_PRIV_SECURITY))
			return NT_STATUS_PRIVILEGE_NOT_HELD;
		have |= ACCESS_SYSTEM_SECURITY;
	}
	if (tok->privileges & SEC_PRIV_TAKE_OWNERSHIP)
		have |= WRITE_OWNER;
	if (tok->privileges & SEC_PRIV_BACKUP)
		have |= READ_CONTROL | ACCESS_SYSTEM_SECURITY | FILE_GENERIC_READ |
			FILE_TRAVERSE;
	if (tok->privileges & SEC_PRIV_RESTORE)
		have |= WRITE_DAC | WRITE_OWNER | DELETE_ACCESS |
			FILE_GENERIC_WRITE | FILE_ADD_SUBDIRECTORY;
	/* SYNCHRONIZE is granted to anyone who can open at all */
	if ((want & ~have & ~SYNCHRONIZE) != 0)
		return NT_STATUS_ACCESS_DENIED;
	if (desired & MAXIMUM_ALLOWED) {
		uint32_t all = (have & FILE_ALL_ACCESS) | want;

		if (all == 0)
			return NT_STATUS_ACCESS_DENIED;
		*granted = all;
	} else {
		*granted = want;
	}
	return NT_STATUS_OK;
}

/* ---- inheritance (MS-DTYP 2.5.3.4.2 / 2.5.3.4.3) ---- */

static bool sid_is_creator(const struct sec_sid *sid)
{
	return sec_sid_equal(sid, &sec_sid_creator_owner) ||
	       sec_sid_equal(sid, &sec_sid_creator_group);
}

/* The effective form of an inherited ACE: creator SIDs replaced by the
 * new object's owner and group, generic rights mapped. */
static void make_effective(struct sec_ace *ace, const struct sec_sid *owner,
			   const struct sec_sid *group)
{
	if (sec_sid_equal(&ace->sid, &sec_sid_creator_owner) && owner)
		ace->sid = *owner;
	else if (sec_sid_equal(&ace->sid, &sec_sid_creator_group) && group)
		ace->sid = *group;
	ace->mask = sec_map_generic(ace->mask);
}

static bool inherit_one(struct sec_acl *out, const struct sec_ace *pace,
			bool is_dir, const struct sec_sid *owner,
			const struct sec_sid *group)
{
	struct sec_ace ace = *pace;
	uint8_t f = pace->flags;
	bool generic = (pace->mask & (GENERIC_READ | GENERIC_WRITE |
				      GENERIC_EXECUTE | GENERIC_ALL)) != 0;

	if (!is_dir) {
		if (!(f & SEC_ACE_OBJECT_INHERIT))
			return true;
		ace.flags = (uint8_t)((f & ~ACE_INHERIT_FLAGS) |
				      SEC_ACE_INHERITED);
		make_effective(&ace, owner, group);
		return sec_acl_add(out, &ace);
	}
	if (!(f & (SEC_ACE_OBJECT_INHERIT | SEC_ACE_CONTAINER_INHERIT)))
		return true;
	if (f & SEC_ACE_NO_PROPAGATE) {
		if (!(f & SEC_ACE_CONTAINER_INHERIT))
			return true;
		ace.flags = (uint8_t)((f & ~ACE_INHERIT_FLAGS) |
				      SEC_ACE_INHERITED);
		make_effective(&ace, owner, group);
		return sec_acl_add(out, &ace);
	}
	if (!(f & SEC_ACE_CONTAINER_INHERIT)) {
		/* files only: carried down, not applied to the directory */
		ace.flags = (uint8_t)(f | SEC_ACE_INHERIT_ONLY |
				      SEC_ACE_INHERITED);
		return sec_acl_add(out, &ace);
	}
	if (generic || sid_is_creator(&pace->sid)) {
		/* split: an effective ACE here, the original to pass on */
		ace.flags = (uint8_t)((f & ~ACE_INHERIT_FLAGS) |
				      SEC_ACE_INHERITED);
		make_effective(&ace, owner, group);
		if (!sec_acl_add(out, &ace))
			return false;
		ace = *pace;
		ace.flags = (uint8_t)(f | SEC_ACE_INHERIT_ONLY |
				      SEC_ACE_INHERITED);
		return sec_acl_add(out, &ace);
	}
	ace.flags = (uint8_t)((f & ~SEC_ACE_INHERIT_ONLY) | SEC_ACE_INHERITED);
	return sec_acl_add(out, &ace);
}

/* The ACEs of parent_acl that a new child inherits; NULL on OOM. */
static struct sec_acl *inherit_acl(TALLOC_CTX *mem_ctx,
				   const struct sec_acl *parent_acl,
				   bool is_dir, const struct sec_sid *owner,
				   const struct sec_sid *group)
{
	struct sec_acl *acl = talloc_zero(mem_ctx, struct sec_acl);

	if (!acl)
		return NULL;
	acl->revision = ACL_REVISION_NT4;
	for (unsigned i = 0; parent_acl && i < parent_acl->n_aces; i++) {
		if (!inherit_one(acl, &parent_acl->aces[i], is_dir, owner,
				 group)) {
			talloc_free(acl);
			return NULL;
		}
	}
	return acl;
}

static struct sec_acl *default_dacl(TALLOC_CTX *mem_ctx,
				    const struct sec_sid *owner)
{
	struct sec_acl *acl = talloc_zero(mem_ctx, struct sec_acl);
	struct sec_ace ace = { .type = SEC_ACE_ALLOWED,
			       .mask = FILE_ALL_ACCESS };

	if (!acl)
		return NULL;
	acl->revision = ACL_REVISION_NT4;
	ace.sid = *owner;
	if (!sec_acl_add(acl, &ace))
		return NULL;
	ace.sid = sec_sid_system;
	if (!sec_acl_add(acl, &ace))
		return NULL;
	return acl;
}

/* DACL or SACL of a new object; *present false when it has none. */
static NTSTATUS inherit_part(struct sec_desc *sd, const struct sec_desc *parent,
			     const struct sec_desc *creator, bool dacl,
			     bool is_dir)
{
	uint16_t present = dacl ? SEC_DACL_PRESENT : SEC_SACL_PRESENT;
	uint16_t defaulted = dacl ? SEC_DACL_DEFAULTED : SEC_SACL_DEFAULTED;
	uint16_t auto_inh = dacl ? SEC_DACL_AUTO_INHERITED
				 : SEC_SACL_AUTO_INHERITED;
	uint16_t protect = dacl ? SEC_DACL_PROTECTED : SEC_SACL_PROTECTED;
	struct sec_acl **slot = dacl ? &sd->dacl : &sd->sacl;
	struct sec_acl *acl = NULL;

	if (creator && (creator->control & present) &&
	    !(creator->control & defaulted)) {
		const struct sec_acl *c = dacl ? creator->dacl : creator->sacl;

		/* an explicit ACL, the NULL DACL included, is taken as is */
		if (c && !(acl = sec_acl_copy(sd, c)))
			return NT_STATUS_NO_MEMORY;
		*slot = acl;
		sd->control |= present | (creator->control & protect);
		return NT_STATUS_OK;
	}
	if (parent && (parent->control & present)) {
		acl = inherit_acl(sd, dacl ? parent->dacl : parent->sacl,
				  is_dir, sd->owner, sd->group);
		if (!acl)
			return NT_STATUS_NO_MEMORY;
		if (acl->n_aces > 0) {
			*slot = acl;
			sd->control |= present;
			if (parent->control & auto_inh)
				sd->control |= auto_inh;
			return NT_STATUS_OK;
		}
		talloc_free(acl);
	}
	if (dacl) {
		*slot = default_dacl(sd, sd->owner);
		if (!*slot)
			return NT_STATUS_NO_MEMORY;
		sd->control |= present;
	}
	return NT_STATUS_OK;
}

NTSTATUS sec_desc_inherit(TALLOC_CTX *mem_ctx, const struct sec_desc *parent,
			  const struct sec_desc *creator, bool is_dir,
			  const struct sec_token *tok, struct sec_desc **out)
{
	struct sec_desc *sd = talloc_zero(mem_ctx, struct sec_desc);
	const struct sec_sid *owner, *group;
	NTSTATUS status;

	if (!sd)
		return NT_STATUS_NO_MEMORY;
	sd->revision = 1;
	sd->control = SEC_SELF_RELATIVE;
	owner = creator && creator->owner ? creator->owner : &tok->sids[0];
	group = creator && creator->group ? creator->group
					  : &tok->sids[tok->primary_group];
	sd->owner = sid_dup(sd, owner);
	sd->group = sid_dup(sd, group);
	if (!sd->owner || !sd->group) {
		talloc_free(sd);
		return NT_STATUS_NO_MEMORY;
	}
	status = inherit_part(sd, parent, creator, true, is_dir);
	if (NT_STATUS_IS_OK(status))
		status = inherit_part(sd, parent, creator, false, is_dir);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(sd);
		return status;
	}
	*out = sd;
	return NT_STATUS_OK;
}
