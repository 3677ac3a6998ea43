/*
 * Security descriptors (smb2/secdesc.c): the SID string and binary forms
 * of MS-DTYP 2.4.2, self-relative descriptors laid out as Windows sends
 * them (MS-DTYP 2.4.6), the access check of MS-DTYP 2.5.3.2 and the
 * inheritance rules of 2.5.3.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "smb2/secdesc.h"
#include "smb2/smb2_proto.h"

/* S-1-5-32-544 as MS-DTYP 2.4.2.2 lays it out */
static const uint8_t sid_admins[] = { 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
				      0x00, 0x05, 0x20, 0x00, 0x00, 0x00,
				      0x20, 0x02, 0x00, 0x00 };

/* O:BA G:SY D:(A;;FA;;;WD), in the Windows order DACL, owner, group */
static const uint8_t sd_simple[] = {
	0x01, 0x00, 0x04, 0x80, 0x30, 0x00, 0x00, 0x00, /* hdr, owner @48 */
	0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* group @64 */
	0x14, 0x00, 0x00, 0x00,				/* DACL @20 */
	0x02, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, /* ACL: 28, 1 ACE */
	0x00, 0x00, 0x14, 0x00, 0xff, 0x01, 0x1f, 0x00, /* allowed FA */
	0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* S-1-1-0 */
	0x00, 0x00, 0x00, 0x00,
	0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /* S-1-5-32-544 */
	0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
	0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /* S-1-5-18 */
	0x12, 0x00, 0x00, 0x00,
};

static struct sec_sid sid(const char *s)
{
	struct sec_sid out;

	assert_true(sec_sid_parse(s, &out));
	return out;
}

static void test_sid_strings(void **state)
{
	const char *good[] = {
		"S-1-1-0",
		"S-1-5-32-544",
		"S-1-5-21-1004336348-1177238915-682003330-512",
		/* Hyper-V's per-VM SIDs */
		"S-1-5-83-1-1419533446-1276209437-2461155215-2908331578",
		"S-1-5-80-0-1-2-3-4-5-6-7-8-9-10-11-12-13",
		"S-1-0x123456789abc-7",
	};
	const char *bad[] = { "", "S-", "S-1", "S-2-5", "S-1-5-", "S-1--5",
			      "S-1-5-4294967296", "S-1-281474976710656",
			      "X-1-5", "S-1-5-32-544 ",
			      "S-1-1-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16" };
	char buf[SEC_SID_STR_MAX];
	struct sec_sid s;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(sec_sid_parse(good[i], &s));
		sec_sid_string(&s, buf, sizeof(buf));
		assert_string_equal(buf, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(sec_sid_parse(bad[i], &s));
	/* the printed form never overruns a short buffer */
	s = sid("S-1-5-21-1004336348-1177238915-682003330-512");
	sec_sid_string(&s, buf, 12);
	assert_string_equal(buf, "S-1-5-21-10");
}

static void test_sid_binary(void **state)
{
	struct sec_sid s, admins = sid("S-1-5-32-544");
	struct wire_wr w;
	size_t used;

	(void)state;
	assert_true(sec_sid_equal(&admins, &sec_sid_administrators));
	assert_true(sec_sid_decode(sid_admins, sizeof(sid_admins), &s, &used));
	assert_int_equal(used, 16);
	assert_true(sec_sid_equal(&s, &admins));
	for (size_t n = 0; n < sizeof(sid_admins); n++)
		assert_false(sec_sid_decode(sid_admins, n, &s, &used));
	wire_wr_init(&w, NULL, 0);
	sec_sid_encode(&w, &admins);
	assert_int_equal(w.len, sizeof(sid_admins));
	assert_memory_equal(w.buf, sid_admins, sizeof(sid_admins));
	talloc_free(w.buf);
}

static void test_sd_roundtrip(void **state)
{
	struct sec_desc *sd;
	struct wire_wr w;

	(void)state;
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_decode(NULL, sd_simple, sizeof(sd_simple), &sd)));
	assert_true(sec_sid_equal(sd->owner, &sec_sid_administrators));
	assert_true(sec_sid_equal(sd->group, &sec_sid_system));
	assert_null(sd->sacl);
	assert_non_null(sd->dacl);
	assert_int_equal(sd->dacl->n_aces, 1);
	assert_int_equal(sd->dacl->aces[0].mask, FILE_ALL_ACCESS);
	assert_true(sec_sid_equal(&sd->dacl->aces[0].sid, &sec_sid_everyone));
	wire_wr_init(&w, sd, 0);
	sec_desc_encode(&w, sd, SEC_INFO_OWNER | SEC_INFO_GROUP |
				    SEC_INFO_DACL);
	assert_int_equal(w.len, sizeof(sd_simple));
	assert_memory_equal(w.buf, sd_simple, sizeof(sd_simple));

	/* only the owner: no DACL, and its control bits go with it */
	w.len = 0;
	sec_desc_encode(&w, sd, SEC_INFO_OWNER);
	assert_int_equal(w.len, 20 + 16);
	assert_int_equal(get_le16(w.buf + 2), SEC_SELF_RELATIVE);
	assert_int_equal(get_le32(w.buf + 4), 20);
	assert_int_equal(get_le32(w.buf + 16), 0);
	talloc_free(sd);
}

