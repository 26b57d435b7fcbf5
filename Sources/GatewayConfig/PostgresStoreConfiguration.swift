public import ChannelKit

/// `store:` with `backend: postgresql`.
///
/// Keys (besides `backend`):
/// - `url` (required; a secret reference `credential:NAME`, `env:NAME` or `file:PATH`, or inline): a libpq
///   connection string, as a URI (`postgresql://gateway@db-a:5432/gateway?sslmode=verify-full`) or as
///   `key=value` words (`host=/run/postgresql dbname=gateway`). Checked by libpq's own parser when the
///   configuration loads, without connecting; a password written inline is a warning.
/// - `pool` (integer, 1...64; default 8): the most connections this node opens to the database.
/// - `node_name` (1 to 63 of `A-Z a-z 0-9 . _ -`; default the host name): how this node is named to its peers,
///   in claims and in `gatewayctl nodes`. Two nodes must not share one.
/// - `lease` (duration, 5s...10m; default 30s): how long work a node has claimed stays its own without the node
///   renewing it; after that, another node takes it over.
public struct PostgresStoreConfiguration: Sendable {
    /// The connection string.
    public var url: Secret
    /// The most connections per node.
    public var pool: Int
    /// This node's name.
    public var nodeName: String
    /// How long a claim lasts unrenewed.
    public var lease: Duration

    /// - Parameters:
    ///   - url: the libpq connection string.
    ///   - pool: default 8.
    ///   - nodeName: this node's name.
    ///   - lease: default 30 s.
    public init(url: Secret, pool: Int = 8, nodeName: String, lease: Duration = .seconds(30)) {
        self.url = url
        self.pool = pool
        self.nodeName = nodeName
        self.lease = lease
    }

    /// The keys of `store:`.
    static let keys = ["backend", "url", "pool", "node_name", "lease"]

    /// Whether `name` is a valid `node_name`.
    public static func isValidNodeName(_ name: String) -> Bool {
        (1...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }
}
