/*
 * SMB2 header decoding and compound splitting: walks NextCommand the way
 * the dispatcher does (MS-SMB2 3.3.5.2.7) and decodes every element's
 * header, then checks that the walk stayed inside the message.
 */
#include <stdlib.h>

#include "smb2/smb2_proto.h"
#include "tests/fuzz/fuzz.h"

#define MAX_ELEMS 128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	unsigned n = 0;

	while (off < size && n < MAX_ELEMS) {
		struct smb2_hdr h;
		size_t elem_len = size - off;

		if (!smb2_hdr_decode(data + off, size - off, &h))
			return 0;
		n++;
		if (h.next_command) {
			if ((h.next_command & 7) ||
			    h.next_command < SMB2_HDR_SIZE ||
			    h.next_command > elem_len)
				return 0;
			elem_len = h.next_command;
		}
		/* the request body must be addressable in full */
		if (elem_len < SMB2_HDR_SIZE)
			abort();
		(void)smb2_req_structure_size(h.command);
		(void)smb2_command_name(h.command);

		/* re-encoding what was decoded must give the same header
		 * apart from fields the codec does not keep */
		uint8_t again[SMB2_HDR_SIZE];
		struct smb2_hdr h2;
		smb2_hdr_encode(again, &h);
		if (!smb2_hdr_decode(again, sizeof(again), &h2) ||
		    h2.command != h.command ||
		    h2.message_id != h.message_id ||
		    h2.next_command != h.next_command ||
		    h2.session_id != h.session_id)
			abort();
		off += elem_len;
		if (!h.next_command)
			break;
	}
	if (off > size)
		abort();
	return 0;
}
