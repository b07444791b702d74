import Foundation
import MLPData

/// Reads a dataset artifact: an mlpds file (what connectors write) or, for datasets a script
/// step wrote, CSV with a header row.
public enum DatasetLoading {
    public static func load(_ path: String) throws -> Dataset {
        let head = FileHandle(forReadingAtPath: path).map { handle -> Data in
            defer { try? handle.close() }
            return handle.readData(ofLength: DatasetFile.magic.count)
        } ?? Data()
        if [UInt8](head) == DatasetFile.magic { return try DatasetFile.read(path) }
        return try CSVReader.read(path: path)
    }
}
