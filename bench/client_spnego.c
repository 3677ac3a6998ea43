/* SPNEGO client tokens (RFC 4178 4.2), DER with definite lengths. */
#include <errno.h>
#include <string.h>

#include "bench/client_spnego.h"
#include "smb2/wire.h"

#define DER_OCTET_STRING 0x04
#define DER_OID 0x06
#define DER_SEQUENCE 0x30
#define DER_APPLICATION_0 0x60
#define DER_CONTEXT(n) (0xa0 | (n))

static const uint8_t oid_spnego[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };

/* SEQUENCE { OID 1.3.6.1.4.1.311.2.2.10 (NTLMSSP) } */
const uint8_t spnego_client_mech_types[] = {
	DER_SEQUENCE, 0x0c, DER_OID, 0x0a, 0x2b, 0x06, 0x01,
	0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
};
const size_t spnego_client_mech_types_len = sizeof(spnego_client_mech_types);

/* Bytes a DER length field takes for len. */
static size_t der_len_size(size_t len)
{
	size_t n = 1;

	if (len < 0x80)
		return 1;
	while (len) {
		n++;
		len >>= 8;
	}
	return n;
}

static size_t der_size(size_t content_len)
{
	return 1 + der_len_size(content_len) + content_len;
}

static void der_header(struct wire_wr *w, uint8_t tag, size_t len)
{
	size_t n = der_len_size(len) - 1;

	wire_wr_u8(w, tag);
	if (n == 0) {
		wire_wr_u8(w, (uint8_t)len);
		return;
	}
	wire_wr_u8(w, (uint8_t)(0x80 | n));
	while (n--)
		wire_wr_u8(w, (uint8_t)(len >> (8 * n)));
}

/* [ctx] { OCTET STRING p } */
static void der_ctx_octets(struct wire_wr *w, uint8_t ctx, const uint8_t *p,
			   size_t len)
{
	der_header(w, ctx, der_size(len));
	der_header(w, DER_OCTET_STRING, len);
	wire_wr_bytes(w, p, len);
}

static int finish(struct wire_wr *w, uint8_t **out, size_t *out_len)
{
	if (w->err) {
		talloc_free(w->buf);
		return -ENOMEM;
	}
	*out = w->buf;
	*out_len = w->len;
	return 0;
}

int spnego_client_init(TALLOC_CTX *mem_ctx, const uint8_t *token,
		       size_t token_len, uint8_t **out, size_t *out_len)
{
	size_t mech_types = der_size(spnego_client_mech_types_len);
	size_t seq = mech_types + der_size(der_size(token_len));
	size_t init = der_size(seq);
	size_t app = der_size(sizeof(oid_spnego)) + der_size(init);
	struct wire_wr w;

	wire_wr_init(&w, mem_ctx, der_size(app));
	der_header(&w, DER_APPLICATION_0, app);
	der_header(&w, DER_OID, sizeof(oid_spnego));
	wire_wr_bytes(&w, oid_spnego, sizeof(oid_spnego));
	der_header(&w, DER_CONTEXT(0), init);
	der_header(&w, DER_SEQUENCE, seq);
	der_header(&w, DER_CONTEXT(0), spnego_client_mech_types_len);
	wire_wr_bytes(&w, spnego_client_mech_types,
		      spnego_client_mech_types_len);
	der_ctx_octets(&w, DER_CONTEXT(2), token, token_len);
	return finish(&w, out, out_len);
}

int spnego_client_response(TALLOC_CTX *mem_ctx, const uint8_t *token,
			   size_t token_len, const uint8_t *mic,
			   size_t mic_len, uint8_t **out, size_t *out_len)
{
	size_t seq = der_size(der_size(token_len));
	struct wire_wr w;

	if (mic)
		seq += der_size(der_size(mic_len));
	wire_wr_init(&w, mem_ctx, der_size(der_size(seq)));
	der_header(&w, DER_CONTEXT(1), der_size(seq));
	der_header(&w, DER_SEQUENCE, seq);
	der_ctx_octets(&w, DER_CONTEXT(2), token, token_len);
	if (mic)
		der_ctx_octets(&w, DER_CONTEXT(3), mic, mic_len);
	return finish(&w, out, out_len);
}
