# qiwigen: two commands do everything on a fresh machine with Go.
#   make generate   regenerate gen/ and spec/qiwi.resolved.yaml from spec/ and overlays/
#   make test       vet, format check, staticcheck and every test (race detector on)

GO ?= go

.PHONY: all generate test vet fmt-check bench check-generated fuzz lint spec-diff drift

all: test

generate:
	$(GO) generate ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: vet fmt-check lint
	$(GO) test -race -count=1 -timeout 30m ./...

# Regenerate and fail if anything committed changed.
check-generated: generate
	git diff --exit-code -- gen spec
	@test -z "$$(git status --porcelain -- gen spec)" || (git status --porcelain -- gen spec; exit 1)

# Compare the resolved spec at DIFF_BASE (a git revision) with the working tree's: exit 1 on
# changes at DIFF_FAIL_ON (breaking, warning or never) that DIFF_IGNORE (a file) does not
# accept; DIFF_FORMAT: text, markdown, json, junit, sarif or changelog.
DIFF_BASE ?= HEAD
DIFF_FORMAT ?= text
DIFF_FAIL_ON ?= breaking
DIFF_IGNORE ?=
spec-diff:
	$(GO) run ./contracttest/cmd/qiwicontract diff --format $(DIFF_FORMAT) --fail-on $(DIFF_FAIL_ON) \
		$(if $(DIFF_IGNORE),--ignore $(DIFF_IGNORE)) $(DIFF_BASE):spec/qiwi.resolved.yaml spec/qiwi.resolved.yaml

# Compare QIWI's documentation pages (../shared/docs/qiwi, or QIWI_DOCS) with the bundled spec;
# exit 1 on findings the committed baseline spec/drift-baseline.json does not accept.
QIWI_DOCS ?= ../shared/docs/qiwi
drift:
	$(GO) run ./contracttest/cmd/qiwicontract drift --docs $(QIWI_DOCS)

# staticcheck, fetched through the module proxy at a pinned version (part of make test).
lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.6.0 ./...

bench:
	$(GO) test -run '^$$' -bench . ./...

# Each fuzz target for FUZZTIME (go test runs one -fuzz target per invocation).
FUZZTIME ?= 60s
# Minimizing a new input may take this long (Go's default, 60s, can eat the whole run).
FUZZMINIMIZE ?= 5s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzMoney$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./generator/runtime/wiretype/
	$(GO) test -run '^$$' -fuzz '^FuzzTimestamp$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./generator/runtime/wiretype/
	$(GO) test -run '^$$' -fuzz '^FuzzNotification$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./gen/qiwi/
	$(GO) test -run '^$$' -fuzz '^FuzzForgery$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./gen/qiwi/
	$(GO) test -run '^$$' -fuzz '^FuzzRepeatedMembers$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./gen/qiwi/
	$(GO) test -run '^$$' -fuzz '^FuzzAnswerDecoders$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./gen/qiwi/
	$(GO) test -run '^$$' -fuzz '^FuzzPage$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./contracttest/extract/
	$(GO) test -run '^$$' -fuzz '^FuzzInventory$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./contracttest/drift/
	$(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./contracttest/store/
	$(GO) test -run '^$$' -fuzz '^FuzzReport$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./contracttest/reconcile/
	$(GO) test -run '^$$' -fuzz '^FuzzRecordsMatchEncodingCSV$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./contracttest/reconcile/
	$(GO) test -run '^$$' -fuzz '^FuzzDocument$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./spec/load/
	$(GO) test -run '^$$' -fuzz '^FuzzRequest$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./contracttest/sandbox/
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./contracttest/fixture/
	$(GO) test -run '^$$' -fuzz '^FuzzReplay$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./contracttest/replay/
	$(GO) test -run '^$$' -fuzz '^FuzzOverlay$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./generator/
