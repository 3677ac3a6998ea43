/*
 * Shared declarations of the fuzz targets. Each target defines
 * LLVMFuzzerTestOneInput() and may define LLVMFuzzerInitialize(); the same
 * object links either with libFuzzer or with replay_main.c.
 */
#ifndef USMBD_FUZZ_H
#define USMBD_FUZZ_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "smb2/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Silences the server log unless USMBD_FUZZ_LOG is set in the
 * environment (then it logs at debug level). */
void fuzz_quiet_log(void);

/* Splits the next part off the input: a little-endian 16-bit length, then
 * that many bytes (fewer when the input ends first). false when fewer
 * than two bytes are left. */
bool fuzz_next_part(const uint8_t **data, size_t *size,
		    struct wire_slice *out);


/* An exact-size talloc copy of s, so that reads past its end trip ASan
 * (the caller's buffer may be larger than the part). */
uint8_t *fuzz_copy(void *mem_ctx, struct wire_slice s);

#endif
