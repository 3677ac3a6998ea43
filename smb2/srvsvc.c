/*
 * srvsvc (MS-SRVS): the share and server queries a client makes to browse
 * a server. NetrShareEnum (3.1.4.8, "NetShareEnumAll" in Samba's naming),
 * NetrShareEnumSticky (3.1.4.9), NetrShareGetInfo (3.1.4.10) and
 * NetrServerGetInfo (3.1.4.17), marshalled in NDR by hand; every other
 * operation answers nca_s_op_rng_error.
 */
#include <string.h>

#include "smb2/ipc.h"
#include "vfs/unicode.h"

#define PLATFORM_ID_NT 500
#define SERVER_VERSION_MAJOR 10
#define SERVER_VERSION_MINOR 0
/* SV_TYPE_WORKSTATION | SV_TYPE_SERVER | SV_TYPE_NT | SV_TYPE_SERVER_NT */
#define SERVER_TYPE 0x00009003u
#define SERVER_COMMENT "usmbd"
#define SHI_USES_UNLIMITED 0xffffffffu

static bool level_in(uint32_t level, const uint32_t *arms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (arms[i] == level)
			return true;
	return false;
}

/* the arms of SHARE_ENUM_UNION and SHARE_INFO (MS-SRVS 2.2.3.5, 2.2.3.6):
 * each a pointer, so an unserved one still marshals as NULL */
static const uint32_t share_enum_arms[] = { 0, 1, 2, 501, 502, 503 };
static const uint32_t share_info_arms[] = { 0,   1,    2,    501,  502,
					    503, 1004, 1005, 1006, 1501 };
/* levels that reveal server paths or security descriptors: Windows gives
 * them to administrators only, and this server has none */
static const uint32_t share_admin_levels[] = { 2, 502, 503, 1501 };
static const uint32_t server_info_arms[] = {
	100,  101,  102,  103,  502,  503,  599,  1005, 1010, 1016,
	1017, 1018, 1107, 1501, 1502, 1503, 1506, 1510, 1511, 1512,
};

#define ARMS(a) (a), sizeof(a) / sizeof((a)[0])

static uint32_t share_type(const struct conf_share *s)
{
	return s->is_ipc ? (STYPE_IPC | STYPE_SPECIAL) : STYPE_DISKTREE;
}

static const char *share_remark(const struct conf_share *s)
{
	return s->comment ? s->comment : "";
}

/*
 * One SHARE_INFO_<level> structure: deferred false pushes the inline part
 * (pointers and numbers), true the strings its pointers refer to, as NDR
 * places embedded referents after the whole array (C706 14.3.12.3).
 */
static void push_share(struct ndr_push *out, uint32_t level,
		       const struct conf_share *s, bool deferred)
{
	switch (level) {
	case 0:
		if (deferred)
			ndr_push_string(out, s->name);
		else
			ndr_push_ptr(out, true);
		break;
	case 1:
	case 501:
		if (deferred) {
			ndr_push_string(out, s->name);
			ndr_push_string(out, share_remark(s));
			break;
		}
		ndr_push_ptr(out, true);
		ndr_push_u32(out, share_type(s));
		ndr_push_ptr(out, true);
		if (level == 501)
			ndr_push_u32(out, 0); /* shi501_flags: manual CSC */
		break;
	case 1004:
		if (deferred)
			ndr_push_string(out, share_remark(s));
		else
			ndr_push_ptr(out, true);
		break;
	case 1005:
		if (!deferred)
			ndr_push_u32(out, 0); /* shi1005_flags */
		break;
	case 1006:
		if (!deferred)
			ndr_push_u32(out, SHI_USES_UNLIMITED);
		break;
	}
}

static bool share_level_served(uint32_t level)
{
	return level == 0 || level == 1 || level == 501 || level == 1004 ||
	       level == 1005 || level == 1006;
}

/* [in, string, unique] SRVSVC_HANDLE ServerName; the value is not used */
static void pull_server_name(struct ndr_pull *in, TALLOC_CTX *mem_ctx)
{
	if (ndr_pull_ptr(in))
		ndr_pull_string(in, mem_ctx);
}

