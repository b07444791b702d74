// libFuzzer target: an mlp.yaml, read as `mlp validate` reads it: UTF-8 text through
// PipelineParser (collecting diagnostics), then PipelineChecker with the first-party step kinds
// and types this package links (shell, python, the trainers, evaluate), with and without supplied
// params. Diagnostics are answers; only a crash, a sanitizer report, an allocation over
// libFuzzer's limit or a hang (-timeout) is a finding.
import MLPCore
import MLPEngine
import MLPTrain
import PythonTask
import ShellTask
import LibFuzzerMain

let checker: PipelineChecker = {
    let registry = PluginRegistry()
    // swiftlint:disable force_try
    try! ShellTask.register(into: registry)
    try! PythonTask.register(into: registry)
    try! LogisticTrainer.register(into: registry)
    try! LinearTrainer.register(into: registry)
    try! MLPTrainer.register(into: registry)
    try! GBTTrainer.register(into: registry)
    try! EvaluateStep.register(into: registry)
    // swiftlint:enable force_try
    return PipelineChecker(registry: registry)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // `mlp validate` reads the file as UTF-8 and refuses anything else before parsing.
    guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return 0 }
    let (spec, diagnostics) = PipelineParser.parseCollecting(text, file: "mlp.yaml")
    for diagnostic in diagnostics { _ = diagnostic.description }
    guard let spec else { return 0 }
    for diagnostic in checker.check(spec, suppliedParams: nil) + checker.check(spec, suppliedParams: ["p", "n"]) {
        _ = diagnostic.description
    }
    return 0
}

/// The program's entry point: SwiftPM links `main` to `FuzzPipeline_main` on Linux, so libFuzzer's
/// driver is started from here (where libFuzzer's own `main` is linked instead, this is unused).
@_cdecl("FuzzPipeline_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mlp_libfuzzer_main(argc, argv)
}
