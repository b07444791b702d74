import Foundation
import Testing
@testable import MLPData

/// The mlpds seeds of the dataset fuzz target (Fuzz/Corpus/FuzzDataset, written by
/// Fuzz/Corpus/make_dataset_seeds.py) are byte for byte what DatasetFile.write writes, and read back
/// as the datasets they stand for: the fuzzer starts from real files, and a format change that
/// leaves them behind fails here.
@Suite struct FuzzSeedTests {
    static let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus/FuzzDataset").path

    static let expected: [(file: String, dataset: () throws -> Dataset)] = [
        ("all-types.mlpds", {
            try Dataset(columns: [
                .float("x", [1.5, -0.0, 2e300]), .int("n", [7, nil, -9]), .bool("flag", [true, false, true]),
                .string("colour", ["red", nil, "grün"]),
            ])
        }),
        ("categorical.mlpds", {
            try Dataset(columns: [Column(name: "label", storage: .categorical(codes: [1, 0, 0, 1], dictionary: StringBuffer(["no", "yes"])),
                                         validity: [true, true, false, true])])
        }),
        ("empty.mlpds", { try Dataset(columns: [.float("x", [])]) }),
    ]

    @Test(arguments: expected.indices) func seedIsWhatTheWriterWrites(_ index: Int) throws {
        let (file, make) = Self.expected[index]
        let seed = Self.seeds + "/" + file
        let dataset = try make()
        #expect(try DatasetFile.read(seed) == dataset)
        let written = try temporaryDirectory() + "/" + file
        try DatasetFile.write(dataset, to: written)
        #expect(try Data(contentsOf: URL(fileURLWithPath: written)) == Data(contentsOf: URL(fileURLWithPath: seed)),
                "\(file) differs from what DatasetFile.write writes; rerun python3 Fuzz/Corpus/make_dataset_seeds.py after updating it")
    }
}
