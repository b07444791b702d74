import Foundation
import MLPCore
import Testing
import MLPData
import MLPTrain
@testable import MLPServe

/// A tabular model takes its feature row or one input per source column, one-hot encoded by the
/// server with the card's categories.
@Suite struct ColumnInputTests {
    /// A logistic model on x (numeric), colour (categorical) and flag (bool): the class follows colour and x.
    static func model() async throws -> TabularServedModel {
        let data = try temporaryPath("data.mlpds"), model = try temporaryPath("model")
        var xs: [Double?] = [], colours: [String?] = [], flags: [Bool?] = [], labels: [String?] = []
        let palette = ["red", "green", "blue"]
        for index in 0..<240 {
            let x = Double(index % 17) / 8 - 1, colour = palette[index % 3]
            xs.append(x); colours.append(colour); flags.append(index % 2 == 0)
            labels.append(colour == "red" || x > 0.5 ? "yes" : "no")
        }
        try DatasetFile.write(try Dataset(columns: [.float("x", xs), .string("colour", colours), .bool("flag", flags), .string("label", labels)]), to: data)
        _ = try await LogisticTrainer().train(TrainingRequest(config: ["target": .string("label")], inputPaths: ["data": data],
                                                              modelDestination: model, seed: 0, logMetric: { _, _, _ in }))
        return try TabularServedModel(path: model)
    }

    func request(_ inputs: [InferenceRequest.InputTensor]) -> InferenceRequest { InferenceRequest(inputs: inputs) }

    @Test func oneInputPerColumnMeansTheSameAsTheEncodedRow() async throws {
        let model = try await Self.model()
        #expect(model.model.encoder.columns == ["x", "colour", "flag"])
        let names = model.model.encoder.featureNames
        let columns = request([
            .init(name: "x", shape: [3], datatype: .fp64, data: .numbers([0.25, -0.5, 0.75])),
            .init(name: "colour", shape: [3, 1], datatype: .bytes, data: .strings(["red", "blue", "purple"])),
            .init(name: "flag", shape: [3], datatype: .bool, data: .bools([true, false, true])),
        ])
        let rows = try model.rows(from: columns)
        func encoded(_ x: Double, _ colour: String?, _ flag: Double) -> [Double] {
            names.map { name in
                if name == "x" { return x }
                if name == "flag" { return flag }
                return name == "colour=\(colour ?? "")" ? 1 : 0
            }
        }
        #expect(rows == [encoded(0.25, "red", 1), encoded(-0.5, "blue", 0), encoded(0.75, nil, 1)], "a category never seen encodes as zeros")
        let features = InferenceRequest(inputs: [.init(name: "features", shape: [3, names.count], datatype: .fp64, data: .numbers(rows.flatMap { $0 }))])
        #expect(try model.forward(model.rows(from: features)) == model.forward(rows))
    }

    @Test func badColumnInputsAreRefusedWithTheReason() async throws {
        let model = try await Self.model()
        let x = InferenceRequest.InputTensor(name: "x", shape: [2], datatype: .fp64, data: .numbers([0, 1]))
        let colour = InferenceRequest.InputTensor(name: "colour", shape: [2], datatype: .bytes, data: .strings(["red", "blue"]))
        let flag = InferenceRequest.InputTensor(name: "flag", shape: [2], datatype: .bool, data: .bools([true, false]))
        let cases: [(InferenceRequest, String)] = [
            (request([x, colour]), "inputs for the model's columns 'flag' are missing"),
            (request([x, colour, flag, .init(name: "size", shape: [2], datatype: .fp64, data: .numbers([1, 2]))]), "the model has no input 'size'"),
            (request([x, .init(name: "colour", shape: [2], datatype: .fp64, data: .numbers([1, 2])), flag]), "input 'colour' has datatype FP64, but the model takes BYTES"),
            (request([.init(name: "x", shape: [1], datatype: .fp64, data: .numbers([0])), colour, flag]), "every column input needs the same batch"),
            (request([.init(name: "x", shape: [1, 2], datatype: .fp64, data: .numbers([0, 1])), colour, flag]), "must have shape [batch] or [batch, 1]"),
            (request([x, colour, flag, x]), "input 'x' is given 2 times"),
        ]
        for (bad, message) in cases {
            let error = try #require(throws: ServeError.self) { try model.rows(from: bad) }
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func aColumnRequestIsLoggedWithItsValuesAsSent() async throws {
        let model = try await Self.model()
        let schema = RequestLogSchema(tabular: model)
        let columns = request([
            .init(name: "x", shape: [2], datatype: .fp64, data: .numbers([0.5, -1])),
            .init(name: "colour", shape: [2], datatype: .bytes, data: .strings(["green", "red"])),
            .init(name: "flag", shape: [2], datatype: .bool, data: .bools([false, true])),
        ])
        let response = InferenceResponse(modelName: "m", modelVersion: "1", id: nil, outputs: [])
        let rows = schema.rows(time: 1, version: "1", request: columns, response: response)
        #expect(rows.map { Array($0[2...4]) } == [["0.5", "green", "0"], ["-1.0", "red", "1"]])
    }
}
