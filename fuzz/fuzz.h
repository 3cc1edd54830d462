#ifndef MD_FUZZ_H
#define MD_FUZZ_H
/* The entry point every fuzz target defines (libFuzzer's contract): runs
 * one input of size bytes, must not keep state between calls, must free
 * everything it allocates and returns 0. data is read-only and not
 * NUL-terminated. Called by libFuzzer (--with-fuzzer) or by
 * fuzz/standalone.c (make check). */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
