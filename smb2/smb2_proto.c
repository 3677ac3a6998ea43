#include "smb2/smb2_proto.h"

#include <string.h>

#include "smb2/wire.h"

bool smb2_hdr_decode(const uint8_t *p, size_t len, struct smb2_hdr *h)
{
	if (len < SMB2_HDR_SIZE || get_le32(p) != SMB2_PROTOCOL_ID ||
	    get_le16(p + 4) != SMB2_HDR_SIZE)
		return false;
	h->credit_charge = get_le16(p + 6);
	h->status = get_le32(p + 8);
	h->command = get_le16(p + 12);
	h->credits = get_le16(p + 14);
	h->flags = get_le32(p + 16);
	h->next_command = get_le32(p + 20);
	h->message_id = get_le64(p + 24);
	if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
		h->async_id = get_le64(p + 32);
		h->tree_id = 0;
	} else {
		h->async_id = 0;
		h->tree_id = get_le32(p + 36);
	}
	h->session_id = get_le64(p + 40);
	memcpy(h->signature, p + 48, 16);
	return true;
}

void smb2_hdr_encode(uint8_t out[SMB2_HDR_SIZE], const struct smb2_hdr *h)
{
	memset(out, 0, SMB2_HDR_SIZE);
	put_le32(out, SMB2_PROTOCOL_ID);
	put_le16(out + 4, SMB2_HDR_SIZE);
	put_le16(out + 6, h->credit_charge);
	put_le32(out + 8, h->status);
	put_le16(out + 12, h->command);
	put_le16(out + 14, h->credits);
	put_le32(out + 16, h->flags);
	put_le32(out + 20, h->next_command);
	put_le64(out + 24, h->message_id);
	if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
		put_le64(out + 32, h->async_id);
	} else {
		put_le32(out + 32, 0xfeff); /* ProcessId, as Windows sends */
		put_le32(out + 36, h->tree_id);
	}
	put_le64(out + 40, h->session_id);
	memcpy(out + 48, h->signature, 16);
}

/* MS-SMB2 2.2.x request StructureSize values. */
static const uint16_t req_structure_sizes[SMB2_OP_MAX] = {
	[SMB2_OP_NEGOTIATE] = 36,	 [SMB2_OP_SESSION_SETUP] = 25,
	[SMB2_OP_LOGOFF] = 4,		 [SMB2_OP_TREE_CONNECT] = 9,
	[SMB2_OP_TREE_DISCONNECT] = 4,	 [SMB2_OP_CREATE] = 57,
	[SMB2_OP_CLOSE] = 24,		 [SMB2_OP_FLUSH] = 24,
	[SMB2_OP_READ] = 49,		 [SMB2_OP_WRITE] = 49,
	[SMB2_OP_LOCK] = 48,		 [SMB2_OP_IOCTL] = 57,
	[SMB2_OP_CANCEL] = 4,		 [SMB2_OP_ECHO] = 4,
	[SMB2_OP_QUERY_DIRECTORY] = 33, [SMB2_OP_CHANGE_NOTIFY] = 32,
	[SMB2_OP_QUERY_INFO] = 41,	 [SMB2_OP_SET_INFO] = 33,
	[SMB2_OP_OPLOCK_BREAK] = 24,
};

uint16_t smb2_req_structure_size(uint16_t command)
{
	return command < SMB2_OP_MAX ? req_structure_sizes[command] : 0;
}

const char *smb2_command_name(uint16_t command)
{
	static const char *const names[SMB2_OP_MAX] = {
		"NEGOTIATE",	   "SESSION_SETUP",   "LOGOFF",
		"TREE_CONNECT",	   "TREE_DISCONNECT", "CREATE",
		"CLOSE",	   "FLUSH",	      "READ",
		"WRITE",	   "LOCK",	      "IOCTL",
		"CANCEL",	   "ECHO",	      "QUERY_DIRECTORY",
		"CHANGE_NOTIFY",   "QUERY_INFO",      "SET_INFO",
		"OPLOCK_BREAK",
	};
	return command < SMB2_OP_MAX ? names[command] : "UNKNOWN";
}
