import ArgumentParser
import Foundation
import MLPServer
import MLPStore

extension MLPCommandLine {
    /// `mlp server`: the shared control plane (runs, artifacts, registry, deployments, approvals
    /// of every project, behind tokens and roles).
    struct Server: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the shared server: one store for a team's projects, behind tokens and roles.",
            discussion: """
                A JSON API under /api/v1 (described at /api/v1/openapi.json and in docs/openapi.json): projects and, in \
                each, runs, steps, attempts, logs, metrics, artifacts, lineage, models and aliases, deployments and \
                approvals; content-addressed blobs (HEAD/GET/PUT /api/v1/blobs/sha256/DIGEST, GET honours Range); \
                GET /api/v1/health and /api/v1/ready need no token, /metrics (Prometheus) and everything else need \
                'Authorization: Bearer TOKEN'.

                Tokens: `mlp server token create --db DB --user NAME --role ROLE` makes one while the server runs or \
                not (it opens the store directly; start with an admin token), and prints it once: the server keeps \
                only its SHA-256. Roles: viewer reads; runner also records runs, artifacts, registry moves and \
                deployments; approver reads and decides approval gates; admin does everything and alone manages \
                tokens and reads the audit log (GET /api/v1/audit). A token given --project sees only those projects \
                (others answer 404, as if they did not exist). A client address with --auth-failure-limit failed \
                authentications within a minute is answered 429 until the minute has passed.

                SIGTERM or SIGINT stops the server gracefully: it stops accepting connections and answers the \
                requests in flight first.
                """,
            subcommands: [Token.self])

        // Declared here and in the token commands alike, so `mlp server token create --db …` reaches them.
        @OptionGroup var database: DatabaseOption

        @Option(help: ArgumentHelp("Where blobs and logs live (sha256/<2 hex>/<64 hex>, logs/PROJECT/ATTEMPT/).", valueName: "dir"))
        var artifacts = "./mlp-server/artifacts"

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on (0: any free port, printed when listening).")
        var port = 8180

        @Option(name: .customLong("auth-failure-limit"), help: "Failed authentications per client address per minute before it is refused with 429.")
        var authFailureLimit = 10

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port \(port): use 0...65535") }
            guard (1...1_000_000).contains(authFailureLimit) else { throw ValidationError("--auth-failure-limit must be in 1...1000000, not \(authFailureLimit)") }
            guard !artifacts.isEmpty else { throw ValidationError("--artifacts needs a folder path") }
            do { _ = try StoreBackend.parse(database.db) } catch { throw ValidationError("\(error)") }
        }

        func run() async throws {
            let backend = try StoreBackend.parse(database.db)
            let settings = ServerSettings(host: host, port: port, authFailureLimit: authFailureLimit)
            let host = self.host
            try await SharedServer.run(settings, backend: backend, artifactsRoot: artifacts) { port in
                print("mlp server listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                fflush(stdout)
            }
        }
    }
}

extension MLPCommandLine.Server {
    /// `mlp server token`: tokens, managed offline (the store opened directly).
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, list and revoke the server's bearer tokens (opens the server's store directly).",
            discussion: "Over HTTP an admin token does the same: POST /api/v1/tokens, GET /api/v1/tokens, DELETE /api/v1/tokens/ID.",
            subcommands: [Create.self, List.self, Revoke.self])
    }

    /// `--db`, shared by the token commands.
    struct DatabaseOption: ParsableArguments {
        @Option(help: ArgumentHelp("Where the server's metadata lives: sqlite:DIR (DIR/server.sqlite and DIR/projects/NAME.sqlite) or postgres://USER@HOST:PORT/DB.", valueName: "db"))
        var db = "sqlite:./mlp-server"

        func open() throws -> any ServerStore {
            try StoreBackend.parse(db).openServerStore()
        }

        /// Who the audit log records for an offline change.
        var actor: String { "local:\(ProcessInfo.processInfo.environment["USER"] ?? NSUserName())" }
    }
}

extension MLPCommandLine.Server.Token {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it (once: the server keeps only its hash).")

        @OptionGroup var database: MLPCommandLine.Server.DatabaseOption

        @Option(help: "Who acts with the token: the name decisions and the audit log record.")
        var user: String

        @Option(help: "viewer, runner, approver or admin.")
        var role: Role

        @Option(name: .customLong("project"), help: ArgumentHelp("A project the token is limited to (repeatable; none: every project).", valueName: "project"))
        var projects: [String] = []

        @Flag(help: "Print JSON (token, id, user, role, projects, createdAt) instead of the token alone.")
        var json = false

        func validate() throws {
            do {
                try TokenSecret.validateUser(user)
                for project in projects { try StoreAPI.validateProject(project) }
            } catch { throw ValidationError("\(error)") }
        }

        func run() async throws {
            let store = try database.open()
            let created = try store.issueToken(TokenRequest(user: user, role: role, projects: projects.isEmpty ? nil : projects),
                                               actor: database.actor, client: nil)
            if json {
                let encoder = StoreAPI.encoder
                print(String(decoding: try encoder.encode(created), as: UTF8.self))
            } else {
                print(created.token)
                FileHandle.standardError.write(Data("token \(created.id) for \(created.user) (\(created.role.rawValue)\(created.projects.map { ", projects \($0.joined(separator: ", "))" } ?? "")): shown only this once; send it as 'Authorization: Bearer TOKEN' (or MLP_TOKEN)\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets), revoked ones included.")

        @OptionGroup var database: MLPCommandLine.Server.DatabaseOption
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let tokens = try database.open().tokens()
            if output.json {
                print(String(decoding: try StoreAPI.encoder.encode(tokens), as: UTF8.self))
                return
            }
            guard !tokens.isEmpty else {
                print("no tokens yet: mlp server token create --user NAME --role admin")
                return
            }
            var table = TextTable("ID", "USER", "ROLE", "PROJECTS", "CREATED", "REVOKED")
            for token in tokens {
                table.add(token.id, token.user, token.role.rawValue, token.projects?.joined(separator: ",") ?? "*",
                          Format.time(token.createdAt), token.revokedAt.map { Format.time($0) } ?? "")
            }
            print(table.render())
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (tok_…): it stops working at once.")

        @OptionGroup var database: MLPCommandLine.Server.DatabaseOption

        @Argument(help: "The token's id, as `mlp server token list` shows it.")
        var id: String

        func run() async throws {
            let now = Date().timeIntervalSince1970
            let revoked = try database.open().revokeToken(id: id, at: now, audit: AuditEvent(
                at: now, user: database.actor, action: "token.revoke", project: nil, target: id, client: nil))
            guard revoked else { throw RuntimeError("no live token has the id '\(id)' (see mlp server token list)") }
            print("revoked \(id)")
        }
    }
}

extension Role: ExpressibleByArgument {}
