"""Generated frames and the Parquet files other tools write from them, for mlp's Parquet interop test.

    python3 tests/parquet/make_frames.py DIR   # writes DIR/*.parquet and prints their names

`pyarrow_files(dir)` writes one file per pyarrow option (each codec, dictionary on and off, data page
v1 and v2, nullable and required columns, several row groups and pages); `pandas_files(dir)` and
`duckdb_files(dir)` one per codec through DataFrame.to_parquet and DuckDB's COPY. `expected(table)` is what mlp must read from a file: the value of each
cell as mlp represents it (dates as days, timestamps in the file's unit, float32 widened to float64).
"""
import datetime
import math
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 3000


def full_frame(rows: int = ROWS, nullable: bool = True) -> pa.Table:
    """Every type the issue lists, nulls in each column when `nullable` (every 7th row or so)."""
    def maybe(values, every):
        return [None if nullable and i % every == every - 1 else v for i, v in enumerate(values)]

    epoch = datetime.datetime(2024, 1, 1)
    columns = {
        "i32": pa.array(maybe([(i * 7919) % 100_000 - 50_000 for i in range(rows)], 7), pa.int32()),
        "i64": pa.array(maybe([(i * 2654435761) % (1 << 62) - (1 << 61) for i in range(rows)], 5), pa.int64()),
        "f32": pa.array(maybe([i / 8 - 100.0 for i in range(rows)], 6), pa.float32()),
        "f64": pa.array(maybe([(i * 0.1) ** 1.5 * (-1) ** i for i in range(rows - 2)] + [math.inf, -math.inf], 9), pa.float64()),
        "flag": pa.array(maybe([(i // 3) % 2 == 0 for i in range(rows)], 4), pa.bool_()),
        "text": pa.array(maybe([f"row {i} · {'x' * (i % 5)}" for i in range(rows)], 8), pa.string()),
        "level": pa.array(maybe([["low", "mid", "high"][i % 3] for i in range(rows)], 11), pa.string()),
        "day": pa.array(maybe([datetime.date(2000, 1, 1) + datetime.timedelta(days=i) for i in range(rows)], 10), pa.date32()),
        "ts_ms": pa.array(maybe([epoch + datetime.timedelta(milliseconds=i * 1234567) for i in range(rows)], 12), pa.timestamp("ms")),
        "ts_us": pa.array(maybe([epoch + datetime.timedelta(microseconds=i * 987654321) for i in range(rows)], 13), pa.timestamp("us", tz="UTC")),
        "ts_ns": pa.array(maybe([1_700_000_000_000_000_000 + i * 1_000_000_007 for i in range(rows)], 14), pa.timestamp("ns")),
    }
    table = pa.table(columns)
    if not nullable:
        table = table.cast(pa.schema([pa.field(f.name, f.type, nullable=False) for f in table.schema]))
    return table


def mlp_frame(rows: int = ROWS) -> pa.Table:
    """Only the types mlp writes (int64, float64, bool, string), with nulls: what mlp's written files must hold."""
    table = full_frame(rows)
    return pa.table({
        "i64": table["i64"],
        "f64": table["f64"],
        "flag": table["flag"],
        "text": table["text"],
        "level": table["level"],
        "dense": pa.array([i * 3 for i in range(rows)], pa.int64()),
    })


def expected(table: pa.Table) -> dict:
    """Column name -> the list of values mlp must read (None for null)."""
    out = {}
    for field, column in zip(table.schema, table.columns):
        t = field.type
        if pa.types.is_date32(t) or pa.types.is_timestamp(t):
            values = column.cast(pa.int32() if pa.types.is_date32(t) else pa.int64()).to_pylist()
        else:
            values = column.to_pylist()
        out[field.name] = values
    return out


def pyarrow_files(directory: Path) -> list:
    """One file per pyarrow writer option; returns [(path, table)]."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name, table, **options):
        path = directory / f"pyarrow-{name}.parquet"
        pq.write_table(table, path, row_group_size=1000, data_page_size=4096, **options)
        written.append((path, table))

    table = full_frame()
    for codec in ["none", "snappy", "gzip", "zstd"]:
        write(f"codec-{codec}", table, compression=codec)
    write("no-dictionary", table, use_dictionary=False)
    write("dictionary", table, use_dictionary=True)
    # A small dictionary page limit: chunks fall back from dictionary to PLAIN pages part way.
    write("dictionary-fallback", table, use_dictionary=True, dictionary_pagesize_limit=512)
    write("page-v2", table, data_page_version="2.0")
    write("page-v2-zstd-no-dictionary", table, data_page_version="2.0", compression="zstd", use_dictionary=False)
    write("required", full_frame(nullable=False))
    write("int96", table.select(["i32", "ts_ns"]), use_deprecated_int96_timestamps=True)
    write("format-1.0", table.select(["i32", "i64", "f64", "flag", "text", "day", "ts_ms"]), version="1.0")
    # The encodings of "v2" writers, one column each (dictionaries off so they are used).
    write("delta-and-split", table.select(["i32", "i64", "f32", "f64", "text", "level", "day", "ts_us"]), use_dictionary=False,
          data_page_version="2.0", compression="zstd",
          column_encoding={"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "f32": "BYTE_STREAM_SPLIT",
                           "f64": "BYTE_STREAM_SPLIT", "text": "DELTA_LENGTH_BYTE_ARRAY", "level": "DELTA_BYTE_ARRAY",
                           "day": "BYTE_STREAM_SPLIT", "ts_us": "DELTA_BINARY_PACKED"})
    return written


def pandas_files(directory: Path) -> list:
    """pandas.DataFrame.to_parquet (pyarrow engine: nanosecond timestamps, its own metadata), per codec."""
    directory.mkdir(parents=True, exist_ok=True)
    frame = full_frame().to_pandas()
    written = []
    for codec in [None, "snappy", "gzip", "zstd"]:
        path = directory / f"pandas-{codec or 'none'}.parquet"
        frame.to_parquet(path, compression=codec)
        written.append((path, pq.read_table(path)))
    return written


def duckdb_files(directory: Path) -> list:
    """One file per codec written by DuckDB's COPY; returns [(path, table)] with the table as pyarrow reads it back."""
    import duckdb

    directory.mkdir(parents=True, exist_ok=True)
    query = """
        SELECT i::INTEGER AS i32,
               CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1000003::BIGINT END AS i64,
               (i / 7.0)::DOUBLE AS f64,
               (i / 3.0)::FLOAT AS f32,
               CASE WHEN i % 4 = 0 THEN NULL ELSE i % 3 = 0 END AS flag,
               CASE WHEN i % 6 = 0 THEN NULL ELSE 'name-' || (i % 40)::VARCHAR END AS text,
               DATE '2020-02-29' + i::INTEGER AS day,
               TIMESTAMP '2021-06-01 12:00:00' + INTERVAL (i) SECOND AS ts
        FROM range(5000) t(i)
    """
    written = []
    connection = duckdb.connect()
    for codec in ["uncompressed", "snappy", "gzip", "zstd"]:
        path = directory / f"duckdb-{codec}.parquet"
        connection.execute(f"COPY ({query}) TO '{path}' (FORMAT PARQUET, COMPRESSION {codec}, ROW_GROUP_SIZE 2048)")
        written.append((path, pq.read_table(path)))
    # PARQUET_VERSION V2: DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT.
    path = directory / "duckdb-v2.parquet"
    connection.execute(f"COPY ({query}) TO '{path}' (FORMAT PARQUET, PARQUET_VERSION V2, ROW_GROUP_SIZE 2048)")
    written.append((path, pq.read_table(path)))
    connection.close()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "parquet-frames")
    for path, _ in pyarrow_files(target) + pandas_files(target) + duckdb_files(target):
        print(path)
