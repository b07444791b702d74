import Foundation
import MLPCore
import Testing
@testable import MLPData

/// The parallel CSV reader (windows cut into parts parsed at once, typed columns without text, a second
/// reading for late text columns) against the one-threaded reference reader it replaced.
@Suite struct CSVParallelReaderTests {
    /// Options that cut even tiny inputs into `parts` parts of windows of `chunk` bytes per part.
    static func options(chunk: Int, parts: Int, base: CSVOptions = CSVOptions()) -> CSVOptions {
        var options = base
        options.chunkSize = chunk
        options.parts = parts
        options.minimumPartBytes = 1
        return options
    }

    /// Equal datasets, floats compared bit for bit (−0.0 is not 0.0, NaN is NaN).
    static func identical(_ a: Dataset, _ b: Dataset) -> Bool {
        guard a.rowCount == b.rowCount, a.columns.count == b.columns.count else { return false }
        for (x, y) in zip(a.columns, b.columns) {
            guard x.name == y.name, x.validity == y.validity else { return false }
            if case .float(let u) = x.storage, case .float(let v) = y.storage {
                if u.map(\.bitPattern) != v.map(\.bitPattern) { return false }
            } else if x.storage != y.storage {
                return false
            }
        }
        return true
    }

    /// The outcome of a read: the dataset or the error's text.
    static func outcome(_ read: () throws -> Dataset) -> Result<Dataset, CSVErrorText> {
        do { return .success(try read()) } catch { return .failure(CSVErrorText(text: "\(error)")) }
    }

    struct CSVErrorText: Error, Equatable { let text: String }

    static func same(_ a: Result<Dataset, CSVErrorText>, _ b: Result<Dataset, CSVErrorText>) -> Bool {
        switch (a, b) {
        case (.success(let x), .success(let y)): return identical(x, y)
        case (.failure(let x), .failure(let y)): return x == y
        default: return false
        }
    }

    @Test func cutsInsideQuotedFieldsWithNewlinesAndCRLFGiveTheSameDataset() throws {
        var text = "id,note,value\r\n"
        for i in 0..<400 {
            let note = i % 3 == 0 ? "\"line one\r\nline \"\"two\"\", with comma\nthree\"" : "plain \(i)"
            text += "\(i),\(note),\(Double(i) / 8)\r\n"
        }
        let reference = try ReferenceCSVReader.read(text: text)
        #expect(reference.rowCount == 400)
        for chunk in [16, 61, 97, 256, 4096] {
            for parts in [2, 3, 4] {
                let dataset = try CSVReader.read(text: text, options: Self.options(chunk: chunk, parts: parts))
                #expect(Self.identical(dataset, reference), "chunk \(chunk), parts \(parts)")
            }
        }
        #expect(reference["note"]?[0] == .string("line one\r\nline \"two\", with comma\nthree"))
    }

    @Test func aStrayQuoteThatMisleadsTheCutIsStillReadFrontToBack() throws {
        // `a"b` is a literal quote (not at a field start), so the quote parity the cuts go by is wrong after it:
        // a part that starts inside a record is found out and parsed again from the part before.
        var text = "k,v\n"
        for i in 0..<300 { text += i == 7 ? "a\"b,\"x\ny\"\n" : "\(i),\"q\(i)\nz\"\n" }
        let reference = try ReferenceCSVReader.read(text: text)
        for chunk in [32, 100, 1000] {
            for parts in [2, 4] {
                #expect(Self.identical(try CSVReader.read(text: text, options: Self.options(chunk: chunk, parts: parts)), reference))
            }
        }
    }

    @Test func aColumnThatTurnsToTextLateIsReadAgainKeepingItsText() throws {
        var text = "code,n,flag\n"
        for i in 0..<2000 { text += "00\(i % 10),\(i),\(i % 2 == 0)\n" }
        text += "N/A,1.5,maybe\n"
        let reference = try ReferenceCSVReader.read(text: text)
        #expect(reference.columns.map(\.type) == [.string, .float, .string])
        for parts in [1, 2, 3] {
            let dataset = try CSVReader.read(text: text, options: Self.options(chunk: 128, parts: parts))
            #expect(Self.identical(dataset, reference), "parts \(parts)")
            #expect(dataset["code"]?[0] == .string("000"))
            #expect(dataset["flag"]?[1] == .string("false"))
            #expect(dataset["n"]?[2000] == .float(1.5))
        }
    }

