/*
 * Information class codecs: exact MS-FSCC byte layouts, buffer fitting,
 * directory entry chaining, security descriptor bytes and the SET_INFO
 * decoders on truncated input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smb2/smb2_info.h"
#include "smb2/smb2_proto.h"

/* "a.txt" in UTF-16LE */
static const uint8_t name_a_txt[] = { 'a', 0, '.', 0, 't', 0, 'x', 0, 't', 0 };

static struct vfs_stat sample_file(void)
{
	struct vfs_stat st = {
		.file_id = 0x1122334455667788ull,
		.dev = 7,
		.size = 5000,
		.alloc_size = 8192,
		.create_time = 0x01d0000000000001ull,
		.access_time = 0x01d0000000000002ull,
		.write_time = 0x01d0000000000003ull,
		.change_time = 0x01d0000000000004ull,
		.attributes = FILE_ATTRIBUTE_ARCHIVE,
		.nlink = 2,
		.is_dir = false,
	};
	return st;
}

static struct vfs_stat sample_dir(void)
{
	struct vfs_stat st = sample_file();

	st.size = 4096;
	st.alloc_size = 4096;
	st.attributes = FILE_ATTRIBUTE_DIRECTORY;
	st.nlink = 5;
	st.is_dir = true;
	return st;
}

static void check_times(const uint8_t *p, const struct vfs_stat *st)
{
	assert_int_equal(get_le64(p), st->create_time);
	assert_int_equal(get_le64(p + 8), st->access_time);
	assert_int_equal(get_le64(p + 16), st->write_time);
	assert_int_equal(get_le64(p + 24), st->change_time);
}

static struct wire_wr encode_file(void *ctx, uint8_t cls,
				  const struct smb2_info_file *f,
				  NTSTATUS expect)
{
	struct wire_wr w;

	wire_wr_init(&w, ctx, 0);
	NTSTATUS st = smb2_info_encode_file(&w, cls, f);
	assert_int_equal(NT_STATUS_V(st), NT_STATUS_V(expect));
	return w;
}

