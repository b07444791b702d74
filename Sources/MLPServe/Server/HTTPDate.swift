import Foundation
import NIOConcurrencyHelpers

/// The `Date` header value (RFC 9110 IMF-fixdate, `Wed, 02 Dec 2026 06:00:00 GMT`), formatted
/// once a second and shared by every connection.
enum HTTPDate {
    private static let cache = NIOLockedValueBox<(second: Int, text: String)>((-1, ""))

    /// Now, as a `Date` header value.
    static func now() -> String {
        var seconds = time(nil)
        return cache.withLockedValue { cached in
            if cached.second == seconds { return cached.text }
            var parts = tm()
            gmtime_r(&seconds, &parts)
            var buffer = [CChar](repeating: 0, count: 40)
            let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
            cached = (seconds, String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return cached.text
        }
    }
}
