import Foundation

/// Pushes Alibaba SmsReport callbacks (vendors.md 2.1.7) to a gateway, as Alibaba does after a send: numbers
/// ending in 0003 fail (`UNDELIV`), those ending in 0002 are pushed twice, those ending in 999 are pushed before
/// the send's reply (which the vendor holds back a second), the rest are delivered.
enum ReportPusher {
    private static let queue = DispatchQueue(label: "report-pusher")

    static func push(to url: String, number: String, bizID: String, outID: String, delay: Double) {
        let failed = number.hasSuffix("0003")
        let report =
            #"[{"phone_number":"\#(number)","send_time":"2026-11-24 10:00:00","report_time":"2026-11-24 10:00:05","#
            + #""success":\#(!failed),"err_code":"\#(failed ? "UNDELIV" : "DELIVERED")","err_msg":"x","sms_size":"1","#
            + #""biz_id":"\#(bizID)","out_id":"\#(outID)"}]"#
        let times = number.hasSuffix("0002") ? 2 : 1
        queue.asyncAfter(deadline: .now() + delay) {
            for _ in 0..<times { post(report, to: url) }
        }
    }

    /// A blocking HTTP/1.0 POST on loopback (the stub's pushes are few and ordered).
    private static func post(_ body: String, to url: String) {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port
        else { return }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return }
        let bytes = Array(body.utf8)
        let request =
            Array(
                ("POST \(components.path) HTTP/1.0\r\nHost: \(host)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(bytes.count)\r\n\r\n").utf8) + bytes
        _ = request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        while buffer.withUnsafeMutableBytes({ read(descriptor, $0.baseAddress, $0.count) }) > 0 {}
    }
}
