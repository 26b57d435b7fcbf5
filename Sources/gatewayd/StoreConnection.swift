import Foundation
import GatewayConfig
import GatewayPostgres

/// The PostgreSQL connection the verbs open, named after the node in `pg_stat_activity`.
enum StoreConnection {
    static func open(_ postgres: PostgresStoreConfiguration) throws -> PostgresConnection {
        let url = try PostgresConnectionString(postgres.url)
        return try PostgresConnection(url, applicationName: "gatewayd \(postgres.nodeName)")
    }
}

/// One line on stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
