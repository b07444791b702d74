// libFuzzer target: a GGUF file, opened from memory with the same checks a mapped file gets,
// then its metadata printed (as `mlp models inspect` does) and every tensor it lists viewed as an
// mlp tensor and read as floats (dequantizing Q8_0 / Q4_0). A GGUFError (or a tensor error) is the
// answer; only a crash, a sanitizer report, an allocation over libFuzzer's limit or a hang is a finding.
@testable import MLPModels
import LibFuzzerMain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? GGUFFile(mapping: MappedFile(path: "fuzz.gguf", copying: bytes)) else { return 0 }
    precondition(file.dataStart <= file.fileSize, "data starts at \(file.dataStart), past the file's \(file.fileSize) bytes")
    for (key, value) in file.metadata {
        _ = "\(key)=\(value)"
        _ = file[key]
    }
    for entry in file.entries {
        precondition(entry.byteRange.lowerBound >= file.dataStart && entry.byteRange.upperBound <= file.fileSize,
                     "tensor '\(entry.name)' bytes \(entry.byteRange) lie outside the data section \(file.dataStart)..<\(file.fileSize)")
        _ = try? file.rawBytes(named: entry.name).copyBytes()
        _ = try? file.tensor(named: entry.name).tensorView().floats()
    }
    return 0
}

/// The program's entry point: SwiftPM links `main` to `FuzzGGUF_main` on Linux, so libFuzzer's
/// driver is started from here (where libFuzzer's own `main` is linked instead, this is unused).
@_cdecl("FuzzGGUF_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mlp_libfuzzer_main(argc, argv)
}
