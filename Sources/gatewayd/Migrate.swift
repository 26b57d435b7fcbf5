import ArgumentParser
import BuiltinChannels
import Foundation
import GatewayConfig
import GatewayPostgres
import Logging

/// `gatewayd migrate`: brings the PostgreSQL store's schema to this gatewayd's version and exits.
///
/// `gatewayd run` does the same when it starts; this verb lets a deployment migrate once, before rolling new
/// binaries out to its nodes. It takes the migration lock, so it is safe while other nodes run or start.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring the PostgreSQL store's schema to this gatewayd's version, then exit (exit 1 on any error)."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        guard let configuration = options.load() else { throw ExitCode(1) }
        guard case .postgresql(let postgres) = configuration.store else {
            printError(
                "gatewayd migrate: the store is sqlite, which brings its own schema up to date when gatewayd starts;"
                    + " migrate is for 'store: {backend: postgresql}'")
            throw ExitCode(1)
        }
        var logger = Logger(label: "gatewayd") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .notice
        do {
            let connection = try StoreConnection.open(postgres)
            let outcome = try PostgresSchema.migrate(connection, node: postgres.nodeName, logger: logger)
            print(
                outcome.from == outcome.to
                    ? "schema version \(outcome.to): already current (\(connection.target))"
                    : "schema version \(outcome.from) -> \(outcome.to) (\(connection.target))")
        } catch {
            printError("gatewayd migrate: \(error)")
            throw ExitCode(1)
        }
    }
}
