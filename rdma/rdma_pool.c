/*
 * Verbs resources that may outlive their connection, and the pool of
 * registered I/O buffers: registering memory pins it and costs a system
 * call, so buffers are registered once and reused by later READs and
 * WRITEs of the same connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/log.h"
#include "rdma/rdma_internal.h"

/* Registered bytes a connection keeps for reuse when idle. */
#define SMBD_POOL_KEEP_BYTES (32u * 1024 * 1024)

uint64_t smbd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct smbd_res *smbd_res_new(void)
{
	struct smbd_res *res = calloc(1, sizeof(*res));

	if (res != NULL)
		res->refs = 1;
	return res;
}

static void iobuf_free(struct smbd_iobuf *b)
{
	if (b->mr != NULL)
		ibv_dereg_mr(b->mr);
	free(b->data);
	free(b);
}

/* Last reference: memory regions before the PD, the PD before the id
 * whose device context it lives on. */
static void res_free(struct smbd_res *res)
{
	for (unsigned k = 0; k < SMBD_POOL_CLASSES; k++) {
		while (res->free_list[k] != NULL) {
			struct smbd_iobuf *b = res->free_list[k];

			res->free_list[k] = b->next;
			iobuf_free(b);
		}
	}
	if (res->pd != NULL && ibv_dealloc_pd(res->pd) != 0)
		LOG_WARN("SMB Direct: releasing a protection domain failed");
	if (res->id != NULL)
		rdma_destroy_id(res->id);
	if (res->cm_ch != NULL)
		rdma_destroy_event_channel(res->cm_ch);
	free(res);
}

void smbd_res_unref(struct smbd_res *res)
{
	if (res != NULL && --res->refs == 0)
		res_free(res);
}

static unsigned size_class(size_t len)
{
	unsigned k = 0;

	while (k + 1 < SMBD_POOL_CLASSES &&
	       ((size_t)1 << (SMBD_POOL_MIN_SHIFT + k)) < len)
		k++;
	return k;
}

struct smbd_iobuf *smbd_pool_get(struct smbd_res *res, size_t len)
{
	unsigned k = size_class(len);
	size_t size = (size_t)1 << (SMBD_POOL_MIN_SHIFT + k);
	struct smbd_iobuf *b;

	if (len > size || res->pd == NULL)
		return NULL;
	b = res->free_list[k];
	if (b != NULL) {
		res->free_list[k] = b->next;
		res->free_bytes -= b->size;
	} else {
		b = calloc(1, sizeof(*b));
		if (b == NULL)
			return NULL;
		b->klass = k;
		b->size = size;
		if (posix_memalign((void **)&b->data, 4096, size) != 0) {
			free(b);
			return NULL;
		}
		b->mr = ibv_reg_mr(res->pd, b->data, size, res->io_access);
		if (b->mr == NULL) {
			LOG_WARN("SMB Direct: registering %zu bytes failed: %s",
				 size, strerror(errno));
			iobuf_free(b);
			return NULL;
		}
	}
	b->next = NULL;
	b->busy = 0;
	b->orphaned = false;
	res->refs++;
	return b;
}

void smbd_pool_put(struct smbd_res *res, struct smbd_iobuf *b)
{
	if (res->free_bytes + b->size <= SMBD_POOL_KEEP_BYTES &&
	    res->refs > 1) {
		b->next = res->free_list[b->klass];
		res->free_list[b->klass] = b;
		res->free_bytes += b->size;
	} else {
		iobuf_free(b);
	}
	smbd_res_unref(res);
}
