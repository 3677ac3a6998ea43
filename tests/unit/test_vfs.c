#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "vfs/vfs.h"

struct fixture {
	char root[64];	  /* the share */
	char outside[64]; /* a directory next to it */
	struct vfs_share *share;
};

static int setup(void **state)
{
	struct fixture *f = talloc_zero(NULL, struct fixture);

	snprintf(f->root, sizeof(f->root), "/tmp/usmbd-vfs-XXXXXX");
	snprintf(f->outside, sizeof(f->outside), "/tmp/usmbd-out-XXXXXX");
	if (mkdtemp(f->root) == NULL || mkdtemp(f->outside) == NULL)
		return -1;
	if (vfs_share_open(f, f->root, &f->share) != 0)
		return -1;
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	nftw(f->outside, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	talloc_free(f);
	return 0;
}

/* Creates a file beneath the share with some content; returns its fd. */
static int create_file(struct fixture *f, const char *rel, size_t len)
{
	char buf[4096];
	int fd = -1;

	assert_int_equal(vfs_open(f->share, rel, O_CREAT | O_EXCL | O_RDWR,
				  0644, &fd),
			 0);
	memset(buf, 'x', sizeof(buf));
	while (len > 0) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		len -= n;
	}
	return fd;
}

static void host_path(const struct fixture *f, const char *rel, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/%s", f->root, rel);
}

/* ---- nttime --------------------------------------------------------- */

static void test_nttime(void **state)
{
	struct timespec epoch = { 0, 0 }, y2k = { 946684800, 0 };
	struct timespec ts = { 1700000000, 123456789 }, back;

	assert_int_equal(nttime_from_timespec(&epoch), NTTIME_UNIX_EPOCH);
	/* 2000-01-01T00:00:00Z, as Windows FILETIME */
	assert_int_equal(nttime_from_timespec(&y2k), 125911584000000000ull);
	back = nttime_to_timespec(nttime_from_timespec(&ts));
	assert_int_equal(back.tv_sec, ts.tv_sec);
	assert_int_equal(back.tv_nsec, 123456700); /* 100 ns resolution */
	back = nttime_to_timespec(0);
	assert_int_equal(back.tv_sec, -11644473600ll);
	assert_int_equal(back.tv_nsec, 0);
	ts.tv_sec = -11644473601ll; /* before 1601 clamps */
	assert_int_equal(nttime_from_timespec(&ts), 0);
	assert_true(nttime_now() > 125911584000000000ull);
}

/* ---- create, open, stat --------------------------------------------- */

