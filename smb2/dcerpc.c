/*
 * DCE/RPC connection-oriented PDU codec, NDR primitives and the server end
 * of a named pipe (C706 chapters 12 and 14, MS-RPCE 2.2.2, 3.3.1).
 */
#include <errno.h>
#include <string.h>

#include "smb2/dcerpc.h"
#include "vfs/unicode.h"

#define CTX_RESULT_SIZE 24 /* result, reason, transfer syntax */
#define SYNTAX_SIZE 20
#define MAX_CONTEXTS 16	   /* presentation contexts kept per pipe */
#define MAX_PENDING_OUT (4u * 1024 * 1024)
#define MAX_PENDING_IN (1u * 1024 * 1024)

const struct dcerpc_syntax dcerpc_ndr_syntax = {
	.uuid = { { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f,
		    0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 } },
	.version = 2,
};

/* MS-RPCE 3.3.1.5.3: bind time feature negotiation is a context whose
 * transfer syntax is 6cb71c2c-9812-4540-xxxx-xxxxxxxxxxxx, the last 8
 * bytes being the feature flags. */
static const uint8_t btfn_prefix[8] = { 0x2c, 0x1c, 0xb7, 0x6c,
					0x12, 0x98, 0x40, 0x45 };

static bool syntax_equal(const struct dcerpc_syntax *a,
			 const struct dcerpc_syntax *b)
{
	return memcmp(a->uuid.b, b->uuid.b, 16) == 0 &&
	       a->version == b->version;
}

static void syntax_read(struct wire_rd *r, struct dcerpc_syntax *s)
{
	wire_rd_bytes(r, s->uuid.b, 16);
	s->version = wire_rd_u32(r);
}

static void syntax_write(struct wire_wr *w, const struct dcerpc_syntax *s)
{
	wire_wr_bytes(w, s->uuid.b, 16);
	wire_wr_u32(w, s->version);
}

bool dcerpc_hdr_decode(const uint8_t *p, size_t len, struct dcerpc_hdr *h)
{
	struct wire_rd r;

	wire_rd_init(&r, p, len);
	h->rpc_vers = wire_rd_u8(&r);
	h->rpc_vers_minor = wire_rd_u8(&r);
	h->ptype = wire_rd_u8(&r);
	h->pfc_flags = wire_rd_u8(&r);
	wire_rd_bytes(&r, h->drep, 4);
	h->frag_length = wire_rd_u16(&r);
	h->auth_length = wire_rd_u16(&r);
	h->call_id = wire_rd_u32(&r);
	return !r.err && h->rpc_vers == 5;
}

/* Starts a PDU; the frag_length is patched by hdr_finish. */
static size_t hdr_start(struct wire_wr *w, uint8_t ptype, uint8_t flags,
			uint32_t call_id)
{
	size_t start = w->len;

	wire_wr_u8(w, 5);
	wire_wr_u8(w, 0);
	wire_wr_u8(w, ptype);
	wire_wr_u8(w, flags);
	wire_wr_u8(w, DCERPC_DREP_LE);
	wire_wr_zero(w, 3);
	wire_wr_u16(w, 0); /* frag_length */
	wire_wr_u16(w, 0); /* auth_length */
	wire_wr_u32(w, call_id);
	return start;
}

static void hdr_finish(struct wire_wr *w, size_t start)
{
	size_t n = w->len - start;

	if (n > UINT16_MAX) {
		w->err = true;
		return;
	}
	wire_wr_put_u16(w, start + 8, (uint16_t)n);
}

bool dcerpc_bind_decode(TALLOC_CTX *mem_ctx, const uint8_t *pdu, size_t len,
			struct dcerpc_bind *b)
{
	struct wire_rd r;

