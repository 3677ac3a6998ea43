/*
 * Hex helpers shared by the unit tests that check published vectors.
 * Included after <cmocka.h> (they fail the test on bad input).
 */
#ifndef USMBD_TEST_HEX_H
#define USMBD_TEST_HEX_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex into a fresh buffer (caller frees); fails the test if bad. */
static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *out;

	assert_int_equal(n % 2, 0);
	out = malloc(n / 2 + 1);
	assert_non_null(out);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_nibble(hex[2 * i]);
		int lo = hex_nibble(hex[2 * i + 1]);

		assert_true(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

static void assert_hex_equal(const uint8_t *got, size_t len, const char *hex)
{
	size_t want_len;
	uint8_t *want = unhex(hex, &want_len);

	assert_int_equal(want_len, len);
	assert_memory_equal(got, want, len);
	free(want);

#endif
