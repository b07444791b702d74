import Foundation

extension DatasetFile {
    /// Reads the header of the file at `path` without loading its columns.
    ///
    /// - Throws: ``DatasetFileError`` naming what is wrong and at which byte.
    public static func readHeader(_ path: String) throws -> DatasetFileHeader {
        let data = try load(path)
        return try data.withUnsafeBytes { try Parser(path: path, file: $0).header().header }
    }

    /// Reads the dataset in the file at `path`, checking every length and offset before using it.
    ///
    /// - Throws: ``DatasetFileError`` naming what is wrong, in which column and at which byte.
    public static func read(_ path: String) throws -> Dataset {
        try readWithHeader(path).dataset
    }

    /// Reads the dataset and its header (which carries the stored ``Profile``, if any).
    public static func readWithHeader(_ path: String) throws -> (dataset: Dataset, header: DatasetFileHeader) {
        let data = try load(path)
        return try data.withUnsafeBytes { bytes in
            let parser = Parser(path: path, file: bytes)
            let (header, dataStart) = try parser.header()
            return (try parser.dataset(header, dataStart: dataStart), header)
        }
    }

    static func load(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw DatasetFileError(path: path, "cannot read the file: \(error.localizedDescription)")
        }
    }

    /// Checks and decodes one file's bytes. Every size read from the file is untrusted: each is checked with
    /// overflow-reporting arithmetic before it is used to index or allocate.
    struct Parser {
        let path: String
        let file: UnsafeRawBufferPointer

        func fail(_ message: String, column: String? = nil, at offset: Int? = nil) -> DatasetFileError {
            DatasetFileError(path: path, column: column, offset: offset, message)
        }

        func header() throws -> (header: DatasetFileHeader, dataStart: Int) {
            guard file.count >= preambleLength else {
                throw fail("the file is \(file.count) bytes, shorter than the \(preambleLength)-byte preamble; it is truncated or not an mlpds file")
            }
            guard Array(file[0..<6]) == magic else { throw fail("the file does not start with the mlpds magic bytes; it is not an mlpds file", at: 0) }
            let version = UInt16(littleEndian: file.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
            guard version == DatasetFile.version else {
                throw fail("format version \(version) is not supported (this reader reads version \(DatasetFile.version)); upgrade mlp", at: 6)
            }
            let rawLength = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            guard rawLength <= UInt64(maxHeaderLength) else {
                throw fail("the header length \(rawLength) exceeds the \(maxHeaderLength)-byte limit; the file is corrupt", at: 8)
            }
            let headerLength = Int(rawLength)
            let (headerEnd, overflow) = preambleLength.addingReportingOverflow(headerLength)
            guard !overflow, headerEnd <= file.count else {
                throw fail("the header claims \(headerLength) bytes but the file has only \(file.count - preambleLength) after the preamble; it is truncated", at: 8)
            }
            let header: DatasetFileHeader
            do {
                header = try JSONDecoder().decode(DatasetFileHeader.self, from: Data(file[preambleLength..<headerEnd]))
            } catch {
                throw fail("the JSON header does not decode: \(error)", at: preambleLength)
            }
            // The data section starts at the next multiple of 8, and the writer always pads up to it:
            // a file that ends inside that padding is cut short, and every buffer offset counts from there.
            let dataStart = padded(headerEnd)
            guard dataStart <= file.count else {
                throw fail("the file ends at byte \(file.count), inside the padding before the data section at byte \(dataStart); it is truncated", at: file.count)
            }
            return (header, dataStart)
        }

        func dataset(_ header: DatasetFileHeader, dataStart: Int) throws -> Dataset {
            let rows = header.rows
            guard rows >= 0 else { throw fail("the header gives a negative row count (\(rows))") }
            let dataLength = max(0, file.count - dataStart)
            var placed: [(start: Int, end: Int, column: String, role: DatasetFileHeader.Role)] = []
            var names = Set<String>()
            for entry in header.columns {
                guard names.insert(entry.name).inserted else { throw fail("the column name appears twice", column: entry.name) }
                guard entry.nulls >= 0, entry.nulls <= rows else {
                    throw fail("the null count \(entry.nulls) is outside 0...\(rows)", column: entry.name)
                }
                for buffer in entry.buffers {
                    let (end, overflow) = buffer.offset.addingReportingOverflow(buffer.length)
                    guard buffer.offset >= 0, buffer.length >= 0, !overflow, end <= dataLength else {
                        throw fail("the \(buffer.role.rawValue) buffer (offset \(buffer.offset), length \(buffer.length)) lies outside the \(dataLength)-byte data section; the file is truncated or corrupt",
                                   column: entry.name, at: dataStart &+ buffer.offset)
                    }
                    placed.append((buffer.offset, end, entry.name, buffer.role))
                }
            }
            placed.sort { $0.start < $1.start }
            for (previous, next) in zip(placed, placed.dropFirst()) where next.start < previous.end {
                throw fail("the \(next.role.rawValue) buffer overlaps the \(previous.role.rawValue) buffer of column '\(previous.column)'",
                           column: next.column, at: dataStart + next.start)
            }
            let columns = try header.columns.map { try column($0, rows: rows, dataStart: dataStart) }
            return try Dataset(columns: columns, rowCount: rows)
        }

        /// The bytes of the buffer with `role`, after checking its length is `count × width`.
        func buffer(_ entry: DatasetFileHeader.ColumnEntry, _ role: DatasetFileHeader.Role, count: Int?, width: Int,
                    dataStart: Int) throws -> UnsafeRawBufferPointer {
            let matching = entry.buffers.filter { $0.role == role }
            guard matching.count == 1, let buffer = matching.first else {
                throw fail(matching.isEmpty ? "the \(role.rawValue) buffer is missing" : "the \(role.rawValue) buffer appears \(matching.count) times",
                           column: entry.name)
            }
            if let count {
                let (expected, overflow) = count.multipliedReportingOverflow(by: width)
                guard !overflow, buffer.length == expected else {
                    throw fail("the \(role.rawValue) buffer is \(buffer.length) bytes; \(count) entries of \(width) bytes need \(overflow ? "more than Int.max" : String(expected))",
                               column: entry.name, at: dataStart + buffer.offset)
                }
            }
            let start = dataStart + buffer.offset
            return UnsafeRawBufferPointer(rebasing: file[start..<(start + buffer.length)])
        }

        func column(_ entry: DatasetFileHeader.ColumnEntry, rows: Int, dataStart: Int) throws -> Column {
            var expectedRoles: Set<DatasetFileHeader.Role>
            switch (entry.type, entry.encoding) {
            case (.string, .plain): expectedRoles = [.offsets, .bytes]
            case (.string, .dictionary): expectedRoles = [.codes, .dictionaryOffsets, .dictionaryBytes]
            case (_, .plain): expectedRoles = [.values]
            case (_, .dictionary): throw fail("a \(entry.type) column cannot be dictionary-encoded", column: entry.name)
            }
            if entry.nulls > 0 { expectedRoles.insert(.validity) }
            let roles = Set(entry.buffers.map(\.role))
            guard roles == expectedRoles, entry.buffers.count == expectedRoles.count else {
                let want = expectedRoles.map(\.rawValue).sorted().joined(separator: ", ")
                let have = entry.buffers.map(\.role.rawValue).sorted().joined(separator: ", ")
                throw fail("a \(entry.type) \(entry.encoding.rawValue) column with \(entry.nulls) nulls has buffers [\(want)], but the file lists [\(have)]",
                           column: entry.name)
            }
            func at(_ role: DatasetFileHeader.Role) -> Int {
                dataStart + entry.buffers.first { $0.role == role }!.offset
            }

            var validity: [Bool]?
            if entry.nulls > 0 {
                let bytes = try buffer(entry, .validity, count: rows, width: 1, dataStart: dataStart)
                var nulls = 0
                var flags = [Bool](repeating: true, count: rows)
                for (row, byte) in bytes.enumerated() {
                    guard byte <= 1 else { throw fail("validity byte for row \(row) is \(byte), not 0 or 1", column: entry.name, at: at(.validity) + row) }
                    if byte == 0 {
                        flags[row] = false
                        nulls += 1
                    }
                }
                guard nulls == entry.nulls else {
                    throw fail("the header counts \(entry.nulls) nulls but the validity buffer marks \(nulls)", column: entry.name, at: at(.validity))
                }
                validity = flags
            }

            let storage: ColumnStorage
            switch (entry.type, entry.encoding) {
            case (.float, _):
                let bytes = try buffer(entry, .values, count: rows, width: 8, dataStart: dataStart)
                storage = .float((0..<rows).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) })
            case (.int, _):
                let bytes = try buffer(entry, .values, count: rows, width: 8, dataStart: dataStart)
                storage = .int((0..<rows).map { Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) })
            case (.bool, _):
                let bytes = try buffer(entry, .values, count: rows, width: 1, dataStart: dataStart)
                var values = [Bool](repeating: false, count: rows)
                for (row, byte) in bytes.enumerated() {
                    guard byte <= 1 else { throw fail("bool value for row \(row) is \(byte), not 0 or 1", column: entry.name, at: at(.values) + row) }
                    values[row] = byte == 1
                }
                storage = .bool(values)
            case (.string, .plain):
                storage = .string(try strings(entry, count: rows, offsets: .offsets, bytes: .bytes, dataStart: dataStart))
            case (.string, .dictionary):
                guard let size = entry.dictionarySize, size >= 0, size <= Int(Int32.max) else {
                    throw fail("a dictionary column needs a dictionary_size between 0 and \(Int32.max)", column: entry.name)
                }
                let dictionary = try strings(entry, count: size, offsets: .dictionaryOffsets, bytes: .dictionaryBytes, dataStart: dataStart)
                let bytes = try buffer(entry, .codes, count: rows, width: 4, dataStart: dataStart)
                var codes = [Int32](repeating: 0, count: rows)
                for row in 0..<rows {
                    let code = Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: row * 4, as: Int32.self))
                    let isNull = validity.map { !$0[row] } ?? false
                    guard code >= 0, Int(code) < size || (isNull && code == 0) else {
                        throw fail("code \(code) at row \(row) is outside the \(size)-entry dictionary", column: entry.name, at: at(.codes) + row * 4)
                    }
                    codes[row] = code
                }
                storage = .categorical(codes: codes, dictionary: dictionary)
            }
            var logical: LogicalType?
            if let name = entry.logical {
                guard let known = LogicalType(name: name) else {
                    throw fail("the column's logical type \"\(name)\" is not one mlp knows (date, timestamp[ms|us|ns] or timestamp[ms|us|ns,UTC]); the file was written by a newer mlp: read it with that version", column: entry.name)
                }
                guard entry.type == .int else {
                    throw fail("the column's logical type \(name) needs an int column, not \(entry.type)", column: entry.name)
                }
                logical = known
            }
            return Column(name: entry.name, storage: storage, validity: validity, logical: logical)
        }

        /// A text buffer: `count + 1` offsets that start at 0, never decrease and end at the byte length, over
        /// valid UTF-8 whose value boundaries fall on character boundaries.
        func strings(_ entry: DatasetFileHeader.ColumnEntry, count: Int, offsets offsetsRole: DatasetFileHeader.Role,
                     bytes bytesRole: DatasetFileHeader.Role, dataStart: Int) throws -> StringBuffer {
            let (entries, overflow) = count.addingReportingOverflow(1)
            guard !overflow else { throw fail("the value count overflows", column: entry.name) }
            let rawOffsets = try buffer(entry, offsetsRole, count: entries, width: 8, dataStart: dataStart)
            let text = try buffer(entry, bytesRole, count: nil, width: 1, dataStart: dataStart)
            let offsetsStart = dataStart + entry.buffers.first { $0.role == offsetsRole }!.offset
            var offsets = [Int](repeating: 0, count: entries)
            var previous = 0
            for index in 0..<entries {
                let value = Int64(littleEndian: rawOffsets.loadUnaligned(fromByteOffset: index * 8, as: Int64.self))
                guard value >= previous, value <= Int64(text.count), index > 0 || value == 0 else {
                    throw fail("\(offsetsRole.rawValue)[\(index)] = \(value) is out of order or outside the \(text.count)-byte text buffer",
                               column: entry.name, at: offsetsStart + index * 8)
                }
                if value < text.count, text[Int(value)] & 0xC0 == 0x80 {
                    throw fail("\(offsetsRole.rawValue)[\(index)] = \(value) splits a UTF-8 character", column: entry.name, at: offsetsStart + index * 8)
                }
                offsets[index] = Int(value)
                previous = Int(value)
            }
            guard offsets[count] == text.count else {
                throw fail("the last offset is \(offsets[count]) but the text buffer is \(text.count) bytes", column: entry.name, at: offsetsStart + count * 8)
            }
            let bytes = [UInt8](text)
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw fail("the \(bytesRole.rawValue) buffer is not valid UTF-8", column: entry.name)
            }
            return StringBuffer(uncheckedBytes: bytes, offsets: offsets)
        }
    }
}
