import Foundation
import MLPTensor

/// Writes a matrix of embeddings ([rows, width] float32) to a `.npy` or `.safetensors` file,
/// atomically (temporary file, fsync, rename).
public enum EmbeddingMatrixWriter {
    /// Why a matrix could not be written.
    public struct WriteError: Error, CustomStringConvertible {
        /// What went wrong, with the path.
        public let description: String
    }

    /// Writes `rows` (all of width `width`) to `path`; the format follows the extension
    /// (`.npy`: NumPy v1.0, little-endian `<f4`, C order; `.safetensors`: one F32 tensor `embeddings`).
    public static func write(_ rows: [[Float]], width: Int, to path: String) throws {
        guard rows.allSatisfy({ $0.count == width }) else {
            throw WriteError(description: "\(path): rows of differing widths; expected \(width) each")
        }
        var values: [Float] = []
        values.reserveCapacity(rows.count * width)
        for row in rows { values += row }
        let data = values.withUnsafeBytes { Array($0) }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npy":
            try writeNpy(data, shape: [rows.count, width], to: path)
        case "safetensors":
            try SafetensorsWriter.write([TensorToWrite(name: "embeddings", dtype: .f32, shape: [rows.count, width], bytes: data)], to: path)
        default:
            throw WriteError(description: "\(path): unknown output type; name the file .npy or .safetensors")
        }
    }

    private static func writeNpy(_ data: [UInt8], shape: [Int], to path: String) throws {
        let failure: (String) -> Error = { WriteError(description: "\(path): \($0)") }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
        // Magic (6) + version (2) + header length (2) + header, padded with spaces to 64 bytes, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        var file = try AtomicFile(path: path, failure: failure)
        defer { file.abandon() }
        try file.write(bytes, failure: failure)
        try file.write(data, failure: failure)
        try file.commit(failure: failure)
    }
}