/* Special shares (IPC$, names ending in '$') are not sticky. */
static bool share_sticky(const struct conf_share *s)
{
	size_t len = strlen(s->name);

	return !s->is_ipc && !(len > 0 && s->name[len - 1] == '$');
}

/*
 * MS-SRVS 3.1.4.8 NetrShareEnum, and 3.1.4.9 NetrShareEnumSticky (the
 * same call on the shares kept across restarts: here, all but special
 * ones).
 */
static uint32_t share_enum(const struct srvsvc_ctx *c, TALLOC_CTX *mem_ctx,
			   struct ndr_pull *in, struct ndr_push *out,
			   bool sticky_only)
{
	uint32_t level, tag, ctr_ptr = 0, resume_ptr, resume = 0;
	uint32_t werr = SRVSVC_WERR_OK;
	const struct conf_share **list;
	size_t total = 0, first, n;
	bool has_arm;

	pull_server_name(in, mem_ctx);
	level = ndr_pull_u32(in);
	tag = ndr_pull_u32(in);
	has_arm = level_in(level, ARMS(share_enum_arms));
	if (has_arm) {
		ctr_ptr = ndr_pull_ptr(in);
		/* a client sends an empty container: EntriesRead, NULL */
		if (ctr_ptr) {
			ndr_pull_u32(in);
			if (ndr_pull_ptr(in))
				return DCERPC_NCA_S_FAULT_NDR;
		}
	}
	ndr_pull_u32(in); /* PreferedMaximumLength: everything fits */
	resume_ptr = ndr_pull_ptr(in);
	if (resume_ptr)
		resume = ndr_pull_u32(in);
	if (in->r.err || tag != level)
		return DCERPC_NCA_S_FAULT_NDR;

	list = talloc_array(mem_ctx, const struct conf_share *,
			    c->n_shares + 1);
	if (!list)
		return DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY;
	for (size_t i = 0; i < c->n_shares; i++)
		if (!sticky_only || share_sticky(&c->shares[i]))
			list[total++] = &c->shares[i];
	first = resume < total ? resume : total;
	n = total - first;
	if (!has_arm || (sticky_only && level == 501))
		werr = SRVSVC_WERR_INVALID_LEVEL;
	else if (level_in(level, ARMS(share_admin_levels)))
		werr = SRVSVC_WERR_ACCESS_DENIED;

	ndr_push_u32(out, level);
	ndr_push_u32(out, level); /* the union's discriminant */
	if (has_arm) {
		ndr_push_ptr(out, werr == SRVSVC_WERR_OK);
		if (werr == SRVSVC_WERR_OK) {
			ndr_push_u32(out, (uint32_t)n); /* EntriesRead */
			ndr_push_ptr(out, n > 0);
			if (n > 0) {
				ndr_push_u32(out, (uint32_t)n); /* size_is */
				for (size_t i = first; i < total; i++)
					push_share(out, level, list[i], false);
				for (size_t i = first; i < total; i++)
					push_share(out, level, list[i], true);
			}
		}
	}
	ndr_push_u32(out, werr == SRVSVC_WERR_OK ? (uint32_t)total : 0);
	ndr_push_ptr(out, resume_ptr != 0);
	if (resume_ptr)
		ndr_push_u32(out, 0); /* nothing left to resume */
	ndr_push_u32(out, werr);
	return 0;
}

/* MS-SRVS 3.1.4.10 */
static uint32_t share_get_info(const struct srvsvc_ctx *c, TALLOC_CTX *mem_ctx,
			       struct ndr_pull *in, struct ndr_push *out)
{
	const struct conf_share *s = NULL;
	uint32_t level, werr = SRVSVC_WERR_OK;
	bool has_arm;
	char *name;

	pull_server_name(in, mem_ctx);
	name = ndr_pull_string(in, mem_ctx);
	level = ndr_pull_u32(in);
	if (in->r.err || !name)
		return DCERPC_NCA_S_FAULT_NDR;
	for (size_t i = 0; i < c->n_shares && !s; i++)
		if (name_equal_ci(c->shares[i].name, name))
			s = &c->shares[i];

