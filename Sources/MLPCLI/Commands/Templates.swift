import ArgumentParser
import Foundation
import MLPCore
import MLPTemplates

extension MLPCommandLine {
    struct Templates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the templates `mlp init` can use.")

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let library = TemplateLibrary()
            let entries = library.names.map { ($0, library.summary(of: $0)) }
            if output.json {
                try Format.printJSON(JSONValue.array(entries.map { .object(["name": .string($0.0), "summary": .string($0.1)]) }))
                return
            }
            var table = TextTable("TEMPLATE", "WHAT IT IS")
            for (name, summary) in entries { table.add(name, summary) }
            print(table.render())
            print("\ncreate a project with: mlp init NAME --template TEMPLATE")
        }
    }
}
