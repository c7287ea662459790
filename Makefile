# Set-up and everyday commands. `make start` and `make test` work on a fresh clone.

SHELL := /bin/bash
NPM ?= npm
ARGS ?=

.PHONY: install start test typecheck depcheck redis-tools redis-server

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

# The Lua 5.1 state behind EVAL and FCALL: a Node-API addon (native/lua/) over
# Debian's Lua 5.1, lua-cjson and lua-bitop, built against node-api-headers.
LUA_DEBS := liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
LUA_SOURCES := $(wildcard native/lua/*.c)
CC ?= cc

build/lua-vm.node: $(LUA_SOURCES) node_modules/.installed
	@dpkg -s $(LUA_DEBS) >/dev/null 2>&1 || { (apt-get update -qq || true) && apt-get install -y -qq $(LUA_DEBS); }
	@mkdir -p build
	$(CC) -O2 -Wall -Wextra -shared -fPIC -Inode_modules/node-api-headers/include -I/usr/include/lua5.1 \
	  $(LUA_SOURCES) -o $@ -llua5.1 -llua5.1-cjson -llua5.1-bitop

install: node_modules/.installed build/lua-vm.node

# redis-cli and redis-benchmark (Debian's redis-tools) are real clients the tests use.
redis-tools:
	@command -v redis-cli >/dev/null && command -v redis-benchmark >/dev/null || \
	  { (apt-get update -qq || true) && apt-get install -y -qq redis-tools; }

# Stock redis-server (Debian's redis-server) is what the fuzzer compares this server with (test/fuzz).
redis-server:
	@command -v redis-server >/dev/null || \
	  { (apt-get update -qq || true) && apt-get install -y -qq redis-server; }

start: install
	$(NPM) start -- $(ARGS)

test: install redis-tools redis-server
	$(NPM) test

typecheck: install
	$(NPM) run typecheck

# The layer check (.dependency-cruiser.cjs): no runtime import cycle, no upward import.
depcheck: install
	$(NPM) run depcheck

# Benchmarks: side by side with stock Redis, capacity sweep, flamegraphs (bench/Makefile.inc).
include bench/Makefile.inc
bench bench-quick bench-blocking bench-pubsub bench-bullmq capacity fill fill-collections flame load: install

# Redis's own test suite against this server (test/compat/Makefile.inc).
include test/compat/Makefile.inc
compat compat-ours compat-redis compat-ci compat-ratchet-update compat-census: install

# The soak test, 10 minutes (test/soak/Makefile.inc).
include test/soak/Makefile.inc

# The differential fuzzer against stock redis-server (test/fuzz/Makefile.inc).
include test/fuzz/Makefile.inc
fuzz: install redis-server
