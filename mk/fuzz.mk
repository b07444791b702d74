# libFuzzer targets (Fuzz/, a package of its own built with -sanitize=fuzzer,address) for the
# readers of untrusted input: infer request bodies with a tabular model's input checks, mlp.yaml
# (parser + checker), safetensors, GGUF, mlpds datasets and CSV. See Fuzz/run.sh.
#   make fuzz-build       — build the targets (their own scratch folder, Fuzz/.build)
#   make fuzz             — each target for FUZZ_SECONDS (600), one after another, growing the
#                           git-ignored corpus in Fuzz/.work/fuzz; a summary line per target (exec/s,
#                           corpus size) goes to Benchmarks/results/fuzz-TARGET.log
#                           (one target: make fuzz FUZZ_TARGETS=FuzzGGUF FUZZ_SECONDS=60)
#   make test-fuzz-smoke  — each target for FUZZ_SMOKE_SECONDS (15) from the committed seeds (part of
#                           `make test`); fails on any crash, sanitizer report, hang or huge allocation
#   make clean-fuzz       — remove Fuzz/.build and the working corpus and findings (Fuzz/.work)
# A finding is saved in Fuzz/.work/crashes/TARGET/; rerun it with Fuzz/.build/debug/TARGET FILE.
# MLP_FUZZ_DIFFERENTIAL=1 makes FuzzInferRequest also require JSONDecoder to read every body the fast
# parser reads the same way (off by default: Foundation's JSONDecoder refuses valid numbers like 0e5).
FUZZ_TARGETS ?= FuzzInferRequest FuzzPipeline FuzzSafetensors FuzzGGUF FuzzDataset FuzzCSV FuzzParquet FuzzWireJSON
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 15
# Debug with testability: the targets call the readers' internal entry points from memory
# (InferenceRequestParser, DatasetFile.Parser, MappedFile(copying:)) rather than through files.
FUZZ_SWIFT_FLAGS := -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing

.PHONY: fuzz-build fuzz test-fuzz-smoke clean-fuzz
EXTRA_TESTS += test-fuzz-smoke

fuzz-build: deps
	$(SWIFT) build --package-path Fuzz --scratch-path Fuzz/.build $(FUZZ_SWIFT_FLAGS)

fuzz: fuzz-build
	bash Fuzz/run.sh $(FUZZ_SECONDS) fuzz $(FUZZ_TARGETS)

test-fuzz-smoke: fuzz-build
	bash Fuzz/run.sh $(FUZZ_SMOKE_SECONDS) smoke $(FUZZ_TARGETS)

clean-fuzz:
	rm -rf Fuzz/.build Fuzz/.work
