#include <stddef.h>
#include <stdint.h>
#include "LibFuzzerMain.h"

/// Defined by each fuzz target (`@_cdecl("LLVMFuzzerTestOneInput")` in its main.swift).
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/// libFuzzer's driver (compiler-rt's libclang_rt.fuzzer, linked by -sanitize=fuzzer).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test_one_input)(const uint8_t *data, size_t size));

int mlp_libfuzzer_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
