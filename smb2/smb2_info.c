/*
 * Information class codecs for QUERY_INFO, SET_INFO and QUERY_DIRECTORY.
 * Field layouts follow MS-FSCC 2.4 (file), 2.5 (file system) and MS-DTYP
 * 2.4.6 (security descriptor); size checks follow MS-FSA 2.1.5.12/13.
 */
#include "smb2/smb2_info.h"

#include <stdio.h>
#include <string.h>

#include "smb2/smb2_proto.h"

/* Directories report no size and a single link, as NTFS (and Samba) do;
 * st_size and st_nlink of a POSIX directory mean nothing to clients. */
static uint64_t eof_of(const struct vfs_stat *st)
{
	return st->is_dir ? 0 : st->size;
}

static uint64_t alloc_of(const struct vfs_stat *st)
{
	return st->is_dir ? 0 : st->alloc_size;
}

static uint32_t links_of(const struct vfs_stat *st, bool delete_pending)
{
	uint32_t n = st->is_dir ? 1 : st->nlink;

	if (n == 0)
		n = 1;
	/* a delete-pending name no longer counts as a link */
	return delete_pending ? n - 1 : n;
}

static void put_times(struct wire_wr *w, const struct vfs_stat *st)
{
	wire_wr_u64(w, st->create_time);
	wire_wr_u64(w, st->access_time);
	wire_wr_u64(w, st->write_time);
	wire_wr_u64(w, st->change_time);
}

/* MS-FSCC 2.4.7 */
static void put_basic(struct wire_wr *w, const struct vfs_stat *st)
{
	put_times(w, st);
	wire_wr_u32(w, st->attributes);
	wire_wr_u32(w, 0); /* Reserved */
}

/* MS-FSCC 2.4.41 */
static void put_standard(struct wire_wr *w, const struct vfs_stat *st,
			 bool delete_pending)
{
	wire_wr_u64(w, alloc_of(st));
	wire_wr_u64(w, eof_of(st));
	wire_wr_u32(w, links_of(st, delete_pending));
	wire_wr_u8(w, delete_pending ? 1 : 0);
	wire_wr_u8(w, st->is_dir ? 1 : 0);
	wire_wr_u16(w, 0); /* Reserved */
}

/* MS-FSCC 2.4.28: FileNameLength then the name, no terminator */
static void put_name(struct wire_wr *w, const uint8_t *name16, size_t len)
{
	wire_wr_u32(w, (uint32_t)len);
	wire_wr_bytes(w, name16, len);
}

/* MS-FSCC 2.4.2 FILE_ALL_INFORMATION: fixed part 100 bytes, then name */
static void put_all(struct wire_wr *w, const struct smb2_info_file *f)
{
	put_basic(w, f->st);
	put_standard(w, f->st, f->delete_pending);
	wire_wr_u64(w, f->st->file_id); /* InternalInformation */
	wire_wr_u32(w, f->ea_size);	/* EaInformation */
	wire_wr_u32(w, f->access_mask);
	wire_wr_u64(w, f->position);
	wire_wr_u32(w, f->mode);
	wire_wr_u32(w, 0); /* AlignmentRequirement: FILE_BYTE_ALIGNMENT */
	put_name(w, f->name16, f->name16_len);
}

/* MS-FSCC 2.4.43: one entry for the unnamed data stream of a file;
 * directories have no data stream. */
/*
 * MS-FSCC 2.4.43: entries 8-byte aligned, chained by NextEntryOffset.
 * Without a list the file has only its unnamed stream ("::$DATA"; a
 * directory has none).
 */
static void put_streams(struct wire_wr *w, const struct smb2_info_file *f)
{
	static uint8_t data_stream[] = {
		':', 0, ':', 0, '$', 0, 'D', 0, 'A', 0, 'T', 0, 'A', 0,
	};
	const struct smb2_stream_info main_only = {
		.name16 = data_stream,
		.name16_len = sizeof(data_stream),
		.size = f->st->size,
		.alloc_size = f->st->alloc_size,
	};
	const struct smb2_stream_info *v = f->streams ? f->streams : &main_only;
	size_t n = f->streams ? f->n_streams : !f->st->is_dir;
	size_t prev = SIZE_MAX, start = w->len;

	for (size_t i = 0; i < n; i++) {
		const struct smb2_stream_info *e = &v[i];
		size_t at;

		while ((w->len - start) & 7)
			wire_wr_u8(w, 0);
		at = w->len;
		if (prev != SIZE_MAX)
			wire_wr_put_u32(w, prev, (uint32_t)(at - prev));
		prev = at;
		wire_wr_u32(w, 0); /* NextEntryOffset: patched by the next */
		wire_wr_u32(w, (uint32_t)e->name16_len);
		wire_wr_u64(w, e->size);
		wire_wr_u64(w, e->alloc_size);
		wire_wr_bytes(w, e->name16, e->name16_len);
	}
}

