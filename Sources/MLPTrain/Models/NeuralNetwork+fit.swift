import Foundation
import MLPCore

/// How ``NeuralNetwork/fit(_:targets:settings:onEpoch:)`` trains; the defaults follow
/// scikit-learn's `MLPClassifier` / `MLPRegressor`.
public struct NeuralNetworkSettings: Sendable, Equatable {
    /// Units of each hidden layer.
    public var hidden: [Int] = [100]
    /// L2 penalty: the loss of a batch of `b` rows is its mean loss plus `alpha / (2b) · |W|²`
    /// (scikit-learn's convention; biases are not penalised).
    public var alpha = 1e-4
    /// Adam's step size and moment decays.
    public var learningRate = 1e-3
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8
    /// Rows per minibatch (fewer when the training set is smaller).
    public var batchSize = 200
    public var maxEpochs = 200
    /// An epoch "improves" when its loss (validation loss with early stopping) is lower than
    /// the best so far by more than this.
    public var tolerance = 1e-4
    /// Stop after this many epochs in a row without improvement.
    public var patience = 10
    /// Hold out ``validationFraction`` of the training rows (stratified for classification),
    /// stop on their loss, and keep the weights of the best epoch.
    public var earlyStopping = false
    public var validationFraction = 0.1
    /// Seeds the initial weights, the validation split and every epoch's shuffle.
    public var seed: UInt64 = 0

    public init() {}
}

/// What a network learns to predict, one entry per row.
public enum NeuralNetworkTargets: Sendable {
    /// Class indices in `0..<count`.
    case classes([Int], count: Int)
    case values([Double])
}

