import Foundation
import MLPCore
import PostgresNIO

// A group commit in a handful of statements, not a few per item.
//
// A fan-out's group commit carries thousands of tiny changes (a step moving, an attempt, a
// metric point). Sent one statement each, every change costs a few round trips to PostgreSQL;
// here they are applied in order in memory (each step move checked against the status the step
// has at that point of the group) and written in multi-row statements. Whatever must see rows
// written earlier in the group (a run's move, an approval, a model registration, which refers to
// artifacts) first flushes what is pending, so the group still reads as its changes applied one
// after another, and it is still one transaction: all of it or none.
extension PostgresStore {
    /// The rows a group commit has yet to write, and where the ids they get go in the results.
    struct PendingWrites {
        var newSteps: [(result: Int, step: StepRecord)] = []
        var stepUpdates: [Int64: StepRecord] = [:]
        var stepUpdateOrder: [Int64] = []
        /// Attempts named by step and number (no id), each change's record; the last one of an
        /// attempt is what is written.
        var attemptsByKey: [(result: Int, attempt: AttemptRecord)] = []
        var attemptUpdates: [(result: Int, attempt: AttemptRecord)] = []
        var artifacts: [ArtifactRecord] = []
        var lineage: [LineageRecord] = []
        var metrics: [MetricRecord] = []

        var isEmpty: Bool {
            newSteps.isEmpty && stepUpdates.isEmpty && attemptsByKey.isEmpty && attemptUpdates.isEmpty
                && artifacts.isEmpty && lineage.isEmpty && metrics.isEmpty
        }
    }

    /// Applies a group in a transaction that has not taken the schema's write lock yet: the
    /// first statement takes it (with the steps' statuses when there are steps to move).
    static func applyGroup(_ changes: [StateChange], _ db: PGSession, schema: String) throws -> [CommittedChange] {
        var statuses = try lockedStatuses(of: Set(changes.flatMap { $0.steps.compactMap(\.id) }), db, schema: schema)
        var pending = PendingWrites()
        var results: [CommittedChange] = []
        results.reserveCapacity(changes.count)
        for change in changes {
            let index = results.count
            results.append(CommittedChange())
            if let update = change.run {
                try flush(&pending, into: &results, db)
                try applyRunUpdate(update, db)
            }
            for step in change.steps {
                guard let id = step.id else { throw StoreError.corrupt("step \(step.displayName) has no id") }
                guard let current = statuses[id] else { throw StoreError.stepNotFound(run: step.runID, step: step.displayName) }
                if current != step.status, !current.canTransition(to: step.status) {
                    throw StoreError.invalidTransition(step: step.displayName, from: current, to: step.status)
                }
                statuses[id] = step.status
                if pending.stepUpdates.updateValue(step, forKey: id) == nil { pending.stepUpdateOrder.append(id) }
            }
            pending.newSteps += change.newSteps.map { (index, $0) }
            if let attempt = change.attempt {
                if attempt.id == nil { pending.attemptsByKey.append((index, attempt)) } else { pending.attemptUpdates.append((index, attempt)) }
            }
            pending.artifacts += change.artifacts
            pending.lineage += change.lineage
            pending.metrics += change.metrics
            if change.approval != nil || change.registration != nil {
                try flush(&pending, into: &results, db)
                var rest = StateChange()
                rest.approval = change.approval
                rest.registration = change.registration
                let applied = try apply(rest, db)
                results[index].approval = applied.approval
                results[index].registered = applied.registered
            }
        }
        try flush(&pending, into: &results, db)
        return results
    }