/* MS-FSCC 2.4.34 */
static void put_network_open(struct wire_wr *w, const struct vfs_stat *st)
{
	put_times(w, st);
	wire_wr_u64(w, alloc_of(st));
	wire_wr_u64(w, eof_of(st));
	wire_wr_u32(w, st->attributes);
	wire_wr_u32(w, 0); /* Reserved */
}

/* ---- extended attributes (MS-FSCC 2.4.15) ---- */

static size_t ea_entry_size(const struct smb2_ea *ea)
{
	return SMB2_EA_FIXED_SIZE + strlen(ea->name) + 1 + ea->value_len;
}

uint32_t smb2_ea_list_size(const struct smb2_ea *eas, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		total = (total + 3) & ~(size_t)3;
		total += ea_entry_size(&eas[i]);
	}
	return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

/* Whole entries, each 4-byte aligned and chained, up to max bytes. */
static NTSTATUS put_ea_list(struct wire_wr *w, const struct smb2_ea *eas,
			    size_t n, uint32_t max)
{
	size_t start = w->len, last = 0;
	size_t i;

	if (n == 0)
		return NT_STATUS_NO_EAS_ON_FILE;
	for (i = 0; i < n; i++) {
		size_t used = w->len - start;
		size_t pad = i ? (4 - (used & 3)) & 3 : 0;
		size_t name_len = strlen(eas[i].name);

		if (used + pad + ea_entry_size(&eas[i]) > max)
			break;
		wire_wr_zero(w, pad);
		if (i)
			wire_wr_put_u32(w, last, (uint32_t)(w->len - last));
		last = w->len;
		wire_wr_u32(w, 0); /* NextEntryOffset, patched by the next */
		wire_wr_u8(w, eas[i].flags);
		wire_wr_u8(w, (uint8_t)name_len);
		wire_wr_u16(w, eas[i].value_len);
		wire_wr_bytes(w, eas[i].name, name_len + 1);
		wire_wr_bytes(w, eas[i].value, eas[i].value_len);
	}
	if (w->err)
		return NT_STATUS_NO_MEMORY;
	if (i == 0)
		return NT_STATUS_BUFFER_TOO_SMALL;
	return i < n ? NT_STATUS_BUFFER_OVERFLOW : NT_STATUS_OK;
}

/* MS-FSCC 2.4.15: EaName is ASCII without control characters and
 * without the characters reserved in file names. */
static bool ea_name_valid(const uint8_t *name, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < 0x20 || name[i] > 0x7e ||
		    strchr("\"*+,/:;<=>?[\\]|", name[i]))
			return false;
	}
	return true;
}

NTSTATUS smb2_ea_list_decode(TALLOC_CTX *mem_ctx, struct wire_slice in,
			     struct smb2_ea **eas_out, size_t *n_out)
{
	struct smb2_ea *eas = NULL;
	size_t off = 0, n = 0;

	*eas_out = NULL;
	*n_out = 0;
	for (;;) {
		size_t left = in.len - off, entry_len;
		uint32_t next;
		uint8_t name_len;
		uint16_t value_len;
		struct smb2_ea *grown;

		if (left < SMB2_EA_FIXED_SIZE)
			goto inconsistent;
		next = get_le32(in.p + off);
		name_len = in.p[off + 5];
		value_len = get_le16(in.p + off + 6);
		entry_len = SMB2_EA_FIXED_SIZE + (size_t)name_len + 1 +
			    value_len;
		if ((next & 3) || entry_len > left ||
		    (next && (next < entry_len || next >= left)))
			goto inconsistent;
		if (in.p[off + SMB2_EA_FIXED_SIZE + name_len] != '\0')
			goto inconsistent;
		if (!ea_name_valid(in.p + off + SMB2_EA_FIXED_SIZE, name_len)) {
			talloc_free(eas);
			return NT_STATUS_INVALID_EA_NAME;
		}
		if (in.p[off + 4] & ~FILE_NEED_EA) {
			talloc_free(eas);
			return NT_STATUS_INVALID_PARAMETER;
		}
		grown = talloc_realloc(mem_ctx, eas, struct smb2_ea, n + 1);
		if (!grown) {
			talloc_free(eas);
			return NT_STATUS_NO_MEMORY;
		}
		eas = grown;
		eas[n].flags = in.p[off + 4];
		eas[n].name = talloc_strndup(
			eas, (const char *)in.p + off + SMB2_EA_FIXED_SIZE,
			name_len);
		eas[n].value = in.p + off + SMB2_EA_FIXED_SIZE + name_len + 1;
		eas[n].value_len = value_len;
		if (!eas[n].name) {
			talloc_free(eas);
			return NT_STATUS_NO_MEMORY;
		}
		n++;
		if (next == 0)
			break;
		off += next;
	}
	*eas_out = eas;
	*n_out = n;
	return NT_STATUS_OK;
inconsistent:
	talloc_free(eas);
	return NT_STATUS_EA_LIST_INCONSISTENT;
}

