# sxt-auth: `make demo` shows a full sign-in against a local server; `make test` runs every test.
# One Cargo workspace, one target directory (CARGO_TARGET_DIR or ./target).

SHELL := /bin/bash
TARGET ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
export SXT_SERVER_BIN ?= $(TARGET)/debug/sxt-auth-server
PREFIX ?= /usr/local

# Every suite, in the order `make test` runs them; each is also `make test-NAME` (tests/run-suites.sh).
SUITES := header layout rust c cpp go swift kotlin apple fuzz conformance

.PHONY: all build header demo test $(addprefix test-,$(SUITES)) install bench fuzz soak load clean

all: build

build:
	cargo build -p sxt-auth --lib
	cargo build -p sxt-auth-server

# Regenerates include/sxt_auth.h from the C library's sources (tools/header, cbindgen pinned there).
header:
	cargo run -q -p sxt-auth-header

demo:
	bash scripts/demo.sh

# Every test in the project; closes with `suites: N passed, N failed, N skipped`.
test: build
	@bash tests/run-suites.sh $(SUITES)

$(addprefix test-,$(SUITES)): test-%: build
	@bash tests/run-suites.sh $*

install:
	PREFIX="$(PREFIX)" bash scripts/install.sh "$(PREFIX)"

bench:
	bash scripts/bench.sh

# Every fuzz target for FUZZ_RUNS executions (default 10^6) or FUZZ_SECONDS each (make test runs 4 s each).
fuzz:
	bash scripts/fuzz.sh

# The C ABI under load for SOAK_SECONDS (default 600) against short lifetimes, then a leak run under valgrind.
soak:
	bash scripts/soak.sh

# The local server under LOAD_CONNECTIONS (default 1000) connections for LOAD_SIGN_INS (default 200,000) sign-ins.
load:
	bash scripts/load.sh

clean:
	cargo clean
