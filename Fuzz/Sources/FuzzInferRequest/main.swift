// libFuzzer target: an infer request body, read as `mlp serve` reads it (the fast parser, then
// JSONDecoder when it gives up; or, for an input starting with a 0 byte, a binary-data body read by
// BinaryTensorData with the header length that follows), then checked and answered by tabular models behind the protocol:
// a classifier taking one input per source column (numeric, one-hot and bool) or `features`, and a
// regressor taking `features` only. Errors are answers (400s); only a crash, a sanitizer report,
// an allocation over libFuzzer's limit or a hang is a finding.
import Foundation
@testable import MLPServe
@testable import MLPTrain
import LibFuzzerMain

/// A model with a fixed encoder whose forward pass only checks the matrix it is given: the fuzzer
/// exercises the server's checks, not a trainer's maths.
struct FixedModel: TrainedModel {
    let format = "mlp-fuzz/1"
    let target = "label"
    let encoder: FeatureEncoder
    let task: PredictionTask

    func predict(_ features: FeatureMatrix) throws -> Prediction {
        guard features.columns == encoder.featureCount, features.values.count == features.rows * features.columns else {
            throw TrainingError(message: "the fuzz model got a \(features.rows)×\(features.columns) matrix of \(features.values.count) values")
        }
        switch task {
        case .classification:
            return .classification(classes: ["no", "yes"], probabilities: Array(repeating: [0.25, 0.75], count: features.rows))
        case .regression:
            return .regression(values: (0..<features.rows).map { row in features.values[(row * features.columns)..<((row + 1) * features.columns)].reduce(0, +) })
        }
    }

    func validate() throws {}
}

let endpoints: [BatchedModelEndpoint<TabularServedModel>] = {
    let columns = FeatureEncoder(columns: ["x", "colour", "flag"], encodings: [.numeric, .oneHot(categories: ["blue", "green", "red"]), .numeric])
    let features = FeatureEncoder(columns: ["a", "b"], encodings: [.numeric, .numeric])
    return [
        (FixedModel(encoder: columns, task: .classification), "classifier"),
        (FixedModel(encoder: features, task: .regression), "regressor"),
    ].map { model, name in
        // swiftlint:disable:next force_try
        BatchedModelEndpoint(name: name, version: "1", model: try! TabularServedModel(model: model), batching: BatchingOptions(maxBatchSize: 8, maxDelay: .zero))
    }
}()

/// With MLP_FUZZ_DIFFERENTIAL=1, every body the fast parser reads must decode to the same request
/// through JSONDecoder (InferenceRequestParser promises the two paths agree). Off by default:
/// Foundation's JSONDecoder refuses some valid JSON numbers (`0e5`) that the fast parser reads.
let differential = ProcessInfo.processInfo.environment["MLP_FUZZ_DIFFERENTIAL"] == "1"

/// The parts of a request that must agree between the two readers.
func summary(_ request: InferenceRequest) -> String {
    let inputs = request.inputs.map { "\($0.name) \($0.shape) \($0.datatype) \($0.data) \($0.parameters.map { "\($0.sorted { $0.key < $1.key })" } ?? "-")" }
    return "\(request.id ?? "-") \(inputs) \(request.outputs?.map(\.name) ?? []) \(request.parameters.map { "\($0.sorted { $0.key < $1.key })" } ?? "-")"
}

/// The request in `body` as InferenceBody.decode reads it (without NIO's ByteBuffer).
func decode(_ body: UnsafeRawBufferPointer) -> InferenceRequest? {
    if let request = InferenceRequestParser.parse(body) {
        if differential {
            let decoded = try? JSONDecoder().decode(InferenceRequest.self, from: Data(body))
            precondition(decoded.map(summary) == summary(request),
                         "the fast parser read \(summary(request)) but JSONDecoder \(decoded.map(summary) ?? "refuses the body")")
        }
        return request
    }
    return try? JSONDecoder().decode(InferenceRequest.self, from: Data(body))
}

/// A binary-data body (the binary tensor data extension): an input whose first byte is 0 is
/// [0, the Inference-Header-Content-Length value as a little-endian Int16 (negative ones too),
/// then the body: a JSON header and the inputs' bytes]. Nil when BinaryTensorData refuses it (a 400).
func decodeBinary(_ input: UnsafeRawBufferPointer) -> InferenceRequest? {
    guard input.count >= 3, input[0] == 0 else { return nil }
    let length = Int16(bitPattern: UInt16(input[1]) | UInt16(input[2]) << 8)
    return try? BinaryTensorData.decode(UnsafeRawBufferPointer(rebasing: input[3...]), headerLength: String(length))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let binary = size > 0 && input[0] == 0
    guard let request = binary ? decodeBinary(input) : decode(input) else { return 0 }
    for endpoint in endpoints {
        do {
            let response = try endpoint.inferInline(request)
            // Outputs asked for as binary data are written after the JSON (BinaryTensorData.answer).
            if BinaryTensorData.mayWantBinary(request) { _ = BinaryTensorData.answer(response, to: request) }
            if response.jsonBytes() == nil { _ = try? JSONEncoder().encode(response) }
        } catch {
            _ = "\(error)"   // the 400's message is built from the request: it must not trap either
        }
    }
    return 0
}

/// The program's entry point: SwiftPM links `main` to `FuzzInferRequest_main` on Linux, so libFuzzer's
/// driver is started from here (where libFuzzer's own `main` is linked instead, this is unused).
@_cdecl("FuzzInferRequest_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mlp_libfuzzer_main(argc, argv)
}
