/*
 * Self-relative security descriptors (MS-DTYP 2.4.6) as SET_INFO and
 * CREATE's SD context bring them: decode, and for what decodes, an encode
 * round trip that must decode to the same bytes again, the access check
 * (MS-DTYP 2.5.3.2) against a fixed token, and inheritance to a child.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "smb2/secdesc.h"
#include "smb2/smb2_proto.h"
#include "tests/fuzz/fuzz.h"

#define SECINFO_ALL (SEC_INFO_OWNER | SEC_INFO_GROUP | SEC_INFO_DACL | \
		     SEC_INFO_SACL)

#define READ_RIGHTS (FILE_READ_DATA | FILE_READ_ATTRIBUTES | READ_CONTROL | \
		     SYNCHRONIZE)

static struct sec_sid token_sids[4];
static struct sec_token token;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint32_t user[] = { 21, 1, 2, 3, 1000 };
	static const uint32_t group[] = { 21, 1, 2, 3, 513 };

	(void)argc;
	(void)argv;
	sec_sid_make(&token_sids[0], 5, 5, user);
	sec_sid_make(&token_sids[1], 5, 5, group);
	token_sids[2] = sec_sid_everyone;
	token_sids[3] = sec_sid_authenticated;
	token = (struct sec_token){ .sids = token_sids, .n_sids = 4,
				    .primary_group = 1 };
	return 0;
}

static void round_trip(void *mem, const struct sec_desc *sd)
{
	struct wire_wr w1, w2;
	struct sec_desc *again = NULL;

	wire_wr_init(&w1, mem, 256);
	sec_desc_encode(&w1, sd, SECINFO_ALL);
	if (w1.err)
		return;
	if (!NT_STATUS_IS_OK(sec_desc_decode(mem, w1.buf, w1.len, &again)))
		abort();
	/* Encoding is canonical: a second pass gives the same bytes. */
	wire_wr_init(&w2, mem, 256);
	sec_desc_encode(&w2, again, SECINFO_ALL);
	if (w2.err || w2.len != w1.len || memcmp(w1.buf, w2.buf, w1.len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	uint8_t *copy = fuzz_copy(mem, (struct wire_slice){ data, size });
	struct sec_desc *sd = NULL, *child = NULL;
	uint32_t granted = 0;
	NTSTATUS st;

	if (!token.n_sids)
		LLVMFuzzerInitialize(NULL, NULL);
	if (!NT_STATUS_IS_OK(sec_desc_decode(mem, copy, size, &sd)))
		goto out;
	round_trip(mem, sd);

	st = sec_access_check(sd, &token, READ_RIGHTS, &granted);
	if (NT_STATUS_IS_OK(st) && (granted & READ_RIGHTS) !=
				   READ_RIGHTS)
		abort();
	st = sec_access_check(sd, &token, MAXIMUM_ALLOWED, &granted);
	if (getenv("USMBD_FUZZ_LOG"))
		fprintf(stderr, "decoded; maximum allowed: 0x%08x (0x%08x)\n",
			granted, st.v);
	if (NT_STATUS_IS_OK(st) &&
	    (granted & ~sec_max_access(sd, &token)) != 0)
		abort();
	(void)sec_access_check(sd, &token, GENERIC_ALL | ACCESS_SYSTEM_SECURITY,
			       &granted);

	if (NT_STATUS_IS_OK(sec_desc_inherit(mem, sd, NULL, size & 1, &token,
					     &child)))
		round_trip(mem, child);
	sec_desc_map_generic(sd);
	round_trip(mem, sd);
out:
	talloc_free(mem);
	return 0;
}
