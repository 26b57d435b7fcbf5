import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import GatewayPostgres
import GatewayStore
import Logging

/// `gatewayd store`: operations on the store as a whole.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Operations on the store as a whole.", subcommands: [StoreCopyCommand.self])
}

/// `gatewayd store copy --from sqlite:PATH --to postgresql`: moves a SQLite installation's state into the
/// PostgreSQL store that gateway.yaml names (see `StoreCopy` for what moves), holding the SQLite store's daemon
/// lock throughout, so it refuses while a daemon runs there and no daemon starts there meanwhile.
struct StoreCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract:
            "Copy a SQLite store's queued messages, dedup keys, consent, caps and customers into the configured"
            + " PostgreSQL store (empty), in one transaction, with progress; exit 1 on any error.")

    @OptionGroup var options: ConfigOptions

    @Option(
        help: ArgumentHelp("The SQLite store: sqlite:STATE_DIR (or sqlite:PATH/gateway.sqlite3).", valueName: "source"))
    var from: String

    @Option(help: ArgumentHelp("Where to: postgresql (the store gateway.yaml names).", valueName: "destination"))
    var to: String

    func validate() throws {
        guard from.hasPrefix("sqlite:"), from.count > "sqlite:".count else {
            throw ValidationError("--from must be sqlite:PATH (the SQLite state directory or its gateway.sqlite3)")
        }
        guard to == "postgresql" else { throw ValidationError("--to must be postgresql") }
    }

    func run() throws {
        guard let configuration = options.load() else { throw ExitCode(1) }
        guard case .postgresql(let postgres) = configuration.store else {
            printError(
                "gatewayd store copy: gateway.yaml's store is sqlite; set 'store: {backend: postgresql, url: …}'")
            throw ExitCode(1)
        }
        let path = String(from.dropFirst("sqlite:".count))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            printError("gatewayd store copy: \(path) does not exist")
            throw ExitCode(1)
        }
        let stateDirectory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        var logger = Logger(label: "gatewayd") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .notice
        do {
            // Held until the copy ends: no daemon runs on the source meanwhile.
            let lock = try InstanceLock(stateDirectory: stateDirectory)
            defer { withExtendedLifetime(lock) {} }
            let source = try SQLiteStoreExport(path)
            let connection = try StoreConnection.open(postgres)
            try PostgresSchema.migrate(connection, node: postgres.nodeName, logger: logger)
            let moved = try StoreCopy.run(from: source, to: connection) { line in
                printError("store copy: " + line)
            }
            print(
                "copied \(source.path) to \(connection.target): "
                    + moved.map { "\($0.table) \($0.rows)" }.joined(separator: ", "))
        } catch {
            printError("gatewayd store copy: \(error)")
            throw ExitCode(1)
        }
    }
}