static void test_sd_malformed(void **state)
{
	uint8_t b[sizeof(sd_simple)];
	struct sec_desc *sd;

	(void)state;
	/* every truncation leaves some part outside the buffer */
	for (size_t n = 0; n < sizeof(sd_simple); n++)
		assert_false(NT_STATUS_IS_OK(
		    sec_desc_decode(NULL, sd_simple, n, &sd)));
	memcpy(b, sd_simple, sizeof(b));
	put_le32(b + 4, 0xfffffff0u); /* owner far outside */
	assert_false(NT_STATUS_IS_OK(sec_desc_decode(NULL, b, sizeof(b), &sd)));
	memcpy(b, sd_simple, sizeof(b));
	put_le32(b + 4, 8); /* owner inside the header */
	assert_false(NT_STATUS_IS_OK(sec_desc_decode(NULL, b, sizeof(b), &sd)));
	memcpy(b, sd_simple, sizeof(b));
	put_le16(b + 22, 0x200); /* ACL larger than the buffer */
	assert_false(NT_STATUS_IS_OK(sec_desc_decode(NULL, b, sizeof(b), &sd)));
	memcpy(b, sd_simple, sizeof(b));
	put_le16(b + 24, 2); /* two ACEs claimed, one present */
	assert_false(NT_STATUS_IS_OK(sec_desc_decode(NULL, b, sizeof(b), &sd)));
	memcpy(b, sd_simple, sizeof(b));
	put_le16(b + 30, 0x40); /* ACE overruns its ACL */
	assert_false(NT_STATUS_IS_OK(sec_desc_decode(NULL, b, sizeof(b), &sd)));
	memcpy(b, sd_simple, sizeof(b));
	b[37] = 16; /* SID with more sub-authorities than allowed */
	assert_false(NT_STATUS_IS_OK(sec_desc_decode(NULL, b, sizeof(b), &sd)));
	memcpy(b, sd_simple, sizeof(b));
	b[0] = 2; /* revision */
	assert_false(NT_STATUS_IS_OK(sec_desc_decode(NULL, b, sizeof(b), &sd)));
	/* a DACL offset without DACL_PRESENT is ignored */
	memcpy(b, sd_simple, sizeof(b));
	put_le16(b + 2, SEC_SELF_RELATIVE);
	assert_true(NT_STATUS_IS_OK(sec_desc_decode(NULL, b, sizeof(b), &sd)));
	assert_null(sd->dacl);
	talloc_free(sd);
}

