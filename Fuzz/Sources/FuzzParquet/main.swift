// libFuzzer target: a Parquet file, read from memory by ParquetReader with small allocation limits
// (so a footer or page claiming huge counts must be refused, not allocated), then every cell read
// back, then written again by ParquetWriter (the codec picked by the file's last byte) and read once
// more: the second read must give the same cells. A ParquetError is the answer; only a crash, a
// sanitizer report, a failed round trip, an allocation over libFuzzer's limit or a hang is a finding.
import MLPData
import LibFuzzerMain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var options = ParquetReadOptions()
    options.maxRows = 1 << 16
    options.maxStringBytes = 1 << 22
    options.maxPageBytes = 1 << 22
    guard let dataset = try? ParquetReader.read(bytes: bytes, source: "fuzz.parquet", options: options) else { return 0 }
    var cells: [String] = []
    for column in dataset.columns {
        precondition(column.count == dataset.rowCount, "column '\(column.name)' has \(column.count) rows, the dataset \(dataset.rowCount)")
        for row in 0..<column.count { cells.append(column[row]?.description ?? "null") }
    }
    let codec = ParquetCodec.allCases[Int(bytes.last ?? 0) % ParquetCodec.allCases.count]
    var writeOptions = ParquetWriteOptions(codec: codec, dictionary: size % 2 == 0)
    writeOptions.dataPageV2 = size % 3 == 0
    writeOptions.rowGroupRows = 1 + Int(bytes.first ?? 0) % 64
    writeOptions.pageBytes = 256
    do {
        let again = try ParquetReader.read(bytes: try ParquetWriter.encode(dataset, options: writeOptions), options: options)
        precondition(again.columnNames == dataset.columnNames && again.columns.map(\.type) == dataset.columns.map(\.type),
                     "the rewritten file has other columns")
        var second: [String] = []
        for column in again.columns {
            for row in 0..<column.count { second.append(column[row]?.description ?? "null") }
        }
        precondition(second == cells, "the rewritten file reads back different values")
    } catch {
        preconditionFailure("a dataset read from Parquet could not be written and read back: \(error)")
    }
    return 0
}

/// The program's entry point: SwiftPM links `main` to `FuzzParquet_main` on Linux, so libFuzzer's
/// driver is started from here (where libFuzzer's own `main` is linked instead, this is unused).
@_cdecl("FuzzParquet_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mlp_libfuzzer_main(argc, argv)
}
