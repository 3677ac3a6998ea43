/* LastWriteTime updates through opens (see wtime.h). */
#include <fcntl.h>
#include <sys/stat.h>

#include "smb2/smb2_objects.h"
#include "smb2/streams.h"
#include "smb2/wtime.h"

/*
 * The write time an open holds: a talloc child of the open, so it goes
 * with it. Few opens hold one, so a list on the event loop's thread is
 * enough to find them.
 */
struct held_time {
	struct held_time *prev, *next;
	const struct smb2_open *open;
	uint64_t write_time;
};

static struct held_time *held_list;

static int held_destructor(struct held_time *h)
{
	DLIST_REMOVE(held_list, h);
	return 0;
}

static struct held_time *held_of(const struct smb2_open *o)
{
	for (struct held_time *h = held_list; h; h = h->next)
		if (h->open == o)
			return h;
	return NULL;
}

/* Sets the write time of the open's file (the base file of a stream);
 * 0 means now. */
static void store_write_time(const struct smb2_open *o, uint64_t t)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_NOW } };

	if (t != 0)
		ts[1] = nttime_to_timespec(t);
	(void)futimens(smb2_stream_meta_fd(o), ts);
}

void smb2_wtime_set(struct smb2_open *o, uint64_t raw)
{
	struct held_time *h = held_of(o);
	struct vfs_stat st;

	if (raw == 0)
		return;
	if (raw == SMB2_WTIME_THAW) {
		talloc_free(h);
		return;
	}
	if (!h) {
		h = talloc_zero(o, struct held_time);
		if (!h)
			return;
		h->open = o;
		DLIST_ADD(held_list, h);
		talloc_set_destructor(h, held_destructor);
	}
	if (raw != SMB2_WTIME_FREEZE)
		h->write_time = raw;
	else if (vfs_fstat(smb2_stream_meta_fd(o), &st) == 0)
		h->write_time = st.write_time;
}

void smb2_wtime_written(struct smb2_open *o)
{
	struct held_time *h = held_of(o);

	if (h) {
		store_write_time(o, h->write_time);
		return;
	}
	/* a stream's data is the file's: its write time moves too */
	if (o->stream)
		store_write_time(o, 0);
}

void smb2_wtime_resized(struct smb2_open *o)
{
	struct held_time *h = held_of(o);

	store_write_time(o, h ? h->write_time : 0);
}