	has_arm = level_in(level, ARMS(share_info_arms));
	if (!has_arm)
		werr = SRVSVC_WERR_INVALID_LEVEL;
	else if (!s)
		werr = SRVSVC_WERR_NET_NAME_NOT_FOUND;
	else if (level_in(level, ARMS(share_admin_levels)))
		werr = SRVSVC_WERR_ACCESS_DENIED;
	else if (!share_level_served(level))
		werr = SRVSVC_WERR_INVALID_LEVEL;

	ndr_push_u32(out, level); /* discriminant of [out] SHARE_INFO */
	if (has_arm) {
		ndr_push_ptr(out, werr == SRVSVC_WERR_OK);
		if (werr == SRVSVC_WERR_OK) {
			push_share(out, level, s, false);
			push_share(out, level, s, true);
		}
	}
	ndr_push_u32(out, werr);
	return 0;
}

static void push_server_info(const struct srvsvc_ctx *c, struct ndr_push *out,
			     uint32_t level)
{
	ndr_push_u32(out, PLATFORM_ID_NT);
	ndr_push_ptr(out, true); /* name */
	if (level >= 101) {
		ndr_push_u32(out, SERVER_VERSION_MAJOR);
		ndr_push_u32(out, SERVER_VERSION_MINOR);
		ndr_push_u32(out, SERVER_TYPE);
		ndr_push_ptr(out, true); /* comment */
	}
	if (level == 102) {
		ndr_push_u32(out, 0);	       /* users */
		ndr_push_u32(out, 0xffffffff); /* disc: never */
		ndr_push_u32(out, 0);	       /* hidden */
		ndr_push_u32(out, 240);	       /* announce, seconds */
		ndr_push_u32(out, 3000);       /* anndelta, ms */
		ndr_push_u32(out, 0);	       /* licenses */
		ndr_push_ptr(out, true);       /* userpath */
	}
	ndr_push_string(out, c->server_name ? c->server_name : "");
	if (level >= 101)
		ndr_push_string(out, SERVER_COMMENT);
	if (level == 102)
		ndr_push_string(out, "C:\\");
}

/* MS-SRVS 3.1.4.17 */
static uint32_t server_get_info(const struct srvsvc_ctx *c,
				TALLOC_CTX *mem_ctx, struct ndr_pull *in,
				struct ndr_push *out)
{
	uint32_t level;
	bool has_arm, served;

	pull_server_name(in, mem_ctx);
	level = ndr_pull_u32(in);
	if (in->r.err)
		return DCERPC_NCA_S_FAULT_NDR;
	has_arm = level_in(level, ARMS(server_info_arms));
	served = level == 100 || level == 101 || level == 102;

	ndr_push_u32(out, level);
	if (has_arm) {
		ndr_push_ptr(out, served);
		if (served)
			push_server_info(c, out, level);
	}
	ndr_push_u32(out, served ? SRVSVC_WERR_OK : SRVSVC_WERR_INVALID_LEVEL);
	return 0;
}

static uint32_t srvsvc_dispatch(void *private_data, TALLOC_CTX *mem_ctx,
				uint16_t opnum, const uint8_t *stub,
				size_t len, struct ndr_push *out)
{
	const struct srvsvc_ctx *c = private_data;
	struct ndr_pull in;

	ndr_pull_init(&in, stub, len);
	switch (opnum) {
	case SRVSVC_OPNUM_NETR_SHARE_ENUM:
		return share_enum(c, mem_ctx, &in, out, false);
	case SRVSVC_OPNUM_NETR_SHARE_ENUM_STICKY:
		return share_enum(c, mem_ctx, &in, out, true);
	case SRVSVC_OPNUM_NETR_SHARE_GET_INFO:
		return share_get_info(c, mem_ctx, &in, out);
	case SRVSVC_OPNUM_NETR_SERVER_GET_INFO:
		return server_get_info(c, mem_ctx, &in, out);
	default:
		return DCERPC_NCA_S_OP_RNG_ERROR;
	}
}

const struct dcerpc_iface srvsvc_iface = {
	.name = "srvsvc",
	.syntax = {
		.uuid = { { 0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01,
			    0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88 } },
		.version = 3,
	},
	.dispatch = srvsvc_dispatch,
};
