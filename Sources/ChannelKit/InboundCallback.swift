/// An HTTP request a vendor made to the gateway's callback listener.
public struct InboundCallback: Sendable, Hashable {
    /// The request method.
    public var method: String
    /// The path below `/callbacks/<instance>`.
    public var path: String
    /// The raw query string, without `?`.
    public var query: String
    /// Header fields.
    public var headers: [HTTPHeader]
    /// The body bytes.
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}
