import Foundation
import MLPModels

/// The tensors of a model being written: typed arrays turned into little-endian safetensors
/// tensors, with their descriptions for the card.
struct ModelTensorWriter {
    private(set) var tensors: [StoredTensorToWrite] = []

    /// The card's description of every tensor added so far.
    var descriptions: [String: ModelCard.TensorDescription] {
        Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, ModelCard.TensorDescription(dtype: $0.storedType.rawValue, shape: $0.shape)) })
    }

    /// Adds `values` as an `F64` tensor of `shape`.
    mutating func add(_ name: String, doubles values: [Double], shape: [Int]? = nil) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 8)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        tensors.append(StoredTensorToWrite(name: name, storedType: .f64, shape: shape ?? [values.count], bytes: bytes))
    }

    /// Adds `values` as an `F32` tensor of `shape`.
    mutating func add(_ name: String, floats values: [Float], shape: [Int]? = nil) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        tensors.append(StoredTensorToWrite(name: name, storedType: .f32, shape: shape ?? [values.count], bytes: bytes))
    }

    /// Adds `values` as an `I32` tensor.
    /// - Throws: ``TrainingError`` when a value does not fit in 32 bits.
    mutating func add(_ name: String, int32 values: [Int]) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            guard let narrow = Int32(exactly: value) else { throw TrainingError(message: "tensor '\(name)': \(value) does not fit in 32 bits") }
            withUnsafeBytes(of: narrow.littleEndian) { bytes += $0 }
        }
        tensors.append(StoredTensorToWrite(name: name, storedType: .i32, shape: [values.count], bytes: bytes))
    }

    /// Adds `values` as a `BOOL` tensor (one byte each, 0 or 1).
    mutating func add(_ name: String, bools values: [Bool]) {
        tensors.append(StoredTensorToWrite(name: name, storedType: .bool, shape: [values.count], bytes: values.map { $0 ? 1 : 0 }))
    }
}
