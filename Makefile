# Set-up and everyday commands. `make start` and `make test` work on a fresh clone.

SHELL := /bin/bash
NPM ?= npm
ARGS ?=

.PHONY: install start test typecheck redis-tools

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

install: node_modules/.installed

# redis-cli and redis-benchmark (Debian's redis-tools) are real clients the tests use.
redis-tools:
	@command -v redis-cli >/dev/null && command -v redis-benchmark >/dev/null || \
	  { (apt-get update -qq || true) && apt-get install -y -qq redis-tools; }

start: install
	$(NPM) start -- $(ARGS)

test: install redis-tools
	$(NPM) test

typecheck: install
	$(NPM) run typecheck