extension NeuralNetwork {
    /// Trains a network with Adam on minibatches, deterministically for a given seed.
    ///
    /// `onEpoch` sees (epoch, training loss including the L2 term, validation loss or nil).
    public static func fit(_ x: FeatureMatrix, targets: NeuralNetworkTargets, settings: NeuralNetworkSettings,
                           onEpoch: (Int, Double, Double?) -> Void = { _, _, _ in }) throws -> NeuralNetwork {
        let n = x.rows, width = x.columns
        guard n > 0, width > 0 else { throw TrainingError(message: "the training set has \(n) rows and \(width) features; a network needs both") }
        let task: PredictionTask, outputs: Int
        var labels = [Int32](), values = [Float]()
        var targetMean = 0.0, targetScale = 1.0
        switch targets {
        case .classes(let given, let count):
            guard given.count == n else { throw TrainingError(message: "\(n) rows but \(given.count) labels") }
            guard count >= 2, given.allSatisfy({ (0..<count).contains($0) }) else { throw TrainingError(message: "labels must lie in 0..<\(count), with at least two classes") }
            task = .classification
            outputs = count
            labels = given.map { Int32($0) }
        case .values(let given):
            guard given.count == n else { throw TrainingError(message: "\(n) rows but \(given.count) targets") }
            guard given.allSatisfy(\.isFinite) else { throw TrainingError(message: "a regression target is not a finite number") }
            task = .regression
            outputs = 1
            targetMean = given.reduce(0, +) / Double(n)
            let variance = given.reduce(0) { $0 + ($1 - targetMean) * ($1 - targetMean) } / Double(n)
            targetScale = variance > 1e-24 ? sqrt(variance) : 1
            values = given.map { Float(($0 - targetMean) / targetScale) }
        }
        TrainingBLAS.useOneThread()
        let standardizer = Standardizer(fitting: x)
        var inputs = [Float](repeating: 0, count: n * width)
        for r in 0..<n {
            for c in 0..<width { inputs[r * width + c] = Float((x.values[r * width + c] - standardizer.means[c]) / standardizer.scales[c]) }
        }

        let parts = try split(rows: n, labels: task == .classification ? labels : nil, settings: settings)
        var trainRows = parts.train
        let validationRows = parts.validation
        let shape = NetworkShape(sizes: [width] + settings.hidden + [outputs])
        var generator = SplitMix64(seed: settings.seed)
        var parameters = [Float](repeating: 0, count: shape.parameterCount)
        for layer in 0..<shape.layers {
            // Glorot uniform, as scikit-learn initialises ReLU networks (biases too).
            let bound = sqrt(6 / Double(shape.sizes[layer] + shape.sizes[layer + 1]))
            for i in shape.weightOffsets[layer]..<(shape.biasOffsets[layer] + shape.sizes[layer + 1]) {
                parameters[i] = Float((generator.unit() * 2 - 1) * bound)
            }
        }
        var best = parameters
        var gradient = [Float](repeating: 0, count: shape.parameterCount)
        var moment = gradient, secondMoment = gradient
        let batchSize = max(1, min(settings.batchSize, trainRows.count))
        let workspace = NeuralNetworkWorkspace(shape: shape, capacity: batchSize)
        var batchLabels = [Int32](repeating: 0, count: batchSize), batchValues = [Float](repeating: 0, count: batchSize)
        var step = 0
        var bestLoss = Double.infinity, epochsWithoutImprovement = 0, epochs = 0

        /// Copies rows into the input batch and their targets beside it.
        func gather(_ rows: ArraySlice<Int>) {
            let input = workspace.activations[0]
            inputs.withUnsafeBufferPointer { source in
                for (slot, row) in rows.enumerated() {
                    (input + slot * width).update(from: source.baseAddress! + row * width, count: width)
                    if task == .classification { batchLabels[slot] = labels[row] } else { batchValues[slot] = values[row] }
                }
            }
        }
        /// Sets the output deltas (mean loss gradient) of `count` gathered rows and returns their summed loss.
        func outputLoss(_ count: Int, setDeltas: Bool) -> Double {
            let output = workspace.activations[shape.layers], delta = workspace.deltas[shape.layers]
            let scale = 1 / Float(count)
            var loss = 0.0
            if task == .classification {
                for r in 0..<count {
                    let label = Int(batchLabels[r])
                    loss -= Double(log(max(output[r * outputs + label], Float.ulpOfOne)))
                    guard setDeltas else { continue }
                    for c in 0..<outputs { delta[r * outputs + c] = output[r * outputs + c] * scale }
                    delta[r * outputs + label] -= scale
                }
            } else {
                for r in 0..<count {
                    let error = output[r] - batchValues[r]
                    loss += Double(error * error) / 2
                    if setDeltas { delta[r] = error * scale }
                }
            }
            return loss
        }
        func validationLoss(_ parameters: UnsafePointer<Float>) -> Double {
            var total = 0.0, start = 0
            while start < validationRows.count {
                let rows = validationRows[start..<min(validationRows.count, start + batchSize)]
                gather(rows)
                workspace.forward(parameters, rows: rows.count, task: task)
                total += outputLoss(rows.count, setDeltas: false)
                start += rows.count
            }
            return total / Double(validationRows.count)
        }

        let alpha = Float(settings.alpha), beta1 = Float(settings.beta1), beta2 = Float(settings.beta2), epsilon = Float(settings.epsilon)
        var shuffler = SplitMix64(seed: settings.seed ^ 0x5EED_5EED_5EED_5EED)
        for epoch in 1...max(1, settings.maxEpochs) {
            try Task.checkCancellation()
            shuffler.shuffle(&trainRows)
            var epochLoss = 0.0, start = 0
            while start < trainRows.count {
                let rows = trainRows[start..<min(trainRows.count, start + batchSize)]
                let count = rows.count
                gather(rows)
                var batchLoss = 0.0
                parameters.withUnsafeMutableBufferPointer { p in
                    gradient.withUnsafeMutableBufferPointer { g in
                        let parameters = p.baseAddress!, gradient = g.baseAddress!
                        workspace.forward(parameters, rows: count, task: task)
                        batchLoss = outputLoss(count, setDeltas: true) / Double(count)
                        workspace.backward(parameters, rows: count, gradient: gradient)
                        let decay = alpha / Float(count)
                        var squares: Float = 0
                        for layer in 0..<shape.layers {
                            let offset = shape.weightOffsets[layer]
                            for i in offset..<shape.biasOffsets[layer] {
                                squares += parameters[i] * parameters[i]
                                gradient[i] += decay * parameters[i]
                            }
                        }
                        batchLoss += Double(squares * decay / 2)
                        // Adam with bias correction folded into the step size (as scikit-learn does).
                        step += 1
                        let rate = Float(settings.learningRate * sqrt(1 - pow(settings.beta2, Double(step))) / (1 - pow(settings.beta1, Double(step))))
                        moment.withUnsafeMutableBufferPointer { m in
                            secondMoment.withUnsafeMutableBufferPointer { v in
                                for i in 0..<shape.parameterCount {
                                    let g = gradient[i]
                                    m[i] = beta1 * m[i] + (1 - beta1) * g
                                    v[i] = beta2 * v[i] + (1 - beta2) * g * g
                                    parameters[i] -= rate * m[i] / (v[i].squareRoot() + epsilon)
                                }
                            }
                        }
                    }
                }
                epochLoss += batchLoss * Double(count)
                start += count
            }
            epochLoss /= Double(trainRows.count)
            epochs = epoch
            guard epochLoss.isFinite else {
                throw TrainingError(message: "training diverged at epoch \(epoch) (the loss is \(epochLoss)); lower learning_rate or raise alpha")
            }
            let watched: Double
            var validation: Double?
            if settings.earlyStopping {
                validation = parameters.withUnsafeBufferPointer { validationLoss($0.baseAddress!) }
                watched = validation!
            } else {
                watched = epochLoss
            }
            onEpoch(epoch, epochLoss, validation)
            if watched > bestLoss - settings.tolerance { epochsWithoutImprovement += 1 } else { epochsWithoutImprovement = 0 }
            if watched < bestLoss {
                bestLoss = watched
                if settings.earlyStopping { best = parameters }
            }
            if epochsWithoutImprovement >= settings.patience { break }
        }
        if settings.earlyStopping { parameters = best }
        return NeuralNetwork(
            task: task, layerSizes: shape.sizes,
            weights: (0..<shape.layers).map { Array(parameters[shape.weightOffsets[$0]..<shape.biasOffsets[$0]]) },
            biases: (0..<shape.layers).map { Array(parameters[shape.biasOffsets[$0]..<(shape.biasOffsets[$0] + shape.sizes[$0 + 1])]) },
            standardizer: standardizer, targetMean: targetMean, targetScale: targetScale, epochs: epochs)
    }

