import ChannelKit
import Foundation
import GatewayConfig
import Logging
import NIOCore
import Testing

@testable import GatewayCore
@testable import GatewayStore

/// The callback listener's HTTP handling: answers in request order on a pipelining connection, 400 and close for
/// what is not HTTP, no body for HEAD, and one connection's many answers written alike.
struct CallbackServerTests {
    final class Fixture {
        let directory = NSTemporaryDirectory() + "cg-listener-" + UUID().uuidString
        let store: SQLiteMessageStore
        let server: CallbackServer
        let port: Int

        init() throws {
            store = try SQLiteMessageStore(
                directory: directory, dedupWindow: .seconds(60), maxPendingAccepts: 100,
                clock: ManualWallClock(1_795_449_600_000), logger: Logger(label: "test"))
            // No instance exists: every callback is answered 404 by the processor, after the handler routed it.
            let processor = CallbackProcessor(store: store, lookup: { _ in nil }, logger: Logger(label: "test"))
            server = try CallbackServer(
                endpoint: ListenEndpoint(host: "127.0.0.1", port: 0), processor: processor, metrics: nil,
                logger: Logger(label: "test"))
            port = Int(server.address.split(separator: ":").last ?? "") ?? 0
        }

        /// Sends `request` on a new connection (then shuts its sending side, if `halfClose`) and reads until the
        /// server closes it (or 5 s pass).
        func exchange(_ request: String, halfClose: Bool = false) throws -> String {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(descriptor) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(connected == 0)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let bytes = Array(request.utf8)
            #expect(bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) } == bytes.count)
            if halfClose { shutdown(descriptor, Int32(SHUT_WR)) }
            var answer: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break }
                answer += buffer[0..<count]
            }
            return String(decoding: answer, as: UTF8.self)
        }

        deinit {
            server.shutdown()
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInTheirOrder() throws {
        let fixture = try Fixture()
        let answer = try fixture.exchange(
            "POST /callbacks/nobody HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]"
                + "GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /callbacks/nobody HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]")
        let bodies = answer.components(separatedBy: "\r\n\r\n").dropFirst().map { $0.prefix { $0 != "\n" } }
        #expect(bodies == ["unknown channel instance", "not found", "unknown channel instance"], "\(answer)")
        #expect(answer.hasPrefix("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 25\r\n\r\n"))
        // Only the last answer, to a request asking to close, says so.
        #expect(answer.components(separatedBy: "Connection: close").count == 2, "\(answer)")
    }

    /// A vendor that pipelines its pushes and then shuts its sending side still hears every answer: the
    /// listener's end of stream must not drop answers still owed.
    @Test func aPeerThatPipelinesThenHalfClosesGetsEveryAnswer() throws {
        let fixture = try Fixture()
        let push = "POST /callbacks/nobody HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]"
        let answer = try fixture.exchange(String(repeating: push, count: 20), halfClose: true)
        #expect(answer.components(separatedBy: "HTTP/1.1 404 Not Found").count == 21, "\(answer)")
    }

    @Test func whatIsNotHTTPIsAnswered400AndTheConnectionClosed() throws {
        let fixture = try Fixture()
        let answer = try fixture.exchange("NOT HTTP AT ALL\r\n\r\n")
        #expect(answer == "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    @Test func aHEADAnswerHasHeadersButNoBody() throws {
        let fixture = try Fixture()
        let token = String(repeating: "x", count: 65)  // longer than any token: unknown without a store lookup
        let answer = try fixture.exchange("HEAD /t/\(token) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(
            answer
                == "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
        )
    }

    @Test func aLinkTargetThatWouldSplitTheHeaderIsNotWritten() {
        let answer = CallbackProcessor.Answer(
            status: 302, contentType: "text/plain", body: "", location: "https://bank.example/\r\nSet-Cookie: x=1")
        let bytes = CallbackHandler.encode(answer, keepAlive: true, isHead: false, allocator: ByteBufferAllocator())
        let text = String(decoding: bytes.readableBytesView, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
        #expect(!text.contains("Set-Cookie"))
    }
}