static void test_file_basic_standard(void **state)
{
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();
	struct smb2_info_file f = { .st = &st };
	struct wire_wr w;

	w = encode_file(ctx, FSCC_FILE_BASIC_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, FSCC_BASIC_SIZE);
	check_times(w.buf, &st);
	assert_int_equal(get_le32(w.buf + 32), FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(get_le32(w.buf + 36), 0);

	w = encode_file(ctx, FSCC_FILE_STANDARD_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, FSCC_STANDARD_SIZE);
	assert_int_equal(get_le64(w.buf), 8192);
	assert_int_equal(get_le64(w.buf + 8), 5000);
	assert_int_equal(get_le32(w.buf + 16), 2);
	assert_int_equal(w.buf[20], 0);
	assert_int_equal(w.buf[21], 0);

	/* delete pending: the link is gone, flag set */
	f.delete_pending = true;
	w = encode_file(ctx, FSCC_FILE_STANDARD_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(get_le32(w.buf + 16), 1);
	assert_int_equal(w.buf[20], 1);

	/* directories: no size, one link, Directory set */
	st = sample_dir();
	f.delete_pending = false;
	w = encode_file(ctx, FSCC_FILE_STANDARD_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(get_le64(w.buf), 0);
	assert_int_equal(get_le64(w.buf + 8), 0);
	assert_int_equal(get_le32(w.buf + 16), 1);
	assert_int_equal(w.buf[21], 1);
	talloc_free(ctx);
}

static void test_file_small_classes(void **state)
{
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();
	struct smb2_info_file f = {
		.st = &st,
		.access_mask = 0x0012019f,
		.position = 0x1234,
		.mode = FILE_SYNCHRONOUS_IO_NONALERT,
	};
	struct wire_wr w;

	w = encode_file(ctx, FSCC_FILE_INTERNAL_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, 8);
	assert_int_equal(get_le64(w.buf), st.file_id);
	w = encode_file(ctx, FSCC_FILE_EA_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, 4);
	assert_int_equal(get_le32(w.buf), 0);
	w = encode_file(ctx, FSCC_FILE_ACCESS_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, 4);
	assert_int_equal(get_le32(w.buf), 0x0012019f);
	w = encode_file(ctx, FSCC_FILE_POSITION_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, 8);
	assert_int_equal(get_le64(w.buf), 0x1234);
	w = encode_file(ctx, FSCC_FILE_MODE_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, 4);
	assert_int_equal(get_le32(w.buf), FILE_SYNCHRONOUS_IO_NONALERT);
	w = encode_file(ctx, FSCC_FILE_ALIGNMENT_INFORMATION, &f,
			NT_STATUS_OK);
	assert_int_equal(w.len, 4);
	w = encode_file(ctx, FSCC_FILE_COMPRESSION_INFORMATION, &f,
			NT_STATUS_OK);
	assert_int_equal(w.len, 16);
	assert_int_equal(get_le64(w.buf), 5000);
	assert_int_equal(get_le16(w.buf + 8), 0);
	w = encode_file(ctx, FSCC_FILE_ATTRIBUTE_TAG_INFORMATION, &f,
			NT_STATUS_OK);
	assert_int_equal(w.len, 8);
	assert_int_equal(get_le32(w.buf), FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(get_le32(w.buf + 4), 0);

	w = encode_file(ctx, FSCC_FILE_NETWORK_OPEN_INFORMATION, &f,
			NT_STATUS_OK);
	assert_int_equal(w.len, FSCC_NETWORK_OPEN_SIZE);
	check_times(w.buf, &st);
	assert_int_equal(get_le64(w.buf + 32), 8192);
	assert_int_equal(get_le64(w.buf + 40), 5000);
	assert_int_equal(get_le32(w.buf + 48), FILE_ATTRIBUTE_ARCHIVE);

	encode_file(ctx, FSCC_FILE_ALTERNATE_NAME_INFORMATION, &f,
		    NT_STATUS_OBJECT_NAME_NOT_FOUND);
	encode_file(ctx, FSCC_FILE_FULL_EA_INFORMATION, &f,
		    NT_STATUS_NO_EAS_ON_FILE);
	encode_file(ctx, 200, &f, NT_STATUS_INVALID_INFO_CLASS);
	/* set-only classes are not queryable */
	encode_file(ctx, FSCC_FILE_RENAME_INFORMATION, &f,
		    NT_STATUS_INVALID_INFO_CLASS);
	talloc_free(ctx);
}

static void test_file_all_and_name(void **state)
{
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();
	struct smb2_info_file f = {
		.st = &st,
		.access_mask = FILE_GENERIC_READ,
		.position = 77,
		.mode = FILE_WRITE_THROUGH,
		.name16 = name_a_txt,
		.name16_len = sizeof(name_a_txt),
	};
	struct wire_wr w;

	w = encode_file(ctx, FSCC_FILE_ALL_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, FSCC_ALL_FIXED_SIZE + sizeof(name_a_txt));
	check_times(w.buf, &st);
	assert_int_equal(get_le32(w.buf + 32), FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(get_le64(w.buf + 40), 8192); /* AllocationSize */
	assert_int_equal(get_le64(w.buf + 48), 5000); /* EndOfFile */
	assert_int_equal(get_le32(w.buf + 56), 2);    /* NumberOfLinks */
	assert_int_equal(get_le64(w.buf + 64), st.file_id);
	assert_int_equal(get_le32(w.buf + 72), 0); /* EaSize */
	assert_int_equal(get_le32(w.buf + 76), FILE_GENERIC_READ);
	assert_int_equal(get_le64(w.buf + 80), 77);
	assert_int_equal(get_le32(w.buf + 88), FILE_WRITE_THROUGH);
	assert_int_equal(get_le32(w.buf + 92), 0);
	assert_int_equal(get_le32(w.buf + 96), sizeof(name_a_txt));
	assert_memory_equal(w.buf + 100, name_a_txt, sizeof(name_a_txt));

	w = encode_file(ctx, FSCC_FILE_NAME_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, 4 + sizeof(name_a_txt));
	assert_int_equal(get_le32(w.buf), sizeof(name_a_txt));
	assert_memory_equal(w.buf + 4, name_a_txt, sizeof(name_a_txt));
	talloc_free(ctx);
}

static void test_file_streams(void **state)
{
	static const uint8_t data[] = { ':', 0, ':', 0, '$', 0, 'D', 0,
					'A', 0, 'T', 0, 'A', 0 };
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();
	struct smb2_info_file f = { .st = &st };
	struct wire_wr w;

	w = encode_file(ctx, FSCC_FILE_STREAM_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, FSCC_STREAM_FIXED_SIZE + sizeof(data));
	assert_int_equal(get_le32(w.buf), 0);
	assert_int_equal(get_le32(w.buf + 4), sizeof(data));
	assert_int_equal(get_le64(w.buf + 8), 5000);
	assert_int_equal(get_le64(w.buf + 16), 8192);
	assert_memory_equal(w.buf + 24, data, sizeof(data));

	st = sample_dir();
	w = encode_file(ctx, FSCC_FILE_STREAM_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, 0);
	talloc_free(ctx);
}

static struct wire_wr encode_fs(void *ctx, uint8_t cls,
				const struct smb2_info_fs *v)
{
	struct wire_wr w;

	wire_wr_init(&w, ctx, 0);
	assert_true(NT_STATUS_IS_OK(smb2_info_encode_fs(&w, cls, v)));
	return w;
}

static void test_fs_classes(void **state)
{
	static const uint8_t label[] = { 'd', 0, 'a', 0, 't', 0, 'a', 0 };
	static const uint8_t ntfs[] = { 'N', 0, 'T', 0, 'F', 0, 'S', 0 };
	void *ctx = talloc_new(NULL);
	struct vfs_fsinfo fs = {
		.total_bytes = 100ull * 4096,
		.free_bytes = 40ull * 4096 + 100,
		.block_size = 4096,
		.name_max = 255,
		.fsid = 0xaabbccdd00000011ull,
	};
	struct smb2_info_fs v = {
		.fs = &fs,
		.volume_create_time = 0x01d1000000000000ull,
		.label16 = label,
		.label16_len = sizeof(label),
	};
	struct wire_wr w;
	struct wire_wr bad;

	w = encode_fs(ctx, FSCC_FS_VOLUME_INFORMATION, &v);
	assert_int_equal(w.len, FSCC_FS_VOLUME_FIXED_SIZE + sizeof(label));
	assert_int_equal(get_le64(w.buf), v.volume_create_time);
	assert_int_equal(get_le32(w.buf + 8), 0xaabbccdd ^ 0x11);
	assert_int_equal(get_le32(w.buf + 12), sizeof(label));
	assert_int_equal(w.buf[16], 0);
	assert_memory_equal(w.buf + 18, label, sizeof(label));

	w = encode_fs(ctx, FSCC_FS_SIZE_INFORMATION, &v);
	assert_int_equal(w.len, 24);
	assert_int_equal(get_le64(w.buf), 100);
	assert_int_equal(get_le64(w.buf + 8), 40);
	assert_int_equal(get_le32(w.buf + 16), 8);   /* sectors per unit */
	assert_int_equal(get_le32(w.buf + 20), 512); /* bytes per sector */

	w = encode_fs(ctx, FSCC_FS_FULL_SIZE_INFORMATION, &v);
	assert_int_equal(w.len, 32);
	assert_int_equal(get_le64(w.buf), 100);
	assert_int_equal(get_le64(w.buf + 8), 40);
	assert_int_equal(get_le64(w.buf + 16), 40);
	assert_int_equal(get_le32(w.buf + 24), 8);
	assert_int_equal(get_le32(w.buf + 28), 512);

	w = encode_fs(ctx, FSCC_FS_DEVICE_INFORMATION, &v);
	assert_int_equal(w.len, 8);
	assert_int_equal(get_le32(w.buf), 7); /* FILE_DEVICE_DISK */

	w = encode_fs(ctx, FSCC_FS_ATTRIBUTE_INFORMATION, &v);
	assert_int_equal(w.len, FSCC_FS_ATTRIBUTE_FIXED_SIZE + sizeof(ntfs));
	assert_int_equal(get_le32(w.buf) & FILE_CASE_SENSITIVE_SEARCH, 0);
	assert_int_equal(get_le32(w.buf) & FILE_PERSISTENT_ACLS, 0);
	assert_int_not_equal(get_le32(w.buf) & FILE_CASE_PRESERVED_NAMES, 0);
	assert_int_equal(get_le32(w.buf + 4), 255);
	assert_int_equal(get_le32(w.buf + 8), sizeof(ntfs));
	assert_memory_equal(w.buf + 12, ntfs, sizeof(ntfs));

	w = encode_fs(ctx, FSCC_FS_SECTOR_SIZE_INFORMATION, &v);
	assert_int_equal(w.len, 28);
	assert_int_equal(get_le32(w.buf), 512);
	w = encode_fs(ctx, FSCC_FS_CONTROL_INFORMATION, &v);
	assert_int_equal(w.len, 48);
	w = encode_fs(ctx, FSCC_FS_OBJECT_ID_INFORMATION, &v);
	assert_int_equal(w.len, 64);

	wire_wr_init(&bad, ctx, 0);
	assert_int_equal(NT_STATUS_V(smb2_info_encode_fs(&bad, 2, &v)),
			 NT_STATUS_V(NT_STATUS_INVALID_INFO_CLASS));
	talloc_free(ctx);
}

static void expect_fit(uint8_t type, uint8_t cls, size_t full, uint32_t out,
		       NTSTATUS expect, size_t expect_len)
{
	size_t len = 12345;
	NTSTATUS st = smb2_info_fit(type, cls, full, out, &len);

	assert_int_equal(NT_STATUS_V(st), NT_STATUS_V(expect));
	assert_int_equal(len, expect_len);
}

static void test_fit(void **state)
{
	const uint8_t F = SMB2_0_INFO_FILE, FS = SMB2_0_INFO_FILESYSTEM;

	/* fixed classes: exact fit or INFO_LENGTH_MISMATCH */
	expect_fit(F, FSCC_FILE_BASIC_INFORMATION, 40, 40, NT_STATUS_OK, 40);
	expect_fit(F, FSCC_FILE_BASIC_INFORMATION, 40, 4096, NT_STATUS_OK,
		   40);
	expect_fit(F, FSCC_FILE_BASIC_INFORMATION, 40, 39,
		   NT_STATUS_INFO_LENGTH_MISMATCH, 0);
	expect_fit(F, FSCC_FILE_NETWORK_OPEN_INFORMATION, 56, 0,
		   NT_STATUS_INFO_LENGTH_MISMATCH, 0);
	/* FileAllInformation: below sizeof (104) is a mismatch, above it
	 * the name is cut with BUFFER_OVERFLOW */
	expect_fit(F, FSCC_FILE_ALL_INFORMATION, 120, 103,
		   NT_STATUS_INFO_LENGTH_MISMATCH, 0);
	expect_fit(F, FSCC_FILE_ALL_INFORMATION, 120, 104,
		   NT_STATUS_BUFFER_OVERFLOW, 104);
	expect_fit(F, FSCC_FILE_ALL_INFORMATION, 120, 120, NT_STATUS_OK, 120);
	/* a stream entry is never split */
	expect_fit(F, FSCC_FILE_STREAM_INFORMATION, 38, 32,
		   NT_STATUS_BUFFER_OVERFLOW, 0);
	expect_fit(F, FSCC_FILE_STREAM_INFORMATION, 0, 32, NT_STATUS_OK, 0);
	/* smbtorture smb2.getinfo buffercheck: volume info in 1 byte */
	expect_fit(FS, FSCC_FS_VOLUME_INFORMATION, 26, 1,
		   NT_STATUS_INFO_LENGTH_MISMATCH, 0);
	expect_fit(FS, FSCC_FS_VOLUME_INFORMATION, 26, 24,
		   NT_STATUS_BUFFER_OVERFLOW, 24);
	/* BlockAlign(FieldOffset(FileSystemName) + 2, 8) = 16 */
	expect_fit(FS, FSCC_FS_ATTRIBUTE_INFORMATION, 20, 15,
		   NT_STATUS_INFO_LENGTH_MISMATCH, 0);
	expect_fit(FS, FSCC_FS_ATTRIBUTE_INFORMATION, 20, 16,
		   NT_STATUS_BUFFER_OVERFLOW, 16);
	expect_fit(FS, FSCC_FS_FULL_SIZE_INFORMATION, 32, 31,
		   NT_STATUS_INFO_LENGTH_MISMATCH, 0);
	expect_fit(F, 200, 8, 100, NT_STATUS_INVALID_INFO_CLASS, 0);
	expect_fit(SMB2_0_INFO_QUOTA, 1, 8, 100,
		   NT_STATUS_INVALID_INFO_CLASS, 0);
}

static void test_security_descriptor(void **state)
{
	/* MS-DTYP 2.4.6 self-relative: owner S-1-22-1-1000, group
	 * S-1-22-2-100, DACL with one ACCESS_ALLOWED ACE for S-1-1-0 */
	static const uint8_t expect[] = {
		0x01, 0x00, 0x04, 0x80, 0x14, 0x00, 0x00, 0x00, 0x24, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00,
		/* owner */
		0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x01, 0x00,
		0x00, 0x00, 0xe8, 0x03, 0x00, 0x00,
		/* group */
		0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x02, 0x00,
		0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
		/* ACL header, ACE header, mask, SID */
		0x02, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0xff, 0x01, 0x1f, 0x00, 0x01, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t empty[] = {
		0x01, 0x00, 0x00, 0x80, 0, 0, 0, 0, 0, 0,
		0,    0,    0,    0,    0, 0, 0, 0, 0, 0,
	};
	void *ctx = talloc_new(NULL);
	struct wire_wr w;

	wire_wr_init(&w, ctx, 0);
	smb2_info_encode_security(&w, SECINFO_OWNER | SECINFO_GROUP |
					      SECINFO_DACL | SECINFO_SACL,
				  1000, 100);
	assert_int_equal(w.len, sizeof(expect));
	assert_memory_equal(w.buf, expect, sizeof(expect));

	wire_wr_init(&w, ctx, 0);
	smb2_info_encode_security(&w, 0, 1000, 100);
	assert_int_equal(w.len, sizeof(empty));
	assert_memory_equal(w.buf, empty, sizeof(empty));

	/* group only: the group SID follows the header directly */
	wire_wr_init(&w, ctx, 0);
	smb2_info_encode_security(&w, SECINFO_GROUP, 1000, 100);
	assert_int_equal(w.len, 36);
	assert_int_equal(get_le32(w.buf + 4), 0);
	assert_int_equal(get_le32(w.buf + 8), 20);
	assert_int_equal(get_le16(w.buf + 2), 0x8000);
	assert_memory_equal(w.buf + 20, expect + 36, 16);
	talloc_free(ctx);
}

/* The name offset of each directory class and where fields land. */
static void test_dirent_layouts(void **state)
{
	static const struct {
		uint8_t cls;
		size_t name_at;
		size_t file_id_at; /* 0: no FileId */
	} classes[] = {
		{ FSCC_FILE_DIRECTORY_INFORMATION, 64, 0 },
		{ FSCC_FILE_FULL_DIRECTORY_INFORMATION, 68, 0 },
		{ FSCC_FILE_BOTH_DIRECTORY_INFORMATION, 94, 0 },
		{ FSCC_FILE_NAMES_INFORMATION, 12, 0 },
		{ FSCC_FILE_ID_BOTH_DIRECTORY_INFORMATION, 104, 96 },
		{ FSCC_FILE_ID_FULL_DIRECTORY_INFORMATION, 80, 72 },
		{ FSCC_FILE_ID_EXTD_DIRECTORY_INFORMATION, 88, 72 },
	};
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		struct wire_wr w;
		struct smb2_dirlist l;
		uint8_t cls = classes[i].cls;

		assert_int_equal(smb2_dirent_fixed_size(cls),
				 classes[i].name_at);
		wire_wr_init(&w, ctx, 0);
		smb2_dirlist_init(&l, &w, 65536);
		assert_true(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt,
						sizeof(name_a_txt), NULL));
		assert_int_equal(w.len,
				 classes[i].name_at + sizeof(name_a_txt));
		/* NextEntryOffset and FileIndex */
		assert_int_equal(get_le32(w.buf), 0);
		assert_int_equal(get_le32(w.buf + 4), 0);
		assert_memory_equal(w.buf + classes[i].name_at, name_a_txt,
				    sizeof(name_a_txt));
		if (cls == FSCC_FILE_NAMES_INFORMATION) {
			assert_int_equal(get_le32(w.buf + 8),
					 sizeof(name_a_txt));
			continue;
		}
		check_times(w.buf + 8, &st);
		assert_int_equal(get_le64(w.buf + 40), 5000); /* EndOfFile */
		assert_int_equal(get_le64(w.buf + 48), 8192);
		assert_int_equal(get_le32(w.buf + 56), FILE_ATTRIBUTE_ARCHIVE);
		assert_int_equal(get_le32(w.buf + 60), sizeof(name_a_txt));
		size_t id_at = classes[i].file_id_at;
		if (id_at)
			assert_int_equal(get_le64(w.buf + id_at), st.file_id);
		if (cls == FSCC_FILE_BOTH_DIRECTORY_INFORMATION ||
		    cls == FSCC_FILE_ID_BOTH_DIRECTORY_INFORMATION)
			assert_int_equal(w.buf[68], 0); /* ShortNameLength */
	}
	assert_int_equal(smb2_dirent_fixed_size(FSCC_FILE_BASIC_INFORMATION),
			 0);
	talloc_free(ctx);
}

static void test_dirent_chaining(void **state)
{
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();
	const uint8_t cls = FSCC_FILE_BOTH_DIRECTORY_INFORMATION;
	const size_t e1 = 94 + sizeof(name_a_txt); /* 104: already aligned */
	const size_t e2 = 94 + 2;		   /* 96 */
	struct wire_wr w;
	struct smb2_dirlist l;

	/* the buffer may start after a response header */
	wire_wr_init(&w, ctx, 0);
	wire_wr_zero(&w, 8);
	smb2_dirlist_init(&l, &w, 1000);
	assert_true(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt,
					sizeof(name_a_txt), NULL));
	assert_true(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt, 2, NULL));
	assert_true(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt, 4, NULL));
	assert_int_equal(l.count, 3);
	/* entry 2 (96 bytes) is followed by entry 3 at an 8-byte boundary
	 * relative to the buffer start */
	assert_int_equal(get_le32(w.buf + 8), e1);
	assert_int_equal(get_le32(w.buf + 8 + e1), e2);
	assert_int_equal(get_le32(w.buf + 8 + e1 + e2), 0);
	assert_int_equal(smb2_dirlist_len(&l), e1 + e2 + 98);

	/* odd-sized entry: the next one is padded to 8 */
	wire_wr_init(&w, ctx, 0);
	smb2_dirlist_init(&l, &w, 1000);
	assert_true(smb2_dirlist_append(&l, FSCC_FILE_NAMES_INFORMATION, &st, 0,
					name_a_txt, 2, NULL)); /* 14 bytes */
	assert_true(smb2_dirlist_append(&l, FSCC_FILE_NAMES_INFORMATION, &st, 0,
					name_a_txt, 2, NULL));
	assert_int_equal(get_le32(w.buf), 16);
	assert_int_equal(w.buf[14], 0);
	assert_int_equal(w.buf[15], 0);
	assert_int_equal(get_le32(w.buf + 16), 0);
	assert_int_equal(w.len, 30);
	talloc_free(ctx);
}

static void test_dirent_buffer_full(void **state)
{
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();
	const uint8_t cls = FSCC_FILE_NAMES_INFORMATION;
	struct wire_wr w;
	struct smb2_dirlist l;

	/* 14 + pad 2 + 14 = 30: 29 holds only the first entry */
	wire_wr_init(&w, ctx, 0);
	smb2_dirlist_init(&l, &w, 29);
	assert_true(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt, 2, NULL));
	assert_false(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt, 2, NULL));
	assert_int_equal(w.len, 14);
	assert_int_equal(get_le32(w.buf), 0); /* still the last entry */
	assert_int_equal(l.count, 1);

	wire_wr_init(&w, ctx, 0);
	smb2_dirlist_init(&l, &w, 30);
	assert_true(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt, 2, NULL));
	assert_true(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt, 2, NULL));

	/* nothing fits in a buffer smaller than one entry */
	wire_wr_init(&w, ctx, 0);
	smb2_dirlist_init(&l, &w, 13);
	assert_false(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt, 2, NULL));
	assert_int_equal(w.len, 0);
	wire_wr_init(&w, ctx, 0);
	smb2_dirlist_init(&l, &w, 0);
	assert_false(smb2_dirlist_append(&l, cls, &st, 0, name_a_txt, 2, NULL));
	talloc_free(ctx);
}

