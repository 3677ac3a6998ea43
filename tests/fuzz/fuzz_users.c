/*
 * Users file parser. users_load() reads a path, so each input is written
 * to one private temporary file (mode 0600, as the loader insists) and
 * loaded from there.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include "conf/users.h"
#include "tests/fuzz/fuzz.h"

static char users_path[64];
static int users_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(users_path, sizeof(users_path),
		 "/tmp/usmbd-fuzz-users.XXXXXX");
	users_fd = mkstemp(users_path);
	if (users_fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	return 0;
}

static void remove_users_file(void) __attribute__((destructor));
static void remove_users_file(void)
{
	if (users_fd >= 0)
		unlink(users_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx;
	struct usmbd_users *u = NULL;
	char *err = NULL;

	if (users_fd < 0)
		return 0;
	if (ftruncate(users_fd, 0) != 0 ||
	    pwrite(users_fd, data, size, 0) != (ssize_t)size)
		abort();
	ctx = talloc_new(NULL);
	if (users_load(ctx, users_path, &u, &err) == 0) {
		if (!u)
			abort();
		for (size_t i = 0; i < u->n_users; i++)
			if (users_find(u, u->users[i].name) == NULL)
				abort();
	}
	talloc_free(ctx);
	return 0;
}