	memset(b, 0, sizeof(*b));
	wire_rd_init(&r, pdu, len);
	wire_rd_skip(&r, DCERPC_HDR_SIZE);
	b->max_xmit_frag = wire_rd_u16(&r);
	b->max_recv_frag = wire_rd_u16(&r);
	b->assoc_group_id = wire_rd_u32(&r);
	b->n_ctx = wire_rd_u8(&r);
	wire_rd_skip(&r, 3);
	if (r.err)
		return false;
	b->ctx = talloc_zero_array(mem_ctx, struct dcerpc_ctx_elem,
				   b->n_ctx ? b->n_ctx : 1);
	if (!b->ctx)
		return false;
	for (unsigned i = 0; i < b->n_ctx; i++) {
		struct dcerpc_ctx_elem *c = &b->ctx[i];

		c->context_id = wire_rd_u16(&r);
		c->n_transfer = wire_rd_u8(&r);
		wire_rd_skip(&r, 1);
		syntax_read(&r, &c->abstract);
		c->transfer = wire_rd_ptr(&r, (size_t)c->n_transfer *
						      SYNTAX_SIZE);
		if (r.err)
			return false;
	}
	return true;
}

void dcerpc_bind_ack_encode(struct wire_wr *w, uint8_t ptype, uint32_t call_id,
			    const struct dcerpc_bind_ack *a)
{
	size_t start = hdr_start(w, ptype,
				 DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG,
				 call_id);
	size_t spec_len = a->port_spec[0] ? strlen(a->port_spec) + 1 : 0;

	wire_wr_u16(w, a->max_xmit_frag);
	wire_wr_u16(w, a->max_recv_frag);
	wire_wr_u32(w, a->assoc_group_id);
	/* port_any_t: length including the NUL, then the bytes; the result
	 * list that follows is 4-aligned (C706 12.6.4.4) */
	wire_wr_u16(w, (uint16_t)spec_len);
	wire_wr_bytes(w, a->port_spec, spec_len);
	while ((w->len - start) & 3)
		wire_wr_u8(w, 0);
	wire_wr_u8(w, a->n_results);
	wire_wr_zero(w, 3);
	for (unsigned i = 0; i < a->n_results; i++) {
		wire_wr_u16(w, a->results[i].result);
		wire_wr_u16(w, a->results[i].reason);
		syntax_write(w, &a->results[i].transfer);
	}
	hdr_finish(w, start);
}

void dcerpc_bind_nak_encode(struct wire_wr *w, uint32_t call_id,
			    uint16_t reason)
{
	size_t start = hdr_start(w, DCERPC_PKT_BIND_NAK,
				 DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG,
				 call_id);

	wire_wr_u16(w, reason);
	/* p_rt_versions_supported_t: version 5.0 only */
	wire_wr_u8(w, 1);
	wire_wr_u8(w, 5);
	wire_wr_u8(w, 0);
	hdr_finish(w, start);
}

bool dcerpc_request_decode(const uint8_t *pdu, size_t len,
			   const struct dcerpc_hdr *h,
			   struct dcerpc_request *rq)
{
	struct wire_rd r;
	size_t end = h->frag_length;

	if (end > len)
		return false;
	wire_rd_init(&r, pdu, end);
	wire_rd_skip(&r, DCERPC_HDR_SIZE);
	rq->alloc_hint = wire_rd_u32(&r);
	rq->context_id = wire_rd_u16(&r);
	rq->opnum = wire_rd_u16(&r);
	if (h->pfc_flags & DCERPC_PFC_OBJECT_UUID)
		wire_rd_skip(&r, 16);
	if (r.err)
		return false;
	/* the auth verifier (auth_length plus its 8-byte header and the
	 * padding it counts) trails the stub; this server negotiates no
	 * authentication, so a request carrying one is refused earlier */
	if (h->auth_length)
		return false;
	rq->stub.p = pdu + r.off;
	rq->stub.len = end - r.off;
	return true;
}

void dcerpc_fault_encode(struct wire_wr *w, uint32_t call_id,
			 uint16_t context_id, uint32_t status,
			 bool did_not_execute)
{
	uint8_t flags = DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG;
	size_t start;

	if (did_not_execute)
		flags |= DCERPC_PFC_DID_NOT_EXECUTE;
	start = hdr_start(w, DCERPC_PKT_FAULT, flags, call_id);
	wire_wr_u32(w, 0); /* alloc_hint */
	wire_wr_u16(w, context_id);
	wire_wr_u8(w, 0); /* cancel_count */
	wire_wr_u8(w, 0);
	wire_wr_u32(w, status);
	wire_wr_u32(w, 0); /* reserved, as MS-RPCE 2.2.2.11 pads it */
	hdr_finish(w, start);
}

