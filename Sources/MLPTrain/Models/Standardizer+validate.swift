extension Standardizer {
    /// Throws unless there is one mean and one nonzero scale per feature.
    func validate(width: Int) throws {
        guard means.count == width, scales.count == width else {
            throw TrainingError(message: "the standardiser has \(means.count) means and \(scales.count) scales for \(width) features")
        }
        guard scales.allSatisfy({ $0 != 0 && $0.isFinite }), means.allSatisfy(\.isFinite) else {
            throw TrainingError(message: "the standardiser has a zero or non-finite scale or mean")
        }
    }
}
