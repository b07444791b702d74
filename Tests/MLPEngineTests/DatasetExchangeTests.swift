import Foundation
import Testing
import MLPCore
import MLPData
import MLPStore
@testable import MLPEngine

/// Script steps receive dataset inputs as Parquet (or CSV / JSON lines with `format:`), and a
/// dataset they write in any of these formats is stored as a dataset artifact.
@Suite struct DatasetExchangeTests {
    /// A small frame with every column type and nulls.
    static let csv = "id,score,name,ok\n1,0.5,ann,true\n2,,\"b, c\",false\n3,2.25,,true\n"

    static func values(_ dataset: Dataset) -> [[CellValue?]] {
        (0..<dataset.rowCount).map { row in dataset.columns.map { $0[row] } }
    }

    static func dataset(_ sandbox: Sandbox, _ step: StepRecord?, _ output: String) throws -> Dataset {
        let ref = try artifact(sandbox, step, output)
        #expect(ref.type == .dataset)
        return try DatasetFile.read(sandbox.engine.artifacts.blobPath(ref.digest))
    }

    static func artifact(_ sandbox: Sandbox, _ step: StepRecord?, _ output: String) throws -> ArtifactRef {
        let json = try #require(sandbox.outputs(step)[output], "step \(step?.name ?? "?") has output \(output)")
        guard case .artifact(let ref) = ValueResolver.value(of: json) else { throw DatasetImportError(message: "\(output) is not an artifact") }
        return ref
    }

    // MARK: format: parsing

    @Test func formatIsParsedForTheStepAndPerInput() throws {
        let (spec, diagnostics) = PipelineParser.parseCollecting("""
            name: formats
            steps:
              a: {uses: shell, with: {run: "true"}, outputs: {data: dataset}}
              b: {uses: python, format: csv, with: {code: "pass", data: "${{ steps.a.outputs.data }}"}}
              c:
                uses: shell
                format: {train: jsonl, holdout: mlpds}
                with: {run: "true", train: "${{ steps.a.outputs.data }}", holdout: "${{ steps.a.outputs.data }}", other: "${{ steps.a.outputs.data }}"}
            """, file: "mlp.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let steps = try #require(spec).steps
        #expect(steps[0].formats.format(of: "data") == .parquet, "Parquet by default")
        #expect(steps[1].formats.format(of: "data") == .csv)
        #expect(steps[2].formats.format(of: "train") == .jsonl && steps[2].formats.format(of: "holdout") == .mlpds)
        #expect(steps[2].formats.format(of: "other") == .parquet)
    }

    @Test func anUnknownFormatIsALocatedError() throws {
        let diagnostics = try check("""
            name: formats
            steps:
              a: {uses: shell, with: {run: "true"}, outputs: {data: dataset}}
              b:
                uses: shell
                format: parquett
                with: {run: "true", data: "${{ steps.a.outputs.data }}"}
              c:
                uses: shell
                format: {dta: csv, data: xml}
                with: {run: "true", data: "${{ steps.a.outputs.data }}"}
              d:
                uses: noop
                format: csv
            """)
        let text = diagnostics.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(text.contains { $0.hasPrefix("6:") && $0.contains("'parquett' is not a dataset format") && $0.contains("parquet") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("10:") && $0.contains("input 'dta'") && $0.contains("data") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("10:") && $0.contains("'xml' is not a dataset format") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("14:") && $0.contains("applies to script steps") }, "\(text)")
    }

    // MARK: inputs

    @Test func aScriptStepReceivesParquetByDefaultAndCSVOrJSONLinesWhenAsked() async throws {
        let sandbox = try Sandbox("""
            name: inputs
            steps:
              make: {uses: shell, with: {run: 'cat data.csv > "$MLP_OUTPUTS/data.csv"'}, outputs: {data: dataset}}
              parquet: {uses: shell, with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/copy"', data: "${{ steps.make.outputs.data }}"}, outputs: {copy: file}}
              csv: {uses: shell, format: csv, with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/copy"', data: "${{ steps.make.outputs.data }}"}, outputs: {copy: file}}
              jsonl:
                uses: shell
                format: {data: jsonl}
                with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/copy"; printf %s "$MLP_INPUT_DATA" > "$MLP_OUTPUTS/path"; cp "$MLP_INPUTS" "$MLP_OUTPUTS/inputs"', data: "${{ steps.make.outputs.data }}"}
                outputs: {copy: file, path: string, inputs: json}
              mlpds: {uses: shell, format: mlpds, with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/copy"', data: "${{ steps.make.outputs.data }}"}, outputs: {copy: file}}
            """, files: ["data.csv": Self.csv])
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .succeeded, "\(run.error ?? "") \(steps.mapValues { $0.error ?? "" })")
        let original = try Self.dataset(sandbox, steps["make"], "data")
        #expect(original.rowCount == 3 && original.columnNames == ["id", "score", "name", "ok"])
        func copy(_ step: String) throws -> String {
            sandbox.engine.artifacts.blobPath(try Self.artifact(sandbox, steps[step], "copy").digest)
        }
        let parquet = try ParquetReader.read(path: try copy("parquet"))
        #expect(Self.values(parquet) == Self.values(original), "the Parquet file holds the same values")
        let csv = try String(contentsOfFile: try copy("csv"), encoding: .utf8)
        #expect(csv == "id,score,name,ok\n1,0.5,ann,true\n2,,\"b, c\",false\n3,2.25,,true\n")
        let jsonl = try String(contentsOfFile: try copy("jsonl"), encoding: .utf8)
        #expect(jsonl.hasPrefix("{\"id\": 1, \"score\": 0.5, \"name\": \"ann\", \"ok\": true}\n{\"id\": 2, \"score\": null, \"name\": \"b, c\""), "\(jsonl)")
        #expect(Self.values(try JSONLinesReader.read(path: try copy("jsonl"))) == Self.values(original))
        let inputsPath = try #require(sandbox.outputs(steps["jsonl"])["path"]?.stringValue)
        #expect(inputsPath.hasSuffix(".jsonl") && inputsPath.contains("/.mlp/exchange/"), "$MLP_INPUT_DATA names the converted file: \(inputsPath)")
        #expect(sandbox.outputs(steps["jsonl"])["inputs"]?["data"]?.stringValue == inputsPath, "and so does $MLP_INPUTS")
        #expect(try Data(contentsOf: URL(fileURLWithPath: try copy("mlpds"))).starts(with: DatasetFile.magic), "format: mlpds hands over mlp's own file")
        // The cache key says which format the script saw.
        let parts = try #require(try JSONValue(parsing: steps["csv"]?.cacheParts ?? "")["format.data"]?.stringValue)
        #expect(parts == "csv")
    }