    @Test func negativeZeroBeforeTheFirstFloatIsAnIntZeroAndAfterItMinusZero() throws {
        // Read front to back, "-0" before the column's first float is the int 0 (later 0.0); after it, −0.0.
        var text = "x\n-0\n"
        for i in 0..<300 { text += "\(i)\n" }
        text += "0.5\n"
        for i in 0..<300 { text += i % 50 == 0 ? "-0\n" : "\(i)\n" }
        let reference = try ReferenceCSVReader.read(text: text)
        guard case .float(let values)? = reference["x"]?.storage else {
            Issue.record("x is not a float column")
            return
        }
        #expect(values[0].bitPattern == (0.0).bitPattern)
        #expect(values[302].bitPattern == (-0.0).bitPattern)
        for chunk in [8, 64, 500] {
            for parts in [2, 3] {
                #expect(Self.identical(try CSVReader.read(text: text, options: Self.options(chunk: chunk, parts: parts)), reference))
            }
        }
    }

    @Test func theFirstErrorInTheFileIsReportedWithItsLineWhicheverPartFindsIt() throws {
        var lines = ["a,b"]
        for i in 0..<500 { lines.append(i % 37 == 0 ? "\"multi\nline\",\(i)" : "\(i),\(i)") }
        var late = lines
        late[450] = "1,2,3"  // wrong field count deep in the file
        var both = late
        both[90] = "\"x\"y,1"  // an earlier error: text after a closing quote
        var typed = lines
        typed[300] = "7,seven"
        var declared = CSVOptions()
        declared.columnTypes = ["b": .int]
        for (text, base) in [(late, CSVOptions()), (both, CSVOptions()), (typed, declared)].map({ ($0.0.joined(separator: "\n"), $0.1) }) {
            let reference = Self.outcome { try ReferenceCSVReader.read(text: text, options: base) }
            guard case .failure = reference else {
                Issue.record("the reference read an invalid file")
                continue
            }
            for chunk in [64, 300, 2048] {
                for parts in [2, 3, 4] {
                    let result = Self.outcome { try CSVReader.read(text: text, options: Self.options(chunk: chunk, parts: parts, base: base)) }
                    #expect(Self.same(result, reference), "chunk \(chunk), parts \(parts): \(result) vs \(reference)")
                }
            }
        }
        let error = try #require(throws: CSVError.self) { try CSVReader.read(text: late.joined(separator: "\n"), options: Self.options(chunk: 64, parts: 3)) }
        #expect(error.line == 464)  // the header, 449 records before it, 13 of them with a newline inside quotes
        #expect(error.column == 3)
    }

    @Test func randomFilesReadLikeTheReferenceReader() throws {
        var generator = SplitMix64(seed: 20_261_207)  // fixed: a failure replays
        let pools: [[String]] = [
            ["0", "17", "-42", "007", "-0", "+3"], ["1.5", "-2.25e-3", ".5", "5.", "nan", "-inf", "0.39693240467661023", "1e400", "4.9e-324"],
            ["true", "FALSE", "True"], ["alpha", "x y", "ü", "N/A"], ["\"a,b\"", "\"say \"\"hi\"\"\"", "\"multi\nline\"", "\"cr\r\nlf\"", "\"\"", "\"12\""], [""],
        ]
        var checked = 0
        for round in 0..<400 {
            let columns = Int.random(in: 1...4, using: &generator)
            let rows = Int.random(in: 0...150, using: &generator)
            let main = (0..<columns).map { _ in Int.random(in: 0..<pools.count, using: &generator) }
            let rare = (0..<columns).map { _ in Int.random(in: 0..<pools.count, using: &generator) }
            let rareFrom = (0..<columns).map { _ in Int.random(in: 0...(rows + 5), using: &generator) }
            let end = ["\n", "\r\n", "\r"][Int.random(in: 0...2, using: &generator)]
            var text = (0..<columns).map { "c\($0)" }.joined(separator: ",") + end
            for row in 0..<rows {
                if Int.random(in: 0...30, using: &generator) == 0 { text += end }
                var fields = (0..<columns).map { column -> String in
                    let pool = row >= rareFrom[column] && Int.random(in: 0...2, using: &generator) == 0 ? rare[column] : main[column]
                    return pools[pool].randomElement(using: &generator)!
                }
                switch Int.random(in: 0...400, using: &generator) {
                case 0: fields.append("extra")
                case 1: fields[0] = "\"x\"y"
                case 2: fields[0] = "\"open"
                case 3: fields[0] = "a\"b"
                default: break
                }
                text += fields.joined(separator: ",") + (row < rows - 1 || Bool.random(using: &generator) ? end : "")
            }
            var base = CSVOptions()
            if round % 7 == 0 { base.columnTypes = ["c0": [ColumnType.int, .float, .bool, .string][round / 7 % 4]] }
            let reference = Self.outcome { try ReferenceCSVReader.read(text: text, options: base) }
            let chunk = [16, 40, 128, 1024][Int.random(in: 0...3, using: &generator)]
            let parts = Int.random(in: 1...4, using: &generator)
            let result = Self.outcome { try CSVReader.read(text: text, options: Self.options(chunk: chunk, parts: parts, base: base)) }
            #expect(Self.same(result, reference), "round \(round), chunk \(chunk), parts \(parts): \(text.debugDescription.prefix(400))")
            checked += 1
        }
        #expect(checked == 400)
    }

