#ifndef MLP_LIBFUZZER_MAIN_H
#define MLP_LIBFUZZER_MAIN_H

/// Runs libFuzzer (with the program's arguments) on the target's LLVMFuzzerTestOneInput.
/// SwiftPM links an executable's entry point as `main` on Linux, which keeps libFuzzer's own
/// `main` out; each target's main.swift calls this instead.
int mlp_libfuzzer_main(int argc, char **argv);

#endif
