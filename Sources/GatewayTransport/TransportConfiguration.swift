/// Limits and identity for a ``CurlTransport``.
public struct TransportConfiguration: Sendable, Hashable {
    /// The most connections kept open to one host; further transfers to it wait for a free connection.
    public var maxConnectionsPerHost: Int
    /// The most connections kept open in total, across all hosts.
    public var maxTotalConnections: Int
    /// The `User-Agent` sent with every request that does not set its own.
    public var userAgent: String
    /// The largest response body accepted; a longer one fails with ``TransportError/responseTooLarge``.
    public var maxResponseBytes: Int
    /// A PEM bundle that replaces the system CA certificates for vendor connections (private deployments).
    public var caFile: String?

    /// - Parameters:
    ///   - maxConnectionsPerHost: the most connections to one host.
    ///   - maxTotalConnections: the most connections in total.
    ///   - userAgent: the default `User-Agent`.
    ///   - maxResponseBytes: the largest response body accepted.
    public init(
        maxConnectionsPerHost: Int = 64,
        maxTotalConnections: Int = 256,
        userAgent: String = "channel-gateway/0.1",
        maxResponseBytes: Int = 1 << 20,
        caFile: String? = nil
    ) {
        self.caFile = caFile
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxTotalConnections = maxTotalConnections
        self.userAgent = userAgent
        self.maxResponseBytes = maxResponseBytes
    }
}
