/* UTF-16LE <-> UTF-8 conversion and case folding for SMB names. */
#ifndef USMBD_UNICODE_H
#define USMBD_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

/* Converts UTF-16LE (len bytes, must be even) to NUL-terminated UTF-8.
 * Unpaired surrogates and embedded NULs are rejected: -EILSEQ. */
int utf16le_to_utf8(TALLOC_CTX *mem_ctx, const uint8_t *in, size_t len,
		    char **out);
/* Converts UTF-8 to UTF-16LE (no terminator); *out_len in bytes. -EILSEQ on
 * invalid UTF-8. */
int utf8_to_utf16le(TALLOC_CTX *mem_ctx, const char *in, uint8_t **out,
		    size_t *out_len);
/* Byte length of the UTF-16LE form of a UTF-8 string, or -EILSEQ. */
long utf8_utf16_len(const char *in);
/* Case-insensitive equality of two UTF-8 names (simple Unicode upper-case
 * mapping as Windows applies it). */
bool name_equal_ci(const char *a, const char *b);
/* Windows wildcard match (MS-FSA 2.1.4.4: * ? and DOS_STAR/QM/DOT < > ")
 * of a UTF-8 name against a UTF-8 pattern, case-insensitive. */
bool name_wildcard_match(const char *pattern, const char *name);

#endif
