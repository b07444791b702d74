import Foundation
import MLPData

/// Reads a dataset artifact: an `mlpds` file, or CSV with a header row (what script steps write).
enum DatasetLoader {
    static func load(_ path: String) throws -> Dataset {
        let head = FileHandle(forReadingAtPath: path).map { handle -> Data in
            defer { try? handle.close() }
            return handle.readData(ofLength: DatasetFile.magic.count)
        } ?? Data()
        if [UInt8](head) == DatasetFile.magic { return try DatasetFile.read(path) }
        return try CSVReader.read(path: path)
    }
}
