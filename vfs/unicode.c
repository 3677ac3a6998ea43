/*
 * Strict UTF-8 / UTF-16LE conversion and the case-insensitive comparisons
 * Windows clients expect of file names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfs/unicode.h"

#define CP_INVALID 0xFFFFFFFFu
#define CP_MAX 0x10FFFFu

static bool is_surrogate(uint32_t cp)
{
	return cp >= 0xD800 && cp <= 0xDFFF;
}

/*
 * Decodes one code point from s (NUL-terminated) and advances *pos.
 * Returns CP_INVALID for overlong forms, surrogates, values above U+10FFFF,
 * stray continuation bytes and truncated sequences (RFC 3629 section 4).
 */
static uint32_t utf8_next(const char *s, size_t *pos)
{
	const unsigned char *p = (const unsigned char *)s + *pos;
	uint32_t cp, min;
	size_t n, i;

	if (p[0] < 0x80) {
		*pos += 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0) {
		n = 2, cp = p[0] & 0x1F, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3, cp = p[0] & 0x0F, min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return CP_INVALID;
	}
	for (i = 1; i < n; i++) {
		/* a NUL terminator fails this test, so no overrun */
		if ((p[i] & 0xC0) != 0x80)
			return CP_INVALID;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < min || cp > CP_MAX || is_surrogate(cp))
		return CP_INVALID;
	*pos += n;
	return cp;
}

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

int utf16le_to_utf8(TALLOC_CTX *mem_ctx, const uint8_t *in, size_t len,
		    char **out)
{
	size_t units = len / 2, i, o = 0;
	char *buf;

	if (len % 2 != 0)
		return -EILSEQ;
	/* every UTF-16 unit becomes at most 3 bytes (a pair: 4 for 2) */
	buf = talloc_array(mem_ctx, char, units * 3 + 1);
	if (buf == NULL)
		return -ENOMEM;
	for (i = 0; i < units; i++) {
		uint32_t cp = get_le16(in + 2 * i);

		if (cp == 0)
			goto bad;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			goto bad;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			uint32_t lo;

			if (i + 1 >= units)
				goto bad;
			lo = get_le16(in + 2 * (i + 1));
			if (lo < 0xDC00 || lo > 0xDFFF)
				goto bad;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i++;
		}
		o += utf8_put(buf + o, cp);
	}
	buf[o] = '\0';
	*out = buf;
	return 0;
bad:
	talloc_free(buf);
	return -EILSEQ;
}

long utf8_utf16_len(const char *in)
{
	size_t pos = 0;
	long n = 0;

	while (in[pos] != '\0') {
		uint32_t cp = utf8_next(in, &pos);

		if (cp == CP_INVALID)
			return -EILSEQ;
		n += cp >= 0x10000 ? 4 : 2;
	}
	return n;
}

int utf8_to_utf16le(TALLOC_CTX *mem_ctx, const char *in, uint8_t **out,
		    size_t *out_len)
{
	long len = utf8_utf16_len(in);
	size_t pos = 0, o = 0;
	uint8_t *buf;

	if (len < 0)
		return (int)len;
	/* one spare byte so that an empty name is still a valid pointer */
	buf = talloc_array(mem_ctx, uint8_t, (size_t)len + 1);
	if (buf == NULL)
		return -ENOMEM;
	while (in[pos] != '\0') {
		uint32_t cp = utf8_next(in, &pos);

		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_le16(buf + o, (uint16_t)(0xD800 + (cp >> 10)));
			put_le16(buf + o + 2, (uint16_t)(0xDC00 + (cp & 0x3FF)));
			o += 4;
		} else {
			put_le16(buf + o, (uint16_t)cp);
			o += 2;
		}
	}
	*out = buf;
	*out_len = o;
	return 0;
}

/* Pairs laid out as upper at even, lower at odd code points (or the
 * reverse, with odd_upper) inside [first, last]. */
static uint32_t upper_alternating(uint32_t cp, uint32_t first, uint32_t last,
				  bool odd_upper)
{
	if (cp < first || cp > last)
		return 0;
	if (((cp & 1) != 0) == odd_upper)
		return cp; /* already upper case */
	return cp - 1;
}

/*
 * Simple upper-case mapping for the scripts that show up in file names:
 * Latin (Basic, Latin-1, Extended-A, Extended Additional), Greek, Cyrillic
 * and Armenian. Characters whose upper case is not a single code point
 * (e.g. U+00DF) stay as they are, like in the NTFS upcase table. Dotless i
 * and long s are deliberately not folded onto ASCII.
 */
