# make demo  — installs what is missing, builds, and runs the main job end to end
# make test  — unit tests, then end-to-end tests of the built `mlp` binary
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

# Other makefiles (mk/*.mk) add their test targets here.
EXTRA_TESTS :=

.PHONY: all deps build release demo test test-unit test-e2e bench-fanout clean
all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: build
	bash scripts/demo.sh

test-unit: build
	$(SWIFT) test

test-e2e: build
	MLP=$(CURDIR)/.build/debug/mlp python3 -m pytest -q tests/e2e

bench-fanout: release
	MLP=$(CURDIR)/.build/release/mlp bash Benchmarks/fanout/run.sh

clean:
	rm -rf .build demo

-include mk/*.mk

test: test-unit test-e2e $(EXTRA_TESTS)