/* An object ACE and a callback ACE come back byte for byte. */
static void test_opaque_aces(void **state)
{
	static const uint8_t sd_bytes[] = {
		0x01, 0x00, 0x04, 0x80, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00,
		0x04, 0x00, 0x48, 0x00, 0x02, 0x00, 0x00, 0x00, /* ACL rev 4 */
		/* ACCESS_ALLOWED_OBJECT: flags=1, one GUID, S-1-1-0 */
		0x05, 0x02, 0x28, 0x00, 0x10, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33,
		0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0xcc, 0xdd, 0xee, 0xff, 0x01, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		/* ACCESS_ALLOWED_CALLBACK: S-1-5-18, 4 bytes of data */
		0x09, 0x00, 0x18, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
		0x12, 0x00, 0x00, 0x00, 0x61, 0x72, 0x74, 0x78,
	};
	struct sec_desc *sd;
	struct wire_wr w;

	(void)state;
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_decode(NULL, sd_bytes, sizeof(sd_bytes), &sd)));
	assert_int_equal(sd->dacl->n_aces, 2);
	assert_int_equal(sd->dacl->aces[0].pre_len, 20);
	assert_true(sec_sid_equal(&sd->dacl->aces[0].sid, &sec_sid_everyone));
	assert_int_equal(sd->dacl->aces[1].post_len, 4);
	assert_true(sec_sid_equal(&sd->dacl->aces[1].sid, &sec_sid_system));
	wire_wr_init(&w, sd, 0);
	sec_desc_encode(&w, sd, SEC_INFO_DACL);
	assert_int_equal(w.len, sizeof(sd_bytes));
	assert_memory_equal(w.buf, sd_bytes, sizeof(sd_bytes));
	talloc_free(sd);
}

/* ---- access check ---- */

static struct sec_sid tok_sids[4];
static struct sec_token tok = { tok_sids, 4, 0, 0 };

static int setup_token(void **state)
{
	(void)state;
	tok_sids[0] = sid("S-1-5-21-1-2-3-1001");
	tok_sids[1] = sid("S-1-5-21-1-2-3-513");
	tok_sids[2] = sec_sid_everyone;
	tok_sids[3] = sec_sid_authenticated;
	tok.primary_group = 1;
	tok.privileges = 0;
	return 0;
}

static struct sec_desc *make_sd(const char *owner)
{
	struct sec_desc *sd = talloc_zero(NULL, struct sec_desc);

	sd->revision = 1;
	sd->control = SEC_SELF_RELATIVE | SEC_DACL_PRESENT;
	sd->owner = talloc(sd, struct sec_sid);
	*sd->owner = sid(owner);
	sd->dacl = talloc_zero(sd, struct sec_acl);
	sd->dacl->revision = 2;
	return sd;
}

static void add_ace(struct sec_acl *acl, uint8_t type, uint8_t flags,
		    uint32_t mask, const char *who)
{
	struct sec_ace ace = { .type = type, .flags = flags, .mask = mask };

	ace.sid = sid(who);
	assert_true(sec_acl_add(acl, &ace));
}

