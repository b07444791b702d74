import Foundation

/// The buffers of forward and backward passes over batches of up to `capacity` rows, allocated
/// once per fit so the training loop allocates nothing.
final class NeuralNetworkWorkspace {
    let shape: NetworkShape
    let capacity: Int
    /// Per layer `0...layers`: `capacity × sizes[l]`. Layer 0 is the input batch; the last holds
    /// the outputs (probabilities after softmax for classification).
    let activations: [UnsafeMutablePointer<Float>]
    /// Per layer `0...layers`: the loss gradient with respect to that layer's pre-activation
    /// (layer 0's is never used).
    let deltas: [UnsafeMutablePointer<Float>]

    init(shape: NetworkShape, capacity: Int) {
        self.shape = shape
        self.capacity = capacity
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            pointer.initialize(repeating: 0, count: max(1, count))
            return pointer
        }
        activations = shape.sizes.map { buffer(capacity * $0) }
        deltas = shape.sizes.map { buffer(capacity * $0) }
    }

    deinit {
        for pointer in activations + deltas { pointer.deallocate() }
    }

    /// Runs `rows` rows of ``activations``[0] through the network.
    func forward(_ parameters: UnsafePointer<Float>, rows: Int, task: PredictionTask) {
        let sizes = shape.sizes
        for layer in 0..<shape.layers {
            let inputs = sizes[layer], outputs = sizes[layer + 1]
            let out = activations[layer + 1]
            let bias = parameters + shape.biasOffsets[layer]
            for r in 0..<rows { (out + r * outputs).update(from: bias, count: outputs) }
            DenseKernels.multiplyAdd(activations[layer], parameters + shape.weightOffsets[layer], into: out, m: rows, k: inputs, n: outputs)
            if layer < shape.layers - 1 {
                for i in 0..<(rows * outputs) { out[i] = max(out[i], 0) }
            }
        }
        if task == .classification {
            let classes = sizes.last!, out = activations[shape.layers]
            for r in 0..<rows {
                let row = out + r * classes
                var maximum = row[0]
                for c in 1..<classes where row[c] > maximum { maximum = row[c] }
                var sum: Float = 0
                for c in 0..<classes {
                    row[c] = expf(row[c] - maximum)
                    sum += row[c]
                }
                let inverse = 1 / sum
                for c in 0..<classes { row[c] *= inverse }
            }
        }
    }

    /// Back-propagates ``deltas``[layers] (already set from the loss) and writes the gradient of
    /// every weight and bias into `gradient` (overwriting it).
    func backward(_ parameters: UnsafePointer<Float>, rows: Int, gradient: UnsafeMutablePointer<Float>) {
        let sizes = shape.sizes
        gradient.update(repeating: 0, count: shape.parameterCount)
        for layer in stride(from: shape.layers - 1, through: 0, by: -1) {
            let inputs = sizes[layer], outputs = sizes[layer + 1]
            let delta = deltas[layer + 1]
            DenseKernels.transposedMultiplyAdd(activations[layer], delta, into: gradient + shape.weightOffsets[layer], m: rows, k: inputs, n: outputs)
            DenseKernels.addColumnSums(delta, into: gradient + shape.biasOffsets[layer], m: rows, n: outputs)
            guard layer > 0 else { continue }
            let previous = deltas[layer], activation = activations[layer]
            DenseKernels.multiplyTransposed(delta, parameters + shape.weightOffsets[layer], into: previous, m: rows, k: inputs, n: outputs)
            for i in 0..<(rows * inputs) { previous[i] = activation[i] > 0 ? previous[i] : 0 }
        }
    }
}
