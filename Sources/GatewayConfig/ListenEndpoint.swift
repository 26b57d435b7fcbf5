/// An IPv4 address and TCP port to listen on, written `127.0.0.1:8780`.
public struct ListenEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The dotted IPv4 address.
    public var host: String
    /// The port; 0 lets the system pick.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `A.B.C.D:PORT`; `nil` if malformed.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil && !$0.isEmpty }) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { "\(host):\(port)" }
}
