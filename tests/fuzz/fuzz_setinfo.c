/*
 * SET_INFO buffer decoders (MS-FSCC 2.4): the first byte picks the file
 * information class, the rest is the buffer. Name pointers the decoder
 * returns must lie inside the buffer.
 */
#include <stdlib.h>
#include <talloc.h>

#include "smb2/smb2_info.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx;
	struct smb2_set_file_info info;
	struct wire_slice in;
	uint8_t *buf;
	NTSTATUS st;

	if (size < 1)
		return 0;
	ctx = talloc_new(NULL);
	in.p = data + 1;
	in.len = size - 1;
	buf = fuzz_copy(ctx, in);
	if (!buf)
		goto out;
	in.p = buf;
	st = smb2_info_decode_set_file(data[0], in, &info);
	if (NT_STATUS_IS_OK(st) && info.name16) {
		if (info.name16 < buf || info.name16 > buf + in.len ||
		    info.name16_len > (size_t)(buf + in.len - info.name16))
			abort();
	}
out:
	talloc_free(ctx);
	return 0;
}
