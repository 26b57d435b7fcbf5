import ChannelKit
import GatewayConfig
import GatewayPostgres

/// `check-config --connect`: whether the configured store can be reached and its schema is one this gatewayd
/// can use. Changes nothing.
struct StoreCheck {
    /// False when gatewayd could not start on this store (unreachable, or a newer schema).
    var ok: Bool
    /// One line for the terminal.
    var line: String
    /// The schema version found, for `--json`.
    var schemaVersion: Int?

    static func run(_ configuration: GatewayConfiguration) -> StoreCheck {
        guard case .postgresql(let postgres) = configuration.store else {
            return StoreCheck(
                ok: true, line: "store: sqlite in \(configuration.stateDirectory) (nothing to connect to)",
                schemaVersion: nil)
        }
        let connection: PostgresConnection
        do {
            connection = try StoreConnection.open(postgres)
        } catch {
            return StoreCheck(ok: false, line: "store: postgresql: \(error)", schemaVersion: nil)
        }
        let server = "store: postgresql \(connection.target) (server \(Self.version(connection.serverVersion)))"
        let installed: Int
        do {
            installed = try PostgresSchema.installedVersion(connection)
        } catch {
            return StoreCheck(ok: false, line: "\(server): \(error)", schemaVersion: nil)
        }
        let known = PostgresSchema.version
        if installed > known {
            return StoreCheck(
                ok: false,
                line: "\(server): schema version \(installed) is newer than this gatewayd's \(known); run the newer"
                    + " gatewayd", schemaVersion: installed)
        }
        if installed < known {
            let found = installed == 0 ? "no gateway schema yet" : "schema version \(installed)"
            return StoreCheck(
                ok: true,
                line: "\(server): \(found); gatewayd brings it to version \(known) when it starts, or run"
                    + " `gatewayd migrate`", schemaVersion: installed)
        }
        return StoreCheck(ok: true, line: "\(server): schema version \(installed) (current)", schemaVersion: installed)
    }

    /// `150010` as `15.10`.
    static func version(_ number: Int) -> String { "\(number / 10_000).\(number % 10_000)" }

    /// The `store` member of `--json`.
    var document: JSONValue {
        .object([
            "ok": .bool(ok), "message": .string(line),
            "schema_version": schemaVersion.map { .number(String($0)) } ?? .null,
        ])
    }
}
