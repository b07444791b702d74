# The store conformance suite (Tests/MLPStoreTests) against a real PostgreSQL. `make test-unit`
# runs it against SQLite alone; this target starts two throw-away PostgreSQL clusters on loopback
# with scripts/postgres.sh (one for the suite, one that the restart test stops and starts with
# pg_ctl), runs the suite against SQLite and PostgreSQL, and stops both clusters whatever happens.
.PHONY: test-store-postgres
EXTRA_TESTS += test-store-postgres

test-store-postgres:
	@set -eu; work=$$(mktemp -d /tmp/mlp-store-pg.XXXXXX); \
	cleanup() { scripts/postgres.sh stop "$$work/main" || true; scripts/postgres.sh stop "$$work/restart" || true; rm -rf "$$work"; }; \
	trap cleanup EXIT INT TERM; \
	chmod 755 "$$work"; mkdir -p "$$work/main" "$$work/restart"; \
	MLP_TEST_POSTGRES_URL=$$(scripts/postgres.sh start "$$work/main"); \
	MLP_TEST_POSTGRES_RESTART_URL=$$(scripts/postgres.sh start "$$work/restart"); \
	MLP_TEST_POSTGRES_CTL=$$(scripts/postgres.sh ctl "$$work/restart"); \
	export MLP_TEST_POSTGRES_URL MLP_TEST_POSTGRES_RESTART_URL MLP_TEST_POSTGRES_CTL; \
	echo "test-store-postgres: $$MLP_TEST_POSTGRES_URL (restart test: $$MLP_TEST_POSTGRES_RESTART_URL)"; \
	timeout 1200 $(SWIFT) test $(STORE_TEST_FLAGS) --filter MLPStoreTests
