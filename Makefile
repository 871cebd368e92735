# The two commands: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
# cargo-lambda and the emulator live in the project venv made by scripts/setup.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup test demo build fmt lint unit clean

setup:
	@bash scripts/setup

## make test: formatting, clippy with -D warnings, then every test
## (unit, emulator, real PostgreSQL/MariaDB, sample events).
test: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo test --workspace --no-fail-fast

## make demo: the notifier slice end to end on a local emulator.
demo: setup
	cargo run --quiet -p harness --bin demo

## make build: every function as a Lambda bootstrap (target/lambda/<function>/).
build: setup
	cargo lambda build --release

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings

clean:
	cargo clean