/* Runs the decoder on an exact-size heap copy, so that ASan flags any
 * read past the end. */
static NTSTATUS decode(uint8_t cls, const uint8_t *p, size_t len,
		       struct smb2_set_file_info *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	NTSTATUS st;

	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	st = smb2_info_decode_set_file(
		cls, (struct wire_slice){ .p = copy, .len = len }, out);
	free(copy);
	return st;
}

static void test_decode_basic(void **state)
{
	uint8_t buf[40];
	struct smb2_set_file_info si;

	put_le64(buf, 0x01d0000000000001ull);
	put_le64(buf + 8, UINT64_MAX);	   /* -1: don't change */
	put_le64(buf + 16, UINT64_MAX - 1); /* -2: don't change */
	put_le64(buf + 24, 0);
	put_le32(buf + 32, FILE_ATTRIBUTE_HIDDEN);
	put_le32(buf + 36, 0);
	assert_true(NT_STATUS_IS_OK(decode(FSCC_FILE_BASIC_INFORMATION, buf,
					   sizeof(buf), &si)));
	assert_int_equal(si.create_time, 0x01d0000000000001ull);
	assert_int_equal(si.access_time, 0);
	assert_int_equal(si.write_time, 0);
	assert_int_equal(si.change_time, 0);
	assert_int_equal(si.attributes, FILE_ATTRIBUTE_HIDDEN);
	for (size_t n = 0; n < sizeof(buf); n++)
		assert_int_equal(
			NT_STATUS_V(decode(FSCC_FILE_BASIC_INFORMATION, buf, n,
					   &si)),
			NT_STATUS_V(NT_STATUS_INFO_LENGTH_MISMATCH));
}

