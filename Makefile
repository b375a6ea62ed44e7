# promocore — every task of the project. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
LISTEN ?= 127.0.0.1:50051
DATA_DIR ?= ./var
METRICS_LISTEN ?= 127.0.0.1:9464
HTTP_LISTEN ?= 127.0.0.1:8080
# The venv's tools come first, so maturin installs into it and `promocore` is ours.
export PATH := $(abspath $(BIN)):$(PATH)
export VIRTUAL_ENV := $(abspath $(VENV))

ENGINE_SOURCES := $(shell find rust proto -type f \( -name '*.rs' -o -name '*.proto' -o -name 'Cargo.toml' \) 2>/dev/null)

.PHONY: help docs-screenshots wheel install redis-server chromium prometheus valgrind image-tools run test imports test-rust test-python test-slow proto lint fmt bench bench-engine bench-engine-rust bench-backtest-rust bench-codes bench-backtest bench-wallet stress fuzz-short overload test-redis faketime faults image image-test clean

# Colours only on a terminal: piped into a file or another program, plain text.
help: ## List the targets with what they do
	@if [ -t 1 ]; then on=$$'\033[36m'; off=$$'\033[0m'; else on=; off=; fi; \
	grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "}; {printf "  %s%-17s%s %s\n", on, $$1, off, $$2}'

# $(call quietly,WHAT,COMMAND): prints WHAT and runs COMMAND with its output held back; the
# output is shown only when COMMAND fails, so a good `make` says what it did in a few lines.
define quietly
@echo "$(1)"; held=$$(mktemp); \
if ! ( $(2) ) >"$$held" 2>&1; then cat "$$held" >&2; rm -f "$$held"; echo "failed: $(1)" >&2; exit 1; fi; \
rm -f "$$held"
endef

$(VENV)/.deps: requirements-dev.txt pyproject.toml
	$(call quietly,creating $(VENV) and installing requirements-dev.txt,\
	  $(PYTHON) -m venv $(VENV) && \
	  $(PY) -m pip install --quiet --upgrade pip && \
	  $(PY) -m pip install --quiet -r requirements-dev.txt)
	@touch $@

# With the test entry points (evaluate_checkout, CampaignIndex: every input in one context) the
# differential and fixture tests and the engine benchmark call; the wheel leaves them out.
$(VENV)/.engine: $(VENV)/.deps $(ENGINE_SOURCES) Cargo.toml Cargo.lock
	$(call quietly,building the Rust extension (release) into $(VENV),\
	  $(BIN)/maturin develop --release --quiet --features test-entry-points)
	@touch $@

# $(call apt_install,COMMANDS,PACKAGES): installs Debian's PACKAGES with apt-get (sudo unless
# root) when one of COMMANDS is not on PATH; checked on every run, a no-op once installed.
define apt_install
@missing=; for command in $(1); do command -v $$command >/dev/null 2>&1 || missing="$$missing $$command"; done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" -eq 0 ]; then as_root=; \
  elif command -v sudo >/dev/null 2>&1; then as_root=sudo; \
  else echo "missing:$$missing; install as root: apt-get install $(2)" >&2; exit 1; fi; \
  echo "missing:$$missing; installing $(2) from Debian's packages"; \
  $$as_root apt-get update && \
  $$as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends $(2) || exit 1; \
  for command in $(1); do \
    command -v $$command >/dev/null || { echo "$$command is still not on PATH" >&2; exit 1; }; \
  done; \
fi
endef

# Debian's redis-server, for the Redis store and its tests. Checked on every run (no stamp: a
# stamp would outlive an uninstalled package); apt-get only runs when it is missing. The tests
# start their own redis-server on a free port with a temporary directory, never the system
# service the package may start (it is left as the package sets it up; nothing here uses it).
redis-server: ## Install Debian's redis-server with apt-get when it is missing (sudo unless root)
	$(call apt_install,redis-server,redis-server)

# Debian's chromium and chromium-driver, for the console's browser tests (Selenium drives that
# chromedriver; nothing is downloaded at test time). Checked on every run like redis-server.
chromium: ## Install Debian's chromium and chromium-driver with apt-get when missing (sudo unless root)
	$(call apt_install,chromium chromedriver,chromium chromium-driver)

