// libFuzzer target: a safetensors file, opened from memory with the same checks a mapped file
// gets, then every tensor it lists viewed as an mlp tensor and read as floats (what loading a model
// does), and the summary `mlp models inspect` prints. A SafetensorsError (or a tensor error) is the
// answer; only a crash, a sanitizer report, an allocation over libFuzzer's limit or a hang is a finding.
@testable import MLPModels
import LibFuzzerMain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? SafetensorsFile(mapping: MappedFile(path: "fuzz.safetensors", copying: bytes)) else { return 0 }
    precondition(file.dataStart <= file.fileSize, "data starts at \(file.dataStart), past the file's \(file.fileSize) bytes")
    for (key, value) in file.metadata { _ = "\(key)=\(value)" }
    for entry in file.entries {
        precondition(entry.byteRange.lowerBound >= file.dataStart && entry.byteRange.upperBound <= file.fileSize,
                     "tensor '\(entry.name)' bytes \(entry.byteRange) lie outside the data section \(file.dataStart)..<\(file.fileSize)")
        precondition(file.entry(named: entry.name) == entry)
        _ = try? file.rawBytes(named: entry.name).copyBytes()
        _ = try? file.tensor(named: entry.name).tensorView().floats()
    }
    return 0
}

/// The program's entry point: SwiftPM links `main` to `FuzzSafetensors_main` on Linux, so libFuzzer's
/// driver is started from here (where libFuzzer's own `main` is linked instead, this is unused).
@_cdecl("FuzzSafetensors_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mlp_libfuzzer_main(argc, argv)
}
