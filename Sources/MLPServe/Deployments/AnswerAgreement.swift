/// Whether two answers to one request agree, as a shadow deployment judges its candidate against
/// stable. Two versions of a model are retrained, not bit-identical: they agree when they would
/// lead to the same decision, not when their numbers match to the last digit.
///
/// - the same output names (in any order), and for each output the same shape;
/// - a classifier's class probabilities (an output named `probabilities`, floating-point,
///   `[batch, classes]`): the same most probable class in every row (the same label), whatever
///   the probabilities themselves;
/// - other floating-point outputs (FP16, FP32, FP64 on both sides: a regressor's `prediction`,
///   an embedding): every element within ``relativeTolerance``, that is
///   `|a - b| <= 0.01 · max(1, |a|)` where `a` is stable's element — 1 % of the value, or 0.01
///   for values under 1 (NaN matches only NaN);
/// - every other output (a classifier's `label`, integer classes, BYTES, BOOL): the same
///   datatype and equal elements.
public enum AnswerAgreement {
    /// The relative tolerance on floating-point elements other than class probabilities (an
    /// absolute one for values under 1): 1 %.
    public static let relativeTolerance = 1e-2

    /// The name of a classifier's class-probability output, compared by its most probable class.
    public static let probabilitiesName = "probabilities"

    /// Whether `candidate` agrees with `stable`.
    public static func agree(stable: InferenceResponse, candidate: InferenceResponse) -> Bool {
        difference(stable: stable, candidate: candidate, describe: false) == nil
    }

    /// Where `candidate` first departs from `stable`, as a sentence; nil when they agree.
    public static func difference(stable: InferenceResponse, candidate: InferenceResponse) -> String? {
        difference(stable: stable, candidate: candidate, describe: true)
    }

    /// ``difference(stable:candidate:)``; without `describe`, a departure is an empty string (no
    /// sentence is built, so a shadow that only counts agreement stays cheap).
    static func difference(stable: InferenceResponse, candidate: InferenceResponse, describe: Bool) -> String? {
        if !sameNames(stable.outputs, candidate.outputs) {
            let stableNames = stable.outputs.map(\.name).sorted(), candidateNames = candidate.outputs.map(\.name).sorted()
            guard stableNames == candidateNames else {
                return describe ? "the outputs differ: stable gives \(stableNames), the candidate \(candidateNames)" : ""
            }
        }
        for expected in stable.outputs {
            guard let got = candidate.outputs.first(where: { $0.name == expected.name }) else { continue }
            let difference = expected.name == probabilitiesName
                ? classDifference(stable: expected, candidate: got, describe: describe)
                : difference(stable: expected, candidate: got, describe: describe)
            if let difference { return describe ? "output '\(expected.name)': \(difference)" : "" }
        }
        return nil
    }

    /// Whether both answers name the same outputs in the same order (what two versions of one
    /// model give): then no sorted copies of the names are needed to see that the sets agree.
    private static func sameNames(_ a: [InferenceResponse.OutputTensor], _ b: [InferenceResponse.OutputTensor]) -> Bool {
        guard a.count == b.count else { return false }
        for index in a.indices where a[index].name != b[index].name { return false }
        return true
    }

    /// Where one output tensor departs from stable's, or nil.
    static func difference(stable: InferenceResponse.OutputTensor, candidate: InferenceResponse.OutputTensor, describe: Bool = true) -> String? {
        guard stable.shape == candidate.shape else { return describe ? "shape \(candidate.shape) where stable gives \(stable.shape)" : "" }
        guard stable.data.count == candidate.data.count else {
            return describe ? "\(candidate.data.count) elements where stable gives \(stable.data.count)" : ""
        }
        if isFloatingPoint(stable.datatype), isFloatingPoint(candidate.datatype),
           let a = doubles(stable.data), let b = doubles(candidate.data) {
            for index in a.indices where !close(a[index], b[index]) {
                return describe ? "element \(index) is \(b[index]) where stable gives \(a[index])" : ""
            }
            return nil
        }
        guard stable.datatype == candidate.datatype else {
            return describe ? "datatype \(candidate.datatype.rawValue) where stable gives \(stable.datatype.rawValue)" : ""
        }
        switch (stable.data, candidate.data) {
        case (.strings(let a), .strings(let b)):
            if let index = a.indices.first(where: { a[$0] != b[$0] }) { return describe ? "element \(index) is '\(b[index])' where stable gives '\(a[index])'" : "" }
        case (.bools(let a), .bools(let b)):
            if let index = a.indices.first(where: { a[$0] != b[$0] }) { return describe ? "element \(index) is \(b[index]) where stable gives \(a[index])" : "" }
        default:
            guard let a = doubles(stable.data), let b = doubles(candidate.data) else { return describe ? "the elements are of different kinds" : "" }
            if let index = a.indices.first(where: { a[$0] != b[$0] }) { return describe ? "element \(index) is \(b[index]) where stable gives \(a[index])" : "" }
        }
        return nil
    }

    /// Where a candidate's class probabilities pick another class than stable's in some row, or
    /// nil; an output that is not `[batch, classes]` floating-point on both sides is compared as
    /// any other (``difference(stable:candidate:describe:)``).
    static func classDifference(stable: InferenceResponse.OutputTensor, candidate: InferenceResponse.OutputTensor, describe: Bool = true) -> String? {
        guard stable.shape.count == 2, stable.shape == candidate.shape, isFloatingPoint(stable.datatype), isFloatingPoint(candidate.datatype),
              let a = doubles(stable.data), let b = doubles(candidate.data), a.count == b.count, stable.shape[1] > 0,
              a.count == stable.shape[0] &* stable.shape[1] else {
            return difference(stable: stable, candidate: candidate, describe: describe)
        }
        let classes = stable.shape[1]
        func mostProbable(_ values: [Double], row: Int) -> Int {
            var best = 0
            for index in 1..<classes where values[row * classes + index] > values[row * classes + best] { best = index }
            return best
        }
        for row in 0..<stable.shape[0] {
            let expected = mostProbable(a, row: row), got = mostProbable(b, row: row)
            if expected != got { return describe ? "row \(row) picks class \(got) where stable picks class \(expected)" : "" }
        }
        return nil
    }

    /// Whether `b` is within the tolerance of stable's `a`.
    static func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }   // equal infinities
        return abs(a - b) <= relativeTolerance * max(1, abs(a))
    }

    private static func isFloatingPoint(_ type: TensorDatatype) -> Bool { type == .fp16 || type == .fp32 || type == .fp64 }

    private static func doubles(_ data: TensorData) -> [Double]? {
        switch data {
        case .numbers(let values): return values
        case .floats(let values): return values.map(Double.init)
        case .bools, .strings: return nil
        }
    }
}
