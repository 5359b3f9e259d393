# TVP. `make dev` runs the whole system; `make test` runs every test.
.PHONY: dev stack stack-check stack-clean test fuzz chaos bench build temporal-cli clean

dev: ## Temporal dev server, PostgreSQL, migrations, worker, API and pages, with demo data
	./scripts/dev.sh

stack: ## docker-compose's production shape as local processes: Temporal server on PostgreSQL (STACK_SHARDS), UI, two workers, API
	./scripts/stack.sh

stack-check: ## make stack from nothing, the demo data through the API, a restart keeping it (slow; not in make test)
	./scripts/stack-check.sh

stack-clean: ## forget make stack's data (its databases and .dev/stack)
	./scripts/stack.sh clean

test: ## gofmt, vet, workflowcheck, unit and integration tests on real Temporal and PostgreSQL
	./scripts/test.sh

chaos: ## the fault tests, long form: worker SIGKILLs, Temporal and PostgreSQL stopped mid-process
	ONLY_CHAOS=1 TVP_CHAOS_LONG=1 ./scripts/test.sh

bench: ## TVP against the bare Temporal client in one run; a Markdown table in bench/out/results.md
	./scripts/bench.sh

fuzz: ## the fuzz targets (request decoding, the service's text inputs), longer (FUZZ_DECODE, FUZZ_TEXT: counts)
	ONLY_FUZZ=1 FUZZ_DECODE=$${FUZZ_DECODE:-500000x} FUZZ_TEXT=$${FUZZ_TEXT:-40000x} ./scripts/test.sh

build: ## the tvp binary into bin/
	go build -o bin/tvp ./cmd/tvp

temporal-cli: ## build the pinned Temporal CLI once into .tools/
	./scripts/temporal-cli.sh

clean: ## forget make dev's data (.dev/, its database) and bin/; keeps the built Temporal CLI
	./scripts/clean.sh
