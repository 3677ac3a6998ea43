/*
 * SPNEGO (RFC 4178, MS-SPNG) DER codec for the server side of SMB2
 * SESSION_SETUP. Only NTLMSSP is offered; a client that prefers another
 * mechanism is answered with supportedMech = NTLMSSP (RFC 4178 3.2).
 *
 * The decoder is strict DER in structure (every length checked against its
 * enclosing one, no indefinite lengths, no trailing bytes) but accepts
 * non-minimal long-form lengths of up to four octets, as BER encoders emit.
 */
#include <errno.h>
#include <string.h>

#include "smb2/spnego.h"
#include "smb2/wire.h"

/* DER tags (X.690): universal and context-specific constructed. */
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_OID 0x06
#define DER_ENUMERATED 0x0a
#define DER_GENERAL_STRING 0x1b
#define DER_SEQUENCE 0x30
#define DER_APPLICATION_0 0x60
#define DER_CONTEXT(n) (0xa0 | (n))

/* Longest length field we accept: 0x84 followed by four octets. */
#define DER_MAX_LENGTH_OCTETS 4

/* OID bodies (without tag and length). */
static const uint8_t oid_spnego[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
static const uint8_t oid_ntlmssp[] = { 0x2b, 0x06, 0x01, 0x04, 0x01,
				       0x82, 0x37, 0x02, 0x02, 0x0a };

/* MS-SPNG 2.2.1: the hint Windows puts in NegTokenInit2. */
static const char spnego_hint_name[] = "not_defined_in_RFC4178@please_ignore";

static const uint8_t ntlmssp_magic[8] = "NTLMSSP";

/* ---- decoding ---- */

struct der_rd {
	const uint8_t *p;
	size_t len;
};

/* Takes one TLV off the front of r. 0 or -EINVAL. */
static int der_take(struct der_rd *r, uint8_t *tag, struct der_rd *content)
{
	size_t hdr = 2, len;
	uint8_t first;

	if (r->len < 2)
		return -EINVAL;
	*tag = r->p[0];
	if ((*tag & 0x1f) == 0x1f) /* high tag numbers: not in SPNEGO */
		return -EINVAL;
	first = r->p[1];
	if (first < 0x80) {
		len = first;
	} else {
		size_t n = first & 0x7f;

		/* n == 0 is the indefinite form, which DER forbids */
		if (n == 0 || n > DER_MAX_LENGTH_OCTETS || r->len - 2 < n)
			return -EINVAL;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | r->p[2 + i];
		hdr += n;
	}
	if (len > r->len - hdr)
		return -EINVAL;
	content->p = r->p + hdr;
	content->len = len;
	r->p += hdr + len;
	r->len -= hdr + len;
	return 0;
}

static int der_expect(struct der_rd *r, uint8_t want, struct der_rd *content)
{
	uint8_t tag;

	if (der_take(r, &tag, content) != 0 || tag != want)
		return -EINVAL;
	return 0;
}

static bool der_next_is(const struct der_rd *r, uint8_t tag)
{
	return r->len > 0 && r->p[0] == tag;
}

/* A context field [n] that wraps exactly one element of tag inner. */
static int der_explicit(struct der_rd *r, uint8_t ctx_tag, uint8_t inner,
			struct der_rd *content)
{
	struct der_rd wrapper;

	if (der_expect(r, ctx_tag, &wrapper) != 0 ||
	    der_expect(&wrapper, inner, content) != 0 || wrapper.len != 0)
		return -EINVAL;
	return 0;
}

static bool der_oid_valid(const struct der_rd *oid)
{
	/* the last sub-identifier octet has the continuation bit clear */
	return oid->len > 0 && !(oid->p[oid->len - 1] & 0x80);
}

static bool der_oid_is(const struct der_rd *oid, const uint8_t *want,
		       size_t want_len)
{
	return oid->len == want_len && memcmp(oid->p, want, want_len) == 0;
}

/* mechTypes [0] MechTypeList; records the SEQUENCE's DER for the MIC. */
static int parse_mech_types(struct der_rd *seq, struct spnego_client_token *t)
{
	struct der_rd wrapper, list;
	const uint8_t *start;
	bool first = true;

	if (der_expect(seq, DER_CONTEXT(0), &wrapper) != 0)
		return -EINVAL;
	start = wrapper.p;
	if (der_expect(&wrapper, DER_SEQUENCE, &list) != 0 || wrapper.len != 0)
		return -EINVAL;
	t->mech_types = start;
	t->mech_types_len = (size_t)(wrapper.p - start);
	while (list.len > 0) {
		struct der_rd oid;

		if (der_expect(&list, DER_OID, &oid) != 0 ||
		    !der_oid_valid(&oid))
			return -EINVAL;
		if (der_oid_is(&oid, oid_ntlmssp, sizeof(oid_ntlmssp))) {
			t->ntlmssp_offered = true;
			if (first)
				t->ntlmssp_preferred = true;
		}
		first = false;
	}
	return 0;
}

static int parse_octets_field(struct der_rd *seq, uint8_t ctx_tag,
			      const uint8_t **p, size_t *len)
{
	struct der_rd octets;

	if (!der_next_is(seq, ctx_tag))
		return 0;
	if (der_explicit(seq, ctx_tag, DER_OCTET_STRING, &octets) != 0)
		return -EINVAL;
	*p = octets.p;
	*len = octets.len;
	return 0;
}

/*
 * NegTokenInit ::= SEQUENCE { mechTypes [0], reqFlags [1] OPTIONAL,
 * mechToken [2] OPTIONAL, mechListMIC [3] OPTIONAL } (RFC 4178 4.2.1).
 */
static int parse_neg_token_init(struct der_rd body,
				struct spnego_client_token *t)
{
	struct der_rd seq, flags;

	if (der_expect(&body, DER_SEQUENCE, &seq) != 0 || body.len != 0)
		return -EINVAL;
	if (parse_mech_types(&seq, t) != 0)
		return -EINVAL;
	if (der_next_is(&seq, DER_CONTEXT(1)) &&
	    der_explicit(&seq, DER_CONTEXT(1), DER_BIT_STRING, &flags) != 0)
		return -EINVAL;
	if (parse_octets_field(&seq, DER_CONTEXT(2), &t->mech_token,
			       &t->mech_token_len) != 0 ||
	    parse_octets_field(&seq, DER_CONTEXT(3), &t->mech_list_mic,
			       &t->mech_list_mic_len) != 0)
		return -EINVAL;
	return seq.len == 0 ? 0 : -EINVAL;
}

/*
 * NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL,
 * supportedMech [1] OPTIONAL, responseToken [2] OPTIONAL,
 * mechListMIC [3] OPTIONAL } (RFC 4178 4.2.2).
 */
static int parse_neg_token_resp(struct der_rd body,
				struct spnego_client_token *t)
{
	struct der_rd seq, f;

	if (der_expect(&body, DER_SEQUENCE, &seq) != 0 || body.len != 0)
		return -EINVAL;
	if (der_next_is(&seq, DER_CONTEXT(0))) {
		/* accept-completed .. request-mic (RFC 4178 4.2.2) */
		if (der_explicit(&seq, DER_CONTEXT(0), DER_ENUMERATED, &f) !=
			    0 ||
		    f.len != 1 || f.p[0] > 3)
			return -EINVAL;
	}
	if (der_next_is(&seq, DER_CONTEXT(1))) {
		if (der_explicit(&seq, DER_CONTEXT(1), DER_OID, &f) != 0 ||
		    !der_oid_valid(&f))
			return -EINVAL;
	}
	if (parse_octets_field(&seq, DER_CONTEXT(2), &t->mech_token,
			       &t->mech_token_len) != 0 ||
	    parse_octets_field(&seq, DER_CONTEXT(3), &t->mech_list_mic,
			       &t->mech_list_mic_len) != 0)
		return -EINVAL;
	return seq.len == 0 ? 0 : -EINVAL;
}

/* InitialContextToken ::= [APPLICATION 0] { thisMech, innerToken } */
static int parse_initial_context(struct der_rd app,
				 struct spnego_client_token *t)
{
	struct der_rd oid, body;

	if (der_expect(&app, DER_OID, &oid) != 0 ||
	    !der_oid_is(&oid, oid_spnego, sizeof(oid_spnego)))
		return -EINVAL;
	if (der_expect(&app, DER_CONTEXT(0), &body) != 0 || app.len != 0)
		return -EINVAL;
	t->is_init = true;
	return parse_neg_token_init(body, t);
}

int spnego_parse_client(const uint8_t *in, size_t in_len,
			struct spnego_client_token *out)
{
	struct spnego_client_token t = { 0 };
	struct der_rd r = { in, in_len }, content;
	uint8_t tag;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!in)
		return -EINVAL;
	if (in_len >= sizeof(ntlmssp_magic) &&
	    memcmp(in, ntlmssp_magic, sizeof(ntlmssp_magic)) == 0) {
		out->raw_ntlmssp = true;
		out->mech_token = in;
		out->mech_token_len = in_len;
		return 0;
	}
	if (der_take(&r, &tag, &content) != 0 || r.len != 0)
		return -EINVAL;
	if (tag == DER_APPLICATION_0)
		rc = parse_initial_context(content, &t);
	else if (tag == DER_CONTEXT(1))
		rc = parse_neg_token_resp(content, &t);
	else
		rc = -EINVAL;
	if (rc != 0)
		return rc;
	*out = t;
	return 0;
}

