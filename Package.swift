// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "mlp",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mlp", targets: ["mlp"]),
        .library(name: "MLPCore", targets: ["MLPCore"]),
        // The engine with its first-party executors, for embedding and for Benchmarks/.
        .library(name: "MLPEngineKit", targets: ["MLPEngine", "ShellTask", "PythonTask"]),
        // The modules the libFuzzer targets in Fuzz/ drive (make fuzz-build); nothing else uses these.
        .library(name: "MLPServe", targets: ["MLPServe"]),
        .library(name: "MLPTrain", targets: ["MLPTrain"]),
        .library(name: "MLPModels", targets: ["MLPModels"]),
        .library(name: "MLPData", targets: ["MLPData"]),
        .library(name: "MLPStore", targets: ["MLPStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.0.0"),
        // Already under Hummingbird; named so the server's inline infer handler can sit in its NIO pipeline.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
        // The PostgreSQL store (MLPStore/Postgres): `mlp server --db postgres://…`.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // The kernel: value types, plugin protocols, registry, errors. Depends on nothing of ours.
        .target(name: "MLPCore"),
        .target(name: "MLPStore", dependencies: [
            "MLPCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MLPEngine", dependencies: [
            "MLPCore", "MLPStore", "MLPData",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Columnar datasets, the mlpds file format, CSV / JSON-lines readers, schema checks and profiles.
        .target(name: "MLPData", dependencies: [
            "MLPCore", "CSnappy", "CZstd", "CZlib",
            .product(name: "Yams", package: "Yams"),
        ], exclude: ["README.md"]),
        // Parquet page codecs from Debian: libsnappy-dev, libzstd-dev, zlib1g-dev.
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy"),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Hot numeric kernels in C: AVX2/FMA with a portable fallback picked at run time.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Tensors, fp32 math through OpenBLAS, quantized formats (Q8_0, Q4_0).
        .target(name: "MLPTensor", dependencies: ["CKernels"], exclude: ["README.md"], linkerSettings: [.linkedLibrary("openblas")]),
        // Model file formats (safetensors, GGUF), tokenizers, architectures.
        .target(name: "MLPModels", dependencies: ["MLPCore", "MLPTensor"]),
        // Built-in trainers and metrics, their matrix maths on OpenBLAS (through CKernels). Model files
        // are safetensors + a JSON card, read and written with MLPModels' safetensors reader and writer.
        .target(name: "MLPTrain", dependencies: ["MLPCore", "MLPData", "MLPModels", "CKernels"], linkerSettings: [.linkedLibrary("openblas")]),
        // First-party plugins: built against MLPCore's public API only.
        .target(name: "ShellTask", dependencies: ["MLPCore"], path: "Plugins/ShellTask", exclude: ["README.md"]),
        .target(name: "PythonTask", dependencies: ["MLPCore"], path: "Plugins/PythonTask", exclude: ["README.md"]),
        // Connectors produce datasets, so they also import MLPData (see each plugin's README).
        .target(name: "CSVConnector", dependencies: ["MLPCore", "MLPData"], path: "Plugins/CSVConnector", exclude: ["README.md"]),
        .target(name: "DataSteps", dependencies: ["MLPCore", "MLPData"], path: "Plugins/DataSteps", exclude: ["README.md"]),
        .target(name: "JSONLinesConnector", dependencies: ["MLPCore", "MLPData"], path: "Plugins/JSONLinesConnector", exclude: ["README.md"]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(name: "SQLiteConnector", dependencies: ["MLPCore", "MLPData", "CSQLite"], path: "Plugins/SQLiteConnector", exclude: ["README.md"]),
        // `connector/postgres`: a query against PostgreSQL through postgres-nio (see its README).
        .target(name: "PostgresConnector", dependencies: [
            "MLPCore", "MLPData",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Plugins/PostgresConnector", exclude: ["README.md"]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .target(name: "HTTPConnector", dependencies: ["MLPCore", "MLPData", "CCurl", .product(name: "Crypto", package: "swift-crypto")],
                path: "Plugins/HTTPConnector", exclude: ["README.md"]),
        .target(name: "DataValidation", dependencies: ["MLPCore", "MLPData"], path: "Plugins/DataValidation", exclude: ["README.md"]),
        // What `mlp init` copies: one folder per template, shipped as resources.
        .target(name: "MLPTemplates", path: "templates",
                exclude: ["README.md"],
                sources: ["TemplateLibrary.swift"],
                resources: [.copy("tabular-classification"), .copy("shell-basics")]),
        // The terminal UI: views over the store, drawn through ncurses.
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        .target(name: "MLPTUI", dependencies: ["MLPCore", "MLPStore", "CNcurses"], exclude: ["README.md"]),
        // The Open Inference Protocol (KServe V2) server: models behind endpoints, dynamic batching, metrics.
        .target(name: "MLPServe", dependencies: [
            "MLPModels", "MLPTrain", "MLPStore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        // The inline infer path runs per request on the event loop; dynamic exclusivity checks were
        // ~5% of its CPU (the compiler's static checks still apply).
        ], swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        // `mlp server`: the shared control plane, the store contract over HTTP (StoreAPI), tokens and roles, blobs, logs.
        .target(name: "MLPServer", dependencies: [
            "MLPCore", "MLPStore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // The client of `mlp server`: RemoteStore (the store contract over HTTP, on libcurl), blob upload and download, log shipping.
        .target(name: "MLPClient", dependencies: ["MLPCore", "MLPStore", "CCurl", .product(name: "Yams", package: "Yams")]),
        .target(name: "MLPCLI", dependencies: [
            "MLPCore", "MLPStore", "MLPEngine", "ShellTask", "PythonTask", "CSVConnector", "JSONLinesConnector", "DataSteps", "MLPTrain",
            "SQLiteConnector", "HTTPConnector", "DataValidation", "PostgresConnector",
            "MLPTemplates", "MLPTUI", "MLPModels", "MLPServe", "MLPServer", "MLPClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mlp", dependencies: ["MLPCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Forward-pass throughput of a MiniLM-shaped BERT (make bench-bert); not part of the tests.
        .executableTarget(name: "bert-forward-bench", dependencies: ["CKernels", "MLPModels", "MLPTensor"], path: "Benchmarks/BertForward"),

        .testTarget(name: "MLPCoreTests", dependencies: ["MLPCore"]),
        .testTarget(name: "MLPDataTests", dependencies: ["MLPData"]),
        .testTarget(name: "ConnectorTests", dependencies: ["CSVConnector", "JSONLinesConnector", "MLPData", "MLPCore"]),
        .testTarget(name: "SQLiteConnectorTests", dependencies: ["SQLiteConnector", "CSQLite", "DataValidation", "DataSteps", "MLPEngine", "MLPStore", "MLPData", "MLPCore"]),
        .testTarget(name: "HTTPConnectorTests", dependencies: ["HTTPConnector", "MLPEngine", "MLPStore", "MLPData", "MLPCore", .product(name: "Crypto", package: "swift-crypto")], exclude: ["Resources"]),
        .testTarget(name: "PostgresConnectorTests", dependencies: ["PostgresConnector", "MLPEngine", "MLPCore", "MLPData",
                                                                 .product(name: "PostgresNIO", package: "postgres-nio")]),
        .testTarget(name: "DataValidationTests", dependencies: ["DataValidation", "MLPData", "MLPCore"]),
        .testTarget(name: "MLPStoreTests", dependencies: ["MLPStore"]),
        .testTarget(name: "MLPTrainTests", dependencies: ["MLPTrain", "MLPData", "MLPCore", "MLPModels"]),
        .testTarget(name: "DataStepsTests", dependencies: ["DataSteps", "MLPData", "MLPCore"]),
        .testTarget(name: "MLPEngineTests", dependencies: ["MLPEngine", "ShellTask", "PythonTask", "MLPData"]),
        .testTarget(name: "MLPCLITests", dependencies: ["MLPCLI"]),
        .testTarget(name: "MLPTensorTests", dependencies: ["MLPTensor", "CKernels"]),
        .testTarget(name: "MLPModelsTests", dependencies: ["MLPModels", "MLPTensor", "MLPCore"], exclude: ["Fixtures"]),
        .testTarget(name: "MLPTUITests", dependencies: ["MLPTUI", "MLPStore"]),
        .testTarget(name: "MLPClientTests", dependencies: ["MLPClient", "MLPStore", "MLPCore"]),
        .testTarget(name: "MLPServerTests", dependencies: [
            "MLPServer", "MLPStore",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "MLPServeTests", dependencies: [
            "MLPServe", "MLPTrain", "MLPData", "MLPModels",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
