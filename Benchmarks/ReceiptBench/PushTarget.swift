/// Where receipts go: `http://HOST:PORT/PATH`, where `{vendor}` in the path becomes each receipt's vendor
/// (`aliyun` or `tencent`), so one phase can feed several callback instances.
struct PushTarget: Sendable {
    let host: String
    let port: Int
    let pathTemplate: String

    init(url: String) throws(BenchFailure) {
        guard url.hasPrefix("http://") else { throw BenchFailure("only http:// URLs are supported: \(url)") }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let parts = authority.split(separator: ":", maxSplits: 1)
        guard let host = parts.first, !host.isEmpty else { throw BenchFailure("no host in \(url)") }
        let port = parts.count == 2 ? Int(parts[1]) : 80
        guard let port, (1...65535).contains(port) else { throw BenchFailure("bad port in \(url)") }
        self.host = String(host)
        self.port = port
        self.pathTemplate = path.isEmpty ? "/" : String(path)
    }

    var hostHeader: String { "\(host):\(port)" }

    func path(for vendor: ReceiptRecord.Vendor) -> String {
        pathTemplate.replacing("{vendor}", with: vendor.rawValue)
    }
}
