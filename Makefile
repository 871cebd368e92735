# The two commands: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
# cargo-lambda and the emulator live in the project venv made by scripts/setup.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup test demo build package bench fuzz fmt lint docs clean

# make package ARCH=x86_64 for x86_64; arm64 (Graviton) by default.
ARCH ?= arm64
ifeq ($(ARCH),arm64)
  ARCH_FLAG := --arm64
  TRIPLE := aarch64-unknown-linux-gnu
else ifeq ($(ARCH),x86_64)
  ARCH_FLAG := --x86-64
  TRIPLE := x86_64-unknown-linux-gnu
else
  $(error ARCH must be arm64 or x86_64)
endif
# The Amazon RDS CA bundle goes into every zip when present at the root
# (secret-rotator and backup-verifier read /var/task/rds-global-bundle.pem).
CA_BUNDLE := $(wildcard rds-global-bundle.pem)

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

## make package: every function as target/lambda/<function>/bootstrap.zip for
## provided.al2023, the paths terraform/modules/automation deploys.
## AWS_LC_SYS_NO_JITTER_ENTROPY drops aws-lc's 10-50 ms first-randomness cost.
package: setup
	rustup target add $(TRIPLE)
	AWS_LC_SYS_NO_JITTER_ENTROPY=1 cargo lambda build --release $(ARCH_FLAG) --output-format zip $(if $(CA_BUNDLE),--include $(CA_BUNDLE))
	@ls -l target/lambda/*/bootstrap.zip
	@$(if $(CA_BUNDLE),,echo "note: no rds-global-bundle.pem at the root: secret-rotator and backup-verifier need DB_CA_BUNDLE or the bundle in the zip")

## make bench: size, cold start, memory, warm latency and redrive throughput,
## side by side with Python (awslambdaric + boto3), and the scheduler over
## 1,000 targets with 50 ms added per call; writes bench/RESULTS.md.
bench: setup
	bash scripts/bench

## make fuzz: the no-panic properties of tests/tests/no_panic.rs (trigger
## parsers on arbitrary JSON and mutated samples, the schedule engine, the
## redaction) with fresh seeds, FUZZ_SECONDS each (60), one after another;
## prints executions, corpus size and findings per property. `make test` runs
## them with a fixed seed, 256 cases each.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) cargo test -p harness --test no_panic -- --nocapture --test-threads 1

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings

## make docs: rewrite each Terraform module README's Inputs and Outputs
## tables (between the BEGIN_TF_DOCS/END_TF_DOCS markers) from its code;
## make test fails while they differ.
docs: setup
	TF_DOCS=write cargo test -p harness --test terraform -- each_module_readme_tables

clean:
	cargo clean
