# Model file formats (safetensors, GGUF) and the WordPiece tokenizer. Their unit tests run in
# `make test-unit` (MLPModelsTests); the tokenizer corpus test needs the model that
# scripts/fetch-model.sh puts in .cache/models (scripts/install-deps.sh fetches it).
#   make test-asan-formats    — the format and tokenizer tests built and run with AddressSanitizer
#   make tokenizer-fixture    — rewrite the expected ids with Hugging Face `tokenizers` (needs pip)
#   make format-fixtures      — rewrite the small files written by the reference Python writers
FORMATS_VENV := Benchmarks/.venv-embed

.PHONY: test-asan-formats tokenizer-fixture format-fixtures formats-venv
test-asan-formats: deps
	$(SWIFT) build --build-tests -Xswiftc -sanitize=address --scratch-path .build-asan
	# Address errors (overflow, use-after-free) stop the run. Leak checking is off: LeakSanitizer
	# cannot see pointers Swift stores in enum payloads with tag bits, nor objects XCTest keeps
	# until exit, and reports those as leaks (none of its reports involve Sources/MLPModels).
	ASAN_OPTIONS=detect_leaks=0 MLP_MINILM_DIR="$$(bash scripts/fetch-model.sh)" \
		$(SWIFT) test --skip-build --scratch-path .build-asan --filter MLPModelsTests

formats-venv:
	test -x $(FORMATS_VENV)/bin/python || python3 -m venv $(FORMATS_VENV)
	$(FORMATS_VENV)/bin/pip install -q tokenizers gguf safetensors numpy

tokenizer-fixture: formats-venv
	$(FORMATS_VENV)/bin/python scripts/tokenizer_fixture.py "$$(bash scripts/fetch-model.sh)"

format-fixtures: formats-venv
	$(FORMATS_VENV)/bin/python scripts/format_fixtures.py
