# connector/postgres (Plugins/PostgresConnector). Its unit tests run in `make test-unit`
# (PostgresConnectorTests: config, url_file confinement, password scrubbing, `url:` refused by validate).
#   make test-postgres-connector — pytest against a throw-away PostgreSQL that the test starts with
#                                  scripts/postgres.sh on 127.0.0.1 (a role with a scram password) and
#                                  stops by pg_ctl: rows and types, caching with and without version:,
#                                  and the password grepped for in mlp's output and every file under .mlp.
#                                  Skips, saying why, only when PostgreSQL's server binaries are absent.
.PHONY: test-postgres-connector
EXTRA_TESTS += test-postgres-connector

test-postgres-connector: build
	MLP=$(CURDIR)/.build/debug/mlp timeout 600 python3 -m pytest -q -rs tests/postgres_connector
