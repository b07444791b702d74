// swift-tools-version: 6.1
// libFuzzer targets for mlp's readers of untrusted input (issue 13). Not part of the main build:
// they need `-sanitize=fuzzer`, so `make fuzz-build` (mk/fuzz.mk) builds them with the flags.
import Foundation
import PackageDescription

// The main package is the folder above this one; its identity is that folder's name, whatever the
// checkout is called (identities are lower-case).
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(name: name, dependencies: ["LibFuzzerMain"] + products.map { .product(name: $0, package: mainPackage) })
}

let package = Package(
    name: "mlp-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        // libFuzzer's driver called from each target's main.swift (see its header).
        .target(name: "LibFuzzerMain"),
        // POST /v2/models/{name}/infer bodies: the fast parser, the JSONDecoder fallback, then a tabular model's input checks.
        fuzzTarget("FuzzInferRequest", ["MLPServe", "MLPTrain"]),
        // mlp.yaml: PipelineParser, then PipelineChecker with the first-party step kinds.
        fuzzTarget("FuzzPipeline", ["MLPCore", "MLPEngineKit", "MLPTrain"]),
        // Model files: the safetensors and GGUF readers, then every tensor they list.
        fuzzTarget("FuzzSafetensors", ["MLPModels"]),
        fuzzTarget("FuzzGGUF", ["MLPModels"]),
        // Dataset files: the mlpds reader, and the CSV reader.
        fuzzTarget("FuzzDataset", ["MLPData"]),
        fuzzTarget("FuzzCSV", ["MLPData"]),
        // Store wire bodies (group commits, created runs, their answers): WireJSON's strict reader against JSONDecoder.
        fuzzTarget("FuzzWireJSON", ["MLPStore"]),
        // Parquet files: ParquetReader with small limits, then a write and read-back that must agree.
        fuzzTarget("FuzzParquet", ["MLPData"]),
    ],
    swiftLanguageModes: [.v5]
)