    /// The training and validation rows: all rows and none without early stopping; otherwise a
    /// seeded split, stratified by class when there are labels.
    static func split(rows n: Int, labels: [Int32]?, settings: NeuralNetworkSettings) throws -> (train: [Int], validation: [Int]) {
        guard settings.earlyStopping else { return (Array(0..<n), []) }
        guard settings.validationFraction > 0, settings.validationFraction < 1 else {
            throw TrainingError(message: "validation_fraction must be between 0 and 1, not \(settings.validationFraction)")
        }
        var generator = SplitMix64(seed: settings.seed ^ 0xA11D_A7E5_A11D_A7E5)
        var groups: [[Int]]
        if let labels {
            var byClass: [Int32: [Int]] = [:]
            for row in 0..<n { byClass[labels[row], default: []].append(row) }
            groups = byClass.keys.sorted().map { byClass[$0]! }
        } else {
            groups = [Array(0..<n)]
        }
        var train: [Int] = [], validation: [Int] = []
        for index in groups.indices {
            generator.shuffle(&groups[index])
            let held = Int((Double(groups[index].count) * settings.validationFraction).rounded())
            validation += groups[index].prefix(held)
            train += groups[index].dropFirst(held)
        }
        guard !validation.isEmpty, !train.isEmpty else {
            throw TrainingError(message: "early stopping needs rows to train on and to validate on; \(n) rows with validation_fraction \(settings.validationFraction) leave \(train.count) and \(validation.count)")
        }
        return (train.sorted(), validation.sorted())
    }
}
