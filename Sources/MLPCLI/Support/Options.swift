import ArgumentParser
import Foundation
import MLPClient
import MLPCore
import MLPEngine
import MLPModels
import MLPStore
import CSVConnector
import DataSteps
import DataValidation
import HTTPConnector
import JSONLinesConnector
import MLPTrain
import PythonTask
import ShellTask
import PostgresConnector
import SQLiteConnector

/// Where the project is: `--project DIR`, else the nearest folder at or above the current one with an mlp.yaml.
struct ProjectOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .long], help: ArgumentHelp("The project folder (default: found from the current folder upward).", valueName: "dir"))
    var project: String?

    func locate() throws -> Project {
        if let project {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: project, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--project \(project): no such folder")
            }
            return Project(root: project)
        }
        return try Project.locate(from: FileManager.default.currentDirectoryPath)
    }

    /// The engine over this project, with every first-party plugin registered. Its store is a
    /// shared server's when `MLP_SERVER` (or a default profile) names one: so a background driver
    /// started for a `--server` run (`mlp resume --background`, given the settings in its
    /// environment) reports to the same server.
    func engine() throws -> Engine {
        let server: ServerSettings?
        do {
            server = try ServerSettings.resolve(server: nil, token: nil, project: nil, profile: nil,
                                                pipelineName: { ServerOptions.pipelineName(self) })
        } catch let error as ServerSettingsError {
            throw ValidationError(error.message)
        }
        return try engine(server: server)
    }
}

/// `--json`: machine-readable output on stdout.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}

/// The one place that lists the plugins this executable ships with.
func makeRegistry() throws -> PluginRegistry {
    let registry = PluginRegistry()
    try ShellTask.register(into: registry)
    try PythonTask.register(into: registry)
    try CSVConnector.register(into: registry)
    try JSONLinesConnector.register(into: registry)
    try DataSteps.register(into: registry)
    try LogisticTrainer.register(into: registry)
    try SQLiteConnector.register(into: registry)
    try PostgresConnector.register(into: registry)
    try HTTPConnector.register(into: registry)
    try DataValidation.register(into: registry)
    try LinearTrainer.register(into: registry)
    try MLPTrainer.register(into: registry)
    try EvaluateStep.register(into: registry)
    try GBTTrainer.register(into: registry)
    try CPUInferenceBackend.register(into: registry)
    return registry
}

/// Parses `--param name=value` lines.
func parseParams(_ raw: [String]) throws -> [String: String] {
    var params: [String: String] = [:]
    for entry in raw {
        guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
            throw ValidationError("--param \(entry): expected NAME=VALUE")
        }
        let name = String(entry[..<equals])
        guard params[name] == nil else { throw ValidationError("--param \(name) is given twice") }
        params[name] = String(entry[entry.index(after: equals)...])
    }
    return params
}

/// The user's name, recorded with decisions.
func currentUser() -> String {
    if let user = ProcessInfo.processInfo.environment["MLP_USER"] ?? ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
    return "uid \(getuid())"
}