static void test_access_order(void **state)
{
	struct sec_desc *sd = make_sd("S-1-5-32-544");
	uint32_t granted;

	(void)state;
	/* a deny before the allow wins; the reverse order does not */
	add_ace(sd->dacl, SEC_ACE_DENIED, 0, FILE_WRITE_DATA, "S-1-1-0");
	add_ace(sd->dacl, SEC_ACE_ALLOWED, 0, GENERIC_ALL,
		"S-1-5-21-1-2-3-1001");
	assert_true(NT_STATUS_IS_OK(
	    sec_access_check(sd, &tok, FILE_READ_DATA, &granted)));
	assert_int_equal(granted, FILE_READ_DATA);
	assert_true(NT_STATUS_EQUAL(
	    sec_access_check(sd, &tok, FILE_WRITE_DATA, &granted),
	    NT_STATUS_ACCESS_DENIED));
	assert_true(NT_STATUS_IS_OK(
	    sec_access_check(sd, &tok, MAXIMUM_ALLOWED, &granted)));
	assert_int_equal(granted, FILE_ALL_ACCESS & ~FILE_WRITE_DATA);
	assert_true(NT_STATUS_EQUAL(
	    sec_access_check(sd, &tok, GENERIC_WRITE, &granted),
	    NT_STATUS_ACCESS_DENIED));

	sd->dacl->aces[0].type = SEC_ACE_ALLOWED;
	sd->dacl->aces[0].mask = FILE_READ_DATA;
	sd->dacl->aces[1].type = SEC_ACE_DENIED;
	assert_true(NT_STATUS_IS_OK(
	    sec_access_check(sd, &tok, FILE_READ_DATA, &granted)));
	assert_true(NT_STATUS_EQUAL(
	    sec_access_check(sd, &tok, FILE_READ_DATA | FILE_WRITE_DATA,
			     &granted),
	    NT_STATUS_ACCESS_DENIED));
	/* inherit-only ACEs and other SIDs do not count */
	sd->dacl->n_aces = 0;
	add_ace(sd->dacl, SEC_ACE_ALLOWED, SEC_ACE_INHERIT_ONLY |
		SEC_ACE_OBJECT_INHERIT, FILE_ALL_ACCESS, "S-1-1-0");
	add_ace(sd->dacl, SEC_ACE_ALLOWED, 0, FILE_ALL_ACCESS,
		"S-1-5-21-1-2-3-1002");
	assert_true(NT_STATUS_EQUAL(
	    sec_access_check(sd, &tok, MAXIMUM_ALLOWED, &granted),
	    NT_STATUS_ACCESS_DENIED));
	talloc_free(sd);
}

static void test_access_owner(void **state)
{
	struct sec_desc *sd = make_sd("S-1-5-21-1-2-3-1001");
	uint32_t granted;

	(void)state;
	/* an empty DACL leaves the owner READ_CONTROL and WRITE_DAC */
	assert_true(NT_STATUS_IS_OK(
	    sec_access_check(sd, &tok, MAXIMUM_ALLOWED, &granted)));
	assert_int_equal(granted, READ_CONTROL | WRITE_DAC);
	assert_true(NT_STATUS_EQUAL(
	    sec_access_check(sd, &tok, FILE_READ_DATA, &granted),
	    NT_STATUS_ACCESS_DENIED));
	/* an OWNER RIGHTS ACE replaces the implicit rights */
	add_ace(sd->dacl, SEC_ACE_ALLOWED, 0, FILE_READ_DATA, "S-1-3-4");
	assert_true(NT_STATUS_IS_OK(
	    sec_access_check(sd, &tok, MAXIMUM_ALLOWED, &granted)));
	assert_int_equal(granted, FILE_READ_DATA);
	/* the NULL DACL grants everything */
	sd->dacl = NULL;
	assert_true(NT_STATUS_IS_OK(
	    sec_access_check(sd, &tok, GENERIC_ALL, &granted)));
	assert_int_equal(granted, FILE_ALL_ACCESS);
	/* SACL access needs the privilege, whatever the DACL says */
	assert_true(NT_STATUS_EQUAL(
	    sec_access_check(sd, &tok, ACCESS_SYSTEM_SECURITY, &granted),
	    NT_STATUS_PRIVILEGE_NOT_HELD));
	tok.privileges = SEC_PRIV_SECURITY;
	assert_true(NT_STATUS_IS_OK(
	    sec_access_check(sd, &tok, ACCESS_SYSTEM_SECURITY, &granted)));
	tok.privileges = 0;
	talloc_free(sd);
}

/* ---- inheritance ---- */

