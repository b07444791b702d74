import Foundation
import MLPModels
import XCTest

/// The tokenizer against Hugging Face `tokenizers` on all-MiniLM-L6-v2's vocabulary: every sentence
/// of the committed corpus (Fixtures/wordpiece-minilm.jsonl, written by scripts/tokenizer_fixture.py)
/// must get exactly the reference's ids. Needs the model's vocab.txt (scripts/fetch-model.sh);
/// skipped when it is absent. The heaviest test of the module: 2,400 encodings, about 4 s in a
/// debug build on an idle machine.
final class WordPieceMiniLMTests: XCTestCase {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
    }

    func loadCases() throws -> [Case] {
        let data = try Data(contentsOf: fixturesFolder.appendingPathComponent("wordpiece-minilm.jsonl"))
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Case.self, from: Data($0)) }
    }

    func loadTokenizer() throws -> WordPieceTokenizer {
        guard let folder = miniLMFolder() else {
            throw XCTSkip("all-MiniLM-L6-v2 not fetched: run scripts/fetch-model.sh or set MLP_MINILM_DIR")
        }
        return try WordPieceTokenizer.load(directory: folder.path)
    }

    func testMatchesHuggingFaceTokenizersOnTheCorpus() throws {
        let loaded = try loadTokenizer()
        XCTAssertEqual(loaded.maxLength, 128, "tokenizer.json's truncation length")
        XCTAssertEqual(loaded.vocabulary.count, 30522)
        // The fixture was written with truncation at 512.
        let tokenizer = try loaded.truncating(to: 512)
        let cases = try loadCases()
        XCTAssertGreaterThanOrEqual(cases.count, 2000)
        var mismatches: [String] = []
        for (line, example) in cases.enumerated() {
            let ids = tokenizer.encode(example.text).ids
            if ids != example.ids {
                let first = zip(ids, example.ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ids.count, example.ids.count)
                mismatches.append("line \(line + 1) \(example.text.debugDescription.prefix(80)): first difference at token \(first): got \(Array(ids[first...].prefix(6))), expected \(Array(example.ids[first...].prefix(6)))")
            }
        }
        print("wordpiece-minilm: \(cases.count) sentences, \(mismatches.count) mismatches")
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) sentences differ; first:\n" + mismatches.prefix(10).joined(separator: "\n"))
        XCTAssertEqual(cases.filter { $0.ids.count == 512 }.count, 12, "the corpus has inputs over 512 tokens")
    }

    /// With tokenizer.json's own truncation (128), a long input keeps its first 126 pieces then [SEP].
    func testTruncationAtTheConfiguredLength() throws {
        let tokenizer = try loadTokenizer()
        for example in try loadCases() where example.ids.count > 128 {
            let encoding = tokenizer.encode(example.text)
            XCTAssertEqual(encoding.ids, Array(example.ids.prefix(127)) + [102])
            XCTAssertTrue(encoding.truncated)
        }
    }
}
