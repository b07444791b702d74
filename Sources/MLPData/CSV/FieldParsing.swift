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

    /// 10^e for e in 0...22, each exact in a `Double` (a switch the compiler turns into a constant table).
    @inline(__always)
    static func powerOfTen(_ e: Int) -> Double {
        switch e {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// Whether the 8 bytes of `word` are all ASCII digits.
    @inline(__always)
    static func isEightDigits(_ word: UInt64) -> Bool {
        ((word &+ 0x4646_4646_4646_4646) | (word &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080 == 0
    }

    /// The value of 8 ASCII digits loaded little-endian (first digit in the low byte), by SWAR as in fast_float.
    @inline(__always)
    static func eightDigits(_ word: UInt64) -> UInt64 {
        var value = word &- 0x3030_3030_3030_3030
        value = (value &* 10) &+ (value >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        return (((value & mask) &* 0x000F_4240_0000_0064) &+ (((value >> 16) & mask) &* 0x0000_2710_0000_0001)) >> 32
    }

    /// Reads a run of decimal digits at `i` into `mantissa` (wrapping: a caller with more than 19 significant
    /// digits does not use it). Returns where the run ends.
    @inline(__always)
    static func digits(_ p: UnsafePointer<UInt8>, _ i: Int, _ count: Int, _ mantissa: inout UInt64) -> Int {
        var i = i
        #if _endian(little)
        while i + 8 <= count, case let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self), isEightDigits(word) {
            mantissa = mantissa &* 100_000_000 &+ eightDigits(word)
            i += 8
        }
        #endif
        while i < count, case let digit = p[i] &- UInt8(ascii: "0"), digit < 10 {
            mantissa = mantissa &* 10 &+ UInt64(digit)
            i += 1
        }
        return i
    }

    /// A decimal number (`-1.5`, `2e10`, `.5`, `nan`, `inf`), correctly rounded like `strtod`. A mantissa of
    /// at most 2⁵³ with a power of ten up to 22 is one exact operation (Clinger's fast path); other mantissas
    /// of up to 19 significant digits take the Eisel–Lemire algorithm; the rest (longer, subnormal, out of
    /// range) go through `strtod`.
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
        let integerStart = i
        i = digits(p, i, count, &mantissa)
        var digitCount = i - integerStart
        var fractionDigits = 0
        if i < count, p[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            i = digits(p, i, count, &mantissa)
            fractionDigits = i - fractionStart
            digitCount += fractionDigits
        }
        guard digitCount > 0 else { return special(p, count) }
        let digitsEnd = i
        var exponent = -fractionDigits
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
        if digitCount > 19 {
            // Leading zeros are not significant; more than 19 significant digits overflowed the mantissa.
            var zeros = 0
            var k = integerStart
            while k < digitsEnd, p[k] == UInt8(ascii: "0") || p[k] == UInt8(ascii: ".") {
                if p[k] == UInt8(ascii: "0") { zeros += 1 }
                k += 1
            }
            if digitCount - zeros > 19 { return slow(p, count) }
        }
        if mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            let value = Double(mantissa)
            let scaled = exponent < 0 ? value / powerOfTen(-exponent) : value * powerOfTen(exponent)
            return negative ? -scaled : scaled
        }
        if mantissa != 0, exponent >= -342, exponent <= 308, let value = eiselLemire(mantissa, exponent, negative: negative) {
            return value
        }
        return slow(p, count)
    }

    /// `w × 10^q` correctly rounded, for a nonzero `w` of at most 19 digits, by the Eisel–Lemire algorithm
    /// (as in fast_float: one or two 64×128-bit products with a truncated power of five). `nil` where it
    /// cannot decide cheaply or the result is subnormal, zero or infinite: the caller falls back to `strtod`.
    @inline(__always)
    static func eiselLemire(_ w: UInt64, _ q: Int, negative: Bool) -> Double? {
        let lz = w.leadingZeroBitCount
        let normalized = w << UInt64(lz)
        let index = 2 * (q + 342)
        return powersOfFive128.withUnsafeBufferPointer { table -> Double? in
            var (high, low) = normalized.multipliedFullWidth(by: table[index])
            let precisionMask = UInt64.max >> 55  // 52 explicit mantissa bits + 3
            if high & precisionMask == precisionMask {
                let second = normalized.multipliedFullWidth(by: table[index + 1]).high
                let (sum, carry) = low.addingReportingOverflow(second)
                low = sum
                if carry { high &+= 1 }
            }
            // The product may be too coarse only outside the exponents where it is exact (fast_float's
            // original guard, kept as a cheap safety net: such inputs go to strtod).
            if low == UInt64.max, q < -27 || q > 55 { return nil }
            let upperBit = Int(high >> 63)
            let shift = UInt64(upperBit + 64 - 52 - 3)
            var mantissa = high >> shift
            var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - lz + 1023
            if power2 <= 0 { return nil }  // subnormal: strtod
            // Round half to even: a product exactly halfway rounds down when the mantissa is even.
            if low <= 1, q >= -4, q <= 23, mantissa & 3 == 1, mantissa << shift == high { mantissa &= ~1 }
            mantissa += mantissa & 1
            mantissa >>= 1
            if mantissa >= (2 << 52) {
                mantissa = 1 << 52
                power2 += 1
            }
            mantissa &= ~(1 << 52)
            if power2 >= 0x7FF { return nil }  // overflow: strtod says infinity
            let bits = mantissa | UInt64(power2) << 52 | (negative ? 1 << 63 : 0)
            return Double(bitPattern: bits)
        }
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
