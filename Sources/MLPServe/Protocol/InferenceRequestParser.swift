#if canImport(Glibc)
import Glibc
#endif

/// A single-pass reader of the infer request body, for the hot path: it builds an
/// ``InferenceRequest`` straight from the UTF-8 bytes, without the generic `Codable` machinery
/// (which costs more than the model for a small tabular request).
///
/// It reads the common, well-formed request and gives up (returns nil) on anything else: `null`
/// values, duplicate keys, mixed or too deeply nested data, invalid UTF-8, numbers it cannot read
/// exactly. The caller then decodes the body with `JSONDecoder`, which accepts the same requests
/// and words the errors. So the two paths always agree on what a body means; this one is only faster.
/// Every index is checked against the buffer's end before it is read.
struct InferenceRequestParser {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// The JSON header of a binary-data request (``BinaryTensorData``): an input may leave out
    /// `data` (read as empty; its bytes follow the header).
    private let allowsMissingData: Bool

    /// Nesting deeper than this (in `data` or in skipped values) gives up.
    static let maximumDepth = 32

    private init(_ bytes: UnsafeRawBufferPointer, allowsMissingData: Bool) {
        self.bytes = bytes
        self.allowsMissingData = allowsMissingData
    }

    /// The request in `bytes`, or nil when the fast reader gives up (see the type's documentation).
    /// With `allowsMissingData` (the JSON header of a binary-data request) an input without
    /// `data` reads as one with empty data, as `JSONDecoder` reads it with
    /// ``InferenceRequest/InputTensor/allowsMissingData`` in its `userInfo`.
    static func parse(_ bytes: UnsafeRawBufferPointer, allowsMissingData: Bool = false) -> InferenceRequest? {
        var parser = InferenceRequestParser(bytes, allowsMissingData: allowsMissingData)
        guard let request = parser.request() else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? request : nil
    }

    // MARK: - The request's objects

    private mutating func request() -> InferenceRequest? {
        var id: String?, parameters: [String: ParameterValue]?, inputs: [InferenceRequest.InputTensor]?, outputs: [InferenceRequest.RequestedOutput]?
        let complete = object { parser, key in
            switch key {
            case "id":
                guard id == nil, let value = parser.string() else { return false }
                id = value
            case "parameters":
                guard parameters == nil, let value = parser.parameters() else { return false }
                parameters = value
            case "inputs":
                guard inputs == nil, let value = parser.array({ $0.input() }) else { return false }
                inputs = value
            case "outputs":
                guard outputs == nil, let value = parser.array({ $0.requestedOutput() }) else { return false }
                outputs = value
            default:
                return parser.skipValue(depth: 0)
            }
            return true
        }
        guard complete, let inputs else { return nil }
        return InferenceRequest(id: id, parameters: parameters, inputs: inputs, outputs: outputs)
    }

    private mutating func input() -> InferenceRequest.InputTensor? {
        var name: String?, shape: [Int]?, datatype: String?, parameters: [String: ParameterValue]?, data: TensorData?
        let complete = object { parser, key in
            switch key {
            case "name":
                guard name == nil, let value = parser.string() else { return false }
                name = value
            case "shape":
                guard shape == nil, let value = parser.array({ $0.integer() }) else { return false }
                shape = value
            case "datatype":
                guard datatype == nil, let value = parser.string() else { return false }
                datatype = value
            case "parameters":
                guard parameters == nil, let value = parser.parameters() else { return false }
                parameters = value
            case "data":
                guard data == nil, let value = parser.tensorData() else { return false }
                data = value
            default:
                return parser.skipValue(depth: 0)
            }
            return true
        }
        guard complete, let name, let shape, let datatype else { return nil }
        guard let data = data ?? (allowsMissingData ? .numbers([]) : nil) else { return nil }
        var input = InferenceRequest.InputTensor(name: name, shape: shape, datatype: .fp32, data: data)
        input.datatype = datatype
        input.parameters = parameters
        return input
    }

