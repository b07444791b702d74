#!/usr/bin/env python3
"""Writes the mlpds seeds in Corpus/FuzzDataset, laid out byte for byte as DatasetFile.write lays
them out (magic, version, header length, JSON header with sorted keys, 8-byte padded buffers).
Tests/MLPDataTests/FuzzSeedTests.swift checks that DatasetFile.read reads each one."""
import json
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "FuzzDataset")


def padded(n):
    return (n + 7) & ~7


def write(name, rows, columns):
    """columns: (name, type, encoding, nulls, dictionary_size or None, [(role, bytes)])."""
    entries, data, cursor = [], b"", 0
    for col_name, col_type, encoding, nulls, dict_size, parts in columns:
        buffers = []
        for role, payload in parts:
            buffers.append({"length": len(payload), "offset": cursor, "role": role})
            data += payload + b"\0" * (padded(len(payload)) - len(payload))
            cursor += padded(len(payload))
        entry = {"buffers": buffers, "encoding": encoding, "name": col_name, "nulls": nulls, "type": col_type}
        if dict_size is not None:
            entry["dictionary_size"] = dict_size
        entries.append(entry)
    header = json.dumps({"columns": entries, "rows": rows}, sort_keys=True, separators=(",", ":")).encode()
    out = b"MLPDS\0" + struct.pack("<HQ", 1, len(header)) + header
    out += b"\0" * (padded(len(out)) - len(out)) + data
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out)


def strings(values):
    offsets, text = [0], b""
    for v in values:
        text += v.encode()
        offsets.append(len(text))
    return struct.pack("<%dq" % len(offsets), *offsets), text


os.makedirs(HERE, exist_ok=True)
offsets, text = strings(["red", "", "grün"])
write("all-types.mlpds", 3, [
    ("x", "float", "plain", 0, None, [("values", struct.pack("<3d", 1.5, -0.0, 2e300))]),
    ("n", "int", "plain", 1, None, [("values", struct.pack("<3q", 7, 0, -9)), ("validity", bytes([1, 0, 1]))]),
    ("flag", "bool", "plain", 0, None, [("values", bytes([1, 0, 1]))]),
    ("colour", "string", "plain", 1, None, [("offsets", offsets), ("bytes", text), ("validity", bytes([1, 0, 1]))]),
])
dict_offsets, dict_text = strings(["no", "yes"])
write("categorical.mlpds", 4, [
    ("label", "string", "dictionary", 1, 2, [("codes", struct.pack("<4i", 1, 0, 0, 1)), ("dictionary_offsets", dict_offsets),
                                             ("dictionary_bytes", dict_text), ("validity", bytes([1, 1, 0, 1]))]),
])
write("empty.mlpds", 0, [("x", "float", "plain", 0, None, [("values", b"")])])
