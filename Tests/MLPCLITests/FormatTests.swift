import ArgumentParser
import Testing
@testable import MLPCLI

@Suite struct CommandLineHelperTests {
    @Test func paramsParseAsNameEqualsValue() throws {
        #expect(try parseParams(["lr=0.1", "name=a=b", "empty="]) == ["lr": "0.1", "name": "a=b", "empty": ""])
        #expect(throws: ValidationError.self) { try parseParams(["lr"]) }
        #expect(throws: ValidationError.self) { try parseParams(["=3"]) }
        #expect(throws: ValidationError.self) { try parseParams(["a=1", "a=2"]) }
    }

    @Test func tablesAlignColumnsAndKeepLeadingMarks() {
        var table = TextTable("NAME", "VALUE")
        table.add("a", "1")
        table.add("* longer", "22")
        #expect(table.render() == "NAME      VALUE\na         1\n* longer  22")
        var marked = TextTable()
        marked.headers = ["", "x"]
        marked.add(row: ["  kept", "1"])
        #expect(marked.render().hasSuffix("  kept  1"))
    }

    @Test func durationsAndSizesReadNaturally() {
        #expect(Format.duration(0.0123) == "12ms")
        #expect(Format.duration(3.25) == "3.2s" || Format.duration(3.25) == "3.3s")
        #expect(Format.duration(125) == "2m05s")
        #expect(Format.duration(7300) == "2h01m")
        #expect(Format.size(512) == "512 B")
        #expect(Format.size(3 * 1024 * 1024) == "3.0 MB")
    }

    @Test func chartsDrawOneLinePerSeries() {
        let svg = SVGChart(title: "loss <train>", lines: [("a", [(0, 1), (1, 0.5), (2, 0.25)]), ("b", [(0, 2)])]).render()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.contains("loss &lt;train&gt;"))
    }

    @Test func everySubcommandHasHelp() throws {
        for command in MLPCommandLine.configuration.subcommands {
            #expect(!command.configuration.abstract.isEmpty, "\(command) has no abstract")
            #expect(!command.helpMessage().isEmpty)
        }
    }
}
