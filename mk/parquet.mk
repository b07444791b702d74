# Parquet (Sources/MLPData/Parquet). Its unit tests run in `make test-unit` (ParquetTests).
#   make test-parquet — pytest: files pyarrow (one per option) and DuckDB write are read by
#                       `mlp dataset convert` with equal values; files mlp writes (each codec, with and
#                       without dictionaries, data pages v1 and v2, several row groups) are read by
#                       pyarrow, pandas and DuckDB with equal values (needs pyarrow pandas duckdb; .ci/run installs them)
.PHONY: test-parquet
EXTRA_TESTS += test-parquet

test-parquet: build
	MLP=$(CURDIR)/.build/debug/mlp python3 -m pytest -q -rs tests/parquet