static void test_create_stat(void **state)
{
	struct fixture *f = *state;
	struct vfs_stat st, st2;
	uint64_t before = nttime_now();
	struct stat sb;
	int fd = create_file(f, "a.txt", 1000);

	assert_int_equal(vfs_init_new(fd, FILE_ATTRIBUTE_HIDDEN), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(st.size, 1000);
	assert_int_equal(st.file_id, sb.st_ino);
	assert_int_equal(st.alloc_size, (uint64_t)sb.st_blocks * 512);
	assert_int_equal(st.nlink, 1);
	assert_false(st.is_dir);
	assert_int_equal(st.attributes,
			 FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_ARCHIVE);
	assert_true(st.create_time >= before - 10000000ull);
	assert_true(st.create_time <= nttime_now());
	assert_int_equal(st.write_time, nttime_from_timespec(&sb.st_mtim));
	assert_int_equal(st.change_time, nttime_from_timespec(&sb.st_ctim));
	close(fd);

	assert_int_equal(vfs_stat_path(f->share, "a.txt", &st2), 0);
	assert_int_equal(st2.file_id, st.file_id);
	assert_int_equal(st2.create_time, st.create_time);
	assert_int_equal(st2.attributes, st.attributes);

	assert_int_equal(vfs_mkdir(f->share, "d"), 0);
	assert_int_equal(vfs_mkdir(f->share, "d"), -EEXIST);
	assert_int_equal(vfs_stat_path(f->share, "d", &st), 0);
	assert_true(st.is_dir);
	assert_int_equal(st.attributes, FILE_ATTRIBUTE_DIRECTORY);
	assert_int_equal(vfs_stat_path(f->share, "", &st), 0);
	assert_true(st.is_dir);

	assert_int_equal(vfs_stat_path(f->share, "missing", &st), -ENOENT);
	assert_int_equal(vfs_open(f->share, "a.txt",
				  O_CREAT | O_EXCL | O_RDWR, 0644, &fd),
			 -EEXIST);
}

static void test_unlink(void **state)
{
	struct fixture *f = *state;
	struct vfs_stat st;

	close(create_file(f, "gone", 1));
	assert_int_equal(vfs_mkdir(f->share, "full"), 0);
	close(create_file(f, "full/x", 1));
	assert_int_equal(vfs_unlink(f->share, "gone", false), 0);
	assert_int_equal(vfs_stat_path(f->share, "gone", &st), -ENOENT);
	assert_int_equal(vfs_unlink(f->share, "full", true), -ENOTEMPTY);
	assert_int_equal(vfs_unlink(f->share, "full/x", false), 0);
	assert_int_equal(vfs_unlink(f->share, "full", true), 0);
	assert_int_equal(vfs_unlink(f->share, "", true), -EINVAL);
}

/* ---- case-insensitive resolution ------------------------------------ */

static void test_resolve(void **state)
{
	struct fixture *f = *state;
	char *ondisk = NULL;
	bool exists = false;

	assert_int_equal(vfs_mkdir(f->share, "Foo"), 0);
	close(create_file(f, "Foo/Bar.txt", 3));

	assert_int_equal(vfs_resolve(f->share, f, "Foo/Bar.txt", &ondisk,
				     &exists),
			 0);
	assert_string_equal(ondisk, "Foo/Bar.txt");
	assert_true(exists);

	assert_int_equal(vfs_resolve(f->share, f, "foo/BAR.TXT", &ondisk,
				     &exists),
			 0);
	assert_string_equal(ondisk, "Foo/Bar.txt");
	assert_true(exists);

	/* a missing final component keeps the client's spelling */
	assert_int_equal(vfs_resolve(f->share, f, "FOO/New.txt", &ondisk,
				     &exists),
			 0);
	assert_string_equal(ondisk, "Foo/New.txt");
	assert_false(exists);

	/* non-ASCII: "Ärger.txt" found as "ärger.TXT" */
	close(create_file(f, "Foo/\xC3\x84rger.txt", 1));
	assert_int_equal(vfs_resolve(f->share, f, "FOO/\xC3\xA4rger.TXT",
				     &ondisk, &exists),
			 0);
	assert_string_equal(ondisk, "Foo/\xC3\x84rger.txt");
	assert_true(exists);

	assert_int_equal(vfs_resolve(f->share, f, "nope/x", &ondisk, &exists),
			 -ENOENT);
	assert_int_equal(vfs_resolve(f->share, f, "foo/bar.txt/x", &ondisk,
				     &exists),
			 -ENOTDIR);

	assert_int_equal(vfs_resolve(f->share, f, "", &ondisk, &exists), 0);
	assert_string_equal(ondisk, ".");
	assert_true(exists);

	assert_int_equal(vfs_resolve(f->share, f, "a//b", &ondisk, &exists),
			 -EINVAL);
	assert_int_equal(vfs_resolve(f->share, f, "/etc", &ondisk, &exists),
			 -EINVAL);
	assert_int_equal(vfs_resolve(f->share, f, "Foo/", &ondisk, &exists),
			 -EINVAL);
}

/* ---- confinement ---------------------------------------------------- */

static void test_escapes(void **state)
{
	struct fixture *f = *state;
	char path[256], target[256];
	struct vfs_stat st, inside;
	char *ondisk;
	bool exists;
	int fd = -1;

	assert_int_equal(vfs_open(f->share, "../x", O_RDONLY, 0, &fd), -EINVAL);
	assert_int_equal(vfs_open(f->share, "a/../../x", O_RDONLY, 0, &fd),
			 -EINVAL);
	assert_int_equal(vfs_open(f->share, "/etc/passwd", O_RDONLY, 0, &fd),
			 -EINVAL);
	assert_int_equal(vfs_resolve(f->share, f, "..", &ondisk, &exists),
			 -EINVAL);
	assert_int_equal(vfs_mkdir(f->share, "../evil"), -EINVAL);

	/* an absolute symlink inside the share */
	host_path(f, "abs", path, sizeof(path));
	assert_int_equal(symlink("/etc", path), 0);
	assert_int_equal(vfs_open(f->share, "abs/passwd", O_RDONLY, 0, &fd),
			 -EXDEV);
	assert_int_equal(vfs_open(f->share, "abs", O_RDONLY, 0, &fd), -EXDEV);
	assert_int_equal(vfs_stat_path(f->share, "abs", &st), -EXDEV);
	assert_int_equal(vfs_mkdir(f->share, "abs/evil"), -EXDEV);
	assert_int_equal(vfs_resolve(f->share, f, "abs/passwd", &ondisk,
				     &exists),
			 -EXDEV);

	/* a relative one climbing out */
	host_path(f, "link", path, sizeof(path));
	assert_int_equal(symlink("../../", path), 0);
	assert_int_equal(vfs_open(f->share, "link/etc/passwd", O_RDONLY, 0,
				  &fd),
			 -EXDEV);

	/* one to a directory outside the share */
	snprintf(target, sizeof(target), "%s/secret", f->outside);
	close(open(target, O_CREAT | O_WRONLY, 0600));
	host_path(f, "outdir", path, sizeof(path));
	assert_int_equal(symlink(f->outside, path), 0);
	assert_int_equal(vfs_open(f->share, "outdir/secret", O_RDONLY, 0, &fd),
			 -EXDEV);
	assert_int_equal(vfs_unlink(f->share, "outdir/secret", false), -EXDEV);
	assert_int_equal(vfs_rename(f->share, "outdir/secret", "stolen",
				    false),
			 -EXDEV);
	assert_int_equal(access(target, F_OK), 0);

	/* a symlink to a file inside the share works */
	assert_int_equal(vfs_mkdir(f->share, "sub"), 0);
	close(create_file(f, "sub/real", 5));
	host_path(f, "sub/ln", path, sizeof(path));
	assert_int_equal(symlink("../sub/real", path), 0);
	assert_int_equal(vfs_open(f->share, "sub/ln", O_RDONLY, 0, &fd), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(vfs_stat_path(f->share, "sub/real", &inside), 0);
	assert_int_equal(st.file_id, inside.file_id);
	assert_int_equal(vfs_stat_path(f->share, "sub/ln", &st), 0);
	assert_int_equal(st.file_id, inside.file_id);
}

/* ---- rename --------------------------------------------------------- */

static void test_rename(void **state)
{
	struct fixture *f = *state;
	struct vfs_stat st, r2;

	close(create_file(f, "r1", 1));
	close(create_file(f, "r3", 3));
	assert_int_equal(vfs_rename(f->share, "r1", "r2", false), 0);
	assert_int_equal(vfs_stat_path(f->share, "r1", &st), -ENOENT);
	assert_int_equal(vfs_stat_path(f->share, "r2", &r2), 0);

	/* a target differing only in case exists */
	assert_int_equal(vfs_rename(f->share, "r2", "R3", false), -EEXIST);
	assert_int_equal(vfs_rename(f->share, "r2", "r3", false), -EEXIST);
	/* replacing takes the client's spelling */
	assert_int_equal(vfs_rename(f->share, "r2", "R3", true), 0);
	assert_int_equal(vfs_stat_path(f->share, "R3", &st), 0);
	assert_int_equal(st.file_id, r2.file_id);
	assert_int_equal(vfs_stat_path(f->share, "r3", &st), -ENOENT);
	assert_int_equal(vfs_stat_path(f->share, "r2", &st), -ENOENT);

	/* case-only rename of the same file is not a conflict */
	assert_int_equal(vfs_rename(f->share, "R3", "r3", false), 0);
	assert_int_equal(vfs_stat_path(f->share, "r3", &st), 0);
	assert_int_equal(st.file_id, r2.file_id);
	assert_int_equal(vfs_stat_path(f->share, "R3", &st), -ENOENT);
	/* and renaming onto itself is a no-op */
	assert_int_equal(vfs_rename(f->share, "r3", "r3", false), 0);

	/* across directories */
	assert_int_equal(vfs_mkdir(f->share, "dir"), 0);
	assert_int_equal(vfs_rename(f->share, "r3", "dir/moved", false), 0);
	assert_int_equal(vfs_stat_path(f->share, "dir/moved", &st), 0);
	assert_int_equal(st.file_id, r2.file_id);
	assert_int_equal(vfs_rename(f->share, "nothing", "x", false), -ENOENT);
	assert_int_equal(vfs_rename(f->share, "dir/moved", "../x", false),
			 -EINVAL);
}

/* ---- DOS attributes and times --------------------------------------- */

static void test_attributes_round_trip(void **state)
{
	struct fixture *f = *state;
	struct vfs_stat st;
	uint8_t blob[32];
	ssize_t n;
	int fd = create_file(f, "attr", 10);

	/* no xattr: ARCHIVE for a writable file */
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes, FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(fgetxattr(fd, "user.usmbd.dos", blob, sizeof(blob)),
			 -1);

	/* only settable bits are kept */
	assert_int_equal(vfs_set_attributes(fd, FILE_ATTRIBUTE_HIDDEN |
							FILE_ATTRIBUTE_READONLY |
							FILE_ATTRIBUTE_DIRECTORY |
							FILE_ATTRIBUTE_SPARSE_FILE |
							0x00080000u),
			 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes,
			 FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_READONLY);

	/* the on-disk format: version 1, attributes, create time, LE */
	assert_int_equal(vfs_set_times(fd, 0x0102030405060708ull, 0, 0), 0);
	n = fgetxattr(fd, "user.usmbd.dos", blob, sizeof(blob));
	assert_int_equal(n, 14);
	assert_int_equal(blob[0], 1);
	assert_int_equal(blob[1], 0);
	assert_int_equal(blob[2], 0x03); /* HIDDEN | READONLY */
	assert_int_equal(blob[3] | blob[4] | blob[5], 0);
	assert_int_equal(blob[6], 0x08);
	assert_int_equal(blob[13], 0x01);

	/* nothing set: NORMAL, and only NORMAL */
	assert_int_equal(vfs_set_attributes(fd, FILE_ATTRIBUTE_NORMAL), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes, FILE_ATTRIBUTE_NORMAL);
	assert_int_equal(st.create_time, 0x0102030405060708ull);
	close(fd);

	/* works on an fd opened read-only, and on O_PATH */
	assert_int_equal(vfs_open(f->share, "attr", O_RDONLY, 0, &fd), 0);
	assert_int_equal(vfs_set_attributes(fd, FILE_ATTRIBUTE_SYSTEM), 0);
	close(fd);
	assert_int_equal(vfs_open(f->share, "attr", O_PATH, 0, &fd), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes, FILE_ATTRIBUTE_SYSTEM);
	assert_int_equal(vfs_set_attributes(fd, FILE_ATTRIBUTE_ARCHIVE), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes, FILE_ATTRIBUTE_ARCHIVE);
	close(fd);
}

static void test_readonly_derived(void **state)
{
	struct fixture *f = *state;
	struct vfs_stat st;
	int fd = create_file(f, "ro", 1);

	assert_int_equal(fchmod(fd, 0444), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes,
			 FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_READONLY);
	/* once stored, the mode no longer matters */
	assert_int_equal(vfs_set_attributes(fd, FILE_ATTRIBUTE_ARCHIVE), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes, FILE_ATTRIBUTE_ARCHIVE);
	close(fd);
}

static void test_times_round_trip(void **state)
{
	struct fixture *f = *state;
	/* arbitrary times using every 100 ns digit */
	const uint64_t ct = 126254631067891234ull;
	const uint64_t at = 130000000000000100ull;
	const uint64_t wt = 131000000000000200ull;
	struct vfs_stat st;
	int fd = create_file(f, "times", 1);

	assert_int_equal(vfs_set_times(fd, ct, at, wt), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.create_time, ct);
	assert_int_equal(st.access_time, at);
	assert_int_equal(st.write_time, wt);

	/* zero leaves a time alone */
	assert_int_equal(vfs_set_times(fd, 0, 0, wt + 10000000ull), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.create_time, ct);
	assert_int_equal(st.access_time, at);
	assert_int_equal(st.write_time, wt + 10000000ull);
	/* attributes set later keep the stored create time */
	assert_int_equal(vfs_set_attributes(fd, FILE_ATTRIBUTE_HIDDEN), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.create_time, ct);
	close(fd);

	/* without the xattr, create time is the earliest time known */
	fd = create_file(f, "times2", 1);
	assert_int_equal(vfs_set_times(fd, 0, at, wt), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_true(st.create_time <= wt);
	close(fd);
}

static void test_sparse_only_when_set(void **state)
{
	struct fixture *f = *state;
	/* version 1, attributes SPARSE | ARCHIVE, create time 1 */
	static const uint8_t blob[14] = { 1, 0, 0x20, 0x02, 0, 0, 1 };
	struct vfs_stat st;
	int fd = create_file(f, "holes", 0);

	/* a file full of holes is not reported sparse by default */
	assert_int_equal(ftruncate(fd, 16 << 20), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes & FILE_ATTRIBUTE_SPARSE_FILE, 0);
	assert_int_equal(vfs_init_new(fd, FILE_ATTRIBUTE_SPARSE_FILE), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes, FILE_ATTRIBUTE_ARCHIVE);

	/* once stored (a client set it), it is reported and kept */
	assert_int_equal(fsetxattr(fd, "user.usmbd.dos", blob, sizeof(blob),
				   0),
			 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes,
			 FILE_ATTRIBUTE_SPARSE_FILE | FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(st.create_time, 1);
	assert_int_equal(vfs_set_attributes(fd, FILE_ATTRIBUTE_HIDDEN), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.attributes,
			 FILE_ATTRIBUTE_SPARSE_FILE | FILE_ATTRIBUTE_HIDDEN);
	close(fd);
}

/* ---- directory listing ---------------------------------------------- */

static const struct vfs_dirent *find_entry(const struct vfs_dirent *ents,
					   size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(ents[i].name, name) == 0)
			return &ents[i];
	}
	return NULL;
}

static void test_list_dir(void **state)
{
	struct fixture *f = *state;
	struct vfs_stat root, a, c;
	struct vfs_dirent *ents;
	const struct vfs_dirent *e;
	char path[256];
	size_t n;
	int fd;

	assert_int_equal(vfs_mkdir(f->share, "L"), 0);
	fd = create_file(f, "L/a", 7);
	assert_int_equal(vfs_init_new(fd, FILE_ATTRIBUTE_HIDDEN), 0);
	close(fd);
	close(create_file(f, "L/b", 0));
	assert_int_equal(vfs_mkdir(f->share, "L/c"), 0);
	host_path(f, "L/in", path, sizeof(path));
	assert_int_equal(symlink("a", path), 0);
	host_path(f, "L/up", path, sizeof(path));
	assert_int_equal(symlink("../L/c", path), 0);
	host_path(f, "L/out", path, sizeof(path));
	assert_int_equal(symlink("/etc", path), 0);
	host_path(f, "L/\xff\xfe", path, sizeof(path));
	close(open(path, O_CREAT | O_WRONLY, 0644));

	assert_int_equal(vfs_stat_path(f->share, "", &root), 0);
	assert_int_equal(vfs_stat_path(f->share, "L/a", &a), 0);
	assert_int_equal(vfs_stat_path(f->share, "L/c", &c), 0);
	assert_int_equal(vfs_open(f->share, "L", O_RDONLY | O_DIRECTORY, 0,
				  &fd),
			 0);
	assert_int_equal(vfs_list_dir(fd, f, &ents, &n), 0);
	close(fd);

	/* . .. a b c in up; not "out" (leaves the share), not the
	 * name that is not UTF-8 */
	assert_int_equal(n, 7);
	assert_string_equal(ents[0].name, ".");
	assert_string_equal(ents[1].name, "..");
	assert_true(ents[0].st.is_dir);
	assert_int_equal(ents[1].st.file_id, root.file_id);
	e = find_entry(ents, n, "a");
	assert_non_null(e);
	assert_int_equal(e->st.size, 7);
	assert_int_equal(e->st.attributes,
			 FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(e->st.create_time, a.create_time);
	e = find_entry(ents, n, "b");
	assert_non_null(e);
	assert_int_equal(e->st.attributes, FILE_ATTRIBUTE_ARCHIVE);
	e = find_entry(ents, n, "c");
	assert_non_null(e);
	assert_true(e->st.is_dir);
	assert_int_equal(e->st.attributes, FILE_ATTRIBUTE_DIRECTORY);
	/* symlinks inside the share appear as their targets */
	e = find_entry(ents, n, "in");
	assert_non_null(e);
	assert_int_equal(e->st.file_id, a.file_id);
	e = find_entry(ents, n, "up");
	assert_non_null(e);
	assert_int_equal(e->st.file_id, c.file_id);
	assert_null(find_entry(ents, n, "out"));

	/* ".." of the share root is the root itself, never its parent */
	assert_int_equal(vfs_open(f->share, "", O_PATH | O_DIRECTORY, 0, &fd),
			 0);
	assert_int_equal(vfs_list_dir(fd, f, &ents, &n), 0);
	close(fd);
	assert_string_equal(ents[1].name, "..");
	assert_int_equal(ents[0].st.file_id, root.file_id);
	assert_int_equal(ents[1].st.file_id, root.file_id);
	assert_non_null(find_entry(ents, n, "L"));
}

/* ---- sizes and file system ------------------------------------------ */

static void test_allocation(void **state)
{
	struct fixture *f = *state;
	struct vfs_stat st;
	int fd = create_file(f, "alloc", 8192);

	/* smaller than the size: the file is cut, as on Windows */
	assert_int_equal(vfs_set_allocation(fd, 100), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.size, 100);

	/* larger: space is reserved, the size stays */
	assert_int_equal(vfs_set_allocation(fd, 1 << 20), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.size, 100);
	assert_true(st.alloc_size >= 1 << 20);

	assert_int_equal(vfs_truncate(fd, 5000), 0);
	assert_int_equal(vfs_fstat(fd, &st), 0);
	assert_int_equal(st.size, 5000);
	assert_int_equal(vfs_truncate(fd, UINT64_MAX), -EFBIG);
	close(fd);
}

static void test_fsinfo(void **state)
{
	struct fixture *f = *state;
	struct vfs_fsinfo fs;

	assert_int_equal(vfs_fsinfo(f->share, &fs), 0);
	assert_true(fs.total_bytes > 0);
	assert_true(fs.free_bytes <= fs.total_bytes);
	assert_true(fs.block_size >= 512);
	assert_true(fs.name_max >= 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nttime),
		cmocka_unit_test_setup_teardown(test_create_stat, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attributes_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_derived, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_times_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sparse_only_when_set,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fsinfo, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
