import ChannelKit
import GatewayTransport
import Glibc
import Logging
import Testing

/// How far a failed request got: nothing written (resend freely), written with no answer (ambiguous), or a
/// status line whose body could not be read (the vendor answered).
@Suite(.serialized)
struct RequestDeliveryTests {
    private static func transport() -> CurlTransport {
        let transport = CurlTransport(configuration: .init(), logger: Logger(label: "delivery-test"))
        transport.start()
        return transport
    }

    private static func result(
        _ transport: CurlTransport, _ url: String, timeout: Duration = .seconds(5), http2: Bool = false
    ) async -> TransportResult {
        let request = VendorRequest(
            method: "POST", url: url, body: Array(#"{"to":"x"}"#.utf8), requiresHTTP2: http2)
        return await withCheckedContinuation { continuation in
            transport.submit(request, timeout: timeout) { continuation.resume(returning: $0) }
        }
    }

    private static func failure(
        _ transport: CurlTransport, _ url: String, timeout: Duration = .seconds(5), http2: Bool = false
    ) async -> TransportError? {
        let result = await result(transport, url, timeout: timeout, http2: http2)
        guard case .failure(let error, _) = result else {
            Issue.record("expected a failure from \(url), got \(result)")
            return nil
        }
        return error
    }

    @Test func aRefusedConnectionSentNothing() async throws {
        let server = try await TestHTTPServer.start()
        let port = try await TestHTTPServer.refusedPort()
        let transport = Self.transport()
        defer { transport.shutdown() }
        // A handle that already carried a request is reused: its byte count must not leak into the next transfer.
        let first = await Self.result(transport, server.url("/status/503"))
        guard case .response(let response, _) = first, response.status == 503 else {
            Issue.record("expected a 503, got \(first)")
            return
        }
        try await server.stop()
        let error = try #require(await Self.failure(transport, "http://127.0.0.1:\(port)/send"))
        #expect(error == .connectFailed)
        #expect(!error.requestSent)
        #expect(error.responseStatus == nil)
        #expect(!error.isAmbiguous)
        #expect(!error.isUnreadableSuccess)
    }

    @Test func anUnresolvableHostSentNothing() async throws {
        let transport = Self.transport()
        defer { transport.shutdown() }
        let error = try #require(await Self.failure(transport, "http://no-such-host.invalid/send"))
        #expect(error == .resolveFailed)
        #expect(!error.requestSent)
        #expect(!error.isAmbiguous)
    }

    @Test func aTimeoutWhileConnectingSentNothing() async throws {
        let listener = try BacklogFullListener()
        defer { listener.close() }
        let transport = Self.transport()
        defer { transport.shutdown() }
        let error = try #require(
            await Self.failure(transport, "http://127.0.0.1:\(listener.port)/send", timeout: .milliseconds(300)))
        #expect(error.isTimeout)
        #expect(!error.requestSent)
        #expect(!error.isAmbiguous)
    }

    @Test func aTimeoutAfterTheRequestWasWrittenIsAmbiguous() async throws {
        let server = try await TestHTTPServer.start()
        let transport = Self.transport()
        defer { transport.shutdown() }
        let error = try #require(await Self.failure(transport, server.url("/slow"), timeout: .milliseconds(300)))
        #expect(error.isTimeout)
        #expect(error.requestSent)
        #expect(error.responseStatus == nil)
        #expect(error.isAmbiguous)
        #expect(server.stats.requests == 1)
        try await server.stop()
    }

    @Test func aHangUpAfterTheRequestWasReadIsAmbiguous() async throws {
        let server = try await TestHTTPServer.start()
        let transport = Self.transport()
        defer { transport.shutdown() }
        let error = try #require(await Self.failure(transport, server.url("/close")))
        #expect(error == .connectionReset)
        #expect(error.requestSent)
        #expect(error.isAmbiguous)
        try await server.stop()
    }

    @Test(arguments: ["/big", "/big-chunked"])
    func anOversized200KeepsItsStatus(path: String) async throws {
        let server = try await TestHTTPServer.start()
        let transport = Self.transport()
        defer { transport.shutdown() }
        let error = try #require(await Self.failure(transport, server.url(path)))
        #expect(error == .responseTooLarge)
        #expect(error.responseStatus == 200)
        #expect(error.isUnreadableSuccess)
        #expect(!error.isAmbiguous)
        #expect(error.reason.detail == "body over 1048576 bytes")
        try await server.stop()
    }

    @Test func anOversized500IsNotASuccess() async throws {
        let server = try await TestHTTPServer.start()
        let transport = Self.transport()
        defer { transport.shutdown() }
        let error = try #require(await Self.failure(transport, server.url("/big/500")))
        #expect(error == .responseTooLarge)
        #expect(error.responseStatus == 500)
        #expect(!error.isUnreadableSuccess)
        #expect(!error.isAmbiguous)
        #expect(error.reason.category == .unknown)
        try await server.stop()
    }

    @Test func a200CutOffMidBodyIsAnUnreadableSuccess() async throws {
        let server = try await TestHTTPServer.start()
        let transport = Self.transport()
        defer { transport.shutdown() }
        let error = try #require(await Self.failure(transport, server.url("/cut")))
        #expect(error.responseStatus == 200)
        #expect(error.isUnreadableSuccess)
        #expect(!error.isAmbiguous)
        try await server.stop()
    }

    @Test func overHTTP2AFailedHandshakeSentNothingAndATimeoutAfterTheRequestIsAmbiguous() async throws {
        let backend = try await TestHTTPServer.start()
        let stub = try TLSStub(hangingBackendPort: backend.port)
        defer { stub.stop() }
        // No CA for the stub's self-signed certificate: the handshake fails before any byte of the request.
        let untrusting = Self.transport()
        defer { untrusting.shutdown() }
        let refused = try #require(await Self.failure(untrusting, stub.baseURL + "/slow", http2: true))
        #expect(refused == .tls)
        #expect(!refused.requestSent)
        #expect(!refused.isAmbiguous)
        let trusting = CurlTransport(
            configuration: TransportConfiguration(caFile: stub.certificate), logger: Logger(label: "delivery-test"))
        trusting.start()
        defer { trusting.shutdown() }
        let late = try #require(
            await Self.failure(trusting, stub.baseURL + "/slow", timeout: .milliseconds(500), http2: true))
        #expect(late.isTimeout)
        #expect(late.requestSent)
        #expect(late.isAmbiguous)
        #expect(backend.stats.requests == 1)
        try await backend.stop()
    }

