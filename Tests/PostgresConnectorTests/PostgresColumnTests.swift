import Foundation
import MLPData
import NIOCore
import PostgresNIO
@testable import PostgresConnector
import Testing

@Suite("PostgresConnector column types and error scrubbing")
struct PostgresColumnTests {
    struct Leaky: Error, CustomStringConvertible {
        var description: String
    }

    @Test func everyMappedTypeHasItsDatasetType() throws {
        let expected: [(PostgresDataType, PostgresColumnBuilder.Kind)] = [
            (.int2, .int), (.int4, .int), (.int8, .int), (.float4, .float), (.float8, .float), (.numeric, .numeric), (.bool, .bool),
            (.text, .string), (.varchar, .string), (.bpchar, .string), (.name, .string), (.uuid, .string), (.json, .string), (.jsonb, .string),
            (.date, .date), (.timestamp, .date), (.timestamptz, .date), (.bytea, .unmapped), (.int4Array, .unmapped), (.interval, .unmapped),
        ]
        for (type, kind) in expected { #expect(PostgresColumnBuilder.kind(of: type) == kind, "\(type)") }
        #expect { try PostgresColumnBuilder(name: "payload", type: .bytea).checkMapped() } throws: {
            "\($0)".contains("column 'payload' is of type BYTEA") && "\($0)".contains("payload::text")
        }
    }

    @Test func cellsBecomeTypedValuesAndNulls() throws {
        var ints = PostgresColumnBuilder(name: "n", type: .int4)
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(-42))
        try ints.append(PostgresCell(bytes: buffer, dataType: .int4, format: .binary, columnName: "n", columnIndex: 0), row: 0)
        try ints.append(PostgresCell(bytes: nil, dataType: .int4, format: .binary, columnName: "n", columnIndex: 0), row: 1)
        let column = ints.finish()
        #expect(column.storage == .int([-42, 0]))
        #expect(column.validity == [true, false])

        var flags = PostgresColumnBuilder(name: "b", type: .bool)
        var one = ByteBuffer()
        one.writeInteger(UInt8(1))
        try flags.append(PostgresCell(bytes: one, dataType: .bool, format: .binary, columnName: "b", columnIndex: 0), row: 0)
        #expect(flags.finish().storage == .bool([true]))
    }

    @Test func everyMessageIsScrubbedOfThePassword() throws {
        let source = try PostgresSource(url: "postgres://reader:p%40ss-Word9@127.0.0.1:5432/shop")
        let runner = PostgresQueryRunner(source: source)
        let text = runner.describe(Leaky(description: "failed with p@ss-Word9 in postgres://reader:p%40ss-Word9@127.0.0.1:5432/shop"))
        #expect(!text.contains("p@ss-Word9") && !text.contains("p%40ss-Word9"), "\(text)")
        #expect(text.contains("***"))
    }

    @Test func aClosedPortIsAConnectionErrorWithoutThePassword() async throws {
        // Port 1 on loopback: nothing listens there (connection refused at once).
        let source = try PostgresSource(url: "postgres://reader:Sup3r-Secret@127.0.0.1:1/shop")
        await #expect { _ = try await PostgresQueryRunner(source: source).run(query: "SELECT 1", params: []) } throws: { error in
            let text = "\(error)"
            return text.contains("cannot connect to postgres://reader@127.0.0.1:1/shop") && !text.contains("Sup3r-Secret")
        }
    }
}
