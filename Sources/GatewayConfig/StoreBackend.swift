/// Where the gateway keeps its state: `store:` of `gateway.yaml`.
///
/// `store.backend` is `sqlite` (the default: one host, the store in `state_dir`) or `postgresql` (a shared
/// database that several gatewayd hosts use at once; its keys are on ``PostgresStoreConfiguration``).
public enum StoreBackend: Sendable {
    /// The embedded store in `state_dir`.
    case sqlite
    /// A PostgreSQL database.
    case postgresql(PostgresStoreConfiguration)

    /// The `backend` value: `sqlite` or `postgresql`.
    public var name: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgresql: "postgresql"
        }
    }
}
