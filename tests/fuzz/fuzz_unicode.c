/*
 * UTF-16LE -> UTF-8 conversion, the round trip back, case-insensitive
 * comparison and wildcard matching (MS-FSA 2.1.4.4). The input is two
 * length-prefixed UTF-16LE strings: a pattern and a name.
 */
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "tests/fuzz/fuzz.h"
#include "vfs/unicode.h"

/* Converts and checks that the result converts back to the same bytes. */
static char *convert(TALLOC_CTX *ctx, struct wire_slice s)
{
	uint8_t *in = fuzz_copy(ctx, s), *back = NULL;
	size_t back_len = 0;
	char *out = NULL;

	if (!in || utf16le_to_utf8(ctx, in, s.len, &out) != 0)
		return NULL;
	if (utf8_to_utf16le(ctx, out, &back, &back_len) != 0 ||
	    back_len != s.len || memcmp(back, in, s.len) != 0 ||
	    utf8_utf16_len(out) != (long)s.len)
		abort();
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct wire_slice a = { 0 }, b = { 0 };
	char *pattern, *name;

	if (!fuzz_next_part(&data, &size, &a))
		goto out;
	(void)fuzz_next_part(&data, &size, &b);
	pattern = convert(ctx, a);
	name = convert(ctx, b);
	if (!pattern || !name)
		goto out;
	if (name_equal_ci(pattern, name) != name_equal_ci(name, pattern))
		abort();
	if (!name_equal_ci(name, name))
		abort();
	(void)name_wildcard_match(pattern, name);
	/* a name without wildcards matches itself */
	if (!strpbrk(name, "*?<>\"") && !name_wildcard_match(name, name))
		abort();
out:
	talloc_free(ctx);
	return 0;
}
