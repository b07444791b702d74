import Foundation
import MLPModels
import XCTest

/// The tokenizer's steps against a tiny vocabulary written by the test.
final class WordPieceTokenizerTests: XCTestCase {
    static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "hello", "world",
                         ",", "!", "cafe", "中", "文", "a", "##a", "##aa", "-", "'", "s", "$", "3", "##0"]

    func tokenizer(maxLength: Int = 512) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: WordPieceVocabulary(tokens: Self.tokens), maxLength: maxLength)
    }

    func testGreedyLongestMatchFirstWithContinuations() throws {
        let tokenizer = try tokenizer()
        XCTAssertEqual(tokenizer.tokenize("unaffable"), ["un", "##aff", "##able"])
        XCTAssertEqual(tokenizer.tokenize("aaaaa"), ["a", "##aa", "##aa"])
        XCTAssertEqual(tokenizer.tokenize("unknownword"), ["[UNK]"], "a word with no full segmentation is one [UNK]")
        XCTAssertEqual(tokenizer.tokenize("300"), ["3", "##0", "##0"])
    }

    func testBasicSplittingLowercasingAccentsAndPunctuation() throws {
        let tokenizer = try tokenizer()
        XCTAssertEqual(tokenizer.tokenize("Hello, WORLD!"), ["hello", ",", "world", "!"])
        XCTAssertEqual(tokenizer.tokenize("Café"), ["cafe"], "NFD then non-spacing marks dropped")
        XCTAssertEqual(tokenizer.tokenize("Cafe\u{301}"), ["cafe"])
        XCTAssertEqual(tokenizer.tokenize("中文"), ["中", "文"], "CJK ideographs become one word each")
        XCTAssertEqual(tokenizer.tokenize("a's"), ["a", "'", "s"])
        XCTAssertEqual(tokenizer.tokenize("$3"), ["$", "3"], "ASCII symbols split like punctuation")
        XCTAssertEqual(tokenizer.tokenize("hel\u{0}lo\u{7} wor\u{200B}ld\u{FFFD}"), ["hello", "world"],
                       "NUL, U+FFFD, control and format characters are dropped")
        XCTAssertEqual(tokenizer.tokenize("hello\u{3000}\tworld\u{A0}!"), ["hello", "world", "!"], "every whitespace splits")
        XCTAssertEqual(tokenizer.tokenize(String(repeating: "a", count: 101)), ["[UNK]"], "over 100 characters")
        XCTAssertEqual(tokenizer.tokenize(String(repeating: "a", count: 100)).count, 51, "a, 49 × ##aa, ##a")
    }

    func testSpecialTokensInTheTextStayWhole() throws {
        let tokenizer = try tokenizer()
        XCTAssertEqual(tokenizer.tokenize("hello [MASK] world[SEP]"), ["hello", "[MASK]", "world", "[SEP]"])
        XCTAssertEqual(tokenizer.tokenize("[mask]"), ["[UNK]", "[UNK]", "[UNK]"], "a lower-case spelling is ordinary text: [, mask, ]")
    }

    func testEncodeAddsSpecialTokensTruncatesAndMasks() throws {
        let tokenizer = try tokenizer(maxLength: 5)
        let short = tokenizer.encode("hello world")
        XCTAssertEqual(short.ids, [2, 8, 9, 3])
        XCTAssertEqual(short.attentionMask, [1, 1, 1, 1])
        XCTAssertFalse(short.truncated)
        let long = tokenizer.encode("hello world hello world")
        XCTAssertEqual(long.ids, [2, 8, 9, 8, 3])
        XCTAssertTrue(long.truncated)
        XCTAssertEqual(tokenizer.encode("").ids, [2, 3])

        let batch = tokenizer.encode(batch: ["hello", "hello world !"])
        XCTAssertEqual(batch.map(\.ids), [[2, 8, 3, 0, 0], [2, 8, 9, 11, 3]])
        XCTAssertEqual(batch.map(\.attentionMask), [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
        XCTAssertEqual(try tokenizer.truncating(to: 3).encode("hello world").ids, [2, 8, 3])
        XCTAssertThrowsError(try tokenizer.truncating(to: 1))
    }

    func testLoadsFolderSettingsAndReportsBadFiles() throws {
        let folder = try temporaryFolder(self)
        try (Self.tokens.joined(separator: "\r\n") + "\r\n").write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        try #"{"do_lower_case": false, "model_max_length": 1000000000000000019884624838656, "unk_token": "[UNK]"}"#
            .write(to: folder.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        var tokenizer = try WordPieceTokenizer.load(directory: folder.path)
        XCTAssertEqual(tokenizer.vocabulary.count, Self.tokens.count, "CRLF line ends are trimmed")
        XCTAssertEqual(tokenizer.maxLength, 512, "an unset model_max_length keeps the default")
        XCTAssertFalse(tokenizer.splitter.lowercase)
        XCTAssertFalse(tokenizer.splitter.stripAccents, "strip_accents follows do_lower_case when unset")
        XCTAssertEqual(tokenizer.tokenize("Hello hello"), ["[UNK]", "hello"])

        try #"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "max_input_chars_per_word": 4}, "truncation": {"max_length": 7},"#
            .appending(#""normalizer": {"type": "BertNormalizer", "lowercase": true, "strip_accents": null, "clean_text": true, "handle_chinese_chars": true},"#)
            .appending(#""added_tokens": [{"id": 4, "content": "[MASK]"}]}"#)
            .write(to: folder.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        tokenizer = try WordPieceTokenizer.load(directory: folder.path)
        XCTAssertEqual(tokenizer.maxLength, 7)
        XCTAssertEqual(tokenizer.maxCharactersPerWord, 4)
        XCTAssertTrue(tokenizer.splitter.stripAccents)
        XCTAssertEqual(tokenizer.tokenize("HELLO [MASK] [SEP] cafe"), ["[UNK]", "[MASK]", "[UNK]", "[UNK]", "[UNK]", "cafe"],
                       "hello is over 4 characters; only the added [MASK] is matched whole")

        try #"{"model": {"type": "BPE"}}"#.write(to: folder.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try WordPieceTokenizer.load(directory: folder.path)) { error in
            XCTAssertTrue("\(error)".contains("model.type is BPE, not WordPiece"), "\(error)")
        }
        XCTAssertThrowsError(try WordPieceTokenizer.load(directory: folder.appendingPathComponent("missing").path)) { error in
            XCTAssertTrue("\(error)".contains("vocab.txt: cannot read"), "\(error)")
        }
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: WordPieceVocabulary(tokens: ["a"]))) { error in
            XCTAssertEqual(error as? TokenizerError, .missingToken(token: "[UNK]", role: "unknown"))
        }
    }
}
