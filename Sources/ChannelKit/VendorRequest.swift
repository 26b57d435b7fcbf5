/// An HTTP request an adapter wants sent to its vendor. The core sends it; the adapter never does.
///
/// A URL with the `loopback:` scheme is answered by the core itself, without a network (see `ChannelLoopback`).
public struct VendorRequest: Sendable, Hashable {
    /// `GET`, `POST`, `PUT`, …
    public var method: String
    /// The absolute URL, query included.
    public var url: String
    /// Header fields in send order.
    public var headers: [HTTPHeader]
    /// The body bytes (empty for none).
    public var body: [UInt8]
    /// Whether the vendor requires HTTP/2 (APNs); otherwise the transport uses HTTP/1.1.
    public var requiresHTTP2: Bool

    public init(
        method: String, url: String, headers: [HTTPHeader] = [], body: [UInt8] = [], requiresHTTP2: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.requiresHTTP2 = requiresHTTP2
    }
}