void dcerpc_response_encode(struct wire_wr *w, uint32_t call_id,
			    uint16_t context_id, const uint8_t *stub,
			    size_t stub_len, size_t off, size_t n)
{
	uint8_t flags = 0;
	size_t start;

	if (off > stub_len || n > stub_len - off) {
		w->err = true;
		return;
	}
	if (off == 0)
		flags |= DCERPC_PFC_FIRST_FRAG;
	if (off + n == stub_len)
		flags |= DCERPC_PFC_LAST_FRAG;
	start = hdr_start(w, DCERPC_PKT_RESPONSE, flags, call_id);
	wire_wr_u32(w, (uint32_t)(stub_len - off)); /* alloc_hint */
	wire_wr_u16(w, context_id);
	wire_wr_u8(w, 0); /* cancel_count */
	wire_wr_u8(w, 0);
	wire_wr_bytes(w, stub + off, n);
	hdr_finish(w, start);
}

/* ---- NDR ---- */

void ndr_push_init(struct ndr_push *n, TALLOC_CTX *mem_ctx)
{
	wire_wr_init(&n->w, mem_ctx, 256);
	n->next_referent = 0x00020000; /* where Windows starts counting */
}

void ndr_push_align(struct ndr_push *n, size_t align)
{
	wire_wr_align(&n->w, align);
}

void ndr_push_u16(struct ndr_push *n, uint16_t v)
{
	wire_wr_align(&n->w, 2);
	wire_wr_u16(&n->w, v);
}

void ndr_push_u32(struct ndr_push *n, uint32_t v)
{
	wire_wr_align(&n->w, 4);
	wire_wr_u32(&n->w, v);
}

void ndr_push_ptr(struct ndr_push *n, bool present)
{
	if (!present) {
		ndr_push_u32(n, 0);
		return;
	}
	ndr_push_u32(n, n->next_referent);
	n->next_referent += 4;
}

void ndr_push_string(struct ndr_push *n, const char *utf8)
{
	uint8_t *u16 = NULL;
	size_t u16_len = 0;
	uint32_t count;

	if (utf8_to_utf16le(n->w.mem_ctx, utf8, &u16, &u16_len) != 0 ||
	    u16_len / 2 >= UINT32_MAX) {
		n->w.err = true;
		return;
	}
	count = (uint32_t)(u16_len / 2) + 1; /* with the NUL */
	ndr_push_u32(n, count);		     /* maximum count */
	ndr_push_u32(n, 0);		     /* offset */
	ndr_push_u32(n, count);		     /* actual count */
	wire_wr_bytes(&n->w, u16, u16_len);
	wire_wr_u16(&n->w, 0);
	talloc_free(u16);
}

void ndr_pull_init(struct ndr_pull *n, const uint8_t *p, size_t len)
{
	wire_rd_init(&n->r, p, len);
}

void ndr_pull_align(struct ndr_pull *n, size_t align)
{
	size_t pad = (align - (n->r.off & (align - 1))) & (align - 1);

	wire_rd_skip(&n->r, pad);
}

uint16_t ndr_pull_u16(struct ndr_pull *n)
{
	ndr_pull_align(n, 2);
	return wire_rd_u16(&n->r);
}

uint32_t ndr_pull_u32(struct ndr_pull *n)
{
	ndr_pull_align(n, 4);
	return wire_rd_u32(&n->r);
}

uint32_t ndr_pull_ptr(struct ndr_pull *n)
{
	return ndr_pull_u32(n);
}