    private mutating func requestedOutput() -> InferenceRequest.RequestedOutput? {
        var name: String?, parameters: [String: ParameterValue]?
        let complete = object { parser, key in
            switch key {
            case "name":
                guard name == nil, let value = parser.string() else { return false }
                name = value
            case "parameters":
                guard parameters == nil, let value = parser.parameters() else { return false }
                parameters = value
            default:
                return parser.skipValue(depth: 0)
            }
            return true
        }
        guard complete, let name else { return nil }
        var output = InferenceRequest.RequestedOutput(name: name)
        output.parameters = parameters
        return output
    }

    private mutating func parameters() -> [String: ParameterValue]? {
        var values: [String: ParameterValue] = [:]
        let complete = object { parser, key in
            guard values[key] == nil else { return false }
            parser.skipWhitespace()
            guard let byte = parser.peek() else { return false }
            switch byte {
            case UInt8(ascii: "\""): guard let text = parser.string() else { return false }; values[key] = .string(text)
            case UInt8(ascii: "t"), UInt8(ascii: "f"): guard let flag = parser.boolean() else { return false }; values[key] = .bool(flag)
            default: guard let number = parser.number() else { return false }; values[key] = .number(number)
            }
            return true
        }
        return complete ? values : nil
    }

    /// A flat or nested array whose leaves are all numbers, all booleans or all strings.
    private mutating func tensorData() -> TensorData? {
        var numbers: [Double] = [], bools: [Bool] = [], strings: [String] = []
        var kind: UInt8 = 0   // 0 none yet, 1 number, 2 boolean, 3 string
        func collect(_ parser: inout InferenceRequestParser, depth: Int) -> Bool {
            guard depth < Self.maximumDepth else { return false }
            return parser.arrayElements { parser in
                parser.skipWhitespace()
                guard let byte = parser.peek() else { return false }
                switch byte {
                case UInt8(ascii: "["):
                    return collect(&parser, depth: depth + 1)
                case UInt8(ascii: "\""):
                    guard kind == 0 || kind == 3, let text = parser.string() else { return false }
                    kind = 3
                    strings.append(text)
                case UInt8(ascii: "t"), UInt8(ascii: "f"):
                    guard kind == 0 || kind == 2, let flag = parser.boolean() else { return false }
                    kind = 2
                    bools.append(flag)
                default:
                    guard kind == 0 || kind == 1, let number = parser.number() else { return false }
                    if kind == 0 { numbers.reserveCapacity(64) }   // one allocation for a typical feature row, not six
                    kind = 1
                    numbers.append(number)
                }
                return true
            }
        }
        skipWhitespace()
        guard peek() == UInt8(ascii: "["), collect(&self, depth: 0) else { return nil }
        switch kind {
        case 2: return .bools(bools)
        case 3: return .strings(strings)
        default: return .numbers(numbers)
        }
    }

    // MARK: - JSON structure

    /// Reads `{ "key": value, ... }`, calling `member` with the parser positioned after each key's
    /// colon; `member` reads the value and returns false to give up.
    private mutating func object(_ member: (inout InferenceRequestParser, String) -> Bool) -> Bool {
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard let key = string() else { return false }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard member(&self, key) else { return false }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// Reads `[ element, ... ]` with `element` reading each one.
    private mutating func array<Element>(_ element: (inout InferenceRequestParser) -> Element?) -> [Element]? {
        var elements: [Element] = []
        let complete = arrayElements { parser in
            guard let value = element(&parser) else { return false }
            elements.append(value)
            return true
        }
        return complete ? elements : nil
    }

    /// Reads `[ ... ]`, calling `element` positioned at each element.
    private mutating func arrayElements(_ element: (inout InferenceRequestParser) -> Bool) -> Bool {
        skipWhitespace()
        guard consume(UInt8(ascii: "[")) else { return false }
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            skipWhitespace()
            guard element(&self) else { return false }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// Skips any JSON value but `null` (which makes the fast reader give up).
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < Self.maximumDepth else { return false }
        skipWhitespace()
        guard let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "{"): return object { parser, _ in parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): return arrayElements { $0.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return boolean() != nil
        default: return number() != nil
        }
    }