/* ---- encoding ---- */

static size_t der_len_octets(size_t len)
{
	size_t n = 0;

	if (len < 0x80)
		return 0;
	for (; len; len >>= 8)
		n++;
	return n;
}

/* Size of a TLV with content_len bytes of content. */
static size_t der_size(size_t content_len)
{
	return 2 + der_len_octets(content_len) + content_len;
}

static void der_put_header(struct wire_wr *w, uint8_t tag, size_t len)
{
	size_t n = der_len_octets(len);

	if (n > DER_MAX_LENGTH_OCTETS) {
		w->err = true;
		return;
	}
	wire_wr_u8(w, tag);
	if (n == 0) {
		wire_wr_u8(w, (uint8_t)len);
		return;
	}
	wire_wr_u8(w, (uint8_t)(0x80 | n));
	for (size_t i = n; i > 0; i--)
		wire_wr_u8(w, (uint8_t)(len >> (8 * (i - 1))));
}

static void der_put(struct wire_wr *w, uint8_t tag, const void *content,
		    size_t len)
{
	der_put_header(w, tag, len);
	wire_wr_bytes(w, content, len);
}

/* outer { inner content }, e.g. [2] { OCTET STRING } */
static void der_put_wrapped(struct wire_wr *w, uint8_t outer, uint8_t inner,
			    const void *content, size_t len)
{
	der_put_header(w, outer, der_size(len));
	der_put(w, inner, content, len);
}

