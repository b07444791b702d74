import Foundation
@testable import MLPData

/// A fresh temporary folder for one test.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "mlpdata-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A small dataset with every column type, nulls and a categorical column.
func sampleDataset() throws -> Dataset {
    try Dataset(columns: [
        .int("id", [1, 2, 3, 4]),
        .float("score", [0.5, nil, -2.25, 1e10]),
        .bool("active", [true, false, nil, true]),
        .string("name", ["ann", "bö", nil, ""]),
        Column.string("plan", ["free", "pro", "free", nil]).dictionaryEncoded(),
    ])
}

/// Rewrites an `mlpds` file with a changed header, keeping the data section byte for byte.
func rewriteHeader(_ path: String, _ change: (inout DatasetFileHeader) -> Void) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let headerLength = Int(data[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let dataStart = (16 + headerLength + 7) & ~7
    var header = try JSONDecoder().decode(DatasetFileHeader.self, from: data[16..<(16 + headerLength)])
    change(&header)
    let encoded = try JSONEncoder().encode(header)
    var out = Data(data[0..<8])
    withUnsafeBytes(of: UInt64(encoded.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(encoded)
    while out.count % 8 != 0 { out.append(0) }
    out.append(data[dataStart...])
    try out.write(to: URL(fileURLWithPath: path))
}

/// The byte offset in the file where the data section starts.
func dataSectionStart(_ path: String) throws -> Int {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let headerLength = Int(data[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    return (16 + headerLength + 7) & ~7
}

/// Overwrites bytes of a file at `offset`.
func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    try data.write(to: URL(fileURLWithPath: path))
}
