/*
 * The users file: one "name:NTHASH" line per user (32 hex digits), '#'
 * comments. Never holds clear-text passwords; written with mode 0600.
 */
#ifndef USMBD_USERS_H
#define USMBD_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

struct usmbd_user {
	char *name;
	uint8_t nt_hash[16];
};

struct usmbd_users {
	struct usmbd_user *users;
	size_t n_users;
};

/* -errno on failure, with *errmsg ("file:line: ...") on mem_ctx. A missing
 * file gives an empty list (0). */
int users_load(TALLOC_CTX *mem_ctx, const char *path, struct usmbd_users **out,
	       char **errmsg);
/* Case-insensitive (ASCII) lookup. */
const struct usmbd_user *users_find(const struct usmbd_users *u,
				    const char *name);
/* Adds or replaces (set) or removes (nt_hash == NULL) a user, rewriting the
 * file atomically with mode 0600. -ENOENT when deleting an unknown user. */
int users_update(const char *path, const char *name, const uint8_t *nt_hash);

#endif
