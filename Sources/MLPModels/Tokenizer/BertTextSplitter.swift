import Foundation

/// BERT's basic tokenization, as Hugging Face `tokenizers` does it (`BertNormalizer` then
/// `BertPreTokenizer`): clean the text, isolate CJK ideographs, strip accents, lower-case, then
/// split on whitespace and around punctuation.
public struct BertTextSplitter: Sendable, Equatable {
    /// Remove control characters and turn every kind of whitespace into a space.
    public var cleanText = true
    /// Put spaces around CJK ideographs so each becomes its own word.
    public var splitChineseCharacters = true
    /// Decompose (NFD) and drop non-spacing marks.
    public var stripAccents = true
    /// Lower-case each character (full Unicode mapping, one character at a time).
    public var lowercase = true

    /// BERT uncased's settings: all steps on.
    public init(cleanText: Bool = true, splitChineseCharacters: Bool = true, stripAccents: Bool = true, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.splitChineseCharacters = splitChineseCharacters
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// The normalized text's words, each an array of Unicode scalars.
    public func words(_ text: String) -> [[Unicode.Scalar]] {
        var scalars = Array(text.unicodeScalars)
        if cleanText { scalars = Self.clean(scalars) }
        if splitChineseCharacters { scalars = Self.isolateChineseCharacters(scalars) }
        if stripAccents { scalars = Self.stripAccents(scalars) }
        if lowercase { scalars = Self.lowercased(scalars) }
        return Self.split(scalars)
    }

    /// Drops NUL, U+FFFD and control characters (categories Cc, Cf and Co, except tab, newline and
    /// carriage return) and maps whitespace to a space.
    static func clean(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var cleaned: [Unicode.Scalar] = []
        cleaned.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            cleaned.append(isWhitespace(scalar) ? " " : scalar)
        }
        return cleaned
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// The reference counts Cc, Cf and Co as control (its `is_other`); unassigned code points (Cn)
    /// are kept, and become `[UNK]` in WordPiece.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// The CJK ideograph blocks BERT isolates (the same ranges as the reference implementation,
    /// including its 0x2B920 start of extension E).
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    static func isolateChineseCharacters(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var spaced: [Unicode.Scalar] = []
        spaced.reserveCapacity(scalars.count)
        for scalar in scalars {
            if isChineseCharacter(scalar) {
                spaced.append(" ")
                spaced.append(scalar)
                spaced.append(" ")
            } else {
                spaced.append(scalar)
            }
        }
        return spaced
    }

    /// Each character's full lower-case mapping, with no context (Σ becomes σ everywhere).
    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var lowered: [Unicode.Scalar] = []
        lowered.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.isASCII {
                lowered.append(scalar.value >= 65 && scalar.value <= 90 ? Unicode.Scalar(UInt8(scalar.value + 32)) : scalar)
            } else if scalar.properties.changesWhenLowercased {
                lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                lowered.append(scalar)
            }
        }
        return lowered
    }

    /// NFD, then every non-spacing mark (Mn) dropped.
    static func stripAccents(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // Below U+00C0 nothing decomposes and nothing is a mark.
        guard scalars.contains(where: { $0.value >= 0xC0 }) else { return scalars }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        let decomposed = String(text).decomposedStringWithCanonicalMapping
        return decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
    }

    /// ASCII symbols BERT counts as punctuation (33–47, 58–64, 91–96, 123–126) and Unicode's P* categories.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<128: return false
        default: break
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// Splits on whitespace (dropped) and around each punctuation character (kept as its own word).
    static func split(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if scalar == " " || (!scalar.isASCII || scalar.value < 33) && scalar.properties.isWhitespace {
                if !current.isEmpty { words.append(current); current = [] }
            } else if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
