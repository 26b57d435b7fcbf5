internal import ChannelKit
internal import Foundation

extension ConfigLoader {
    /// Reads `store:` (see ``StoreBackend`` and ``PostgresStoreConfiguration``); `nil` means the default, SQLite.
    func readStore(_ map: ConfigMap, issues: ConfigIssueCollector) -> StoreBackend? {
        guard let store = map.map("store", keys: PostgresStoreConfiguration.keys) else { return nil }
        let backend = store.contains("backend") ? store.choice("backend", ["sqlite", "postgresql"]) : "sqlite"
        guard let backend else { return nil }  // reported
        guard backend == "postgresql" else {
            for key in PostgresStoreConfiguration.keys.dropFirst() where store.contains(key) {
                store.error(key, "'\(key)' applies only with 'backend: postgresql'")
            }
            return .sqlite
        }
        let url = readPostgresURL(store, issues: issues)
        let pool = store.int("pool", in: 1...64) ?? 8
        let lease = store.duration("lease", in: .seconds(5)...(.seconds(600))) ?? .seconds(30)
        var nodeName = Self.hostName
        if let name = store.scalar("node_name") {
            nodeName = name.text
            if !PostgresStoreConfiguration.isValidNodeName(name.text) {
                issues.error(name.mark, "'node_name' must be 1 to 63 of A-Z a-z 0-9 . _ -, found '\(name.text)'")
            }
        } else if !PostgresStoreConfiguration.isValidNodeName(nodeName) {
            issues.error(
                store.mark, "the host name '\(nodeName)' is not a valid 'node_name'; set 'node_name' in 'store'")
        }
        guard let url else { return nil }
        return .postgresql(PostgresStoreConfiguration(url: url, pool: pool, nodeName: nodeName, lease: lease))
    }

    /// `store.url`: resolved like any secret, then parsed by libpq (which never connects here).
    private func readPostgresURL(_ store: ConfigMap, issues: ConfigIssueCollector) -> Secret? {
        guard let node = store.node("url") else {
            issues.error(store.mark, "missing required key 'url' in 'store' (the PostgreSQL connection string)")
            return nil
        }
        guard case .scalar(let scalar) = resolver.resolve(node, issues: issues) else {
            issues.error(node.mark, "expected a single value for 'url', found \(node.kindName)")
            return nil
        }
        // An unresolvable reference is already reported and leaves a blank secret.
        if let secret = scalar.secret, secret.reveal().isEmpty { return nil }
        let secret = scalar.secret ?? Secret(scalar.text)
        do throws(PostgresConnectionString.Problem) {
            let parsed = try PostgresConnectionString(secret)
            if scalar.secret == nil, parsed.hasPassword {
                issues.warning(
                    scalar.mark,
                    "'url' holds a password written inline; use credential:NAME, env:NAME or file:PATH (or a .pgpass"
                        + " file)")
            }
            return secret
        } catch {
            issues.error(scalar.mark, "'url' is not a PostgreSQL connection string: \(error.message)")
            return nil
        }
    }

    /// The host name, up to its first dot: the default `node_name`.
    static var hostName: String {
        let name = ProcessInfo.processInfo.hostName
        return String(name.prefix { $0 != "." })
    }
}
