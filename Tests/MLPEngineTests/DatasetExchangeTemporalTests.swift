import Foundation
import Testing
import MLPData
@testable import MLPEngine

/// The CSV and JSON lines a script step gets show dates and timestamps (``Column/logical``) as ISO 8601,
/// and plain int columns as numbers.
@Suite struct DatasetExchangeTemporalTests {
    static func frame() throws -> Dataset {
        try Dataset(columns: [
            Column(name: "day", storage: .int([19_753, 0]), validity: [true, false], logical: .date),
            Column(name: "at", storage: .int([1_706_702_400_123_456, -1]), logical: .timestamp(.micros, utc: true)),
            Column(name: "local", storage: .int([1_706_702_400_000, 0]), logical: .timestamp(.millis, utc: false)),
            .int("n", [19_753, 2]),
        ])
    }

    @Test func csvRendersISO8601() throws {
        let text = String(decoding: DatasetExchange.csvBytes(try Self.frame()), as: UTF8.self)
        #expect(text == """
            day,at,local,n
            2024-01-31,2024-01-31T12:00:00.123456Z,2024-01-31T12:00:00,19753
            ,1969-12-31T23:59:59.999999Z,1970-01-01T00:00:00,2

            """)
    }

    @Test func jsonLinesRenderISO8601Strings() throws {
        let text = String(decoding: DatasetExchange.jsonLinesBytes(try Self.frame()), as: UTF8.self)
        #expect(text == """
            {"day": "2024-01-31", "at": "2024-01-31T12:00:00.123456Z", "local": "2024-01-31T12:00:00", "n": 19753}
            {"day": null, "at": "1969-12-31T23:59:59.999999Z", "local": "1970-01-01T00:00:00", "n": 2}

            """)
    }
}
