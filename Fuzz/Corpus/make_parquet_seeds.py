"""Writes the seeds of the FuzzParquet target (Fuzz/Corpus/FuzzParquet): tiny files from pyarrow, one
per codec / page version / dictionary choice, with every type mlp reads and nulls.

    python3 Fuzz/Corpus/make_parquet_seeds.py   (needs pyarrow)

mlp-written.parquet is mlp's own output (zstd, data pages v2):
    mlp dataset convert Fuzz/Corpus/FuzzParquet/plain-none.parquet Fuzz/Corpus/FuzzParquet/mlp-written.parquet --codec zstd --data-page-v2
"""
import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

out = Path(__file__).resolve().parent / "FuzzParquet"
out.mkdir(exist_ok=True)
table = pa.table({
    "i32": pa.array([1, None, -3, 4], pa.int32()),
    "i64": pa.array([10, 10, 10, None], pa.int64()),
    "f": pa.array([0.5, None, -1.25, 3.0], pa.float32()),
    "d": pa.array([1e300, 2.5, None, -0.0], pa.float64()),
    "b": pa.array([True, None, False, True], pa.bool_()),
    "s": pa.array(["a", "bb", None, "a"], pa.string()),
    "day": pa.array([datetime.date(2024, 1, 1), None, datetime.date(1969, 12, 31), datetime.date(2000, 2, 29)], pa.date32()),
    "ts": pa.array([0, 1_700_000_000_000, None, -1], pa.timestamp("ms")),
})
options = {
    "plain-none": dict(compression="none", use_dictionary=False),
    "dict-snappy": dict(compression="snappy"),
    "dict-gzip-v2": dict(compression="gzip", data_page_version="2.0"),
    "plain-zstd-v2": dict(compression="zstd", use_dictionary=False, data_page_version="2.0"),
}
for name, option in options.items():
    pq.write_table(table, out / f"{name}.parquet", row_group_size=3, write_statistics=False, store_schema=False, **option)
# The encodings of "v2" writers: DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY.
pq.write_table(table.select(["i32", "i64", "f", "d", "s", "day"]), out / "delta-split-v2.parquet", use_dictionary=False,
               data_page_version="2.0", compression="none", write_statistics=False, store_schema=False,
               column_encoding={"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "f": "BYTE_STREAM_SPLIT",
                                "d": "BYTE_STREAM_SPLIT", "s": "DELTA_BYTE_ARRAY", "day": "DELTA_BINARY_PACKED"})
pq.write_table(table.select(["s"]), out / "delta-length.parquet", use_dictionary=False, compression="none",
               write_statistics=False, store_schema=False, column_encoding={"s": "DELTA_LENGTH_BYTE_ARRAY"})
required = table.select(["i64", "s", "ts"]).drop_null()
pq.write_table(required.cast(pa.schema([pa.field(f.name, f.type, nullable=False) for f in required.schema])),
               out / "required-int96.parquet", compression="none", use_deprecated_int96_timestamps=True, write_statistics=False, store_schema=False)