# Debian's prometheus, for the deploy topology test (tests/e2e/test_deploy_topology.py): the test
# runs its own prometheus on a free port with deploy/prometheus/prometheus.yml, never the
# system service the package may start. Checked on every run like redis-server.
prometheus: ## Install Debian's prometheus with apt-get when it is missing (sudo unless root)
	$(call apt_install,prometheus,prometheus)

# Debian's faketime (libfaketime), for `make faults`: the clock experiment steps the server's
# wall clock back and forth under load. Checked on every run like redis-server.
faketime: ## Install Debian's faketime (libfaketime) with apt-get when it is missing (sudo unless root)
	$(call apt_install,faketime,faketime)

# valgrind counts instructions for `make bench-engine` (a figure the machine's load does not move).
valgrind: ## Install Debian's valgrind with apt-get when it is missing (sudo unless root)
	$(call apt_install,valgrind,valgrind)

install: redis-server chromium prometheus $(VENV)/.engine ## Create .venv, install Python deps, redis-server, chromium and prometheus, build the Rust extension (release)

# The wheel users install (`pip install dist/promocore-*.whl`): the release build of the
# extension with the Python package, for this machine's CPython and platform.
WHEEL_DIR ?= dist
wheel: $(VENV)/.deps ## Build the installable wheel into dist/ (pip install dist/promocore-*.whl)
	@rm -f $(WHEEL_DIR)/promocore-*.whl
	$(call quietly,building the wheel into $(WHEEL_DIR)/,\
	  $(BIN)/maturin build --release --quiet --out $(WHEEL_DIR))
	@ls $(WHEEL_DIR)/promocore-*.whl

run: install ## Serve on 127.0.0.1:50051 with data in ./var (demo data when empty), console on :8080, metrics on :9464
	@echo "promocore: gRPC on $(LISTEN), Prometheus metrics on http://$(METRICS_LISTEN)/metrics"
	@echo "promocore: web console and HTTP/JSON API on http://$(HTTP_LISTEN)/"
	$(BIN)/promocore serve --data-dir $(DATA_DIR) --listen $(LISTEN) --demo-if-empty --metrics-listen $(METRICS_LISTEN) --http-listen $(HTTP_LISTEN)

test: install ## Check the import contracts, run the Rust tests, then the Python test suite
	$(MAKE) --no-print-directory imports
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-python

imports: install ## The import direction of docs/architecture.md: import-linter's contracts in pyproject.toml
	$(BIN)/lint-imports

test-rust: ## Rust engine tests only
	cargo test --release -p promocore-engine --quiet

# pytest-xdist's workers for `make test` (tests/README.md); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test-python: install ## Python tests only, on TEST_WORKERS (2) pytest-xdist workers (a run that collects no test fails)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing" >&2; exit 1; fi; exit $$rc