static void test_decode_rename(void **state)
{
	uint8_t buf[20 + sizeof(name_a_txt)];
	struct smb2_set_file_info si;

	memset(buf, 0, sizeof(buf));
	buf[0] = 1;
	put_le32(buf + 16, sizeof(name_a_txt));
	memcpy(buf + 20, name_a_txt, sizeof(name_a_txt));
	assert_true(NT_STATUS_IS_OK(decode(FSCC_FILE_RENAME_INFORMATION, buf,
					   sizeof(buf), &si)));
	assert_true(si.replace_if_exists);
	assert_int_equal(si.root_directory, 0);
	assert_int_equal(si.name16_len, sizeof(name_a_txt));

	/* every truncation fails without reading past the end */
	for (size_t n = 0; n < sizeof(buf); n++) {
		NTSTATUS st = decode(FSCC_FILE_RENAME_INFORMATION, buf, n, &si);
		NTSTATUS expect = n < 20 ? NT_STATUS_INFO_LENGTH_MISMATCH
					 : NT_STATUS_INVALID_PARAMETER;

		assert_int_equal(NT_STATUS_V(st), NT_STATUS_V(expect));
	}
	/* odd or empty name lengths */
	put_le32(buf + 16, 3);
	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_RENAME_INFORMATION, buf,
					    sizeof(buf), &si)),
			 NT_STATUS_V(NT_STATUS_INVALID_PARAMETER));
	put_le32(buf + 16, 0);
	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_RENAME_INFORMATION, buf,
					    sizeof(buf), &si)),
			 NT_STATUS_V(NT_STATUS_INVALID_PARAMETER));
	put_le32(buf + 16, UINT32_MAX - 1);
	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_RENAME_INFORMATION, buf,
					    sizeof(buf), &si)),
			 NT_STATUS_V(NT_STATUS_INVALID_PARAMETER));
}