static void test_inherit(void **state)
{
	struct sec_desc *parent = make_sd("S-1-5-32-544");
	struct sec_desc *sd;
	const struct sec_acl *a;

	(void)state;
	parent->control |= SEC_DACL_AUTO_INHERITED;
	add_ace(parent->dacl, SEC_ACE_ALLOWED, 0, FILE_ALL_ACCESS, "S-1-5-18");
	add_ace(parent->dacl, SEC_ACE_ALLOWED,
		SEC_ACE_OBJECT_INHERIT | SEC_ACE_CONTAINER_INHERIT |
		    SEC_ACE_INHERIT_ONLY,
		GENERIC_ALL, "S-1-3-0");
	add_ace(parent->dacl, SEC_ACE_ALLOWED, SEC_ACE_CONTAINER_INHERIT,
		FILE_READ_DATA, "S-1-5-11");
	add_ace(parent->dacl, SEC_ACE_DENIED, SEC_ACE_OBJECT_INHERIT,
		FILE_WRITE_DATA, "S-1-1-0");
	add_ace(parent->dacl, SEC_ACE_ALLOWED,
		SEC_ACE_CONTAINER_INHERIT | SEC_ACE_NO_PROPAGATE,
		FILE_EXECUTE, "S-1-5-32-545");

	/* a file: the object-inherit ACEs, effective, creator replaced */
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_inherit(NULL, parent, NULL, false, &tok, &sd)));
	assert_true(sec_sid_equal(sd->owner, &tok_sids[0]));
	assert_true(sec_sid_equal(sd->group, &tok_sids[1]));
	assert_true(sd->control & SEC_DACL_AUTO_INHERITED);
	a = sd->dacl;
	assert_int_equal(a->n_aces, 2);
	assert_true(sec_sid_equal(&a->aces[0].sid, &tok_sids[0]));
	assert_int_equal(a->aces[0].mask, FILE_ALL_ACCESS);
	assert_int_equal(a->aces[0].flags, SEC_ACE_INHERITED);
	assert_int_equal(a->aces[1].type, SEC_ACE_DENIED);
	assert_int_equal(a->aces[1].flags, SEC_ACE_INHERITED);
	talloc_free(sd);

	/* a directory: the creator ACE splits in two, object-inherit only
	 * ACEs pass on inherit-only, no-propagate ones stop here */
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_inherit(NULL, parent, NULL, true, &tok, &sd)));
	a = sd->dacl;
	assert_int_equal(a->n_aces, 5);
	assert_true(sec_sid_equal(&a->aces[0].sid, &tok_sids[0]));
	assert_int_equal(a->aces[0].flags, SEC_ACE_INHERITED);
	assert_int_equal(a->aces[0].mask, FILE_ALL_ACCESS);
	assert_true(sec_sid_equal(&a->aces[1].sid, &sec_sid_creator_owner));
	assert_int_equal(a->aces[1].mask, GENERIC_ALL);
	assert_int_equal(a->aces[1].flags,
			 SEC_ACE_OBJECT_INHERIT | SEC_ACE_CONTAINER_INHERIT |
			     SEC_ACE_INHERIT_ONLY | SEC_ACE_INHERITED);
	assert_int_equal(a->aces[2].flags,
			 SEC_ACE_CONTAINER_INHERIT | SEC_ACE_INHERITED);
	assert_int_equal(a->aces[3].flags,
			 SEC_ACE_OBJECT_INHERIT | SEC_ACE_INHERIT_ONLY |
			     SEC_ACE_INHERITED);
	assert_true(sec_sid_equal(&a->aces[4].sid, &sec_sid_users));
	assert_int_equal(a->aces[4].flags, SEC_ACE_INHERITED);
	talloc_free(sd);
	talloc_free(parent);
}

