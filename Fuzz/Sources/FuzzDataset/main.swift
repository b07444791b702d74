// libFuzzer target: an mlpds dataset file, read from memory by the same parser
// DatasetFile.read uses on a mapped file (header, then every column), then every cell read back
// (as training and `mlp show` do) and text columns dictionary-encoded. A DatasetFileError is the
// answer; only a crash, a sanitizer report, an allocation over libFuzzer's limit or a hang is a finding.
@testable import MLPData
import LibFuzzerMain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let parser = DatasetFile.Parser(path: "fuzz.mlpds", file: UnsafeRawBufferPointer(start: data, count: size))
    guard let (header, dataStart) = try? parser.header() else { return 0 }
    _ = header.profile.map { "\($0)" }
    guard let dataset = try? parser.dataset(header, dataStart: dataStart) else { return 0 }
    precondition(dataset.columns.count == header.columns.count)
    for column in dataset.columns {
        precondition(column.count == dataset.rowCount, "column '\(column.name)' has \(column.count) rows, the dataset \(dataset.rowCount)")
        for row in 0..<column.count { _ = column[row]?.description }
        _ = column.dictionaryEncoded()
    }
    return 0
}

/// The program's entry point: SwiftPM links `main` to `FuzzDataset_main` on Linux, so libFuzzer's
/// driver is started from here (where libFuzzer's own `main` is linked instead, this is unused).
@_cdecl("FuzzDataset_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mlp_libfuzzer_main(argc, argv)
}