static void test_decode_small_classes(void **state)
{
	uint8_t buf[8];
	struct smb2_set_file_info si;
	static const struct {
		uint8_t cls;
		size_t len;
	} fixed[] = {
		{ FSCC_FILE_DISPOSITION_INFORMATION, 1 },
		{ FSCC_FILE_DISPOSITION_INFORMATION_EX, 4 },
		{ FSCC_FILE_POSITION_INFORMATION, 8 },
		{ FSCC_FILE_END_OF_FILE_INFORMATION, 8 },
		{ FSCC_FILE_ALLOCATION_INFORMATION, 8 },
		{ FSCC_FILE_VALID_DATA_LENGTH_INFORMATION, 8 },
		{ FSCC_FILE_MODE_INFORMATION, 4 },
	};

	memset(buf, 0, sizeof(buf));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		for (size_t n = 0; n < fixed[i].len; n++)
			assert_int_equal(
				NT_STATUS_V(decode(fixed[i].cls, buf, n, &si)),
				NT_STATUS_V(NT_STATUS_INFO_LENGTH_MISMATCH));
		assert_true(NT_STATUS_IS_OK(
			decode(fixed[i].cls, buf, fixed[i].len, &si)));
	}

	buf[0] = 1;
	assert_true(NT_STATUS_IS_OK(
		decode(FSCC_FILE_DISPOSITION_INFORMATION, buf, 1, &si)));
	assert_true(si.delete_pending);

	put_le32(buf, FILE_DISPOSITION_DELETE |
			      FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE);
	assert_true(NT_STATUS_IS_OK(
		decode(FSCC_FILE_DISPOSITION_INFORMATION_EX, buf, 4, &si)));
	assert_true(si.delete_pending);
	assert_true(si.ignore_readonly);
	put_le32(buf, FILE_DISPOSITION_DELETE |
			      FILE_DISPOSITION_POSIX_SEMANTICS);
	assert_int_equal(NT_STATUS_V(decode(
				 FSCC_FILE_DISPOSITION_INFORMATION_EX, buf, 4,
				 &si)),
			 NT_STATUS_V(NT_STATUS_NOT_SUPPORTED));

	put_le64(buf, 123456789);
	assert_true(NT_STATUS_IS_OK(
		decode(FSCC_FILE_END_OF_FILE_INFORMATION, buf, 8, &si)));
	assert_int_equal(si.value, 123456789);
	put_le64(buf, (uint64_t)INT64_MAX + 1); /* negative size */
	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_END_OF_FILE_INFORMATION,
					    buf, 8, &si)),
			 NT_STATUS_V(NT_STATUS_INVALID_PARAMETER));

	put_le32(buf, FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY);
	assert_true(NT_STATUS_IS_OK(
		decode(FSCC_FILE_MODE_INFORMATION, buf, 4, &si)));
	assert_int_equal(si.mode, FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY);
	put_le32(buf, FILE_DELETE_ON_CLOSE);
	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_MODE_INFORMATION, buf, 4,
					    &si)),
			 NT_STATUS_V(NT_STATUS_INVALID_PARAMETER));
	put_le32(buf, FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT);
	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_MODE_INFORMATION, buf, 4,
					    &si)),
			 NT_STATUS_V(NT_STATUS_INVALID_PARAMETER));

	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_FULL_EA_INFORMATION,
					    buf, 8, &si)),
			 NT_STATUS_V(NT_STATUS_EAS_NOT_SUPPORTED));
	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_LINK_INFORMATION, buf,
					    8, &si)),
			 NT_STATUS_V(NT_STATUS_NOT_SUPPORTED));
	assert_int_equal(NT_STATUS_V(decode(FSCC_FILE_STANDARD_INFORMATION,
					    buf, 8, &si)),
			 NT_STATUS_V(NT_STATUS_INVALID_INFO_CLASS));
}