char *ndr_pull_string(struct ndr_pull *n, TALLOC_CTX *mem_ctx)
{
	uint32_t max = ndr_pull_u32(n);
	uint32_t offset = ndr_pull_u32(n);
	uint32_t actual = ndr_pull_u32(n);
	const uint8_t *p;
	size_t bytes;
	char *out = NULL;

	if (n->r.err || offset != 0 || actual > max ||
	    actual > wire_rd_left(&n->r) / 2) {
		n->r.err = true;
		return NULL;
	}
	bytes = (size_t)actual * 2;
	p = wire_rd_ptr(&n->r, bytes);
	if (!p)
		return NULL;
	if (bytes >= 2 && get_le16(p + bytes - 2) == 0)
		bytes -= 2;
	if (utf16le_to_utf8(mem_ctx, p, bytes, &out) != 0) {
		n->r.err = true;
		return NULL;
	}
	return out;
}

/* ---- the server end of a pipe ---- */

struct out_msg {
	struct out_msg *next;
	uint8_t *buf;
	size_t len, off;
};

struct dcerpc_pipe {
	const struct dcerpc_iface *iface;
	void *private_data;
	const char *port_spec;
	bool bound;
	bool broken;
	uint16_t max_frag; /* largest fragment either side sends */
	uint32_t assoc_group_id;
	uint16_t ctx_ids[MAX_CONTEXTS]; /* accepted presentation contexts */
	unsigned n_ctx;
	/* client bytes not yet a whole PDU */
	uint8_t *in;
	size_t in_len;
	/* request being reassembled from fragments */
	bool in_call;
	uint32_t call_id;
	uint16_t call_ctx, call_opnum;
	uint8_t *stub;
	size_t stub_len;
	/* PDUs waiting to be read, oldest first */
	struct out_msg *out_head, *out_tail;
	size_t out_bytes;
};

struct dcerpc_pipe *dcerpc_pipe_new(TALLOC_CTX *mem_ctx,
				    const struct dcerpc_iface *iface,
				    void *private_data, const char *port_spec)
{
	static uint32_t next_assoc_group = 0x53f0;
	struct dcerpc_pipe *p = talloc_zero(mem_ctx, struct dcerpc_pipe);

	if (!p)
		return NULL;
	p->iface = iface;
	p->private_data = private_data;
	p->port_spec = talloc_strdup(p, port_spec);
	if (!p->port_spec) {
		talloc_free(p);
		return NULL;
	}
	p->max_frag = DCERPC_MAX_FRAG;
	p->assoc_group_id = next_assoc_group++;
	if (next_assoc_group == 0)
		next_assoc_group = 1;
	return p;
}

/* Queues the PDUs written to w (taking its buffer). */
static int queue_out(struct dcerpc_pipe *p, struct wire_wr *w)
{
	struct out_msg *m;

	if (w->err) {
		talloc_free(w->buf);
		return -ENOMEM;
	}
	m = talloc_zero(p, struct out_msg);
	if (!m) {
		talloc_free(w->buf);
		return -ENOMEM;
	}
	m->buf = talloc_steal(m, w->buf);
	m->len = w->len;
	if (p->out_tail)
		p->out_tail->next = m;
	else
		p->out_head = m;
	p->out_tail = m;
	p->out_bytes += m->len;
	return 0;
}

static int send_fault(struct dcerpc_pipe *p, uint32_t call_id, uint16_t ctx,
		      uint32_t status, bool did_not_execute)
{
	struct wire_wr w;

	wire_wr_init(&w, p, DCERPC_FAULT_SIZE);
	dcerpc_fault_encode(&w, call_id, ctx, status, did_not_execute);
	return queue_out(p, &w);
}

/* A protocol error: answer with a fault and accept nothing more, as the
 * byte stream can no longer be trusted (MS-RPCE 3.3.1.5.1). */
static int proto_error(struct dcerpc_pipe *p, uint32_t call_id)
{
	int rc = send_fault(p, call_id, 0, DCERPC_NCA_S_PROTO_ERROR, true);

	p->broken = true;
	TALLOC_FREE(p->stub);
	p->in_call = false;
	return rc ? rc : -EPIPE;
}

