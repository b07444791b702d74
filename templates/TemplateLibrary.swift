import Foundation

/// The project templates shipped with mlp (the folders beside this file, copied as resources).
///
/// `MLP_TEMPLATES` points at another folder of templates, for installs that move the binary.
public struct TemplateLibrary: Sendable {
    /// The folder holding one subfolder per template.
    public let root: URL

    public init() {
        if let custom = ProcessInfo.processInfo.environment["MLP_TEMPLATES"] {
            root = URL(fileURLWithPath: custom)
        } else {
            root = Bundle.module.resourceURL ?? Bundle.module.bundleURL
        }
    }

    /// Every template's name, sorted.
    public var names: [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return entries.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("mlp.yaml").path) }.sorted()
    }

    /// The folder of a template, if it exists.
    public func path(of name: String) -> URL? {
        names.contains(name) ? root.appendingPathComponent(name) : nil
    }

    /// The first sentence of the template's README.
    public func summary(of name: String) -> String {
        let readme = root.appendingPathComponent(name).appendingPathComponent("README.md")
        guard let text = try? String(contentsOf: readme, encoding: .utf8) else { return "" }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let body = lines.first { !$0.isEmpty && !$0.hasPrefix("#") } ?? ""
        let sentence = body.split(separator: ".", maxSplits: 1).first.map(String.init) ?? body
        return sentence.count > 100 ? String(sentence.prefix(99)) + "…" : sentence
    }

    /// Copies a template's files into `destination`, keeping existing files' permissions sane; returns how many files.
    public func copy(template source: URL, to destination: String) throws -> Int {
        let fileManager = FileManager.default
        var count = 0
        guard let walker = fileManager.enumerator(atPath: source.path) else { return 0 }
        while let relative = walker.nextObject() as? String {
            if relative.split(separator: "/").contains(where: { $0 == ".mlp" || $0 == "__pycache__" }) { continue }
            let from = source.appendingPathComponent(relative).path
            let to = "\(destination)/\(relative)"
            var isDirectory: ObjCBool = false
            fileManager.fileExists(atPath: from, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try fileManager.createDirectory(atPath: to, withIntermediateDirectories: true)
            } else {
                if fileManager.fileExists(atPath: to) { try fileManager.removeItem(atPath: to) }
                try fileManager.copyItem(atPath: from, toPath: to)
                count += 1
            }
        }
        return count
    }
}