static void expect_short(const char *name, const char *want)
{
	char out[SMB2_SHORT_NAME_MAX + 1];

	if (!want) {
		assert_false(smb2_info_short_name(name, out));
		return;
	}
	assert_true(smb2_info_short_name(name, out));
	assert_string_equal(out, want);
}

static void test_short_names(void **state)
{
	char a[SMB2_SHORT_NAME_MAX + 1], b[SMB2_SHORT_NAME_MAX + 1];

	(void)state;
	/* valid 8.3 names stand for themselves, upper-cased */
	expect_short("bufsize.txt", "BUFSIZE.TXT");
	expect_short("README", "README");
	expect_short("a~b$(1).c", "A~B$(1).C");
	expect_short("", NULL);
	expect_short(".", NULL);
	expect_short("..", NULL);
	/* the others: two characters, four hex digits, ~1, extension */
	assert_true(smb2_info_short_name("torture_getinfo.dat", a));
	assert_int_equal(strlen(a), 12);
	assert_memory_equal(a, "TO", 2);
	assert_memory_equal(a + 6, "~1.DAT", 6);
	assert_true(strspn(a + 2, "0123456789ABCDEF") >= 4);
	/* case-insensitive names get the same short name */
	assert_true(smb2_info_short_name("Torture_GetInfo.DAT", b));
	assert_string_equal(a, b);
	/* different long names differ in the hash */
	assert_true(smb2_info_short_name("torture_getinfo2.dat", b));
	assert_string_not_equal(a, b);
	assert_true(smb2_info_short_name("a.b.longext", a));
	assert_int_equal(strlen(a), 12);
	assert_memory_equal(a + 6, "~1.LON", 6);
	assert_true(smb2_info_short_name(".profile", a));
	assert_int_equal(strlen(a), 10); /* hash~1.PRO */
	assert_memory_equal(a + 4, "~1.PRO", 6);
	assert_true(smb2_info_short_name("two words", a));
	assert_int_equal(strlen(a), 8); /* TW + hash + ~1 */
}

