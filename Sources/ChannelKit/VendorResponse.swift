/// A vendor's HTTP reply, as the core received it. Transport failures never reach an adapter.
public struct VendorResponse: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// Header fields in received order.
    public var headers: [HTTPHeader]
    /// The body bytes.
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The `Retry-After` header as a delay, when given in seconds.
    public var retryAfter: Duration? {
        guard let text = headers.value(named: "Retry-After"), let seconds = Int(text.trimmingSpaces()), seconds >= 0
        else { return nil }
        return .seconds(seconds)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (no Foundation needed).
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
