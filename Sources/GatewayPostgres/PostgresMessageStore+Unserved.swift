public import GatewayStore

/// What the first PostgreSQL store does not serve: strategies. Each answers ``StoreError/unsupported(_:)`` and
/// changes nothing; `gatewayd run` refuses a configuration with strategies on this backend, so only a client's run
/// command reaches these. (The customer directory and forget are served: `+Customers`, `+Forget`.)
extension PostgresMessageStore {
    static func unserved(_ what: String) -> StoreError {
        .unsupported("\(what) is not served on store: postgresql in this release (it is on sqlite)")
    }
}
