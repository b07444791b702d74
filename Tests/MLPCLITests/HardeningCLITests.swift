import ArgumentParser
import Foundation
import Testing
@testable import MLPCLI

/// Issue 13: one way to write `-o` (7), table cells that cannot drive a terminal (11), a project
/// name that always makes a pipeline that parses (12), one place for exit codes (13).
@Suite struct HardeningCLITests {
    @Test func outputDestinationsFollowWhatThePathIs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-output-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try OutputFile.destination(for: "-") == .standardOutput)
        #expect(try OutputFile.destination(for: "/dev/null") == .writeThrough("/dev/null"))
        #expect(try OutputFile.destination(for: "\(folder)/new.svg") == .replace("\(folder)/new.svg"))
        FileManager.default.createFile(atPath: "\(folder)/file", contents: Data("x".utf8))
        #expect(try OutputFile.destination(for: "\(folder)/file") == .replace("\(folder)/file"))
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/link", withDestinationPath: "\(folder)/file")
        #expect(try OutputFile.destination(for: "\(folder)/link") == .writeThrough("\(folder)/link"))
        #expect(mkfifo("\(folder)/fifo", 0o600) == 0)
        #expect(try OutputFile.destination(for: "\(folder)/fifo") == .writeThrough("\(folder)/fifo"))
        for bad in ["", folder, "\(folder)/", "\(folder)/missing/x.svg"] {
            #expect(throws: OutputFile.Invalid.self) { try OutputFile.destination(for: bad) }
        }
    }

    @Test func writingThroughALinkKeepsTheLinkAndReplacingLeavesNoTemporaryFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-output-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        FileManager.default.createFile(atPath: "\(folder)/target", contents: Data("old".utf8))
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/link", withDestinationPath: "\(folder)/target")
        try OutputFile.write(Data("new".utf8), to: "\(folder)/link")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/link") == "\(folder)/target")
        #expect(FileManager.default.contents(atPath: "\(folder)/target") == Data("new".utf8))
        try OutputFile.write(Data("fresh".utf8), to: "\(folder)/plain")
        #expect(FileManager.default.contents(atPath: "\(folder)/plain") == Data("fresh".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["link", "plain", "target"])
        // A writer that takes a path writes a temporary file that is copied through the link.
        try OutputFile.write(to: "\(folder)/link") { path in
            try Data("produced".utf8).write(to: URL(fileURLWithPath: path))
        }
        #expect(FileManager.default.contents(atPath: "\(folder)/target") == Data("produced".utf8))
    }

    @Test func tableCellsShowControlCharactersAsVisibleEscapes() {
        var table = TextTable("MODEL", "VERSIONS")
        table.add("evil\u{1B}]0;pwned\u{07}\nname", "1")
        let rendered = table.render()
        #expect(!rendered.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(rendered.split(separator: "\n").count == 2)
        #expect(rendered.contains("evil^[]0;pwned^G^Jname"))
    }

    /// A model's card or a lineage step name printed by a command goes through the module's `print`.
    @Test func commandOutputCannotDriveTheTerminal() throws {
        let pipe = Pipe()
        let saved = dup(STDOUT_FILENO)
        dup2(pipe.fileHandleForWriting.fileDescriptor, STDOUT_FILENO)
        print("model     evil\u{1B}]0;pwned\u{07}\u{9B}2J", "v1")
        fflush(stdout)
        dup2(saved, STDOUT_FILENO)
        close(saved)
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text == "model     evil^[]0;pwned^G<9b>2J v1\n")
    }

    @Test func jsonKeepsItsDataAndEscapesDELAndC1() throws {
        let text = Format.jsonForTerminal("{\"name\":\"a\u{7F}b\u{9B}c\"}")
        #expect(text == "{\"name\":\"a\\u007fb\\u009bc\"}")
        let decoded = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        #expect(decoded?["name"] == "a\u{7F}b\u{9B}c")
    }

    @Test func aProjectNameBecomesAYAMLScalarThatReadsBackAsItself() {
        #expect(MLPCommandLine.Init.yamlScalar("churn") == "churn")
        #expect(MLPCommandLine.Init.yamlScalar("back\\slash") == "\"back\\\\slash\"")
        #expect(MLPCommandLine.Init.yamlScalar("say \"hi\"") == "\"say \\\"hi\\\"\"")
        #expect(MLPCommandLine.Init.yamlScalar("true") == "\"true\"")
        #expect(MLPCommandLine.Init.yamlScalar("1e3") == "\"1e3\"")
        #expect(MLPCommandLine.Init.yamlScalar("tab\there") == "\"tab\\u0009here\"")
    }

    @Test func initRefusesAnEmptyName() {
        #expect(throws: (any Error).self) { try MLPCommandLine.Init.parse([""]) }
    }

    @Test func plotTakesRunsAsSeparateArgumentsAndTheCommaFormStillWorks() throws {
        let separate = try MLPCommandLine.Plot.parse(["a", "b", "loss"])
        #expect(separate.runs == ["a", "b"] && separate.metric == "loss")
        let commas = try MLPCommandLine.Plot.parse(["a,b", "loss"])
        #expect(commas.runs == ["a", "b"] && commas.metric == "loss")
        #expect(throws: (any Error).self) { try MLPCommandLine.Plot.parse(["loss"]) }
        #expect(throws: (any Error).self) { try MLPCommandLine.Plot.parse(["a", "loss", "-o", ""]) }
    }

    @Test func subcommandPathsNameNestedCommands() {
        #expect(MLPCommandLine.path(to: MLPCommandLine.Plot.self) == ["plot"])
        #expect(MLPCommandLine.path(to: MLPCommandLine.Models.List.self) == ["models", "list"])
    }
}