static int send_nak(struct dcerpc_pipe *p, uint32_t call_id, uint16_t reason)
{
	struct wire_wr w;

	wire_wr_init(&w, p, 24);
	dcerpc_bind_nak_encode(&w, call_id, reason);
	return queue_out(p, &w);
}

static bool ctx_known(const struct dcerpc_pipe *p, uint16_t id)
{
	for (unsigned i = 0; i < p->n_ctx; i++)
		if (p->ctx_ids[i] == id)
			return true;
	return false;
}

/* Decides one presentation context (C706 12.6.4.4, MS-RPCE 3.3.1.5.3). */
static void negotiate_ctx(struct dcerpc_pipe *p,
			  const struct dcerpc_ctx_elem *c,
			  struct dcerpc_ctx_result *res)
{
	memset(res, 0, sizeof(*res));
	res->result = DCERPC_RESULT_PROVIDER_REJECT;
	if (c->n_transfer >= 1 &&
	    memcmp(c->transfer, btfn_prefix, sizeof(btfn_prefix)) == 0) {
		/* none of the optional features is supported: the ack
		 * carries an empty feature set in its reason field */
		res->result = DCERPC_RESULT_NEGOTIATE_ACK;
		res->reason = 0;
		return;
	}
	if (!syntax_equal(&c->abstract, &p->iface->syntax)) {
		res->reason = DCERPC_REASON_ABSTRACT_NOT_SUPPORTED;
		return;
	}
	res->reason = DCERPC_REASON_TRANSFER_NOT_SUPPORTED;
	for (unsigned t = 0; t < c->n_transfer; t++) {
		struct dcerpc_syntax s;

		memcpy(s.uuid.b, c->transfer + t * SYNTAX_SIZE, 16);
		s.version = get_le32(c->transfer + t * SYNTAX_SIZE + 16);
		if (!syntax_equal(&s, &dcerpc_ndr_syntax))
			continue;
		if (!ctx_known(p, c->context_id)) {
			if (p->n_ctx == MAX_CONTEXTS) {
				res->reason = 3; /* local_limit_exceeded */
				return;
			}
			p->ctx_ids[p->n_ctx++] = c->context_id;
		}
		res->result = DCERPC_RESULT_ACCEPT;
		res->reason = 0;
		res->transfer = dcerpc_ndr_syntax;
		return;
	}
}

static int handle_bind(struct dcerpc_pipe *p, const struct dcerpc_hdr *h,
		       const uint8_t *pdu)
{
	bool alter = h->ptype == DCERPC_PKT_ALTER;
	TALLOC_CTX *tmp = talloc_new(p);
	struct dcerpc_bind b;
	struct dcerpc_bind_ack ack = { 0 };
	struct dcerpc_ctx_result *res;
	struct wire_wr w;
	int rc;

	if (!tmp)
		return -ENOMEM;
	if (alter && !p->bound) {
		talloc_free(tmp);
		return proto_error(p, h->call_id);
	}
	if (!dcerpc_bind_decode(tmp, pdu, h->frag_length, &b) ||
	    b.n_ctx == 0 || (!alter && p->bound) ||
	    h->rpc_vers_minor > 1 || h->auth_length) {
		uint16_t reason = DCERPC_NAK_NOT_SPECIFIED;

		talloc_free(tmp);
		if (alter)
			return proto_error(p, h->call_id);
		if (h->rpc_vers_minor > 1)
			reason = DCERPC_NAK_VERSION_NOT_SUPPORTED;
		else if (h->auth_length)
			reason = DCERPC_NAK_AUTH_TYPE_NOT_RECOGNIZED;
		return send_nak(p, h->call_id, reason);
	}
	res = talloc_array(tmp, struct dcerpc_ctx_result, b.n_ctx);
	if (!res) {
		talloc_free(tmp);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < b.n_ctx; i++)
		negotiate_ctx(p, &b.ctx[i], &res[i]);
	if (!alter) {
		/* both directions use the smaller of what either side can
		 * take, never below what C706 makes everyone accept */
		uint16_t f = b.max_xmit_frag < b.max_recv_frag
				     ? b.max_xmit_frag
				     : b.max_recv_frag;
		if (f > DCERPC_MAX_FRAG)
			f = DCERPC_MAX_FRAG;
		if (f < DCERPC_MIN_FRAG)
			f = DCERPC_MIN_FRAG;
		p->max_frag = f;
		if (b.assoc_group_id)
			p->assoc_group_id = b.assoc_group_id;
		p->bound = true;
	}
	ack.max_xmit_frag = p->max_frag;
	ack.max_recv_frag = p->max_frag;
	ack.assoc_group_id = p->assoc_group_id;
	ack.port_spec = alter ? "" : p->port_spec;
	ack.n_results = b.n_ctx;
	ack.results = res;
	wire_wr_init(&w, p, 128);
	dcerpc_bind_ack_encode(&w, alter ? DCERPC_PKT_ALTER_RESP
					 : DCERPC_PKT_BIND_ACK,
			       h->call_id, &ack);
	rc = queue_out(p, &w);
	talloc_free(tmp);
	return rc;
}