static uint32_t cp_upper(uint32_t cp)
{
	uint32_t u;

	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') ? cp - 0x20 : cp;
	if (cp < 0x100) {
		if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
			return cp - 0x20;
		if (cp == 0xFF)
			return 0x178;
		if (cp == 0xB5)
			return 0x39C;
		return cp;
	}
	if (cp < 0x180) {
		if ((u = upper_alternating(cp, 0x100, 0x12F, false)) ||
		    (u = upper_alternating(cp, 0x132, 0x137, false)) ||
		    (u = upper_alternating(cp, 0x139, 0x148, true)) ||
		    (u = upper_alternating(cp, 0x14A, 0x177, false)) ||
		    (u = upper_alternating(cp, 0x179, 0x17E, true)))
			return u;
		return cp;
	}
	if (cp >= 0x370 && cp < 0x400) {
		if (cp == 0x3AC)
			return 0x386;
		if (cp >= 0x3AD && cp <= 0x3AF)
			return cp - 0x25;
		if (cp == 0x3C2) /* final sigma */
			return 0x3A3;
		if ((cp >= 0x3B1 && cp <= 0x3C1) || (cp >= 0x3C3 && cp <= 0x3CB))
			return cp - 0x20;
		if (cp == 0x3CC)
			return 0x38C;
		if (cp == 0x3CD || cp == 0x3CE)
			return cp - 0x3F;
		if ((u = upper_alternating(cp, 0x3D8, 0x3EF, false)))
			return u;
		return cp;
	}
	if (cp >= 0x400 && cp < 0x530) {
		if (cp >= 0x430 && cp <= 0x44F)
			return cp - 0x20;
		if (cp >= 0x450 && cp <= 0x45F)
			return cp - 0x50;
		if (cp == 0x4CF)
			return 0x4C0;
		if ((u = upper_alternating(cp, 0x460, 0x481, false)) ||
		    (u = upper_alternating(cp, 0x48A, 0x4BF, false)) ||
		    (u = upper_alternating(cp, 0x4C1, 0x4CE, true)) ||
		    (u = upper_alternating(cp, 0x4D0, 0x52F, false)))
			return u;
		return cp;
	}
	if (cp >= 0x561 && cp <= 0x586)
		return cp - 0x30;
	if ((u = upper_alternating(cp, 0x1E00, 0x1E95, false)) ||
	    (u = upper_alternating(cp, 0x1EA0, 0x1EFF, false)))
		return u;
	return cp;
}

/* Decodes s into an array of upper-cased code points (NULL if invalid). */
static uint32_t *decode_upper(TALLOC_CTX *mem_ctx, const char *s, size_t *n)
{
	size_t len = strlen(s), pos = 0, i = 0;
	uint32_t *cps = talloc_array(mem_ctx, uint32_t, len + 1);

	if (cps == NULL)
		return NULL;
	while (s[pos] != '\0') {
		uint32_t cp = utf8_next(s, &pos);

		if (cp == CP_INVALID) {
			talloc_free(cps);
			return NULL;
		}
		cps[i++] = cp_upper(cp);
	}
	*n = i;
	return cps;
}

bool name_equal_ci(const char *a, const char *b)
{
	size_t pa = 0, pb = 0;

	while (a[pa] != '\0' && b[pb] != '\0') {
		uint32_t ca = utf8_next(a, &pa);
		uint32_t cb = utf8_next(b, &pb);

		if (ca == CP_INVALID || cb == CP_INVALID)
			return false;
		if (ca != cb && cp_upper(ca) != cp_upper(cb))
			return false;
	}
	return a[pa] == '\0' && b[pb] == '\0';
}

#define DOS_STAR '<'
#define DOS_QM '>'
#define DOS_DOT '"'

/*
 * One step of the expression automaton (MS-FSA 2.1.4.4): given the set of
 * name prefixes cur[] matched by the expression so far, computes next[] for
 * the expression extended by pc. last_dot is the index of the final '.' in
 * the name, or n when there is none.
 */
static void wildcard_step(uint32_t pc, const uint32_t *name, size_t n,
			  size_t last_dot, const bool *cur, bool *next)
{
	size_t k;

	memset(next, 0, (n + 1) * sizeof(*next));
	for (k = 0; k <= n; k++) {
		bool at_dot_or_end = k == n || name[k] == '.';

		switch (pc) {
		case '*':
			/* zero or more of anything */
			next[k] = cur[k] || (k > 0 && next[k - 1]);
			break;
		case DOS_STAR:
			/* zero or more, but never past the final dot */
			next[k] = cur[k] ||
				  (k > 0 && next[k - 1] && k - 1 != last_dot);
			break;
		case '?':
			if (k < n && cur[k])
				next[k + 1] = true;
			break;
		case DOS_QM:
			/* one character, or nothing at a dot or the end */
			if (!cur[k])
				break;
			if (at_dot_or_end)
				next[k] = true;
			else
				next[k + 1] = true;
			break;
		case DOS_DOT:
			/* a dot, or nothing past the end of the name */
			if (!cur[k])
				break;
			if (k == n)
				next[k] = true;
			else if (name[k] == '.')
				next[k + 1] = true;
			break;
		default:
			if (k < n && cur[k] && name[k] == pc)
				next[k + 1] = true;
			break;
		}
	}
}

bool name_wildcard_match(const char *pattern, const char *name)
{
	TALLOC_CTX *tmp;
	uint32_t *pat, *nm;
	size_t np, nn, i, last_dot;
	bool *cur, *next, result = false;

	/* MS-FSA 2.1.4.4 part 1: the match-everything expressions */
	if (strcmp(pattern, "*") == 0 || strcmp(pattern, "*.*") == 0)
		return name[0] != '\0';
	if (pattern[0] == '\0' || name[0] == '\0')
		return pattern[0] == '\0' && name[0] == '\0';

	tmp = talloc_new(NULL);
	if (tmp == NULL)
		return false;
	pat = decode_upper(tmp, pattern, &np);
	nm = decode_upper(tmp, name, &nn);
	cur = talloc_zero_array(tmp, bool, nn + 1);
	next = talloc_zero_array(tmp, bool, nn + 1);
	if (pat == NULL || nm == NULL || cur == NULL || next == NULL)
		goto out;

	last_dot = nn;
	for (i = 0; i < nn; i++) {
		if (nm[i] == '.')
			last_dot = i;
	}
	cur[0] = true;
	for (i = 0; i < np; i++) {
		bool *swap;

		wildcard_step(pat[i], nm, nn, last_dot, cur, next);
		swap = cur;
		cur = next;
		next = swap;
	}
	result = cur[nn];
out:
	talloc_free(tmp);
	return result;
}
