/*
 * Configuration parser: any text either loads into a configuration that
 * can be dumped, or fails with an error message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "conf/conf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_log();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct usmbd_conf *conf = NULL;
	char *text, *err = NULL;
	int rc;

	/* the parser takes a C string: stop at the first NUL like a file
	 * loader that read it would */
	text = talloc_strndup(ctx, (const char *)data, size);
	if (!text)
		goto out;
	rc = conf_load_string(ctx, text, "fuzz", &conf, &err);
	if (rc == 0) {
		if (!conf)
			abort();
		FILE *f = fopen("/dev/null", "w");
		if (f) {
			conf_dump(conf, f);
			fclose(f);
		}
		for (size_t i = 0; i < conf->n_shares; i++)
			if (conf_find_share(conf, conf->shares[i].name) == NULL)
				abort();
	} else if (!err) {
		abort();
	}
out:
	talloc_free(ctx);
	return 0;
}