    @Test func floatsNeedingTheStrtodFallbackReadExactly() throws {
        let values = ["1234567890123456789012345", "0.000000000000000000000000001234567890123456789", "4.9e-324", "2.2250738585072011e-308",
                      "1.7976931348623157e308", "1e309", "-1e-400", "123456789012345678901.5", "0.1000000000000000055511151231257827"]
        let dataset = try CSVReader.read(text: "x\n" + values.joined(separator: "\n"))
        guard case .float(let parsed)? = dataset["x"]?.storage else {
            Issue.record("x is not a float column")
            return
        }
        for (text, value) in zip(values, parsed) { #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)") }
    }

    @Test func decimalsOfUpTo19DigitsParseBitIdenticalToTheStandardLibrary() throws {
        var generator = SplitMix64(seed: 99)  // fixed: a failure replays
        var mismatches: [String] = []
        for round in 0..<60_000 {
            var text = Bool.random(using: &generator) ? "-" : ""
            if round % 5 == 0 { text += String(repeating: "0", count: Int.random(in: 1...6, using: &generator)) }
            let digits = (0..<Int.random(in: 1...22, using: &generator)).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
            let point = Int.random(in: 0...digits.count, using: &generator)
            text += String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if round % 2 == 0 { text += "e\(Int.random(in: -330...310, using: &generator))" }
            let bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeBufferPointer { FieldParsing.double($0.baseAddress!, $0.count) }
            let expected = Double(text)
            if parsed?.bitPattern != expected?.bitPattern { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func quotesAreCountedEightBytesAtATimeLikeOneByOne() {
        var generator = SplitMix64(seed: 3)
        let pool: [UInt8] = [0x22, 0x22 ^ 0x80, 0xA2, 0x21, 0x23, 0, 0xFF, 0x02]
        let bytes = (0..<1000).map { _ in pool[Int.random(in: 0...7, using: &generator)] }
        bytes.withUnsafeBufferPointer { buffer in
            for (from, to) in [(0, 1000), (3, 997), (5, 12), (7, 7), (1, 8)] {
                let expected = buffer[from..<to].filter { $0 == UInt8(ascii: "\"") }.count
                #expect(CSVParser.countQuotes(buffer.baseAddress!, from: from, to: to) == expected)
            }
        }
    }

    @Test func theProfileCountsTextLikeADictionary() throws {
        var generator = SplitMix64(seed: 7)
        let words = (0..<500).map { "w\($0)-\(String(repeating: "x", count: $0 % 19))" }
        let values: [String?] = (0..<20_000).map { _ in Int.random(in: 0...9, using: &generator) == 0 ? nil : words[Int.random(in: 0..<words.count, using: &generator)] }
        let profile = Profile.profile(of: .string("s", values))
        var counts: [String: Int] = [:]
        for case let value? in values { counts[value, default: 0] += 1 }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(Profile.topCount)
        #expect(profile.distinct == counts.count)
        #expect(profile.top == top.map { Profile.Frequency(value: $0.key, count: $0.value) })
        #expect(profile.nulls == values.filter { $0 == nil }.count)
    }
}