static int der_finish(struct wire_wr *w, uint8_t **out, size_t *out_len)
{
	if (w->err) {
		talloc_free(w->buf);
		return -ENOMEM;
	}
	*out = w->buf;
	*out_len = w->len;
	return 0;
}

/*
 * MS-SPNG 2.2.1 NegTokenInit2 inside an InitialContextToken:
 * [APPLICATION 0] { spnego OID, [0] SEQUENCE { mechTypes [0] { NTLMSSP },
 * negHints [3] SEQUENCE { hintName [0] GeneralString } } }.
 */
int spnego_server_hint(TALLOC_CTX *mem_ctx, uint8_t **out, size_t *out_len)
{
	const size_t name_len = sizeof(spnego_hint_name) - 1;
	/* content sizes, innermost first */
	const size_t mech_seq = der_size(sizeof(oid_ntlmssp));
	const size_t hint_ctx0 = der_size(name_len);
	const size_t hint_seq = der_size(hint_ctx0);
	const size_t init2 = der_size(der_size(mech_seq)) +
			     der_size(der_size(hint_seq));
	const size_t inner = der_size(sizeof(oid_spnego)) +
			     der_size(der_size(init2));
	struct wire_wr w;

	wire_wr_init(&w, mem_ctx, der_size(inner));
	der_put_header(&w, DER_APPLICATION_0, inner);
	der_put(&w, DER_OID, oid_spnego, sizeof(oid_spnego));
	der_put_header(&w, DER_CONTEXT(0), der_size(init2));
	der_put_header(&w, DER_SEQUENCE, init2);
	der_put_header(&w, DER_CONTEXT(0), der_size(mech_seq));
	der_put_wrapped(&w, DER_SEQUENCE, DER_OID, oid_ntlmssp,
			 sizeof(oid_ntlmssp));
	der_put_header(&w, DER_CONTEXT(3), der_size(hint_seq));
	der_put_header(&w, DER_SEQUENCE, hint_seq);
	der_put_wrapped(&w, DER_CONTEXT(0), DER_GENERAL_STRING,
			 spnego_hint_name, name_len);
	return der_finish(&w, out, out_len);
}

int spnego_server_response(TALLOC_CTX *mem_ctx, enum spnego_neg_state state,
			   bool supported_mech, const uint8_t *token,
			   size_t token_len, const uint8_t *mic,
			   size_t mic_len, uint8_t **out, size_t *out_len)
{
	size_t seq = 0;
	struct wire_wr w;

	if (state != SPNEGO_NO_STATE && (state < SPNEGO_ACCEPT_COMPLETED ||
					 state > SPNEGO_REJECT))
		return -EINVAL;
	/* lengths beyond four length octets cannot be encoded */
	if (token_len > UINT32_MAX / 2 || mic_len > UINT32_MAX / 2)
		return -EINVAL;
	if (state != SPNEGO_NO_STATE)
		seq += der_size(der_size(1));
	if (supported_mech)
		seq += der_size(der_size(sizeof(oid_ntlmssp)));
	if (token)
		seq += der_size(der_size(token_len));
	if (mic)
		seq += der_size(der_size(mic_len));
	if (seq > UINT32_MAX - 16)
		return -EINVAL;

	wire_wr_init(&w, mem_ctx, der_size(der_size(seq)));
	der_put_header(&w, DER_CONTEXT(1), der_size(seq));
	der_put_header(&w, DER_SEQUENCE, seq);
	if (state != SPNEGO_NO_STATE) {
		uint8_t v = (uint8_t)state;

		der_put_wrapped(&w, DER_CONTEXT(0), DER_ENUMERATED, &v, 1);
	}
	if (supported_mech)
		der_put_wrapped(&w, DER_CONTEXT(1), DER_OID, oid_ntlmssp,
				 sizeof(oid_ntlmssp));
	if (token)
		der_put_wrapped(&w, DER_CONTEXT(2), DER_OCTET_STRING, token,
				 token_len);
	if (mic)
		der_put_wrapped(&w, DER_CONTEXT(3), DER_OCTET_STRING, mic,
				 mic_len);
	return der_finish(&w, out, out_len);
}