    @Test func aFanOutConvertsItsDatasetOnceAndTheFormatJoinsTheCacheKey() async throws {
        let pipeline = { (format: String) in """
            name: fan
            steps:
              make: {uses: shell, with: {run: 'cat data.csv > "$MLP_OUTPUTS/data"'}, outputs: {data: dataset}}
              each:
                uses: shell
                format: \(format)
                foreach: {range: 40}
                with: {run: 'head -c 4 "$MLP_INPUT_DATA" > "$MLP_OUTPUTS/head"', data: "${{ steps.make.outputs.data }}"}
                outputs: {head: string}
            """ }
        let sandbox = try Sandbox(pipeline("parquet"), files: ["data.csv": Self.csv])
        let (run, _) = try await sandbox.run()
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        let items = try sandbox.engine.store.steps(runID: run.id).filter { $0.name == "each" && $0.index != nil }
        #expect(items.count == 40)
        #expect(items.allSatisfy { (try? JSONValue(parsing: $0.outputs ?? ""))?["head"]?.stringValue == "PAR1" })
        let exchange = "\(sandbox.root)/.mlp/exchange"
        let files = try FileManager.default.contentsOfDirectory(atPath: exchange)
        #expect(files.count == 1 && files[0].hasSuffix(".parquet"), "one file for 40 items, no temporary left: \(files)")
        let before = try FileManager.default.attributesOfItem(atPath: "\(exchange)/\(files[0])")
        // A run without the cache hands over the same file without writing it again.
        var options = RunOptions()
        options.noCache = true
        let (again, _) = try await sandbox.run(options)
        #expect(again.status == .succeeded)
        let after = try FileManager.default.attributesOfItem(atPath: "\(exchange)/\(files[0])")
        #expect(before[.systemFileNumber] as? Int == after[.systemFileNumber] as? Int)
        #expect(before[.modificationDate] as? Date == after[.modificationDate] as? Date)
        // Another format is other bytes: a new execution, not a cache hit.
        try sandbox.write("mlp.yaml", pipeline("csv"))
        let (csvRun, _) = try await sandbox.run()
        let csvItems = try sandbox.engine.store.steps(runID: csvRun.id).filter { $0.name == "each" && $0.index != nil }
        #expect(csvItems.count == 40 && csvItems.allSatisfy { $0.cachedFrom == nil })
        #expect(csvItems.allSatisfy { (try? JSONValue(parsing: $0.outputs ?? ""))?["head"]?.stringValue == "id,s" })
        #expect(Set(csvItems.map(\.cacheKey)).isDisjoint(with: Set(items.map(\.cacheKey))))
    }

