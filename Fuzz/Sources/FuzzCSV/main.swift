// libFuzzer target: CSV text, read by CSVReader in small chunks (so records straddle the buffer's
// end and grow it), with the options picked by the first byte: delimiter, header row or none,
// dictionary-encoded text or not. A CSVError is the answer; only a crash, a sanitizer report, an
// allocation over libFuzzer's limit or a hang is a finding.
import MLPData
import LibFuzzerMain

let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let choice = data[0]
    var options = CSVOptions()
    options.delimiter = delimiters[Int(choice & 3)]
    options.hasHeader = choice & 4 == 0
    options.categoricalLimit = choice & 8 == 0 ? 0 : 16
    options.chunkSize = choice & 16 == 0 ? 64 : 4096
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let dataset = try? CSVReader.read(bytes: bytes, source: "fuzz.csv", options: options) else { return 0 }
    for column in dataset.columns {
        precondition(column.count == dataset.rowCount, "column '\(column.name)' has \(column.count) rows, the dataset \(dataset.rowCount)")
        for row in 0..<column.count { _ = column[row]?.description }
    }
    return 0
}

/// The program's entry point: SwiftPM links `main` to `FuzzCSV_main` on Linux, so libFuzzer's
/// driver is started from here (where libFuzzer's own `main` is linked instead, this is unused).
@_cdecl("FuzzCSV_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mlp_libfuzzer_main(argc, argv)
}
