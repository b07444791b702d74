import Foundation
import MLPCore
import MLPEngine
import PostgresConnector
import Testing

@Suite("PostgresConnector config and scrubbing")
struct PostgresConnectorConfigTests {
    @Test func urlInlineIsRefusedWithTheReason() {
        #expect {
            _ = try PostgresConnectorConfig(["url": .string("postgres://u:hunter2@h/d"), "query": .string("SELECT 1")])
        } throws: { error in
            let text = "\(error)"
            return text.contains("input 'url' is refused") && text.contains("url_env") && !text.contains("hunter2")
        }
    }

    @Test func oneOfURLEnvOrURLFileIsRequired() throws {
        #expect(throws: PostgresConnectorError.self) { _ = try PostgresConnectorConfig(["query": .string("SELECT 1")]) }
        #expect(throws: PostgresConnectorError.self) {
            _ = try PostgresConnectorConfig(["url_env": .string("A"), "url_file": .string("b"), "query": .string("SELECT 1")])
        }
        #expect(throws: PostgresConnectorError.self) { _ = try PostgresConnectorConfig(["url_env": .string("not a name"), "query": .string("SELECT 1")]) }
        let config = try PostgresConnectorConfig(["url_env": .string("PG_URL"), "query": .string("SELECT $1"),
                                                  "params": .json(.array([.number(3), .string("x"), .null, .bool(true)])), "version": .int(7)])
        #expect(config.urlSource == .environment("PG_URL"))
        #expect(config.params.count == 4)
        #expect(config.version == "7")
    }

    @Test func paramsMustBeAListOfScalars() {
        #expect(throws: PostgresConnectorError.self) {
            _ = try PostgresConnectorConfig(["url_env": .string("PG"), "query": .string("SELECT 1"), "params": .string("1")])
        }
        #expect(throws: PostgresConnectorError.self) {
            _ = try PostgresConnectorConfig(["url_env": .string("PG"), "query": .string("SELECT 1"), "params": .json(.array([.array([])]))])
        }
        #expect(throws: PostgresConnectorError.self) {
            _ = try PostgresConnectorConfig(["url_env": .string("PG"), "query": .string("SELECT 1"), "version": .string("a"), "snapshot": .string("b")])
        }
    }

    @Test func connectionStringFromTheEnvironmentIsNeverInTheError() throws {
        let config = try PostgresConnectorConfig(["url_env": .string("PG_URL"), "query": .string("SELECT 1")])
        #expect(try config.connectionString(projectDirectory: "/tmp", environment: ["PG_URL": "postgres://a:b@c/d"]) == "postgres://a:b@c/d")
        #expect { try config.connectionString(projectDirectory: "/tmp", environment: [:]) } throws: { "\($0)".contains("PG_URL") }
    }

    @Test func urlFileMustStayInsideTheProject() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pgconn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/secrets", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "postgres://u:pw@127.0.0.1:5/db\n".write(toFile: root + "/secrets/pg.url", atomically: true, encoding: .utf8)
        let inside = try PostgresConnectorConfig(["url_file": .string("secrets/pg.url"), "query": .string("SELECT 1")])
        #expect(try inside.connectionString(projectDirectory: root) == "postgres://u:pw@127.0.0.1:5/db")
        for path in ["../outside.url", "/etc/passwd", "secrets/../../x"] {
            let outside = try PostgresConnectorConfig(["url_file": .string(path), "query": .string("SELECT 1")])
            #expect { try outside.connectionString(projectDirectory: root) } throws: { "\($0)".contains("outside the project") }
        }
    }

    @Test func sourceParsesAndScrubsThePassword() throws {
        let source = try PostgresSource(url: "postgres://reader:s3cr%40t-pw@db.example:6543/shop")
        #expect(source.user == "reader")
        #expect(source.password == "s3cr@t-pw")
        #expect(source.location == "db.example:6543/shop")
        #expect(source.printable == "postgres://reader@db.example:6543/shop")
        let message = "password authentication failed for s3cr@t-pw, raw s3cr%40t-pw, url postgres://reader:s3cr%40t-pw@db.example:6543/shop"
        let scrubbed = source.secrets.scrub(message)
        #expect(!scrubbed.contains("s3cr"))
        #expect(scrubbed.contains("***"))
        #expect { try PostgresSource(url: "mysql://u:topsecret@h/d") } throws: { !"\($0)".contains("topsecret") }
        #expect { try PostgresSource(url: "postgres://u:topsecret@h/d?sslmode=require") } throws: { !"\($0)".contains("topsecret") }
    }

    @Test func cachingNeedsAVersionAndSaysWhy() {
        let connector = PostgresConnector()
        let plain: [String: PortValue] = ["url_env": .string("PG"), "query": .string("SELECT 1")]
        #expect(!connector.isCacheable(for: plain))
        #expect(connector.uncacheableReason(for: plain)?.contains("version:") == true)
        var versioned = plain
        versioned["snapshot"] = .string("2026-12-01")
        #expect(connector.isCacheable(for: versioned))
        #expect(connector.uncacheableReason(for: versioned) == nil)
        #expect(connector.sourceFiles(for: versioned).isEmpty)
    }

    @Test func validateRefusesInlineURLAtTheKey() throws {
        let registry = PluginRegistry()
        try PostgresConnector.register(into: registry)
        let yaml = """
        name: pg
        steps:
          load:
            uses: connector/postgres
            with:
              url: postgres://u:pw@127.0.0.1/db
              query: SELECT 1
        """
        let spec = try PipelineParser.parse(yaml, file: "mlp.yaml")
        let diagnostics = PipelineChecker(registry: registry).check(spec)
        let texts = diagnostics.map { "\($0)" }
        #expect(texts.contains { $0.contains("'url'") && $0.contains("refused") && $0.contains("url_env") }, "\(texts)")
        #expect(texts.contains { $0.contains("url_env") && $0.contains("one of") }, "\(texts)")
    }
}
