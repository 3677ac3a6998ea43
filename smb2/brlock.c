/*
 * Byte-range lock table: the conflict rules of MS-FSA 2.1.4.10 and the
 * lock/unlock bookkeeping of MS-FSA 2.1.5.8 and 2.1.5.9. Pure: owners are
 * opaque pointers, so the rules are tested without a server.
 */
#include <errno.h>
#include <string.h>

#include "smb2/brlock.h"
#include "smb2/smb2_server.h"

bool brl_range_valid(uint64_t offset, uint64_t length)
{
	return length == 0 || offset + (length - 1) >= offset;
}

/* Offset of the last byte of a non-empty range (never overflows for a
 * valid range, unlike offset + length). */
static uint64_t range_last(uint64_t offset, uint64_t length)
{
	return offset + (length - 1);
}

bool brl_ranges_overlap(uint64_t off_a, uint64_t len_a, uint64_t off_b,
			uint64_t len_b)
{
	if (len_a == 0 && len_b == 0)
		return false;
	if (len_a == 0)
		return off_b < off_a && off_a <= range_last(off_b, len_b);
	if (len_b == 0)
		return off_a < off_b && off_b <= range_last(off_a, len_a);
	return off_a <= range_last(off_b, len_b) &&
	       off_b <= range_last(off_a, len_a);
}

bool brl_lock_conflicts(const struct brl_table *t, const void *owner,
			uint64_t offset, uint64_t length, bool exclusive)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct brl_lock *l = &t->locks[i];

		if (!brl_ranges_overlap(l->offset, l->length, offset, length))
			continue;
		if (exclusive || (l->exclusive && l->owner != owner))
			return true;
	}
	return false;
}

int brl_add(TALLOC_CTX *mem_ctx, struct brl_table *t, const void *owner,
	    uint64_t offset, uint64_t length, bool exclusive)
{
	size_t cap = t->locks ? talloc_array_length(t->locks) : 0;

	if (t->n == cap) {
		size_t ncap = cap ? cap * 2 : 4;
		struct brl_lock *v = talloc_realloc(mem_ctx, t->locks,
						    struct brl_lock, ncap);
		if (!v)
			return -ENOMEM;
		t->locks = v;
	}
	t->locks[t->n++] = (struct brl_lock){
		.offset = offset,
		.length = length,
		.owner = owner,
		.exclusive = exclusive,
	};
	return 0;
}

static void remove_at(struct brl_table *t, size_t i)
{
	memmove(&t->locks[i], &t->locks[i + 1],
		(t->n - i - 1) * sizeof(t->locks[0]));
	t->n--;
}

bool brl_remove(struct brl_table *t, const void *owner, uint64_t offset,
		uint64_t length)
{
	size_t found = t->n;

	for (size_t i = 0; i < t->n; i++) {
		const struct brl_lock *l = &t->locks[i];

		if (l->owner != owner || l->offset != offset ||
		    l->length != length)
			continue;
		found = i;
		if (l->exclusive)
			break;
	}
	if (found == t->n)
		return false;
	remove_at(t, found);
	return true;
}

void brl_truncate(struct brl_table *t, size_t n)
{
	if (n < t->n)
		t->n = n;
}

size_t brl_remove_owner(struct brl_table *t, const void *owner)
{
	size_t kept = 0, n = t->n;

	for (size_t i = 0; i < n; i++)
		if (t->locks[i].owner != owner)
			t->locks[kept++] = t->locks[i];
	t->n = kept;
	return n - kept;
}

bool brl_io_conflicts(const struct brl_table *t, const void *owner,
		      uint64_t offset, uint64_t length, bool write)
{
	if (length == 0)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		const struct brl_lock *l = &t->locks[i];

		if (l->length == 0 ||
		    !brl_ranges_overlap(l->offset, l->length, offset, length))
			continue;
		if (l->exclusive ? l->owner != owner : write)
			return true;
	}
	return false;
}

NTSTATUS smb2_brlock_check_rw(struct smb2_open *o, uint64_t offset,
			      uint64_t length, bool write)
{
	const struct smb2_file_locks *fl = o->file ? o->file->locks : NULL;

	/* a range past the end of the 64-bit space is checked up to it */
	if (length > 0 && !brl_range_valid(offset, length))
		length = UINT64_MAX - offset + 1;
	if (fl && brl_io_conflicts(&fl->table, o, offset, length, write))
		return NT_STATUS_FILE_LOCK_CONFLICT;
	return NT_STATUS_OK;
}