static void test_short_name_in_dirent(void **state)
{
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();
	struct wire_wr w;
	struct smb2_dirlist l;
	const uint8_t *sn;

	(void)state;
	wire_wr_init(&w, ctx, 0);
	smb2_dirlist_init(&l, &w, 4096);
	assert_true(smb2_dirlist_append(&l,
					FSCC_FILE_ID_BOTH_DIRECTORY_INFORMATION,
					&st, 0x2d, name_a_txt,
					sizeof(name_a_txt), "A.TXT"));
	/* MS-FSCC 2.4.17: EaSize at 64, ShortNameLength at 68, ShortName
	 * at 70 */
	assert_int_equal(get_le32(w.buf + 64), 0x2d);
	assert_int_equal(w.buf[68], 10);
	sn = w.buf + 70;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(sn[2 * i], (uint8_t)"A.TXT"[i]);
		assert_int_equal(sn[2 * i + 1], 0);
	}
	assert_int_equal(get_le16(sn + 10), 0); /* rest is zero */
	assert_int_equal(get_le64(w.buf + 96), st.file_id);
	talloc_free(ctx);
}

static void test_change_time_override(void **state)
{
	struct vfs_stat st = sample_file();

	(void)state;
	/* the ctime seen right after the set: report the set value */
	smb2_info_apply_change_time(&st, 42, 0x01d0000000000004ull);
	assert_int_equal(st.change_time, 42);
	/* the file changed since: the real ctime wins */
	st = sample_file();
	smb2_info_apply_change_time(&st, 42, 0x01d0000000000005ull);
	assert_int_equal(st.change_time, 0x01d0000000000004ull);
}

/* Two EAs as smbtorture's complex file carries them (MS-FSCC 2.4.15):
 * "EAONE"="VALUE1" (8 + 6 + 6 = 20, no padding) then
 * "SECONDEA"="ValueTwo". */
