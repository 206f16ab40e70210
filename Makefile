SHELL := /bin/bash
GO ?= go
# Two cores here: two test binaries at a time, each with real services.
TEST_FLAGS ?= -count=1 -p 2 -timeout 30m

.PHONY: run test services build vet fuzz bench
# Each fuzz target runs this many inputs in `make test` (more by hand: make fuzz
# FUZZTIME=200000x). A count, not a duration: Go's coordinator can report a bare
# "context deadline exceeded" at the end of a timed run on a busy machine
# (golang/go#75804, fixed in Go 1.27), which is no failing input at all.
FUZZTIME ?= 3000x
FUZZ_TARGETS := ./money:FuzzParseMajor ./documents/typeset:FuzzText ./reports:FuzzText ./reports:FuzzReceiptsCSV ./handlers:FuzzDonateForm ./handlers:FuzzWebhook

## run: the server on the embedded database, in demo mode unless Stripe keys are set
run:
	$(GO) run ./cmd/donations serve

## test: the whole suite against real Postgres, SQLite, stripe-mock and Chromium
test: services
	@set -o pipefail; log=$$(mktemp); \
	$(GO) vet ./... && \
	$(GO) test $(TEST_FLAGS) -v ./... 2>&1 | tee "$$log" | grep -vE '^(=== (RUN|PAUSE|CONT)|\s+--- PASS)'; status=$$?; \
	skips=$$(grep -E -- '--- SKIP' "$$log" || true); rm -f "$$log"; \
	if [ "$${CI:-}" = "true" ] && [ -n "$$skips" ]; then echo "FAIL: tests skipped under CI=true:"; echo "$$skips"; exit 1; fi; \
	[ -z "$$skips" ] || { echo "Skipped (services missing; CI=true would fail):"; echo "$$skips"; }; \
	[ $$status -eq 0 ] || exit $$status; \
	$(MAKE) --no-print-directory fuzz

## fuzz: each fuzz target for FUZZTIME (no panic, no 5xx, no formula out of the CSV writer)
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg, $(FUZZTIME))"; \
		log=$$(mktemp); st=0; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg > "$$log" 2>&1 || st=$$?; \
		grep -vE 'level=(INFO|WARN)|^[[:space:]]+time=' "$$log" | tail -n 2; \
		if [ $$st -ne 0 ]; then echo "$$name: go test exited $$st; its last lines:"; grep -vE 'level=(INFO|WARN)|^[[:space:]]+time=' "$$log" | grep -E -A6 -- '--- FAIL|_test.go:[0-9]+|Failing input|panic|hung' | head -n 60; grep -vE '^[[:space:]]+time=' "$$log" | tail -n 25; fi; \
		rm -f "$$log"; test $$st -eq 0; \
	done

services:
	@bash .ci/services

# The Dockerfile's flags (nomsgpack: gin's MessagePack codecs, which no
# route uses, stay out of the binary).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags nomsgpack -ldflags="-s -w" -o bin/donations ./cmd/donations

vet:
	$(GO) vet ./...

## bench: every measurement against its baseline, one table (see docs/performance.md)
bench: services build
	$(GO) run ./cmd/benchreport -bin bin/donations
