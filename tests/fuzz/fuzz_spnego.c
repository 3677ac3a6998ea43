/*
 * SPNEGO (RFC 4178) client token parsing as SESSION_SETUP sees it: every
 * pointer the parser returns must lie inside the input.
 */
#include <stdlib.h>

#include "smb2/spnego.h"
#include "tests/fuzz/fuzz.h"

static void check_inside(const uint8_t *data, size_t size, const uint8_t *p,
			 size_t len)
{
	if (!p)
		return;
	if (p < data || p > data + size || len > (size_t)(data + size - p))
		abort();
	/* touch the bytes so ASan sees any stray pointer */
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < len; i++)
		sink ^= p[i];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spnego_client_token tok;

	if (spnego_parse_client(data, size, &tok) != 0)
		return 0;
	check_inside(data, size, tok.mech_types, tok.mech_types_len);
	check_inside(data, size, tok.mech_token, tok.mech_token_len);
	check_inside(data, size, tok.mech_list_mic, tok.mech_list_mic_len);
	return 0;
}
