#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number and bool parsing straight from field bytes, without making a `String`.
enum FieldParsing {
    /// An optional sign and 1–19 decimal digits, without overflow.
    @inline(__always)
    static func int(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        var i = 0
        var negative = false
        if count > 0, p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < count, count - i <= 19 else { return nil }
        var value: UInt64 = 0
        while i < count {
            let digit = p[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value &* 10 &+ UInt64(digit)
            i += 1
        }
        if negative {
            guard value <= UInt64(Int64.max) + 1 else { return nil }
            return value == UInt64(Int64.max) + 1 ? Int64.min : -Int64(value)
        }
        guard value <= UInt64(Int64.max) else { return nil }
        return Int64(value)
    }

    static let powersOfTen: [Double] = (0...22).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }

    /// A decimal number (`-1.5`, `2e10`, `.5`, `nan`, `inf`). Short decimals take an exact fast path
    /// (a mantissa below 2⁵³ scaled by an exact power of ten); the rest go through `strtod`.
    @inline(__always)
    static func double(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        guard count > 0 else { return nil }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var digits = 0
        var inexact = false
        while i < count, case let digit = p[i] &- UInt8(ascii: "0"), digit < 10 {
            digits += 1
            if mantissa == 0 && digit == 0 {
            } else if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                significant += 1
            } else {
                exponent += 1
                inexact = true
            }
            i += 1
        }
        if i < count, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < count, case let digit = p[i] &- UInt8(ascii: "0"), digit < 10 {
                digits += 1
                if mantissa == 0 && digit == 0 {
                    exponent -= 1
                } else if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    significant += 1
                    exponent -= 1
                } else {
                    inexact = true
                }
                i += 1
            }
        }
        guard digits > 0 else { return special(p, count) }
        if i < count, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < count, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
                exponentNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            var any = false
            while i < count, case let digit = p[i] &- UInt8(ascii: "0"), digit < 10 {
                if written < 100_000 { written = written * 10 + Int(digit) }
                any = true
                i += 1
            }
            guard any else { return nil }
            exponent += exponentNegative ? -written : written
        }
        guard i == count else { return nil }
        if !inexact, significant <= 15, exponent >= -22, exponent <= 22 {
            let value = Double(mantissa)
            let scaled = exponent < 0 ? value / powersOfTen[-exponent] : value * powersOfTen[exponent]
            return negative ? -scaled : scaled
        }
        return slow(p, count)
    }

    /// `nan`, `inf`, `infinity` in any case, with an optional sign.
    static func special(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        var text = String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self).lowercased()
        var sign = 1.0
        if text.hasPrefix("-") || text.hasPrefix("+") {
            sign = text.hasPrefix("-") ? -1 : 1
            text.removeFirst()
        }
        switch text {
        case "nan": return .nan
        case "inf", "infinity": return sign * .infinity
        default: return nil
        }
    }

    static func slow(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        guard count < 512 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer -> Double? in
            let base = buffer.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: p, byteCount: count)
            base[count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(base, &end)
            guard let end, end == base + count else { return nil }
            return value
        }
    }

    /// `true` / `false` in any case.
    @inline(__always)
    static func bool(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool? {
        if count == 4, p[0] | 0x20 == UInt8(ascii: "t"), p[1] | 0x20 == UInt8(ascii: "r"), p[2] | 0x20 == UInt8(ascii: "u"),
           p[3] | 0x20 == UInt8(ascii: "e") { return true }
        if count == 5, p[0] | 0x20 == UInt8(ascii: "f"), p[1] | 0x20 == UInt8(ascii: "a"), p[2] | 0x20 == UInt8(ascii: "l"),
           p[3] | 0x20 == UInt8(ascii: "s"), p[4] | 0x20 == UInt8(ascii: "e") { return false }
        return nil
    }
}
