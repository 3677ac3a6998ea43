/* Client path names (MS-FSCC 2.1.5) to share-relative UTF-8 paths. */
#include <string.h>

#include "smb2/smb2_server.h"
#include "vfs/unicode.h"

/* Characters never valid in a file name component (MS-FSCC 2.1.5.1);
 * ':' is reserved for streams, which come later. */
static bool bad_name_char(unsigned char c)
{
	return c < 0x20 || strchr("\"*/:<>?|", c) != NULL;
}

NTSTATUS smb2_client_path(TALLOC_CTX *mem_ctx, const uint8_t *utf16,
			  size_t len, char **out)
{
	char *p, *s, *comp;
	size_t n;

	if (len & 1)
		return NT_STATUS_OBJECT_NAME_INVALID;
	if (utf16le_to_utf8(mem_ctx, utf16, len, &p) != 0)
		return NT_STATUS_OBJECT_NAME_INVALID;
	/* a leading backslash is invalid for CREATE (3.3.5.9) but tolerated
	 * for rename targets; callers that must refuse it check first */
	s = p;
	while (*s == '\\')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '\\')
		s[--n] = '\0';
	for (comp = s; *comp;) {
		char *end = strchr(comp, '\\');
		size_t clen = end ? (size_t)(end - comp) : strlen(comp);

		if (clen == 0)
			return NT_STATUS_OBJECT_NAME_INVALID;
		if (clen > 255)
			return NT_STATUS_OBJECT_NAME_INVALID;
		if ((clen == 1 && comp[0] == '.') ||
		    (clen == 2 && comp[0] == '.' && comp[1] == '.'))
			return NT_STATUS_OBJECT_PATH_SYNTAX_BAD;
		for (size_t i = 0; i < clen; i++)
			if (bad_name_char((unsigned char)comp[i]))
				return NT_STATUS_OBJECT_NAME_INVALID;
		if (!end)
			break;
		*end = '/';
		comp = end + 1;
	}
	*out = s == p ? p : talloc_strdup(mem_ctx, s);
	if (s != p)
		talloc_free(p);
	return *out ? NT_STATUS_OK : NT_STATUS_NO_MEMORY;
}
