import Foundation

/// A JUnit XML report: one `<testsuite>` inside `<testsuites>`, the shape GitHub (test-reporter
/// actions), GitLab (`artifacts:reports:junit`) and Jenkins (`junit` step) read.
struct JUnitXML: Equatable {
    /// One test case and how it ended.
    struct TestCase: Equatable {
        enum Outcome: Equatable {
            case passed
            /// A check that did not hold: `<failure>`.
            case failure(message: String, type: String, detail: String)
            /// Something that broke rather than failed a check (cancelled, interrupted): `<error>`.
            case error(message: String, type: String, detail: String)
            case skipped(message: String)
        }

        var classname: String
        var name: String
        var time: Double
        var outcome: Outcome
        /// Shown as the case's `<system-out>` (what was cached, what was compared).
        var output: String?

        init(classname: String, name: String, time: Double = 0, outcome: Outcome = .passed, output: String? = nil) {
            self.classname = classname
            self.name = name
            self.time = time
            self.outcome = outcome
            self.output = output
        }
    }

    var name: String
    var timestamp: Date?
    var hostname: String?
    var properties: [(name: String, value: String)] = []
    var cases: [TestCase] = []

    static func == (lhs: JUnitXML, rhs: JUnitXML) -> Bool {
        lhs.name == rhs.name && lhs.cases == rhs.cases && lhs.properties.map(\.name) == rhs.properties.map(\.name)
            && lhs.properties.map(\.value) == rhs.properties.map(\.value)
    }

    var failures: Int { cases.filter { if case .failure = $0.outcome { return true } else { return false } }.count }
    var errors: Int { cases.filter { if case .error = $0.outcome { return true } else { return false } }.count }
    var skipped: Int { cases.filter { if case .skipped = $0.outcome { return true } else { return false } }.count }
    var time: Double { cases.map(\.time).reduce(0, +) }

    /// The document, UTF-8, with every attribute and text escaped (control characters XML 1.0
    /// forbids are dropped).
    func render() -> String {
        let counts = "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(Self.seconds(time))\""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"\(Self.attribute(name))\" \(counts)>\n"
        out += "  <testsuite name=\"\(Self.attribute(name))\" \(counts)"
        if let timestamp {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            out += " timestamp=\"\(formatter.string(from: timestamp))\""
        }
        if let hostname { out += " hostname=\"\(Self.attribute(hostname))\"" }
        out += ">\n"
        if !properties.isEmpty {
            out += "    <properties>\n"
            for property in properties {
                out += "      <property name=\"\(Self.attribute(property.name))\" value=\"\(Self.attribute(property.value))\"/>\n"
            }
            out += "    </properties>\n"
        }
        for test in cases {
            out += "    <testcase classname=\"\(Self.attribute(test.classname))\" name=\"\(Self.attribute(test.name))\" time=\"\(Self.seconds(test.time))\""
            var body = ""
            switch test.outcome {
            case .passed: break
            case .failure(let message, let type, let detail):
                body += "      <failure message=\"\(Self.attribute(message))\" type=\"\(Self.attribute(type))\">\(Self.text(detail))</failure>\n"
            case .error(let message, let type, let detail):
                body += "      <error message=\"\(Self.attribute(message))\" type=\"\(Self.attribute(type))\">\(Self.text(detail))</error>\n"
            case .skipped(let message):
                body += "      <skipped message=\"\(Self.attribute(message))\"/>\n"
            }
            if let output = test.output, !output.isEmpty { body += "      <system-out>\(Self.text(output))</system-out>\n" }
            out += body.isEmpty ? "/>\n" : ">\n" + body + "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    static func seconds(_ value: Double) -> String {
        String(format: "%.3f", value.isFinite ? max(0, value) : 0)
    }

    /// Text content: `&`, `<`, `>` escaped, and characters XML 1.0 cannot hold dropped.
    static func text(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (v >= 0xFFFE && v <= 0xFFFF) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// An attribute value: as ``text(_:)``, plus quotes, and line breaks kept as character references.
    static func attribute(_ value: String) -> String {
        text(value).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;")
            .replacingOccurrences(of: "\r", with: "&#13;").replacingOccurrences(of: "\t", with: "&#9;")
    }
}