    /// The status of each step, by id (steps that do not exist are absent).
    ///
    /// Takes the schema's write lock first, in the same statement when there are steps: the rows
    /// are read `FOR UPDATE`, which returns each row's newest committed version even when the
    /// statement's snapshot was taken before the lock was granted (a writer that held it and
    /// committed meanwhile is seen).
    private static func lockedStatuses(of ids: Set<Int64>, _ db: PGSession, schema: String) throws -> [Int64: StepStatus] {
        var statuses: [Int64: StepStatus] = [:]
        if ids.isEmpty {
            db.post(PGClient.lockStatement, [.text(schema)])
            return statuses
        }
        let all = PGValue.array(PGArray(element: .bigint, values: ids.map { .int($0) }))
        let sql = "SELECT s.id, s.status FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS lock, steps AS s WHERE s.id = ANY($2::bigint[]) FOR UPDATE OF s"
        for row in try db.run(sql, [.text(schema), all]).rows {
            let raw = try row[1].decode(String.self)
            guard let status = StepStatus(rawValue: raw) else { throw StoreError.corrupt("steps.status holds an unknown value '\(raw)'") }
            statuses[try row[0].decode(Int64.self)] = status
        }
        return statuses
    }

    /// Writes what is pending, in an order that satisfies the foreign keys (steps before the
    /// attempts and lineage that name them, artifacts before lineage), and puts the new ids into
    /// the results.
    private static func flush(_ pending: inout PendingWrites, into results: inout [CommittedChange], _ db: PGSession) throws {
        guard !pending.isEmpty else { return }
        if !pending.newSteps.isEmpty {
            let columns = ["runID", "name", "index", "kind", "status", "attempts", "cacheHit", "item", "childCount"]
            let rows: [[PGValue]] = pending.newSteps.map { _, step in
                [.text(step.runID), .text(step.name), step.index.map { .int(Int64($0)) } ?? .null, .text(step.kind), .text(step.status.rawValue),
                 .int(Int64(step.attempts)), .bool(step.cacheHit), step.item.map(PGValue.text) ?? .null, step.childCount.map { .int(Int64($0)) } ?? .null]
            }
            // Matched back by the steps' identity (run, name, index), not by the order rows come back in.
            let returned = try db.insertMany(into: "steps", columns: columns, rows: rows, returning: ["id", "runID", "name", "index"])
            var ids: [String: Int64] = [:]
            for row in returned {
                let index = try row[3].decode(Int64?.self)
                ids["\(try row[1].decode(String.self))\u{0}\(try row[2].decode(String.self))\u{0}\(index.map(String.init) ?? "-")"] = try row[0].decode(Int64.self)
            }
            for (result, step) in pending.newSteps {
                var step = step
                guard let id = ids["\(step.runID)\u{0}\(step.name)\u{0}\(step.index.map(String.init) ?? "-")"] else {
                    throw StoreError.corrupt("inserting step \(step.displayName) of run \(step.runID) returned no id")
                }
                step.id = id
                results[result].newSteps.append(step)
            }
        }
        if !pending.stepUpdates.isEmpty {
            let columns: [(String, String)] = [
                ("id", "bigint"), ("status", "text"), ("attempts", "bigint"), ("cacheKey", "text"), ("cacheHit", "boolean"),
                ("cachedFrom", "bigint"), ("cacheParts", "text"), ("startedAt", "double precision"), ("finishedAt", "double precision"),
                ("error", "text"), ("outputs", "text"), ("item", "text"), ("childCount", "bigint"),
            ]
            let rows: [[PGValue]] = pending.stepUpdateOrder.map { id in
                let step = pending.stepUpdates[id]!
                return [.int(id), .text(step.status.rawValue), .int(Int64(step.attempts)), step.cacheKey.map(PGValue.text) ?? .null,
                        .bool(step.cacheHit), step.cachedFrom.map(PGValue.int) ?? .null, step.cacheParts.map(PGValue.text) ?? .null,
                        step.startedAt.map(PGValue.double) ?? .null, step.finishedAt.map(PGValue.double) ?? .null,
                        step.error.map(PGValue.text) ?? .null, step.outputs.map(PGValue.text) ?? .null, step.item.map(PGValue.text) ?? .null,
                        step.childCount.map { .int(Int64($0)) } ?? .null]
            }
            try db.updateMany(table: "steps", key: "id", columns: columns, rows: rows)
        }
        if !pending.attemptsByKey.isEmpty {
            var latest: [AttemptKey: AttemptRecord] = [:]
            var order: [AttemptKey] = []
            for (_, attempt) in pending.attemptsByKey {
                let key = AttemptKey(attempt)
                if latest.updateValue(attempt, forKey: key) == nil { order.append(key) }
            }
            let ids = try db.upsertAttempts(order.map { latest[$0]! })
            for (result, attempt) in pending.attemptsByKey {
                var attempt = attempt
                guard let id = ids[AttemptKey(attempt)] else {
                    throw StoreError.corrupt("writing attempt \(attempt.number) of step \(attempt.stepID) returned no id")
                }
                attempt.id = id
                results[result].attempt = attempt
            }
        }
        for (result, attempt) in pending.attemptUpdates {
            try db.update(attempt, in: "attempts", key: ["id"])
            results[result].attempt = attempt
        }
        if !pending.artifacts.isEmpty { try db.insertMany(pending.artifacts, into: "artifacts", onConflictDoNothing: true) }
        if !pending.lineage.isEmpty { try db.insertMany(pending.lineage, into: "lineage", onConflictDoNothing: true) }
        if !pending.metrics.isEmpty { try db.insertMany(pending.metrics, into: "metrics") }
        pending = PendingWrites()
    }
}

