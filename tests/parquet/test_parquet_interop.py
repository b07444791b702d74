"""mlp's Parquet codec against the tools people use: files pyarrow and DuckDB write are read by mlp with
equal values, and files mlp writes are read by pyarrow, pandas and DuckDB with equal values.

mlp reads and writes through `mlp dataset convert` (Sources/MLPCLI/Commands/DatasetConvert.swift);
MLP names the binary (default .build/debug/mlp). Every mlp process has a timeout.
"""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")
duckdb = pytest.importorskip("duckdb")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_frames  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
MLP = os.environ.get("MLP", str(REPO / ".build" / "debug" / "mlp"))


def mlp(*args):
    result = subprocess.run([MLP, *map(str, args)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"mlp {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def read_with_mlp(path: Path, tmp_path: Path) -> dict:
    """The columns mlp reads from `path`, as lists of Python values (through JSON lines)."""
    out = tmp_path / (path.stem + ".jsonl")
    mlp("dataset", "convert", path, out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    special = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
    columns = {}
    for row in rows:
        for name, value in row.items():
            columns.setdefault(name, []).append(special.get(value, value) if isinstance(value, str) and value in special else value)
    return columns


def assert_columns_equal(got: dict, want: dict, what: str):
    assert list(got) == list(want), f"{what}: columns {list(got)} != {list(want)}"
    for name in want:
        assert len(got[name]) == len(want[name]), f"{what}: column {name} has {len(got[name])} rows, expected {len(want[name])}"
        for row, (g, w) in enumerate(zip(got[name], want[name])):
            if isinstance(w, float) and isinstance(g, (int, float)):
                assert g == w or (math.isnan(g) and math.isnan(w)), f"{what}: {name}[{row}] = {g!r}, expected {w!r}"
            else:
                assert g == w, f"{what}: {name}[{row}] = {g!r}, expected {w!r}"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    directory = tmp_path_factory.mktemp("frames")
    return {"pyarrow": make_frames.pyarrow_files(directory), "pandas": make_frames.pandas_files(directory),
            "duckdb": make_frames.duckdb_files(directory)}


@pytest.mark.parametrize("writer", ["pyarrow", "pandas", "duckdb"])
def test_mlp_reads_files_other_tools_write(written, writer, tmp_path):
    files = written[writer]
    assert len(files) >= 4
    for path, table in files:
        got = read_with_mlp(path, tmp_path)
        assert_columns_equal(got, make_frames.expected(table), path.name)


def refusal(path: Path, tmp_path: Path) -> str:
    result = subprocess.run([MLP, "dataset", "convert", str(path), str(tmp_path / "out.jsonl")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result
    return result.stderr


def test_mlp_refuses_nested_columns_fixed_width_binary_and_other_codecs_by_name(tmp_path):
    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"id": [1, 2], "tags": [["a"], ["b", "c"]]}), path)
    message = refusal(path, tmp_path)
    assert "column 'tags'" in message and "nested" in message, message
    path = tmp_path / "fixed.parquet"
    pq.write_table(pa.table({"id": pa.array([b"0123456789abcdef"], pa.binary(16))}), path)
    message = refusal(path, tmp_path)
    assert "column 'id'" in message and "FIXED_LEN_BYTE_ARRAY" in message, message
    path = tmp_path / "lz4.parquet"
    pq.write_table(pa.table({"x": [1.5]}), path, compression="lz4")
    message = refusal(path, tmp_path)
    assert "column 'x'" in message and "LZ4" in message, message


@pytest.mark.parametrize("codec", ["uncompressed", "snappy", "gzip", "zstd"])
@pytest.mark.parametrize("layout", [[], ["--no-dictionary"], ["--data-page-v2"], ["--row-group-rows", "700"]])
def test_tools_read_files_mlp_writes(codec, layout, tmp_path):
    source = tmp_path / "source.parquet"
    original = make_frames.mlp_frame()
    pq.write_table(original, source)
    out = tmp_path / "mlp.parquet"
    mlp("dataset", "convert", source, out, "--codec", codec, *layout)

    # pyarrow: the same schema types and values.
    table = pq.read_table(out)
    assert [f.type for f in table.schema] == [f.type for f in original.schema]
    assert table.to_pylist() == original.to_pylist()
    metadata = pq.ParquetFile(out).metadata
    expected_codec = {"uncompressed": "UNCOMPRESSED"}.get(codec, codec.upper())
    assert metadata.row_group(0).column(0).compression == expected_codec
    if "--row-group-rows" in layout:
        assert metadata.num_row_groups == math.ceil(original.num_rows / 700)

    # pandas
    frame = pd.read_parquet(out)
    pd.testing.assert_frame_equal(frame, original.to_pandas())

    # DuckDB
    rows = duckdb.sql(f"SELECT * FROM read_parquet('{out}')").fetchall()
    assert rows == [tuple(row.values()) for row in original.to_pylist()]


def temporal_names(schema) -> list:
    return [f.name for f in schema if pa.types.is_date32(f.type) or pa.types.is_timestamp(f.type)]


def assert_temporal_round_trip(source: Path, out: Path):
    """The date and timestamp columns pyarrow reads from `out` (mlp's file) equal those of `source`: types and values."""
    original = pq.read_table(source)
    names = temporal_names(original.schema)
    assert names, f"{source.name} has no date or timestamp column"
    table = pq.read_table(out)
    for name in names:
        want, got = original.column(name), table.column(name)
        assert got.type == want.type, f"{source.name} -> {out.name}: {name} is {got.type}, expected {want.type}"
        assert got.to_pylist() == want.to_pylist(), f"{source.name} -> {out.name}: {name} values differ"
        assert got.null_count == want.null_count


def test_dates_and_timestamps_round_trip_through_parquet_and_mlpds(tmp_path):
    # date32, timestamp[ms], timestamp[us, tz=UTC], timestamp[ns], with nulls, dates before 1970 and past 2038.
    rows = 3000
    table = pa.table({
        "day": pa.array([None if i % 10 == 0 else -40000 + i * 37 for i in range(rows)], pa.int32()).cast(pa.date32()),
        "ts_ms": pa.array([None if i % 7 == 0 else -5_000 + i * 1_234_567_891 for i in range(rows)], pa.int64()).cast(pa.timestamp("ms")),
        "ts_us_utc": pa.array([None if i % 9 == 0 else -7 + i * 987_654_321_123 for i in range(rows)], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "ts_ns": pa.array([None if i % 11 == 0 else 1_700_000_000_000_000_000 + i * 1_000_000_007 for i in range(rows)], pa.int64()).cast(pa.timestamp("ns")),
    })
    source = tmp_path / "temporal.parquet"
    pq.write_table(table, source, row_group_size=1000)
    out = tmp_path / "mlp.parquet"
    mlp("dataset", "convert", source, out)
    got = pq.read_table(out)
    assert got.schema.equals(table.schema, check_metadata=False), f"{got.schema} != {table.schema}"
    assert got.to_pylist() == table.to_pylist()
    # pandas and DuckDB see the same types and values.
    pd.testing.assert_frame_equal(pd.read_parquet(out), table.to_pandas())
    types = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{out}')").fetchall()}
    assert types == {"day": "DATE", "ts_ms": "TIMESTAMP", "ts_us_utc": "TIMESTAMP WITH TIME ZONE", "ts_ns": "TIMESTAMP_NS"}, types
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}') WHERE day IS NULL").fetchall()[0][0] == rows // 10

    # Through mlp's own format and back: the annotation is kept.
    stored = tmp_path / "temporal.mlpds"
    again = tmp_path / "again.parquet"
    mlp("dataset", "convert", source, stored)
    mlp("dataset", "convert", stored, again)
    assert pq.read_table(again).schema.equals(table.schema, check_metadata=False)
    assert pq.read_table(again).to_pylist() == table.to_pylist()


@pytest.mark.parametrize("writer", ["pyarrow", "duckdb"])
def test_dates_and_timestamps_other_tools_write_come_back_as_the_same_types(written, writer, tmp_path):
    # pyarrow's files include INT96 (read as timestamp[ns]), format 1.0 and DELTA / BYTE_STREAM_SPLIT encoded
    # dates and timestamps; DuckDB's are its DATE and TIMESTAMP, per codec and with PARQUET_VERSION V2.
    checked = 0
    for path, _ in written[writer]:
        if not temporal_names(pq.read_schema(path)):
            continue
        out = tmp_path / f"mlp-{path.name}"
        mlp("dataset", "convert", path, out)
        assert_temporal_round_trip(path, out)
        checked += 1
    assert checked >= 4
