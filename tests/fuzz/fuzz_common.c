/* Helpers shared by the fuzz targets. */
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "conf/log.h"
#include "tests/fuzz/fuzz.h"

void fuzz_quiet_log(void)
{
	log_max_level = getenv("USMBD_FUZZ_LOG") ? LOG_LVL_DEBUG : -1;
}

bool fuzz_next_part(const uint8_t **data, size_t *size,
		    struct wire_slice *out)
{
	size_t n;

	if (*size < 2)
		return false;
	n = get_le16(*data);
	*data += 2;
	*size -= 2;
	if (n > *size)
		n = *size;
	out->p = *data;
	out->len = n;
	*data += n;
	*size -= n;
	return true;
}

uint8_t *fuzz_copy(void *mem_ctx, struct wire_slice s)
{
	uint8_t *p = talloc_size(mem_ctx, s.len);

	if (p && s.len)
		memcpy(p, s.p, s.len);
	return p;
}