    // MARK: - Scalars

    private mutating func boolean() -> Bool? {
        if matches("true") { return true }
        if matches("false") { return false }
        return nil
    }

    private mutating func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let start = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
        index += count
        return true
    }

    /// A JSON string, escapes decoded; nil when it is malformed or not valid UTF-8.
    private mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var plain = true, ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII is valid UTF-8 as it stands; String(validating:as:) is generic and looked
                // up type metadata at run time for every key and name (1.4 % of a request's CPU).
                if plain && ascii { return String(decoding: raw, as: UTF8.self) }
                if plain { return String(validating: raw, as: UTF8.self) }
                return Self.unescape(raw)
            }
            if byte >= 0x80 { ascii = false }
            if byte == UInt8(ascii: "\\") {
                plain = false
                index += 2
                continue
            }
            if byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    /// The text of a string's contents with its escapes decoded; nil when an escape is malformed.
    private static func unescape(_ raw: UnsafeRawBufferPointer) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for k in at..<(at + 4) {
                let c = raw[k]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { return nil }
            let escape = raw[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(i) else { return nil }
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                          let low = hex4(i + 2), (0xDC00...0xDFFF).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                return nil
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// A whole number that fits an `Int` (a shape dimension).
    private mutating func integer() -> Int? {
        skipWhitespace()
        let negative = consume(UInt8(ascii: "-"))
        let start = index
        var value = 0
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        guard index > start, index - start == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        // A fraction or an exponent: not a plain integer; let the full decoder judge it.
        if let next = peek(), next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") { return nil }
        return negative ? -value : value
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// A JSON number as the nearest `Double` (read by `strtod`, as exact as `JSONDecoder`).
    private mutating func number() -> Double? {
        let start = index
        let negative = peek() == UInt8(ascii: "-")
        if negative { index += 1 }
        // The decimal significand's digits as an integer (while they fit) and the power of ten.
        var significand: UInt64 = 0, significandDigits = 0, powerOfTen = 0
        func addDigit(_ digit: Int) {
            if significand == 0 && digit == 0 { return }   // leading zeros add nothing
            if significandDigits < 19 { significand = significand * 10 + UInt64(digit) }
            significandDigits += 1
        }
        let integerStart = index
        while index < bytes.count, let digit = Self.digit(bytes[index]) { addDigit(digit); index += 1 }
        let integerDigits = index - integerStart
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return nil }
        if peek() == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, let digit = Self.digit(bytes[index]) {
                addDigit(digit)
                powerOfTen -= 1
                index += 1
            }
            guard index > fractionStart else { return nil }
        }
        var exactExponent = true
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            var exponent = 0
            while index < bytes.count, let digit = Self.digit(bytes[index]) {
                if exponent < 10_000 { exponent = exponent * 10 + Int(digit) } else { exactExponent = false }
                index += 1
            }
            guard index > exponentStart else { return nil }
            powerOfTen += exponentNegative ? -exponent : exponent
        }
        // Clinger's fast path: a significand below 2^53 and a power of ten within 10^±22 are both
        // exact doubles, so one multiplication or division rounds correctly, as strtod would.
        if exactExponent, significandDigits <= 15, significand < (1 << 53), (-22...22).contains(powerOfTen) {
            let magnitude = powerOfTen < 0 ? Double(significand) / Self.powersOfTen[-powerOfTen] : Double(significand) * Self.powersOfTen[powerOfTen]
            return negative ? -magnitude : magnitude
        }
        let length = index - start
        // Long numbers go to the full decoder (strtod needs a terminated copy; 64 bytes is plenty for a double).
        guard length < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Double? in
            for offset in 0..<length { buffer[offset] = CChar(bitPattern: bytes[start + offset]) }
            buffer[length] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard let end, end - buffer.baseAddress! == length, value.isFinite else { return nil }
            return value
        }
    }

    /// 10^0 ... 10^22, each exactly representable as a double.
    private static let powersOfTen: [Double] = (0...22).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }

    // MARK: - Bytes

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }
}
