import PostgresTesting
import Testing

/// The store a test's gateway runs on: the embedded SQLite, or PostgreSQL on a database of its own in the shared
/// test cluster. Tests that must hold on both take it as an argument.
enum TestStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    /// gateway.yaml's `store:` line for this store (none for SQLite, the default).
    func yaml(node: String = "a") throws -> String {
        switch self {
        case .sqlite:
            return ""
        case .postgresql:
            let cluster = try PostgresCluster.shared
            return "store: {backend: postgresql, url: '\(cluster.url(database: try cluster.createDatabase()))', "
                + "node_name: \(node)}"
        }
    }
}
