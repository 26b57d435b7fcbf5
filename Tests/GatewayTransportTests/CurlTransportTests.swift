import ChannelKit
import GatewayTransport
import Logging
import Testing

/// Sends one request and waits for its result.
private func send(
    _ transport: CurlTransport, _ request: VendorRequest, timeout: Duration = .seconds(5)
) async -> TransportResult {
    await withCheckedContinuation { continuation in
        transport.submit(request, timeout: timeout) { continuation.resume(returning: $0) }
    }
}

private func makeTransport(_ configuration: TransportConfiguration = .init()) -> CurlTransport {
    let transport = CurlTransport(configuration: configuration, logger: Logger(label: "transport-test"))
    transport.start()
    return transport
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

// Serialized: the timing assertions should not compete with the 2,000-request test for CPU.
@Suite(.serialized)
struct CurlTransportTests {
    @Test func concurrentPostsEchoAndReuseConnections() async throws {
        let server = try await TestHTTPServer.start()
        let transport = makeTransport()
        let count = 2_000
        let (stream, continuation) = AsyncStream.makeStream(of: (Int, TransportResult).self)
        let batch = (0..<count).map { index in
            (
                request: VendorRequest(
                    method: "POST", url: server.url("/ok"), headers: [HTTPHeader("Content-Type", "text/plain")],
                    body: bytes("message-\(index)")),
                timeout: Duration.seconds(20),
                completion: { @Sendable (result: TransportResult) -> Void in continuation.yield((index, result)) }
            )
        }
        let clock = ContinuousClock()
        let started = clock.now
        transport.submit(batch)
        var seen = Set<Int>()
        for await (index, result) in stream {
            guard case .response(let response, _) = result else {
                Issue.record("request \(index) failed: \(result)")
                break
            }
            #expect(response.status == 200)
            #expect(response.body == bytes("message-\(index)"))
            #expect(response.headers.value(named: "X-Test") == "ok")
            seen.insert(index)
            if seen.count == count { break }
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "2000 POSTs in \(elapsed): \(Int(Double(count) / seconds)) requests/s over "
                + "\(server.stats.connections) connections")
        #expect(seen.count == count)
        #expect(server.stats.connections <= 64)
        #expect(transport.inFlight == 0)
        transport.shutdown()
        try await server.stop()
    }

    @Test func serverErrorIsAResponse() async throws {
        let server = try await TestHTTPServer.start()
        let transport = makeTransport()
        let result = await send(transport, VendorRequest(method: "GET", url: server.url("/status/503")))
        guard case .response(let response, _) = result else {
            Issue.record("expected a response, got \(result)")
            transport.shutdown()
            try await server.stop()
            return
        }
        #expect(response.status == 503)
        #expect(response.body == bytes("unavailable"))
        transport.shutdown()
        try await server.stop()
    }

    @Test func slowVendorTimesOut() async throws {
        let server = try await TestHTTPServer.start()
        let transport = makeTransport()
        let clock = ContinuousClock()
        let started = clock.now
        // The time is read where the transport calls back: after the await it would include how long the test
        // runner took to resume this task, seconds when the whole suite runs on two loaded cores.
        let (result, completedAt) = await withCheckedContinuation { continuation in
            transport.submit(
                VendorRequest(method: "POST", url: server.url("/slow"), body: bytes("{}")), timeout: .milliseconds(300)
            ) { continuation.resume(returning: ($0, clock.now)) }
        }
        let wall = completedAt - started
        guard case .failure(let error, let elapsed) = result else {
            Issue.record("expected a timeout, got \(result)")
            transport.shutdown()
            try await server.stop()
            return
        }
        #expect(error.isTimeout)
        #expect(error == .timedOut)
        #expect(error.reason.category == .vendorUnavailable)
        #expect(error.reason.detail == "timeout after 300 ms")
        #expect(elapsed >= .milliseconds(290))
        // `/slow` never answers: any bound well short of forever shows the timeout fired (CI runs loaded).
        #expect(wall < .seconds(3))
        transport.shutdown()
        try await server.stop()
    }

    @Test func refusedConnectionFailsToConnect() async throws {
        let port = try await TestHTTPServer.refusedPort()
        let transport = makeTransport()
        let result = await send(transport, VendorRequest(method: "POST", url: "http://127.0.0.1:\(port)/ok"))
        guard case .failure(let error, _) = result else {
            Issue.record("expected a failure, got \(result)")
            transport.shutdown()
            return
        }
        #expect(error == .connectFailed)
        #expect(!error.isTimeout)
        #expect(error.curlCode == 7)
        #expect(error.reason.category == .vendorUnavailable)
        #expect(error.reason.detail == "connection refused")
        transport.shutdown()
    }

    @Test func oversizedResponseFails() async throws {
        let server = try await TestHTTPServer.start()
        let transport = makeTransport()
        let result = await send(transport, VendorRequest(method: "GET", url: server.url("/big")))
        guard case .failure(let error, _) = result else {
            Issue.record("expected a failure, got \(result)")
            transport.shutdown()
            try await server.stop()
            return
        }
        #expect(error == .responseTooLarge)
        #expect(error.reason.category == .unknown)
        // A cap above the body lets it through.
        let roomy = makeTransport(TransportConfiguration(maxResponseBytes: 4 << 20))
        let allowed = await send(roomy, VendorRequest(method: "GET", url: server.url("/big")))
        if case .response(let response, _) = allowed {
            #expect(response.body.count == 2 << 20)
        } else {
            Issue.record("expected a response, got \(allowed)")
        }
        roomy.shutdown()
        transport.shutdown()
        try await server.stop()
    }

    @Test func headersAreSentAndReceived() async throws {
        let server = try await TestHTTPServer.start()
        let transport = makeTransport()
        let request = VendorRequest(
            method: "POST", url: server.url("/ok"),
            headers: [HTTPHeader("X-Custom", "abc-123"), HTTPHeader("Content-Type", "application/json")],
            body: bytes("{\"a\":1}"))
        let result = await send(transport, request)
        guard case .response(let response, _) = result else {
            Issue.record("expected a response, got \(result)")
            transport.shutdown()
            try await server.stop()
            return
        }
        #expect(server.stats.customHeaderValues == ["abc-123"])
        #expect(response.headers.value(named: "x-echo-custom") == "abc-123")
        #expect(response.headers.value(named: "Content-Length") == "7")
        #expect(response.body == bytes("{\"a\":1}"))
        transport.shutdown()
        try await server.stop()
    }

    @Test func otherMethodsUseCustomRequest() async throws {
        let server = try await TestHTTPServer.start()
        let transport = makeTransport()
        let result = await send(transport, VendorRequest(method: "PUT", url: server.url("/ok"), body: bytes("put")))
        if case .response(let response, _) = result {
            #expect(response.status == 200)
            #expect(response.body == bytes("put"))
        } else {
            Issue.record("expected a response, got \(result)")
        }
        transport.shutdown()
        try await server.stop()
    }

    @Test func badURLsFail() async throws {
        let transport = makeTransport()
        let schemeless = await send(transport, VendorRequest(method: "GET", url: "file:///etc/passwd"))
        if case .failure(let error, _) = schemeless { #expect(error == .badURL) } else { Issue.record("\(schemeless)") }
        let loopback = await send(transport, VendorRequest(method: "GET", url: "loopback:x?latency_ms=soon"))
        if case .failure(let error, _) = loopback { #expect(error == .badURL) } else { Issue.record("\(loopback)") }
        transport.shutdown()
    }

    @Test func loopbackEchoesAfterLatency() async throws {
        let transport = makeTransport()
        let body = bytes("{\"to\":\"alice\"}")
        let result = await send(
            transport, VendorRequest(method: "POST", url: "loopback:sms?latency_ms=150", body: body))
        guard case .response(let response, let elapsed) = result else {
            Issue.record("expected a response, got \(result)")
            transport.shutdown()
            return
        }
        #expect(response.status == 200)
        #expect(response.body == body)
        #expect(response.headers == [HTTPHeader("Content-Type", "application/json")])
        #expect(elapsed >= .milliseconds(150))
        #expect(elapsed < .seconds(4))

        let immediate = await send(transport, VendorRequest(method: "POST", url: "loopback:sms", body: body))
        if case .response(let response, let elapsed) = immediate {
            #expect(response.body == body)
            #expect(elapsed < .milliseconds(100))
        } else {
            Issue.record("expected a response, got \(immediate)")
        }

        let late = await send(
            transport, VendorRequest(method: "POST", url: "loopback:sms?latency_ms=5000", body: body),
            timeout: .milliseconds(100))
        if case .failure(let error, let elapsed) = late {
            #expect(error.isTimeout)
            #expect(elapsed >= .milliseconds(100) && elapsed < .seconds(4))
        } else {
            Issue.record("expected a timeout, got \(late)")
        }
        #expect(transport.inFlight == 0)
        transport.shutdown()
    }

    @Test func shutdownFailsInFlightTransfers() async throws {
        let server = try await TestHTTPServer.start()
        let transport = makeTransport()
        let (stream, continuation) = AsyncStream.makeStream(of: TransportResult.self)
        let slow = VendorRequest(method: "POST", url: server.url("/slow"), body: bytes("{}"))
        for _ in 0..<5 { transport.submit(slow, timeout: .seconds(30)) { continuation.yield($0) } }
        transport.submit(VendorRequest(method: "POST", url: "loopback:x?latency_ms=20000"), timeout: .seconds(30)) {
            continuation.yield($0)
        }
        // Wait until the server holds all five, so they are mid-transfer rather than queued.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while server.stats.requests < 5 && clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.stats.requests == 5)
        #expect(transport.inFlight == 6)

        let started = clock.now
        transport.shutdown()
        #expect(clock.now - started < .seconds(5))
        #expect(transport.inFlight == 0)

        var failures = 0
        for await result in stream {
            if case .failure(let error, _) = result {
                #expect(error == .shuttingDown)
                #expect(error.message == "shutting down")
                failures += 1
            } else {
                Issue.record("expected a failure, got \(result)")
            }
            if failures == 6 { break }
        }
        #expect(failures == 6)

        // After shutdown, work is refused at once.
        let refused = await send(transport, VendorRequest(method: "GET", url: server.url("/ok")))
        if case .failure(let error, _) = refused { #expect(error == .shuttingDown) } else { Issue.record("\(refused)") }
        transport.shutdown()  // A second call is harmless.
        try await server.stop()
    }

    @Test func http2OverTLSMultiplexesAndReadsAPNsStyleReplies() async throws {
        let stub = try TLSStub()
        defer { stub.stop() }
        let transport = makeTransport(TransportConfiguration(caFile: stub.certificate))
        let count = 200
        let (stream, continuation) = AsyncStream.makeStream(of: (Int, TransportResult).self)
        transport.submit(
            (0..<count).map { index in
                (
                    request: VendorRequest(
                        method: "POST",
                        url: stub.baseURL + (index % 10 == 0 ? "/3/device/gone" : "/3/device/t\(index)"),
                        headers: [HTTPHeader("apns-push-type", "alert")], body: bytes(#"{"aps":{"alert":"hi"}}"#),
                        requiresHTTP2: true),
                    timeout: Duration.seconds(20),
                    completion: { @Sendable (result: TransportResult) -> Void in continuation.yield((index, result)) }
                )
            })
        var answered = 0
        for await (index, result) in stream {
            guard case .response(let response, _) = result else {
                Issue.record("request \(index) failed: \(result)")
                break
            }
            #expect(response.headers.value(named: "X-Proto") == "HTTP/2.0")
            if index % 10 == 0 {
                #expect(response.status == 410)
                #expect(String(decoding: response.body, as: UTF8.self).contains("Unregistered"))
            } else {
                #expect(response.status == 200)
                #expect(response.headers.value(named: "apns-id")?.isEmpty == false)
            }
            answered += 1
            if answered == count { break }
        }
        #expect(answered == count)
        // A request that does not ask for HTTP/2 speaks HTTP/1.1. (Its own transport: this libcurl stalls a
        // HTTP/1.1 transfer to a host it holds an HTTP/2 connection to; vendors use one or the other.)
        let plainTransport = makeTransport(TransportConfiguration(caFile: stub.certificate))
        let plain = await send(plainTransport, VendorRequest(method: "GET", url: stub.baseURL + "/3/device/x"))
        plainTransport.shutdown()
        if case .response(let response, _) = plain {
            #expect(response.headers.value(named: "X-Proto") == "HTTP/1.1")
        } else {
            Issue.record("HTTP/1.1 request failed: \(plain)")
        }
        // Without the stub's certificate the TLS handshake is refused: the CA file is what trusts it.
        let untrusting = makeTransport()
        let refused = await send(
            untrusting, VendorRequest(method: "GET", url: stub.baseURL + "/3/device/x", requiresHTTP2: true))
        if case .response = refused { Issue.record("a self-signed certificate was trusted without ca_file") }
        untrusting.shutdown()
        transport.shutdown()
    }
}