/* Runs a complete request and queues its response fragments. */
static int run_call(struct dcerpc_pipe *p)
{
	TALLOC_CTX *tmp = talloc_new(p);
	struct ndr_push out;
	uint32_t fault;
	size_t chunk, off = 0;
	int rc = 0;

	if (!tmp)
		return -ENOMEM;
	if (!ctx_known(p, p->call_ctx)) {
		rc = send_fault(p, p->call_id, p->call_ctx,
				DCERPC_NCA_S_UNKNOWN_IF, true);
		goto done;
	}
	ndr_push_init(&out, tmp);
	fault = p->iface->dispatch(p->private_data, tmp, p->call_opnum,
				   p->stub, p->stub_len, &out);
	if (!fault && out.w.err)
		fault = DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY;
	if (fault) {
		rc = send_fault(p, p->call_id, p->call_ctx, fault,
				fault == DCERPC_NCA_S_OP_RNG_ERROR);
		goto done;
	}
	/* stub bytes per fragment, kept a multiple of 8 so every fragment
	 * but the last is NDR-aligned the same way */
	chunk = (p->max_frag - DCERPC_RESPONSE_HDR_SIZE) & ~(size_t)7;
	do {
		size_t n = out.w.len - off < chunk ? out.w.len - off : chunk;
		struct wire_wr w;

		wire_wr_init(&w, p, DCERPC_RESPONSE_HDR_SIZE + n);
		dcerpc_response_encode(&w, p->call_id, p->call_ctx,
				       out.w.buf, out.w.len, off, n);
		rc = queue_out(p, &w);
		off += n;
	} while (rc == 0 && off < out.w.len);
done:
	talloc_free(tmp);
	TALLOC_FREE(p->stub);
	p->stub_len = 0;
	p->in_call = false;
	return rc;
}

static int handle_request(struct dcerpc_pipe *p, const struct dcerpc_hdr *h,
			  const uint8_t *pdu)
{
	struct dcerpc_request rq;
	uint8_t *grown;

	if (!p->bound)
		return proto_error(p, h->call_id);
	if (h->auth_length)
		return send_fault(p, h->call_id, 0,
				  DCERPC_NCA_S_FAULT_ACCESS_DENIED, true);
	if (!dcerpc_request_decode(pdu, h->frag_length, h, &rq))
		return proto_error(p, h->call_id);
	if (h->pfc_flags & DCERPC_PFC_FIRST_FRAG) {
		if (p->in_call)
			return proto_error(p, h->call_id);
		p->in_call = true;
		p->call_id = h->call_id;
		p->call_ctx = rq.context_id;
		p->call_opnum = rq.opnum;
		p->stub_len = 0;
	} else if (!p->in_call || p->call_id != h->call_id) {
		return proto_error(p, h->call_id);
	}
	/* alloc_hint is only a hint: memory follows the bytes received */
	if (rq.stub.len > DCERPC_MAX_REQUEST_STUB - p->stub_len) {
		int rc = send_fault(p, h->call_id, p->call_ctx,
				    DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY, true);
		p->broken = true;
		TALLOC_FREE(p->stub);
		p->in_call = false;
		return rc ? rc : -EPIPE;
	}
	grown = talloc_realloc(p, p->stub, uint8_t,
			       p->stub_len + rq.stub.len + 1);
	if (!grown)
		return -ENOMEM;
	p->stub = grown;
	if (rq.stub.len)
		memcpy(p->stub + p->stub_len, rq.stub.p, rq.stub.len);
	p->stub_len += rq.stub.len;
	if (!(h->pfc_flags & DCERPC_PFC_LAST_FRAG))
		return 0;
	return run_call(p);
}

