# sxt-auth: `make demo` shows a full sign-in against a local server; `make test` runs every test.
# One Cargo workspace, one target directory (CARGO_TARGET_DIR or ./target).

SHELL := /bin/bash
TARGET ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
export SXT_SERVER_BIN ?= $(TARGET)/debug/sxt-auth-server
PREFIX ?= /usr/local

.PHONY: all build demo test test-rust test-header test-c test-cpp test-go test-swift test-conformance install bench clean

all: build

build:
	cargo build -p sxt-auth --lib
	cargo build -p sxt-auth-server

demo:
	bash scripts/demo.sh

# Every test in the project. Each part prints its own summary and stops the run on failure.
SUITES := test-header test-rust test-c test-cpp test-go test-swift test-conformance
test: $(SUITES)
	@echo "suites: $(words $(SUITES)) passed, 0 failed"

# The committed header must be exactly what cbindgen generates from the sources.
test-header: build
	@git diff --exit-code -- include/sxt_auth.h || { echo "include/sxt_auth.h is stale: commit the regenerated header"; exit 1; }

test-rust: build
	cargo test --workspace

test-c: build
	bash tests/c/run.sh

test-cpp: build
	bash tests/cpp/run.sh

test-go: build
	bash bindings/go/run-tests.sh

test-swift: build
	bash bindings/swift/run-tests.sh

test-conformance: build
	bash tests/conformance/run.sh

install:
	PREFIX="$(PREFIX)" bash scripts/install.sh "$(PREFIX)"

bench:
	bash scripts/bench.sh

clean:
	cargo clean