static void test_inherit_creator_and_default(void **state)
{
	struct sec_desc *parent = make_sd("S-1-5-32-544");
	struct sec_desc *creator = make_sd("S-1-5-21-9-9-9-500");
	struct sec_desc *sd;

	(void)state;
	add_ace(parent->dacl, SEC_ACE_ALLOWED, SEC_ACE_OBJECT_INHERIT,
		FILE_ALL_ACCESS, "S-1-1-0");
	add_ace(creator->dacl, SEC_ACE_ALLOWED, 0, FILE_READ_DATA,
		"S-1-5-83-1-2-3-4-5");
	/* an explicit DACL is taken as given, with the given owner */
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_inherit(NULL, parent, creator, false, &tok, &sd)));
	assert_true(sec_sid_equal(sd->owner, creator->owner));
	assert_int_equal(sd->dacl->n_aces, 1);
	assert_int_equal(sd->dacl->aces[0].flags, 0);
	talloc_free(sd);
	/* nothing inheritable: owner and SYSTEM get full control */
	parent->dacl->aces[0].flags = 0;
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_inherit(NULL, parent, NULL, false, &tok, &sd)));
	assert_int_equal(sd->dacl->n_aces, 2);
	assert_true(sec_sid_equal(&sd->dacl->aces[0].sid, &tok_sids[0]));
	assert_true(sec_sid_equal(&sd->dacl->aces[1].sid, &sec_sid_system));
	talloc_free(sd);
	talloc_free(creator);
	talloc_free(parent);
}

static void test_merge(void **state)
{
	struct sec_desc *sd = make_sd("S-1-5-32-544");
	struct sec_desc *upd = make_sd("S-1-5-21-1-2-3-1001");
	struct sec_desc *cur = sd;
	struct sec_ace label = { .type = SEC_ACE_MANDATORY_LABEL, .mask = 1 };

	(void)state;
	add_ace(sd->dacl, SEC_ACE_ALLOWED, 0, FILE_ALL_ACCESS, "S-1-1-0");
	sd->sacl = talloc_zero(sd, struct sec_acl);
	sd->sacl->revision = 2;
	label.sid = sid("S-1-16-8192");
	assert_true(sec_acl_add(sd->sacl, &label));
	sd->control |= SEC_SACL_PRESENT;
	add_ace(upd->dacl, SEC_ACE_DENIED, 0, FILE_READ_DATA, "S-1-1-0");
	upd->control |= SEC_DACL_PROTECTED;

	/* the DACL alone: owner and label stay */
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_merge(sd, &cur, upd, SEC_INFO_DACL)));
	assert_true(sec_sid_equal(cur->owner, &sec_sid_administrators));
	assert_int_equal(cur->dacl->aces[0].type, SEC_ACE_DENIED);
	assert_true(cur->control & SEC_DACL_PROTECTED);
	assert_int_equal(cur->sacl->n_aces, 1);
	/* the SACL alone keeps the label */
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_merge(sd, &cur, upd, SEC_INFO_SACL | SEC_INFO_OWNER)));
	assert_true(sec_sid_equal(cur->owner, upd->owner));
	assert_int_equal(cur->sacl->n_aces, 1);
	assert_int_equal(cur->sacl->aces[0].type, SEC_ACE_MANDATORY_LABEL);
	/* a DACL not present in the update is the NULL DACL */
	upd->control &= ~SEC_DACL_PRESENT;
	upd->dacl = NULL;
	assert_true(NT_STATUS_IS_OK(
	    sec_desc_merge(sd, &cur, upd, SEC_INFO_DACL)));
	assert_true(cur->control & SEC_DACL_PRESENT);
	assert_null(cur->dacl);
	talloc_free(upd);
	talloc_free(sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sid_strings),
		cmocka_unit_test(test_sid_binary),
		cmocka_unit_test(test_sd_roundtrip),
		cmocka_unit_test(test_sd_malformed),
		cmocka_unit_test(test_opaque_aces),
		cmocka_unit_test_setup(test_access_order, setup_token),
		cmocka_unit_test_setup(test_access_owner, setup_token),
		cmocka_unit_test_setup(test_inherit, setup_token),
		cmocka_unit_test_setup(test_inherit_creator_and_default,
				       setup_token),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