    @Test func aLoopbackTimeoutIsAmbiguousAndAnOversizedEchoIsAnUnreadableSuccess() async throws {
        let transport = CurlTransport(
            configuration: TransportConfiguration(maxResponseBytes: 4), logger: Logger(label: "delivery-test"))
        transport.start()
        defer { transport.shutdown() }
        let late = try #require(
            await Self.failure(transport, "loopback:x?latency_ms=5000", timeout: .milliseconds(50)))
        #expect(late.isAmbiguous)
        let big = try #require(await Self.failure(transport, "loopback:x?latency_ms=0"))
        #expect(big.isUnreadableSuccess)
    }
}

/// A TCP listener whose accept queue is full and never drained: the kernel drops further SYNs, so a client's
/// connect hangs until its timeout, before any byte of a request can go out.
private struct BacklogFullListener {
    let port: Int
    private let descriptors: [Int32]

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 0) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else { throw ListenerError() }
        let port = Int(UInt16(bigEndian: address.sin_port))
        var descriptors = [listener]
        // Fill the queue (backlog 0 admits one) with connections nobody accepts.
        for _ in 0..<3 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            descriptors.append(client)
        }
        usleep(50_000)
        self.port = port
        self.descriptors = descriptors
    }

    func close() { for descriptor in descriptors { _ = Glibc.close(descriptor) } }

    struct ListenerError: Error {}
}
