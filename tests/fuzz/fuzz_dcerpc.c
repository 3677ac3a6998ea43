/*
 * DCE/RPC over a named pipe (C706 chapter 12, MS-RPCE 2.2.2) with the
 * srvsvc service (MS-SRVS) behind it: the PDU decoders on the raw bytes,
 * then the bytes written into a fresh pipe part by part, with every
 * pending response read back in small and large pieces. Input: a list of
 * parts, each a little-endian 16-bit length followed by that many bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <talloc.h>

#include "smb2/dcerpc.h"
#include "smb2/ipc.h"
#include "tests/fuzz/fuzz.h"

static const struct conf_share fuzz_shares[] = {
	{ .name = "share", .path = "/srv/share", .comment = "fuzz share",
	  .guest_ok = true },
	{ .name = "ro", .path = "/srv/ro", .read_only = true },
	{ .name = "IPC$", .path = "/dev/null", .comment = "IPC Service",
	  .is_ipc = true },
};

static const struct srvsvc_ctx fuzz_srvsvc = {
	.server_name = "FUZZSERVER",
	.shares = fuzz_shares,
	.n_shares = sizeof(fuzz_shares) / sizeof(fuzz_shares[0]),
};

static void touch(const uint8_t *p, size_t len)
{
	volatile uint8_t sink = 0;

	for (size_t i = 0; i < len; i++)
		sink ^= p[i];
	(void)sink;
}

static void fuzz_decoders(const uint8_t *p, size_t len)
{
	struct dcerpc_hdr h;
	struct dcerpc_bind b;
	struct dcerpc_request rq;
	void *mem;

	if (!dcerpc_hdr_decode(p, len, &h))
		return;
	mem = talloc_new(NULL);
	if (dcerpc_bind_decode(mem, p, len, &b)) {
		for (uint8_t i = 0; i < b.n_ctx; i++)
			touch(b.ctx[i].transfer, b.ctx[i].n_transfer * 20u);
	}
	if (dcerpc_request_decode(p, len, &h, &rq)) {
		if (rq.stub.len && (rq.stub.p < p || rq.stub.len > len ||
				    (size_t)(rq.stub.p - p) > len - rq.stub.len))
			abort();
		touch(rq.stub.p, rq.stub.len);
	}
	talloc_free(mem);
}

/* Reads everything pending; small reads exercise the partial message path. */
static void drain(struct dcerpc_pipe *pipe, size_t max)
{
	while (dcerpc_pipe_pending(pipe) > 0) {
		void *mem = talloc_new(NULL);
		uint8_t *out = NULL;
		size_t len = 0;
		bool more = false;
		int rc = dcerpc_pipe_read(pipe, mem, max, &out, &len, &more);

		if (rc != 0) {
			talloc_free(mem);
			break;
		}
		if (len > max)
			abort();
		touch(out, len);
		if (getenv("USMBD_FUZZ_LOG"))
			fprintf(stderr, "read %zu%s\n", len,
				more ? " (more)" : "");
		talloc_free(mem);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *mem = talloc_new(NULL);
	struct dcerpc_pipe *pipe;
	struct wire_slice part;
	size_t n = 0;

	fuzz_quiet_log();
	pipe = dcerpc_pipe_new(mem, &srvsvc_iface, (void *)&fuzz_srvsvc,
			       "\\PIPE\\srvsvc");
	if (!pipe)
		abort();
	while (fuzz_next_part(&data, &size, &part)) {
		uint8_t *copy = fuzz_copy(mem, part);

		fuzz_decoders(copy, part.len);
		if (dcerpc_pipe_write(pipe, copy, part.len) == -EPIPE) {
			drain(pipe, 4280);
			break;
		}
		drain(pipe, n++ & 1 ? 4280 : 7);
	}
	drain(pipe, 65536);
	(void)dcerpc_pipe_broken(pipe);
	talloc_free(mem);
	return 0;
}
