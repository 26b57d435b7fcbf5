import ChannelKit
import ChannelLoopback
import ChannelTesting
import Testing

/// The loopback test channel: request shape, echo classification and deterministic failure injection.
struct LoopbackChannelTests {
    static let message = OutboundMessage(id: "m-7", channel: "lb", recipient: "anyone")

    static func adapter(_ settings: String?) throws -> any ChannelAdapter {
        let node = try settings.map { try TestSettings.node(json: $0) }
        let built = TestSettings.make(LoopbackChannel.kind, settings: node, instance: "lb")
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    /// Sends through the echo the core's transport performs.
    static func roundTrip(_ adapter: any ChannelAdapter, nonce: UInt64) throws -> SendOutcome {
        let context = RequestContext(nowMilliseconds: 0, nonce: nonce, attempt: 1)
        let request = try adapter.request(for: message, context: context)
        let echo = VendorResponse(status: 200, headers: request.headers, body: request.body)
        return adapter.outcome(of: echo, to: request, message: message)
    }

    @Test func kindHasNoVendors() {
        #expect(LoopbackChannel.kind.name == "loopback")
        #expect(LoopbackChannel.kind.vendors.isEmpty)
    }

    @Test func requestShape() throws {
        let adapter = try Self.adapter(#"{"latency": "250ms"}"#)
        let request = try adapter.request(for: Self.message, context: fixedContext)
        #expect(request.method == "POST")
        #expect(request.url == "loopback:lb?latency_ms=250")
        #expect(request.headers == [HTTPHeader("Content-Type", "application/json")])
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body == #"{"fail":false,"message_id":"m-7","to":"anyone"}"#)
        #expect(try adapter.request(for: Self.message, context: fixedContext) == request)
    }

    @Test func defaultsWithoutSettings() throws {
        let adapter = try Self.adapter(nil)
        let request = try adapter.request(for: Self.message, context: fixedContext)
        #expect(request.url == "loopback:lb?latency_ms=0")
        #expect(try Self.roundTrip(adapter, nonce: 1) == .accepted(vendorMessageID: "loop-m-7"))
    }

    @Test func failureRateZeroAlwaysAccepts() throws {
        let adapter = try Self.adapter(#"{"failure_rate": 0}"#)
        for nonce in UInt64(0)..<2000 {
            #expect(try Self.roundTrip(adapter, nonce: nonce) == .accepted(vendorMessageID: "loop-m-7"))
        }
    }

    @Test func failureRateOneAlwaysRetries() throws {
        let adapter = try Self.adapter(#"{"failure_rate": 1}"#)
        let expected = SendOutcome.retry(Reason(.vendorUnavailable, detail: "loopback failure"))
        for nonce in [UInt64.max, 0, 999_999, 1_000_000] + (1...2000).map(UInt64.init) {
            #expect(try Self.roundTrip(adapter, nonce: nonce) == expected)
        }
    }

    @Test(arguments: [UInt64(0), 0x5EED_0000_0000])
    func failureRateIsHonouredOverManyNonces(base: UInt64) throws {
        let adapter = try Self.adapter(#"{"failure_rate": 0.3}"#)
        var failures = 0
        // Sequential nonces: the adapter must spread them itself.
        for nonce in base..<(base + 10_000) {
            if case .retry = try Self.roundTrip(adapter, nonce: nonce) { failures += 1 }
        }
        #expect((2700...3300).contains(failures), "\(failures) failures in 10000")
    }

    @Test func failureReasonAndRetryability() throws {
        let settings = #"{"failure_rate": 1, "failure_reason": "quota_exceeded", "failure_retryable": false}"#
        let adapter = try Self.adapter(settings)
        #expect(try Self.roundTrip(adapter, nonce: 3) == .reject(Reason(.quotaExceeded, detail: "loopback failure")))
    }

    @Test func sameNonceSameDecision() throws {
        let adapter = try Self.adapter(#"{"failure_rate": 0.5}"#)
        for nonce in UInt64(0)..<200 {
            #expect(try Self.roundTrip(adapter, nonce: nonce) == (try Self.roundTrip(adapter, nonce: nonce)))
        }
    }

    @Test func unparsableEchoIsRetriedAsUnknown() throws {
        let adapter = try Self.adapter(nil)
        let request = try adapter.request(for: Self.message, context: fixedContext)
        let outcome = adapter.outcome(of: VendorResponse(status: 200), to: request, message: Self.message)
        #expect(outcome == .retry(Reason(.unknown, detail: "unparsable reply")))
    }

    @Test func emptyRecipientIsRefused() throws {
        let adapter = try Self.adapter(nil)
        var message = Self.message
        message.recipient = ""
        #expect(adapter.check(message)?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message) == nil)
    }

    @Test(arguments: [
        (#"{"failure_rate": 1.5}"#, "'failure_rate' must be between"),
        (#"{"failure_reason": "boom"}"#, "invalid value 'boom' for 'failure_reason'"),
        (#"{"failure_retryable": "yes"}"#, "expected true or false for 'failure_retryable'"),
        (#"{"latency": "soon"}"#, "expected a duration for 'latency'"),
        (#"{"latency_ms": 5}"#, "unknown key 'latency_ms' in 'settings'"),
    ])
    func badSettingsAreReported(settings: String, fragment: String) throws {
        let built = TestSettings.make(LoopbackChannel.kind, settings: try TestSettings.node(json: settings))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains(fragment) }, "\(built.issues)")
    }
}