NTSTATUS smb2_info_encode_file(struct wire_wr *w, uint8_t cls,
			       const struct smb2_info_file *f)
{
	const struct vfs_stat *st = f->st;

	switch (cls) {
	case FSCC_FILE_BASIC_INFORMATION:
		put_basic(w, st);
		break;
	case FSCC_FILE_STANDARD_INFORMATION:
		put_standard(w, st, f->delete_pending);
		break;
	case FSCC_FILE_INTERNAL_INFORMATION:
		wire_wr_u64(w, st->file_id);
		break;
	case FSCC_FILE_EA_INFORMATION:
		wire_wr_u32(w, f->ea_size);
		break;
	case FSCC_FILE_ACCESS_INFORMATION:
		wire_wr_u32(w, f->access_mask);
		break;
	case FSCC_FILE_NAME_INFORMATION:
	case FSCC_FILE_NORMALIZED_NAME_INFORMATION:
		put_name(w, f->name16, f->name16_len);
		break;
	case FSCC_FILE_POSITION_INFORMATION:
		wire_wr_u64(w, f->position);
		break;
	case FSCC_FILE_MODE_INFORMATION:
		wire_wr_u32(w, f->mode);
		break;
	case FSCC_FILE_ALIGNMENT_INFORMATION:
		wire_wr_u32(w, 0);
		break;
	case FSCC_FILE_ALL_INFORMATION:
		put_all(w, f);
		break;
	case FSCC_FILE_ALTERNATE_NAME_INFORMATION:
		if (!f->short16) /* the share root has no name */
			return NT_STATUS_OBJECT_NAME_NOT_FOUND;
		put_name(w, f->short16, f->short16_len);
		break;
	case FSCC_FILE_STREAM_INFORMATION:
		put_streams(w, f);
		break;
	case FSCC_FILE_COMPRESSION_INFORMATION:
		/* MS-FSCC 2.4.9: uncompressed, so the size is EndOfFile */
		wire_wr_u64(w, eof_of(st));
		wire_wr_u16(w, 0); /* COMPRESSION_FORMAT_NONE */
		wire_wr_zero(w, 6); /* shifts and reserved */
		break;
	case FSCC_FILE_NETWORK_OPEN_INFORMATION:
		put_network_open(w, st);
		break;
	case FSCC_FILE_ATTRIBUTE_TAG_INFORMATION:
		wire_wr_u32(w, st->attributes);
		wire_wr_u32(w, 0); /* ReparseTag */
		break;
	case FSCC_FILE_FULL_EA_INFORMATION:
		return put_ea_list(w, f->eas, f->n_eas, f->out_len);
	default:
		return NT_STATUS_INVALID_INFO_CLASS;
	}
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

/* Sizes are reported in 512-byte sectors grouped into f_bsize units. */
#define INFO_BYTES_PER_SECTOR 512u

static uint32_t sectors_per_unit(const struct vfs_fsinfo *fs)
{
	uint32_t bs = fs->block_size ? fs->block_size : 4096;
	uint32_t spu = bs / INFO_BYTES_PER_SECTOR;

	return spu ? spu : 1;
}

static void put_fs_sizes(struct wire_wr *w, const struct vfs_fsinfo *fs,
			 bool full)
{
	uint64_t unit = (uint64_t)sectors_per_unit(fs) * INFO_BYTES_PER_SECTOR;

	wire_wr_u64(w, fs->total_bytes / unit);
	wire_wr_u64(w, fs->free_bytes / unit);
	if (full) /* ActualAvailableAllocationUnits */
		wire_wr_u64(w, fs->free_bytes / unit);
	wire_wr_u32(w, sectors_per_unit(fs));
	wire_wr_u32(w, INFO_BYTES_PER_SECTOR);
}

static void put_fs_volume(struct wire_wr *w, const struct smb2_info_fs *v)
{
	/* MS-FSCC 2.5.9 */
	wire_wr_u64(w, v->volume_create_time);
	wire_wr_u32(w, (uint32_t)(v->fs->fsid ^ (v->fs->fsid >> 32)));
	wire_wr_u32(w, (uint32_t)v->label16_len);
	wire_wr_u8(w, 0); /* SupportsObjects */
	wire_wr_u8(w, 0); /* Reserved */
	wire_wr_bytes(w, v->label16, v->label16_len);
}

static void put_fs_attribute(struct wire_wr *w, const struct smb2_info_fs *v)
{
	static const uint8_t ntfs[] = { 'N', 0, 'T', 0, 'F', 0, 'S', 0 };

	/* MS-FSCC 2.5.1. Names are matched case-insensitively, so
	 * FILE_CASE_SENSITIVE_SEARCH stays clear; no ACLs are kept yet, so
	 * neither is FILE_PERSISTENT_ACLS. Sparse files are kept
	 * (FSCTL_SET_SPARSE, holes punched by FSCTL_SET_ZERO_DATA). */
	wire_wr_u32(w, FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK |
			       0x00000040u /* FILE_SUPPORTS_SPARSE_FILES */);
	wire_wr_u32(w, v->fs->name_max ? v->fs->name_max : 255);
	wire_wr_u32(w, sizeof(ntfs));
	wire_wr_bytes(w, ntfs, sizeof(ntfs));
}

NTSTATUS smb2_info_encode_fs(struct wire_wr *w, uint8_t cls,
			     const struct smb2_info_fs *v)
{
	switch (cls) {
	case FSCC_FS_VOLUME_INFORMATION:
		put_fs_volume(w, v);
		break;
	case FSCC_FS_SIZE_INFORMATION:
		put_fs_sizes(w, v->fs, false);
		break;
	case FSCC_FS_DEVICE_INFORMATION:
		/* MS-FSCC 2.5.10 */
		wire_wr_u32(w, 0x00000007); /* FILE_DEVICE_DISK */
		wire_wr_u32(w, 0x00000020); /* FILE_DEVICE_IS_MOUNTED */
		break;
	case FSCC_FS_ATTRIBUTE_INFORMATION:
		put_fs_attribute(w, v);
		break;
	case FSCC_FS_CONTROL_INFORMATION:
		/* MS-FSCC 2.5.2: no quotas; thresholds and limits "none" */
		wire_wr_zero(w, 24); /* free space filtering: unused */
		wire_wr_u64(w, UINT64_MAX); /* DefaultQuotaThreshold */
		wire_wr_u64(w, UINT64_MAX); /* DefaultQuotaLimit */
		wire_wr_u32(w, 0);	    /* FileSystemControlFlags */
		wire_wr_u32(w, 0);	    /* Padding */
		break;
	case FSCC_FS_FULL_SIZE_INFORMATION:
		put_fs_sizes(w, v->fs, true);
		break;
	case FSCC_FS_OBJECT_ID_INFORMATION:
		/* MS-FSCC 2.5.6: a stable 16-byte id from the fsid */
		wire_wr_u64(w, v->fs->fsid);
		wire_wr_zero(w, 8 + 48);
		break;
	case FSCC_FS_SECTOR_SIZE_INFORMATION:
		/* MS-FSCC 2.5.8 */
		wire_wr_u32(w, INFO_BYTES_PER_SECTOR);
		wire_wr_u32(w, INFO_BYTES_PER_SECTOR);
		wire_wr_u32(w, INFO_BYTES_PER_SECTOR);
		wire_wr_u32(w, INFO_BYTES_PER_SECTOR);
		/* SSINFO_FLAGS_ALIGNED_DEVICE | PARTITION_ALIGNED_ON_DEVICE */
		wire_wr_u32(w, 0x00000003);
		wire_wr_u32(w, 0); /* ByteOffsetForSectorAlignment */
		wire_wr_u32(w, 0); /* ByteOffsetForPartitionAlignment */
		break;
	default:
		return NT_STATUS_INVALID_INFO_CLASS;
	}
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

/*
 * The smallest OutputBufferLength each class accepts, as Windows sizes
 * them (sizeof of the structure, which includes one WCHAR of the name for
 * variable classes: MS-FSA 2.1.5.12.3 BlockAlign(FieldOffset(...) + 2, 8)).
 * variable: the class may be truncated with STATUS_BUFFER_OVERFLOW.
 */
struct info_size {
	uint8_t cls;
	uint8_t min;
	bool variable;
};

static const struct info_size file_sizes[] = {
	{ FSCC_FILE_BASIC_INFORMATION, 40, false },
	{ FSCC_FILE_STANDARD_INFORMATION, 24, false },
	{ FSCC_FILE_INTERNAL_INFORMATION, 8, false },
	{ FSCC_FILE_EA_INFORMATION, 4, false },
	{ FSCC_FILE_ACCESS_INFORMATION, 4, false },
	{ FSCC_FILE_NAME_INFORMATION, 8, true },
	{ FSCC_FILE_POSITION_INFORMATION, 8, false },
	{ FSCC_FILE_MODE_INFORMATION, 4, false },
	{ FSCC_FILE_ALIGNMENT_INFORMATION, 4, false },
	{ FSCC_FILE_ALL_INFORMATION, 104, true },
	{ FSCC_FILE_ALTERNATE_NAME_INFORMATION, 8, true },
	{ FSCC_FILE_STREAM_INFORMATION, 32, true },
	{ FSCC_FILE_PIPE_INFORMATION, 8, false },
	{ FSCC_FILE_COMPRESSION_INFORMATION, 16, false },
	{ FSCC_FILE_NETWORK_OPEN_INFORMATION, 56, false },
	{ FSCC_FILE_ATTRIBUTE_TAG_INFORMATION, 8, false },
	{ FSCC_FILE_NORMALIZED_NAME_INFORMATION, 8, true },
	/* whole entries only, fitted by the encoder itself */
	{ FSCC_FILE_FULL_EA_INFORMATION, 0, true },
};

static const struct info_size fs_sizes[] = {
	{ FSCC_FS_VOLUME_INFORMATION, 24, true },
	{ FSCC_FS_SIZE_INFORMATION, 24, false },
	{ FSCC_FS_DEVICE_INFORMATION, 8, false },
	{ FSCC_FS_ATTRIBUTE_INFORMATION, 16, true },
	{ FSCC_FS_CONTROL_INFORMATION, 48, false },
	{ FSCC_FS_FULL_SIZE_INFORMATION, 32, false },
	{ FSCC_FS_OBJECT_ID_INFORMATION, 64, false },
	{ FSCC_FS_SECTOR_SIZE_INFORMATION, 28, false },
};

static const struct info_size *find_size(uint8_t info_type, uint8_t cls)
{
	const struct info_size *t = file_sizes;
	size_t n = sizeof(file_sizes) / sizeof(file_sizes[0]);

	if (info_type == SMB2_0_INFO_FILESYSTEM) {
		t = fs_sizes;
		n = sizeof(fs_sizes) / sizeof(fs_sizes[0]);
	} else if (info_type != SMB2_0_INFO_FILE) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (t[i].cls == cls)
			return &t[i];
	return NULL;
}

NTSTATUS smb2_info_fit(uint8_t info_type, uint8_t cls, size_t full_len,
		       uint32_t out_len, size_t *send_len)
{
	const struct info_size *sz = find_size(info_type, cls);

	*send_len = 0;
	if (!sz)
		return NT_STATUS_INVALID_INFO_CLASS;
	if (out_len < sz->min)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	if (full_len <= out_len) {
		*send_len = full_len;
		return NT_STATUS_OK;
	}
	if (!sz->variable) /* cannot happen: fixed values fit in min */
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	/* Stream entries are never split (MS-FSA 2.1.5.12.29) and there is
	 * at most one; the other classes keep what fits. */
	*send_len = cls == FSCC_FILE_STREAM_INFORMATION &&
				    info_type == SMB2_0_INFO_FILE
			    ? 0
			    : out_len;
	return NT_STATUS_BUFFER_OVERFLOW;
}

/* ---- 8.3 names (MS-FSCC 2.1.5.2.1) ---- */

/* Characters an 8.3 name may hold besides A-Z and 0-9. */
static bool short_name_char(char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'()-@^_`{}~", c) != NULL;
}

static char upper_ascii(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Copies up to max valid, upper-cased characters of [s, end). */
static size_t short_name_part(char *out, const char *s, const char *end,
			      size_t max)
{
	size_t n = 0;

	for (; s < end && n < max; s++) {
		char c = upper_ascii(*s);

		if (short_name_char(c))
			out[n++] = c;
	}
	return n;
}

/* true if [s, end) has between 1 and max characters, all valid */
static bool short_name_valid_part(const char *s, const char *end, size_t max)
{
	if (end <= s || (size_t)(end - s) > max)
		return false;
	for (; s < end; s++)
		if (!short_name_char(upper_ascii(*s)))
			return false;
	return true;
}

bool smb2_info_short_name(const char *name, char out[SMB2_SHORT_NAME_MAX + 1])
{
	const char *end = name + strlen(name);
	const char *dot = strrchr(name, '.');
	const char *base_end = dot ? dot : end;
	uint32_t hash = 2166136261u; /* FNV-1a */
	size_t n;

	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	if (short_name_valid_part(name, base_end, 8) &&
	    (!dot || short_name_valid_part(dot + 1, end, 3))) {
		for (n = 0; name[n]; n++)
			out[n] = upper_ascii(name[n]);
		out[n] = '\0';
		return true;
	}
	for (const char *p = name; *p; p++) {
		hash ^= (uint8_t)upper_ascii(*p);
		hash *= 16777619u;
	}
	n = short_name_part(out, name, base_end, 2);
	snprintf(out + n, SMB2_SHORT_NAME_MAX + 1 - n, "%04X~1",
		 (unsigned)((hash ^ (hash >> 16)) & 0xffff));
	n += 6;
	if (dot) {
		char ext[4];
		size_t e = short_name_part(ext, dot + 1, end, 3);

		if (e) {
			out[n++] = '.';
			memcpy(out + n, ext, e);
			n += e;
		}
	}
	out[n] = '\0';
	return true;
}

/* ---- security descriptor (MS-DTYP 2.4.6) ---- */

#define SD_HEADER_SIZE 20
#define SE_DACL_PRESENT 0x0004
#define SE_SELF_RELATIVE 0x8000
#define ACL_REVISION 2
#define ACCESS_ALLOWED_ACE_TYPE 0

/* A SID with one authority and up to two sub-authorities. */
static size_t sid_size(unsigned n_sub)
{
	return 8 + 4 * (size_t)n_sub;
}

static void put_sid(struct wire_wr *w, uint8_t authority, unsigned n_sub,
		    const uint32_t *sub)
{
	wire_wr_u8(w, 1); /* Revision */
	wire_wr_u8(w, (uint8_t)n_sub);
	wire_wr_zero(w, 5); /* IdentifierAuthority, big-endian 48 bits */
	wire_wr_u8(w, authority);
	for (unsigned i = 0; i < n_sub; i++)
		wire_wr_u32(w, sub[i]);
}

void smb2_info_encode_security(struct wire_wr *w, uint32_t secinfo,
			       uint32_t uid, uint32_t gid)
{
	const uint32_t owner[2] = { 1, uid }; /* S-1-22-1-uid */
	const uint32_t group[2] = { 2, gid }; /* S-1-22-2-gid */
	const uint32_t everyone[1] = { 0 };   /* S-1-1-0 */
	size_t ace_size = 8 + sid_size(1);
	size_t acl_size = 8 + ace_size;
	size_t at = SD_HEADER_SIZE;
	uint32_t owner_off = 0, group_off = 0, dacl_off = 0;
	uint16_t control = SE_SELF_RELATIVE;

	if (secinfo & SECINFO_OWNER) {
		owner_off = (uint32_t)at;
		at += sid_size(2);
	}
	if (secinfo & SECINFO_GROUP) {
		group_off = (uint32_t)at;
		at += sid_size(2);
	}
	if (secinfo & SECINFO_DACL) {
		dacl_off = (uint32_t)at;
		control |= SE_DACL_PRESENT;
	}

	wire_wr_u8(w, 1); /* Revision */
	wire_wr_u8(w, 0); /* Sbz1 */
	wire_wr_u16(w, control);
	wire_wr_u32(w, owner_off);
	wire_wr_u32(w, group_off);
	wire_wr_u32(w, 0); /* OffsetSacl */
	wire_wr_u32(w, dacl_off);
	if (owner_off)
		put_sid(w, 22, 2, owner);
	if (group_off)
		put_sid(w, 22, 2, group);
	if (dacl_off) {
		wire_wr_u8(w, ACL_REVISION);
		wire_wr_u8(w, 0); /* Sbz1 */
		wire_wr_u16(w, (uint16_t)acl_size);
		wire_wr_u16(w, 1); /* AceCount */
		wire_wr_u16(w, 0); /* Sbz2 */
		wire_wr_u8(w, ACCESS_ALLOWED_ACE_TYPE);
		wire_wr_u8(w, 0); /* AceFlags */
		wire_wr_u16(w, (uint16_t)ace_size);
		wire_wr_u32(w, FILE_ALL_ACCESS);
		put_sid(w, 1, 1, everyone);
	}
}

/* ---- directory entries (MS-FSCC 2.4) ---- */

size_t smb2_dirent_fixed_size(uint8_t cls)
{
	switch (cls) {
	case FSCC_FILE_DIRECTORY_INFORMATION:
		return 64; /* 2.4.10 */
	case FSCC_FILE_FULL_DIRECTORY_INFORMATION:
		return 68; /* 2.4.14 */
	case FSCC_FILE_BOTH_DIRECTORY_INFORMATION:
		return 94; /* 2.4.8 */
	case FSCC_FILE_NAMES_INFORMATION:
		return 12; /* 2.4.33 */
	case FSCC_FILE_ID_BOTH_DIRECTORY_INFORMATION:
		return 104; /* 2.4.17 */
	case FSCC_FILE_ID_FULL_DIRECTORY_INFORMATION:
		return 80; /* 2.4.18 */
	case FSCC_FILE_ID_EXTD_DIRECTORY_INFORMATION:
		return 88; /* 2.4.16 */
	default:
		return 0;
	}
}

void smb2_dirlist_init(struct smb2_dirlist *l, struct wire_wr *w,
		       uint32_t max_len)
{
	l->w = w;
	l->start = w->len;
	l->max_len = max_len;
	l->last = 0;
	l->count = 0;
}

/* The part every directory class shares after FileIndex: times, sizes,
 * attributes and FileNameLength. */
static void put_dirent_common(struct wire_wr *w, const struct vfs_stat *st,
			      size_t name16_len)
{
	put_times(w, st);
	wire_wr_u64(w, eof_of(st));
	wire_wr_u64(w, alloc_of(st));
	wire_wr_u32(w, st->attributes);
	wire_wr_u32(w, (uint32_t)name16_len);
}

/* ShortNameLength, Reserved1 and the 24-byte ShortName (MS-FSCC 2.4.8) */
static void put_short_name(struct wire_wr *w, const char *short_name)
{
	size_t n = short_name ? strlen(short_name) : 0;

	if (n > SMB2_SHORT_NAME_MAX)
		n = 0;
	wire_wr_u8(w, (uint8_t)(2 * n));
	wire_wr_u8(w, 0);
	for (size_t i = 0; i < n; i++)
		wire_wr_u16(w, (uint8_t)short_name[i]);
	wire_wr_zero(w, 24 - 2 * n);
}

static void put_dirent_body(struct wire_wr *w, uint8_t cls,
			    const struct vfs_stat *st, uint32_t ea_size,
			    size_t name16_len, const char *short_name)
{
	wire_wr_u32(w, 0); /* NextEntryOffset, patched when chained */
	wire_wr_u32(w, 0); /* FileIndex: undefined on NTFS-like stores */
	if (cls == FSCC_FILE_NAMES_INFORMATION) {
		wire_wr_u32(w, (uint32_t)name16_len);
		return;
	}
	put_dirent_common(w, st, name16_len);
	if (cls == FSCC_FILE_DIRECTORY_INFORMATION)
		return;
	wire_wr_u32(w, ea_size);
	switch (cls) {
	case FSCC_FILE_BOTH_DIRECTORY_INFORMATION:
	case FSCC_FILE_ID_BOTH_DIRECTORY_INFORMATION:
		put_short_name(w, short_name);
		if (cls == FSCC_FILE_ID_BOTH_DIRECTORY_INFORMATION) {
			wire_wr_u16(w, 0); /* Reserved2 */
			wire_wr_u64(w, st->file_id);
		}
		break;
	case FSCC_FILE_ID_FULL_DIRECTORY_INFORMATION:
		wire_wr_u32(w, 0); /* Reserved */
		wire_wr_u64(w, st->file_id);
		break;
	case FSCC_FILE_ID_EXTD_DIRECTORY_INFORMATION:
		wire_wr_u32(w, 0); /* ReparsePointTag */
		wire_wr_u64(w, st->file_id); /* FileId: 128 bits */
		wire_wr_u64(w, 0);
		break;
	default: /* FileFullDirectoryInformation */
		break;
	}
}

bool smb2_dirlist_append(struct smb2_dirlist *l, uint8_t cls,
			 const struct vfs_stat *st, uint32_t ea_size,
			 const uint8_t *name16, size_t name16_len,
			 const char *short_name)
{
	struct wire_wr *w = l->w;
	size_t fixed = smb2_dirent_fixed_size(cls);
	size_t used = smb2_dirlist_len(l);
	size_t pad = l->count ? (8 - (used & 7)) & 7 : 0;
	size_t entry_at;

	if (!fixed || w->err || name16_len > UINT32_MAX)
		return false;
	if (used > l->max_len || pad + fixed + name16_len > l->max_len - used)
		return false;
	wire_wr_zero(w, pad);
	entry_at = w->len;
	put_dirent_body(w, cls, st, ea_size, name16_len, short_name);
	wire_wr_bytes(w, name16, name16_len);
	if (w->err)
		return false;
	if (l->count)
		wire_wr_put_u32(w, l->last, (uint32_t)(entry_at - l->last));
	l->last = entry_at;
	l->count++;
	return true;
}

/* ---- SET_INFO decoders (MS-FSCC 2.4, MS-FSA 2.1.5.15) ---- */

/* Time values 0 (don't change), -1 (don't change, stop updating) and -2
 * (resume updating) all leave the stored time as it is. */
static uint64_t settable_time(uint64_t t)
{
	return t >= UINT64_MAX - 1 ? 0 : t;
}

static NTSTATUS decode_basic(struct wire_rd *r, struct smb2_set_file_info *o)
{
	if (wire_rd_left(r) < FSCC_BASIC_SIZE)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	o->create_time = settable_time(wire_rd_u64(r));
	o->access_time = settable_time(wire_rd_u64(r));
	o->write_time_raw = wire_rd_u64(r);
	o->write_time = settable_time(o->write_time_raw);
	o->change_time = settable_time(wire_rd_u64(r));
	o->attributes = wire_rd_u32(r);
	return NT_STATUS_OK;
}

/* FILE_RENAME_INFORMATION_TYPE_2 (MS-FSCC 2.4.42.2) */
#define RENAME_NAME_OFFSET 20

static NTSTATUS decode_rename(struct wire_rd *r, struct smb2_set_file_info *o)
{
	uint32_t name_len;

	if (wire_rd_left(r) < RENAME_NAME_OFFSET)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	o->replace_if_exists = wire_rd_u8(r) != 0;
	wire_rd_skip(r, 7); /* Reserved */
	o->root_directory = wire_rd_u64(r);
	name_len = wire_rd_u32(r);
	if (name_len == 0 || (name_len & 1))
		return NT_STATUS_INVALID_PARAMETER;
	o->name16 = wire_rd_ptr(r, name_len);
	if (!o->name16)
		return NT_STATUS_INVALID_PARAMETER;
	o->name16_len = name_len;
	return NT_STATUS_OK;
}

/* MS-FSA 2.1.5.15.9: only these may be set, and not both sync modes */
#define MODE_SETTABLE                                                    \
	(FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY |                      \
	 FILE_NO_INTERMEDIATE_BUFFERING | FILE_SYNCHRONOUS_IO_ALERT |     \
	 FILE_SYNCHRONOUS_IO_NONALERT)

static NTSTATUS decode_mode(struct wire_rd *r, struct smb2_set_file_info *o)
{
	const uint32_t both =
		FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT;

	if (wire_rd_left(r) < 4)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	o->mode = wire_rd_u32(r);
	if ((o->mode & ~MODE_SETTABLE) || (o->mode & both) == both)
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

static NTSTATUS decode_disposition_ex(struct wire_rd *r,
				      struct smb2_set_file_info *o)
{
	uint32_t flags;

	if (wire_rd_left(r) < 4)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	flags = wire_rd_u32(r);
	/* POSIX semantics (unlink while open) are not offered */
	if (flags & FILE_DISPOSITION_POSIX_SEMANTICS)
		return NT_STATUS_NOT_SUPPORTED;
	o->delete_pending = flags & FILE_DISPOSITION_DELETE;
	o->ignore_readonly = flags & FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE;
	return NT_STATUS_OK;
}

static NTSTATUS decode_u64(struct wire_rd *r, struct smb2_set_file_info *o)
{
	if (wire_rd_left(r) < 8)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	o->value = wire_rd_u64(r);
	/* offsets and sizes are signed 64-bit on the wire */
	if (o->value > INT64_MAX)
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

NTSTATUS smb2_info_decode_set_file(uint8_t cls, struct wire_slice in,
				   struct smb2_set_file_info *out)
{
	struct wire_rd r;

	memset(out, 0, sizeof(*out));
	out->cls = cls;
	wire_rd_init_slice(&r, in);
	switch (cls) {
	case FSCC_FILE_BASIC_INFORMATION:
		return decode_basic(&r, out);
	case FSCC_FILE_RENAME_INFORMATION:
		return decode_rename(&r, out);
	case FSCC_FILE_DISPOSITION_INFORMATION:
		if (wire_rd_left(&r) < 1)
			return NT_STATUS_INFO_LENGTH_MISMATCH;
		out->delete_pending = wire_rd_u8(&r) != 0;
		return NT_STATUS_OK;
	case FSCC_FILE_DISPOSITION_INFORMATION_EX:
		return decode_disposition_ex(&r, out);
	case FSCC_FILE_POSITION_INFORMATION:
	case FSCC_FILE_END_OF_FILE_INFORMATION:
	case FSCC_FILE_ALLOCATION_INFORMATION:
	case FSCC_FILE_VALID_DATA_LENGTH_INFORMATION:
		return decode_u64(&r, out);
	case FSCC_FILE_MODE_INFORMATION:
		return decode_mode(&r, out);
	case FSCC_FILE_FULL_EA_INFORMATION:
		return NT_STATUS_EAS_NOT_SUPPORTED;
	case FSCC_FILE_LINK_INFORMATION:
	case FSCC_FILE_SHORT_NAME_INFORMATION:
		return NT_STATUS_NOT_SUPPORTED;
	default:
		return NT_STATUS_INVALID_INFO_CLASS;
	}
}
