import Foundation
import MLPModels

/// The tensors of a model being read: `model.safetensors`, checked against the card's list, read
/// into typed arrays of the shapes the model needs.
struct ModelTensorReader {
    let file: SafetensorsFile
    let card: ModelCard

    /// Opens `path` and checks that it holds exactly the tensors the card lists, each of the
    /// listed type and shape.
    /// - Throws: ``ModelFileError`` naming the tensor that is missing, extra or different.
    init(path: String, card: ModelCard, source: String) throws {
        do { file = try SafetensorsFile(path: path) } catch {
            throw ModelFileError(path: source, "has a damaged \(ModelCard.tensorFile): \(error); the artifact is truncated or corrupt, retrain the model or restore the artifact")
        }
        self.card = card
        for (name, description) in card.tensors.sorted(by: { $0.key < $1.key }) {
            guard let entry = file.entry(named: name) else {
                throw ModelFileError(path: source, "is incomplete: \(ModelCard.cardFile) lists tensor '\(name)' but \(ModelCard.tensorFile) has no such tensor; retrain the model or restore the artifact")
            }
            guard entry.storedType.rawValue == description.dtype, entry.shape == description.shape else {
                throw ModelFileError(path: source, "is inconsistent: tensor '\(name)' is \(entry.storedType.rawValue) \(entry.shape) in \(ModelCard.tensorFile) but \(description.dtype) \(description.shape) in \(ModelCard.cardFile)")
            }
        }
        if let extra = file.entries.first(where: { card.tensors[$0.name] == nil }) {
            throw ModelFileError(path: source, "is inconsistent: \(ModelCard.tensorFile) holds tensor '\(extra.name)', which \(ModelCard.cardFile) does not list")
        }
    }

    /// The entry of tensor `name`, checked to be listed by the card, of `type`, with `count` elements.
    private func entry(_ name: String, _ type: SafetensorsDType, count: Int?) throws -> SafetensorsFile.Entry {
        guard card.tensors[name] != nil, let entry = file.entry(named: name) else {
            throw TrainingError(message: "\(ModelCard.cardFile) does not list tensor '\(name)', which a \(card.kind) model needs")
        }
        guard entry.storedType == type else { throw TrainingError(message: "tensor '\(name)' is \(entry.storedType.rawValue), a \(card.kind) model needs \(type.rawValue)") }
        let elements = entry.byteRange.count / type.size
        if let count, elements != count {
            throw TrainingError(message: "tensor '\(name)' has \(elements) elements (shape \(entry.shape)), a \(card.kind) model of this shape needs \(count)")
        }
        return entry
    }

    /// Tensor `name` as doubles (`F64`), checked to hold `count` elements when given.
    func doubles(_ name: String, count: Int? = nil) throws -> [Double] {
        let raw = try file.rawBytes(named: entry(name, .f64, count: count).name)
        return raw.withUnsafeBytes { bytes in
            (0..<(bytes.count / 8)).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }

    /// Tensor `name` as floats (`F32`), checked to hold `count` elements when given.
    func floats(_ name: String, count: Int? = nil) throws -> [Float] {
        let raw = try file.rawBytes(named: entry(name, .f32, count: count).name)
        return raw.withUnsafeBytes { bytes in
            (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Tensor `name` as integers (`I32`), checked to hold `count` elements when given.
    func ints(_ name: String, count: Int? = nil) throws -> [Int] {
        let raw = try file.rawBytes(named: entry(name, .i32, count: count).name)
        return raw.withUnsafeBytes { bytes in
            (0..<(bytes.count / 4)).map { Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        }
    }

    /// Tensor `name` as bools (`BOOL`, each byte 0 or 1), checked to hold `count` elements when given.
    func bools(_ name: String, count: Int? = nil) throws -> [Bool] {
        let raw = try file.rawBytes(named: entry(name, .bool, count: count).name).copyBytes()
        if let position = raw.firstIndex(where: { $0 > 1 }) {
            throw TrainingError(message: "tensor '\(name)' element \(position) is \(raw[position]); a BOOL is 0 or 1")
        }
        return raw.map { $0 == 1 }
    }
}