extension PGSession {
    /// PostgreSQL takes at most 65,535 parameters in one statement.
    static let parameterLimit = 65_535

    /// Inserts rows of `columns` in as few multi-row statements as the parameter limit allows, and
    /// returns the `returning` columns of every inserted row (in no promised order: match them
    /// back by a key).
    @discardableResult
    func insertMany(into table: String, columns: [String], rows: [[PGValue]], onConflictDoNothing: Bool = false,
                    returning: [String] = []) throws -> [PostgresRandomAccessRow] {
        guard !rows.isEmpty, !columns.isEmpty else { return [] }
        let perStatement = max(1, Self.parameterLimit / columns.count)
        let names = columns.map(PGRecordEncoder.quote).joined(separator: ", ")
        var returned: [PostgresRandomAccessRow] = []
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let chunk = rows[start..<min(start + perStatement, rows.count)]
            var position = 0
            let tuples = chunk.map { row -> String in
                "(" + row.map { _ in position += 1; return "$\(position)" }.joined(separator: ", ") + ")"
            }.joined(separator: ", ")
            var sql = "INSERT INTO \(table) (\(names)) VALUES \(tuples)"
            if onConflictDoNothing { sql += " ON CONFLICT DO NOTHING" }
            if !returning.isEmpty { sql += " RETURNING " + returning.map(PGRecordEncoder.quote).joined(separator: ", ") }
            // Nothing to read back: posted (a failure is reported by the next statement waited on).
            if returning.isEmpty { post(sql, Array(chunk.joined())) } else { returned += try run(sql, Array(chunk.joined())).rows }
        }
        return returned
    }

    /// Inserts records (their Codable keys are the columns; a nil `id` is left to the sequence).
    @discardableResult
    func insertMany<T: Encodable>(_ records: [T], into table: String, onConflictDoNothing: Bool = false,
                                  returning: [String] = []) throws -> [PostgresRandomAccessRow] {
        guard let first = records.first else { return [] }
        let columns = try PGRecordEncoder.columns(of: first).map(\.name).filter { $0 != "id" }
        let rows: [[PGValue]] = try records.map { record in
            let values = Dictionary(try PGRecordEncoder.columns(of: record).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            return columns.map { values[$0] ?? .null }
        }
        return try insertMany(into: table, columns: columns, rows: rows, onConflictDoNothing: onConflictDoNothing, returning: returning)
    }
    /// Writes attempts named by step and number in one statement: a row that is there is
    /// updated, the others are inserted; returns each attempt's id.
    func upsertAttempts(_ attempts: [AttemptRecord]) throws -> [AttemptKey: Int64] {
        guard !attempts.isEmpty else { return [:] }
        func column<T>(_ element: PGArray.Element, _ value: (AttemptRecord) -> T?, _ bind: (T) -> PGValue) -> PGValue {
            .array(PGArray(element: element, values: attempts.map { value($0).map(bind) ?? .null }))
        }
        let arrays: [PGValue] = [
            column(.bigint, { $0.stepID }, PGValue.int), column(.bigint, { Int64($0.number) }, PGValue.int),
            column(.text, { $0.outcome.rawValue }, PGValue.text), column(.text, { $0.handle }, PGValue.text),
            column(.double, { $0.startedAt }, PGValue.double), column(.double, { $0.finishedAt }, PGValue.double),
            column(.bigint, { $0.exitCode.map(Int64.init) }, PGValue.int), column(.text, { $0.error }, PGValue.text),
            column(.text, { $0.stdoutPath }, PGValue.text), column(.text, { $0.stderrPath }, PGValue.text),
        ]
        let names = ["stepID", "number", "outcome", "handle", "startedAt", "finishedAt", "exitCode", "error", "stdoutPath", "stderrPath"]
        let types = ["bigint", "bigint", "text", "text", "double precision", "double precision", "bigint", "text", "text", "text"]
        let unnested = types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
        let assignments = names.dropFirst(2).map { "\($0) = v.\($0)" }.joined(separator: ", ")
        let list = names.joined(separator: ", ")
        let sql = """
            WITH v AS (SELECT * FROM unnest(\(unnested)) AS v(\(list))),
            u AS (UPDATE attempts AS a SET \(assignments) FROM v WHERE a.stepID = v.stepID AND a.number = v.number
                  RETURNING a.id, a.stepID, a.number),
            i AS (INSERT INTO attempts (\(list)) SELECT \(list) FROM v
                  WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.stepID = v.stepID AND u.number = v.number) RETURNING id, stepID, number)
            SELECT id, stepID, number FROM u UNION ALL SELECT id, stepID, number FROM i
            """
        var ids: [AttemptKey: Int64] = [:]
        for row in try run(sql, arrays).rows {
            ids[AttemptKey(stepID: try row[1].decode(Int64.self), number: Int(try row[2].decode(Int64.self)))] = try row[0].decode(Int64.self)
        }
        return ids
    }

    /// Updates rows by `key` (the first column) from one array parameter per column
    /// (`FROM unnest($1::bigint[], …)`): one short statement however many rows (posted: nothing is
    /// read back). `columns` pairs each column with its SQL type: bigint, text, boolean or double
    /// precision.
    func updateMany(table: String, key: String, columns: [(name: String, type: String)], rows: [[PGValue]]) throws {
        guard !rows.isEmpty else { return }
        var arrays: [PGValue] = []
        for (position, column) in columns.enumerated() {
            guard let element = PGArray.Element(sqlType: column.type) else {
                throw StoreError.corrupt("updateMany: column \(column.name) has type \(column.type), which is not bound as an array")
            }
            arrays.append(.array(PGArray(element: element, values: rows.map { $0[position] })))
        }
        let assignments = columns.filter { $0.name != key }.map { "\(PGRecordEncoder.quote($0.name)) = v.\(PGRecordEncoder.quote($0.name))" }
            .joined(separator: ", ")
        let names = columns.map { PGRecordEncoder.quote($0.name) }.joined(separator: ", ")
        let unnested = columns.enumerated().map { "$\($0.offset + 1)::\($0.element.type)[]" }.joined(separator: ", ")
        post("UPDATE \(table) AS t SET \(assignments) FROM unnest(\(unnested)) AS v(\(names)) WHERE t.\(PGRecordEncoder.quote(key)) = v.\(PGRecordEncoder.quote(key))",
             arrays)
    }
}
