# Deskside: `make run` serves the portal with demo data; `make test` runs every test.
# Both install what they need on a fresh machine that has only rustup and cargo.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO_LEPTOS_VERSION := 0.3.11
SCHEMATHESIS_VERSION := 4.32.5
FUZZ_VENV := target/fuzz-venv
AIOSMTPD_VERSION := 1.4.6
# aiosmtpd's own dependencies, pinned too so every machine runs the same SMTP server.
AIOSMTPD_DEPS := atpublic==9.0.0 attrs==26.1.0
MAIL_VENV := target/mail-venv
LEPTOSFMT_VERSION := 0.1.33
# The wasm-bindgen CLI must match the library pinned in Cargo.toml exactly.
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)

# wasm-opt comes from npm's binaryen (never Debian's: its old optimizer breaks hydration).
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Playwright drives Debian's Chromium; it must never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# The flags cargo-leptos sets for debug builds, so `cargo test` reuses its artifacts.
DEV_ENV := RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=deskside

.PHONY: run test checks e2e-built fuzz-built soak bench lint fmt build release tools toolchain cargo-leptos wasm-bindgen \
        leptosfmt npm chromium rust-test e2e fuzz fuzz-venv mail-servers clean

## run: build in release mode and serve on http://127.0.0.1:3000 with demo data
run: release
	./target/release/server --demo

## test: lint, every Rust test, then the browser tests and API fuzzing against the release build
## Two at a time, on separate ports: lint and the debug tests beside the release build, then the
## browser tests beside the fuzzing. Each of the pair leaves a core idle much of the time
## (linking, the wasm's one-unit optimisation, a browser waiting for a page), so together they
## take little longer than the longer of the two. The tools are installed first, once, so the
## two never install the same one at once.
test: tools leptosfmt npm chromium mail-servers fuzz-venv
	$(MAKE) --no-print-directory -j2 --output-sync=target checks release
	$(MAKE) --no-print-directory -j2 --output-sync=target e2e-built fuzz-built

# make test's first lane: formatting and clippy, then the Rust tests.
checks:
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory rust-test

rust-test: tools mail-servers
	$(DEV_ENV) cargo test --workspace --all-targets

E2E_RUN = cd end2end && npx playwright test
FUZZ_RUN = end2end/fuzz.sh

e2e: release npm chromium mail-servers
	$(E2E_RUN)

## fuzz: schemathesis against the release build's API, signed in as each role (a few minutes)
fuzz: release fuzz-venv
	$(FUZZ_RUN)

# make test's second pair: the same runs against the release build its first pair made.
e2e-built: npm chromium mail-servers
	$(E2E_RUN)

fuzz-built: fuzz-venv
	$(FUZZ_RUN)

# Schemathesis from PyPI, pinned, in its own virtual environment; installed once per version.
fuzz-venv: $(FUZZ_VENV)/.schemathesis-$(SCHEMATHESIS_VERSION)

$(FUZZ_VENV)/.schemathesis-$(SCHEMATHESIS_VERSION):
	python3 -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/pip install --quiet --disable-pip-version-check schemathesis==$(SCHEMATHESIS_VERSION)
	touch $@

## soak: the reliability tests (kills, reconnects, backups under load) at full length
soak: tools mail-servers
	$(DEV_ENV) DESKSIDE_SOAK=1 cargo test -p server --test reliability -- --test-threads=1

## bench: measure the release build on a temporary database; writes bench/results.json
bench: release chromium mail-servers
	cargo run --release -p server --example bench

lint: tools leptosfmt
	cargo fmt --all -- --check
	leptosfmt --check app/src
	$(DEV_ENV) cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

fmt: leptosfmt
	leptosfmt app/src
	cargo fmt --all

build: tools
	cargo leptos build

release: tools npm
	cargo leptos build --release

tools: toolchain cargo-leptos wasm-bindgen

toolchain:
	@rustup toolchain install >/dev/null 2>&1 || rustup toolchain install

cargo-leptos: toolchain
	@cargo leptos --version 2>/dev/null | grep -qF "$(CARGO_LEPTOS_VERSION)" \
	  || cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked

wasm-bindgen: toolchain
	@wasm-bindgen --version 2>/dev/null | grep -qF "$(WASM_BINDGEN_VERSION)" \
	  || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

leptosfmt: toolchain
	@leptosfmt --version 2>/dev/null | grep -qF "$(LEPTOSFMT_VERSION)" \
	  || cargo install leptosfmt --version $(LEPTOSFMT_VERSION) --locked

npm: end2end/node_modules/.installed

end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium drives the browser tests; its sqlite3 lets a spec read a mailed link
# (invitations, resets) from the test server's outbox.
chromium:
	@command -v chromium >/dev/null && command -v sqlite3 >/dev/null \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium sqlite3; }

# The real mail servers the email tests and the bench run (end2end/mailservers.py): Debian's
# Dovecot for IMAP and LMTP, aiosmtpd from PyPI for SMTP. Each test starts its own on
# 127.0.0.1, so a system Dovecot the package may have started is stopped at once.
mail-servers: $(MAIL_VENV)/.aiosmtpd-$(AIOSMTPD_VERSION)
	@{ test -x /usr/lib/dovecot/imap && test -x /usr/lib/dovecot/lmtp && command -v openssl >/dev/null; } \
	  || { apt-get update -qq \
	       && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd dovecot-lmtpd openssl \
	       && { service dovecot stop >/dev/null 2>&1 || true; }; }

$(MAIL_VENV)/.aiosmtpd-$(AIOSMTPD_VERSION):
	python3 -m venv $(MAIL_VENV)
	$(MAIL_VENV)/bin/pip install --quiet --disable-pip-version-check aiosmtpd==$(AIOSMTPD_VERSION) $(AIOSMTPD_DEPS)
	touch $@

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results bench/results.json