static int handle_pdu(struct dcerpc_pipe *p, const struct dcerpc_hdr *h,
		      const uint8_t *pdu)
{
	switch (h->ptype) {
	case DCERPC_PKT_BIND:
	case DCERPC_PKT_ALTER:
		return handle_bind(p, h, pdu);
	case DCERPC_PKT_REQUEST:
		return handle_request(p, h, pdu);
	case DCERPC_PKT_ORPHANED:
		if (p->in_call && p->call_id == h->call_id) {
			TALLOC_FREE(p->stub);
			p->in_call = false;
		}
		return 0;
	case DCERPC_PKT_AUTH3:
	case DCERPC_PKT_SHUTDOWN:
	case DCERPC_PKT_CO_CANCEL:
		return 0; /* nothing to answer */
	default:
		return proto_error(p, h->call_id);
	}
}

int dcerpc_pipe_write(struct dcerpc_pipe *p, const uint8_t *data, size_t len)
{
	size_t used = 0;
	int rc = 0;

	if (p->broken)
		return -EPIPE;
	if (len > MAX_PENDING_IN - p->in_len)
		return -EMSGSIZE;
	if (p->out_bytes > MAX_PENDING_OUT)
		return -ENOSPC; /* the client is not reading its answers */
	if (len) {
		uint8_t *grown = talloc_realloc(p, p->in, uint8_t,
						p->in_len + len);
		if (!grown)
			return -ENOMEM;
		p->in = grown;
		memcpy(p->in + p->in_len, data, len);
		p->in_len += len;
	}
	while (rc == 0 && p->in_len - used >= DCERPC_HDR_SIZE) {
		const uint8_t *pdu = p->in + used;
		struct dcerpc_hdr h;

		if (!dcerpc_hdr_decode(pdu, p->in_len - used, &h) ||
		    (h.drep[0] & 0xf0) != DCERPC_DREP_LE ||
		    h.frag_length < DCERPC_HDR_SIZE) {
			rc = proto_error(p, h.call_id);
			break;
		}
		if (h.frag_length > p->in_len - used)
			break; /* the rest of the fragment is still to come */
		rc = handle_pdu(p, &h, pdu);
		used += h.frag_length;
	}
	if (p->broken || used == p->in_len) {
		TALLOC_FREE(p->in);
		p->in_len = 0;
	} else if (used) {
		memmove(p->in, p->in + used, p->in_len - used);
		p->in_len -= used;
	}
	return rc;
}

size_t dcerpc_pipe_pending(const struct dcerpc_pipe *p)
{
	return p->out_bytes;
}

bool dcerpc_pipe_broken(const struct dcerpc_pipe *p)
{
	return p->broken;
}

int dcerpc_pipe_read(struct dcerpc_pipe *p, TALLOC_CTX *mem_ctx, size_t max,
		     uint8_t **data, size_t *len, bool *more)
{
	struct out_msg *m = p->out_head;
	size_t n;

	*data = NULL;
	*len = 0;
	*more = false;
	if (!m)
		return -EAGAIN;
	n = m->len - m->off;
	if (n > max) {
		n = max;
		*more = true;
	}
	*data = talloc_memdup(mem_ctx, m->buf + m->off, n ? n : 1);
	if (!*data)
		return -ENOMEM;
	*len = n;
	m->off += n;
	p->out_bytes -= n;
	if (m->off == m->len) {
		p->out_head = m->next;
		if (!p->out_head)
			p->out_tail = NULL;
		talloc_free(m);
	}
	return 0;
}