static const uint8_t two_eas[] = {
	20, 0, 0, 0, 0, 5, 6, 0, 'E', 'A', 'O', 'N', 'E', 0,
	'V', 'A', 'L', 'U', 'E', '1',
	0, 0, 0, 0, 0, 8, 8, 0, 'S', 'E', 'C', 'O', 'N', 'D', 'E', 'A', 0,
	'V', 'a', 'l', 'u', 'e', 'T', 'w', 'o',
};

static NTSTATUS decode_eas(void *ctx, const uint8_t *p, size_t len,
			   struct smb2_ea **eas, size_t *n)
{
	struct wire_slice in = { .p = p, .len = len };

	return smb2_ea_list_decode(ctx, in, eas, n);
}

static void test_ea_list(void **state)
{
	void *ctx = talloc_new(NULL);
	struct vfs_stat st = sample_file();
	struct smb2_info_file f = { .st = &st };
	uint8_t bad[sizeof(two_eas)];
	struct smb2_ea *eas;
	struct wire_wr w;
	size_t n;

	(void)state;
	assert_int_equal(NT_STATUS_V(decode_eas(ctx, two_eas, sizeof(two_eas),
						&eas, &n)),
			 NT_STATUS_V(NT_STATUS_OK));
	assert_int_equal(n, 2);
	assert_string_equal(eas[0].name, "EAONE");
	assert_int_equal(eas[0].value_len, 6);
	assert_memory_equal(eas[0].value, "VALUE1", 6);
	assert_string_equal(eas[1].name, "SECONDEA");
	assert_memory_equal(eas[1].value, "ValueTwo", 8);
	assert_int_equal(smb2_ea_list_size(eas, n), sizeof(two_eas));

	/* encoding gives the same bytes back */
	f.eas = eas;
	f.n_eas = n;
	f.out_len = 4096;
	w = encode_file(ctx, FSCC_FILE_FULL_EA_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(w.len, sizeof(two_eas));
	assert_memory_equal(w.buf, two_eas, sizeof(two_eas));
	/* only whole entries: the first alone, then none */
	f.out_len = sizeof(two_eas) - 1;
	w = encode_file(ctx, FSCC_FILE_FULL_EA_INFORMATION, &f,
			NT_STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 20);
	assert_int_equal(get_le32(w.buf), 0);
	f.out_len = 19;
	encode_file(ctx, FSCC_FILE_FULL_EA_INFORMATION, &f,
		    NT_STATUS_BUFFER_TOO_SMALL);
	f.ea_size = smb2_ea_list_size(eas, n);
	w = encode_file(ctx, FSCC_FILE_EA_INFORMATION, &f, NT_STATUS_OK);
	assert_int_equal(get_le32(w.buf), sizeof(two_eas));

	/* every truncation is inconsistent, never an overread */
	for (size_t len = 0; len < sizeof(two_eas); len++)
		assert_int_equal(NT_STATUS_V(decode_eas(ctx, two_eas, len,
							&eas, &n)),
				 NT_STATUS_V(NT_STATUS_EA_LIST_INCONSISTENT));
	/* unaligned NextEntryOffset */
	memcpy(bad, two_eas, sizeof(bad));
	bad[0] = 21;
	assert_int_equal(NT_STATUS_V(decode_eas(ctx, bad, sizeof(bad), &eas,
						&n)),
			 NT_STATUS_V(NT_STATUS_EA_LIST_INCONSISTENT));
	/* name not NUL-terminated */
	memcpy(bad, two_eas, sizeof(bad));
	bad[13] = 'X';
	assert_int_equal(NT_STATUS_V(decode_eas(ctx, bad, sizeof(bad), &eas,
						&n)),
			 NT_STATUS_V(NT_STATUS_EA_LIST_INCONSISTENT));
	/* a reserved character in the name */
	memcpy(bad, two_eas, sizeof(bad));
	bad[9] = ':';
	assert_int_equal(NT_STATUS_V(decode_eas(ctx, bad, sizeof(bad), &eas,
						&n)),
			 NT_STATUS_V(NT_STATUS_INVALID_EA_NAME));
	/* empty name */
	static const uint8_t no_name[] = { 0, 0, 0, 0, 0, 0, 1, 0, 0, 'x' };
	assert_int_equal(NT_STATUS_V(decode_eas(ctx, no_name, sizeof(no_name),
						&eas, &n)),
			 NT_STATUS_V(NT_STATUS_INVALID_EA_NAME));
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_basic_standard),
		cmocka_unit_test(test_file_small_classes),
		cmocka_unit_test(test_file_all_and_name),
		cmocka_unit_test(test_file_streams),
		cmocka_unit_test(test_fs_classes),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_security_descriptor),
		cmocka_unit_test(test_dirent_layouts),
		cmocka_unit_test(test_dirent_chaining),
		cmocka_unit_test(test_dirent_buffer_full),
		cmocka_unit_test(test_decode_basic),
		cmocka_unit_test(test_decode_rename),
		cmocka_unit_test(test_decode_small_classes),
		cmocka_unit_test(test_short_names),
		cmocka_unit_test(test_short_name_in_dirent),
		cmocka_unit_test(test_change_time_override),
		cmocka_unit_test(test_ea_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