# The browser tests that take docs/console.md's screenshots (Console.doc_screenshot).
DOC_SCREENSHOT_TESTS = $(filter-out tests/server/console/test_console_docs.py,$(shell grep -rlF --include='test_*.py' 'console.doc_screenshot' tests))
docs-screenshots: install ## Retake docs/console.md's screenshots (docs/images/console/) with the browser tests
	rm -f docs/images/console/*.png
	PROMOCORE_DOC_SCREENSHOTS=$(CURDIR)/docs/images/console $(PY) -m pytest -q $(DOC_SCREENSHOT_TESTS)

proto: $(VENV)/.deps ## Regenerate the Python code of proto/ into python/promocore/v1
	$(PY) proto/generate.py python

lint: install ## cargo fmt --check, clippy, ruff check and ruff format --check, mypy --strict, the import contracts
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --all-features --release -- -D warnings
	$(BIN)/ruff check python tests benchmarks examples deploy proto/generate.py
	$(BIN)/ruff format --check python tests benchmarks examples deploy proto/generate.py
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(VENV)/.deps ## Format Rust and Python sources
	cargo fmt --all
	$(BIN)/ruff format python tests benchmarks examples deploy proto/generate.py
	$(BIN)/ruff check --fix python tests benchmarks examples deploy proto/generate.py

test-slow: install ## The slow-marked suites (long differential run, soak tests)
	$(PY) -m pytest -q -m slow -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no slow tests" >&2; exit 1; fi; exit $$rc

bench: install $(VENV)/.bench-deps ## Locust load test vs the grpcio floor, TV spike, py-spy profile; last line JSON
	$(PY) benchmarks/load_bench.py --profile

$(VENV)/.bench-deps: $(VENV)/.deps requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

bench-engine: install valgrind $(VENV)/.bench-deps ## Engine evals/s vs the Python reference and zen-engine; Qualify latency; stacking settings' cost (callgrind)
	$(PY) benchmarks/bench_engine.py

bench-engine-rust: ## Criterion micro-benchmark of one Validate in the engine (load data set fixture); allocations too
	cargo bench -p promocore-engine --bench checkout

# PROMOCORE_BACKTEST_PASSES=N on the binary only backtests the fixture N times: the run to give
# valgrind --tool=callgrind --toggle-collect='*backtest_once*' (instructions per order).
bench-backtest-rust: ## Criterion benchmark of the engine's backtest (400 orders of bench-backtest's file); allocations too
	cargo bench -p promocore-engine --bench backtest

bench-codes: install ## 1,000,000 codes into a fresh store via GenerateCodes; codes/s, peak RSS; last line JSON
	$(PY) benchmarks/bench_codes.py

bench-backtest: install ## A campaign backtested on 1,000,000 load-data-set orders; orders/s, peak RSS, totals; last line JSON
	$(PY) benchmarks/bench_backtest.py

bench-wallet: install $(VENV)/.bench-deps ## Qualify p99 with a 50-code wallet over 1,000 promotions
	$(PY) benchmarks/bench_wallet.py

stress: install ## Race trials x20, kill -9 crash test, group-commit speedup; last line JSON
	$(PY) benchmarks/stress.py

fuzz-short: install ## 1M engine fuzz executions + 100k malformed requests to a live server; last line JSON
	$(PY) benchmarks/fuzz_short.py

overload: install ## Offer 3x capacity to a server; outcomes and admitted p99 vs unloaded, to RESULTS.md
	$(PY) benchmarks/overload.py

test-redis: install ## Redis store: conformance suite, two-node race and restart tests, Redis vs LMDB redeems/s; last line JSON
	$(PY) benchmarks/test_redis.py

faults: install faketime ## Six fault experiments against a real server under load (root: tmpfs); last line JSON
	$(PY) benchmarks/faults.py

# The OCI image (Containerfile, docs/deploy.md). Both build stages start from local Debian trixie
# images made here with debootstrap when podman lacks them (no container registry is reached);
# the build itself pulls only PyPI and crates.io packages. Root: debootstrap, chroot isolation.
# rustc-web/cargo-web: the newer Rust that Debian keeps current in trixie (1.96; rustc is 1.85,
# older than the engine needs).
IMAGE ?= localhost/promocore:latest
IMAGE_RUN_BASE ?= localhost/promocore-base:trixie
IMAGE_BUILD_BASE ?= localhost/promocore-build-base:trixie
# A TLS-intercepting proxy's CA: when $$SSL_CERT_FILE names the host's bundle, the builder's
# pip and cargo trust it too (mounted for the build only; it is not in the image).
IMAGE_CA_VOLUME = $(if $(SSL_CERT_FILE),--volume $(SSL_CERT_FILE):/etc/ssl/certs/ca-certificates.crt:ro)
image-tools:
	$(call apt_install,podman buildah debootstrap,podman buildah debootstrap)

image: image-tools ## Build the OCI image (IMAGE=localhost/promocore:latest) with podman (local Debian base images made with debootstrap when missing; root)
	deploy/image/debian-base.sh $(IMAGE_RUN_BASE) trixie python3
	deploy/image/debian-base.sh $(IMAGE_BUILD_BASE) trixie python3,python3-venv,rustc-web,cargo-web,gcc,libc6-dev,ca-certificates
	podman build --isolation=chroot --format docker --layers $(IMAGE_CA_VOLUME) \
	  --build-arg RUN_BASE=$(IMAGE_RUN_BASE) --build-arg BUILD_BASE=$(IMAGE_BUILD_BASE) \
	  -f Containerfile -t $(IMAGE) .
	@podman image inspect $(IMAGE) --format 'built {{.RepoTags}}: {{.Size}} bytes'

image-test: $(VENV)/.engine ## Run the image (buildah chroot) on a temp volume: health, Validate/Redeem over gRPC and HTTP, SIGTERM exit 0, restart
	$(PY) deploy/image/image_test.py $(IMAGE)

clean: ## Remove build output (.venv, target) but not data (./var)
	rm -rf $(VENV) target python/promocore/_engine*.so
