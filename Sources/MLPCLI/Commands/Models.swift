import ArgumentParser

extension MLPCommandLine {
    /// `mlp models`: the model registry and model files.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The model registry: versions with lineage and cards, and aliases such as @champion.",
            discussion: "A model reference is NAME (the newest version), NAME:VERSION or NAME@ALIAS.",
            subcommands: [List.self, Show.self, Register.self, Alias.self, Inspect.self],
            defaultSubcommand: List.self)
    }
}
