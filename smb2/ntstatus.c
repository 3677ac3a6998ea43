#include "smb2/ntstatus.h"

#include <errno.h>
#include <stddef.h>

NTSTATUS ntstatus_from_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return NT_STATUS_OK;
	case EPERM:
	case EACCES:
	case EXDEV:
	case ELOOP: /* symlink leading out of the share */
		return NT_STATUS_ACCESS_DENIED;
	case ENOENT:
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	case ENOTDIR:
		return NT_STATUS_NOT_A_DIRECTORY;
	case EISDIR:
		return NT_STATUS_FILE_IS_A_DIRECTORY;
	case EEXIST:
		return NT_STATUS_OBJECT_NAME_COLLISION;
	case ENOTEMPTY:
		return NT_STATUS_DIRECTORY_NOT_EMPTY;
	case ENOSPC:
		return NT_STATUS_DISK_FULL;
	case EDQUOT:
		return NT_STATUS_DISK_QUOTA_EXCEEDED;
	case EROFS:
		return NT_STATUS_MEDIA_WRITE_PROTECTED;
	case ENOMEM:
		return NT_STATUS_NO_MEMORY;
	case EMFILE:
	case ENFILE:
		return NT_STATUS_TOO_MANY_OPENED_FILES;
	case ENAMETOOLONG:
		return NT_STATUS_NAME_TOO_LONG;
	case EFBIG:
		return NT_STATUS_FILE_TOO_LARGE;
	case EINVAL:
		return NT_STATUS_INVALID_PARAMETER;
	case EBADF:
		return NT_STATUS_INVALID_HANDLE;
	case EBUSY:
	case ETXTBSY:
		return NT_STATUS_SHARING_VIOLATION;
	case EOPNOTSUPP:
		return NT_STATUS_NOT_SUPPORTED;
	case ENOSYS:
		return NT_STATUS_NOT_IMPLEMENTED;
	case EIO:
		return NT_STATUS_UNEXPECTED_IO_ERROR;
	case ECANCELED:
		return NT_STATUS_CANCELLED;
	case ETIMEDOUT:
		return NT_STATUS_IO_TIMEOUT;
	default:
		return NT_STATUS_UNSUCCESSFUL;
	}
}

const char *ntstatus_name(NTSTATUS s)
{
	static const struct {
		uint32_t v;
		const char *name;
	} names[] = {
		{ 0x00000000, "STATUS_OK" },
		{ 0x00000103, "STATUS_PENDING" },
		{ 0x80000005, "STATUS_BUFFER_OVERFLOW" },
		{ 0x80000006, "STATUS_NO_MORE_FILES" },
		{ 0xc0000008, "STATUS_INVALID_HANDLE" },
		{ 0xc000000d, "STATUS_INVALID_PARAMETER" },
		{ 0xc000000f, "STATUS_NO_SUCH_FILE" },
		{ 0xc0000010, "STATUS_INVALID_DEVICE_REQUEST" },
		{ 0xc0000011, "STATUS_END_OF_FILE" },
		{ 0xc0000016, "STATUS_MORE_PROCESSING_REQUIRED" },
		{ 0xc0000022, "STATUS_ACCESS_DENIED" },
		{ 0xc0000034, "STATUS_OBJECT_NAME_NOT_FOUND" },
		{ 0xc0000035, "STATUS_OBJECT_NAME_COLLISION" },
		{ 0xc000003a, "STATUS_OBJECT_PATH_NOT_FOUND" },
		{ 0xc0000043, "STATUS_SHARING_VIOLATION" },
		{ 0xc0000056, "STATUS_DELETE_PENDING" },
		{ 0xc000006d, "STATUS_LOGON_FAILURE" },
		{ 0xc00000bb, "STATUS_NOT_SUPPORTED" },
		{ 0xc00000cc, "STATUS_BAD_NETWORK_NAME" },
		{ 0xc0000101, "STATUS_DIRECTORY_NOT_EMPTY" },
		{ 0xc0000120, "STATUS_CANCELLED" },
		{ 0xc0000128, "STATUS_FILE_CLOSED" },
		{ 0xc0000203, "STATUS_USER_SESSION_DELETED" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].v == s.v)
			return names[i].name;
	return "STATUS_?";
}