    @Test func aListOfDatasetsFromAFanOutIsHandedOverAsParquetFilesToo() async throws {
        let sandbox = try Sandbox(#"""
            name: fanin
            steps:
              each:
                uses: shell
                foreach: {range: 3}
                with: {run: 'printf "n\n%s\n" "$MLP_INDEX" > "$MLP_OUTPUTS/part.csv"'}
                outputs: {part: dataset}
              all:
                uses: shell
                format: jsonl
                with:
                  parts: "${{ steps.each.outputs.part }}"
                  run: 'printf %s "$MLP_INPUT_PARTS" > "$MLP_OUTPUTS/parts"'
                outputs: {parts: json}
            """#)
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .succeeded, "\(run.error ?? "") \(steps.mapValues { $0.error ?? "" })")
        guard case .array(let parts)? = sandbox.outputs(steps["all"])["parts"] else { Issue.record("no list"); return }
        #expect(parts.count == 3)
        for (index, part) in parts.enumerated() {
            let path = try #require(part["path"]?.stringValue)
            #expect(path.hasSuffix(".jsonl") && path.contains("/.mlp/exchange/"), "\(path)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"n\": \(index)}\n")
        }
    }

    @Test func pruningDropsCopiesOfDatasetsNoLongerStoredAndOldTemporaryFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-exchange-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let names = ["aaa.parquet", "aaa.csv", "bbb.parquet", "bbb.jsonl", "ccc.parquet.1.x.tmp", "ddd.csv.2.y.tmp"]
        for name in names { try "x".write(toFile: "\(directory)/\(name)", atomically: false, encoding: .utf8) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: "\(directory)/ccc.parquet.1.x.tmp")
        let removed = DatasetExchange.prune(cacheDirectory: directory, minimumAge: 3600, isStored: { $0 == "aaa" })
        #expect(removed == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["aaa.csv", "aaa.parquet", "ddd.csv.2.y.tmp"])
    }

    // MARK: outputs

    @Test func aDatasetOutputIsImportedFromParquetCSVOrJSONLines() async throws {
        let sandbox = try Sandbox("""
            name: outputs
            steps:
              make: {uses: shell, with: {run: 'cat data.csv > "$MLP_OUTPUTS/data"'}, outputs: {data: dataset}}
              fromParquet: {uses: shell, with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/back"', data: "${{ steps.make.outputs.data }}"}, outputs: {back: dataset}}
              fromCSV: {uses: shell, format: csv, with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/back.csv"', data: "${{ steps.make.outputs.data }}"}, outputs: {back: dataset}}
              fromJSONLines: {uses: shell, format: jsonl, with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/back.jsonl"', data: "${{ steps.make.outputs.data }}"}, outputs: {back: dataset}}
              sniffed: {uses: shell, format: jsonl, with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/back"', data: "${{ steps.make.outputs.data }}"}, outputs: {back: dataset}}
              named: {uses: shell, with: {run: 'cp "$MLP_INPUT_DATA" "$MLP_OUTPUTS/back.parquet"', data: "${{ steps.fromCSV.outputs.back }}"}, outputs: {back: dataset}}
            """, files: ["data.csv": Self.csv])
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .succeeded, "\(run.error ?? "") \(steps.mapValues { $0.error ?? "" })")
        let original = Self.values(try Self.dataset(sandbox, steps["make"], "data"))
        for step in ["fromParquet", "fromCSV", "fromJSONLines", "sniffed", "named"] {
            let back = try Self.dataset(sandbox, steps[step], "back")
            #expect(Self.values(back) == original, "\(step)")
            #expect(back.columns.map(\.type) == [.int, .float, .string, .bool], "\(step)")
        }
    }

    @Test func aDatasetOutputThatDoesNotParseFailsTheStepWithALocatedError() async throws {
        let sandbox = try Sandbox("""
            name: bad
            steps:
              jsonl: {uses: shell, with: {run: 'printf "{\\"a\\": 1}\\n{\\"a\\": 2\\n" > "$MLP_OUTPUTS/data.jsonl"'}, outputs: {data: dataset}}
              parquet: {uses: shell, with: {run: 'printf "PAR1 not really" > "$MLP_OUTPUTS/data"'}, outputs: {data: dataset}}
              missing: {uses: shell, with: {run: "true"}, outputs: {data: dataset}}
            """)
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .failed)
        let jsonl = steps["jsonl"]?.error ?? ""
        #expect(jsonl.contains("output 'data' (dataset)") && jsonl.contains("data.jsonl") && jsonl.contains("line 2"), "\(jsonl)")
        let parquet = steps["parquet"]?.error ?? ""
        #expect(parquet.contains("output 'data' (dataset)") && parquet.contains("not a readable parquet file"), "\(parquet)")
        let missing = steps["missing"]?.error ?? ""
        #expect(missing.contains("did not write its output 'data'"), "\(missing)")
    }
}
