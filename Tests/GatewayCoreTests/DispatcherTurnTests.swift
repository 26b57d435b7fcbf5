import ChannelKit
import Foundation
import GatewayConfig
import GatewayStore
import GatewayTransport
import Logging
import Synchronization
import Testing

@testable import GatewayCore

/// The dispatcher executing delivery decisions, one loop turn at a time: a fake transport answers canned replies
/// at once and a manual clock stands still until the test moves it (no curl, no thread, no sleeps).
@Suite(.serialized)
struct DispatcherTurnTests {
    /// Wall and monotonic time that only the test moves.
    final class ManualClock: WallClock, MonotonicClock {
        private let milliseconds: Atomic<Int64>

        init(_ start: Int64) { milliseconds = Atomic(start) }

        var nowMilliseconds: Int64 { milliseconds.load(ordering: .relaxed) }
        var nowNanoseconds: Int64 { nowMilliseconds * 1_000_000 }

        func advance(milliseconds delta: Int64) { milliseconds.add(delta, ordering: .relaxed) }
    }

    /// Records each request and answers it at once, on the submitting thread: with `answer`, or else with the
    /// next canned status.
    final class FakeTransport: HTTPTransport, Sendable {
        private let state: Mutex<(statuses: [Int], requests: [VendorRequest])>
        private let answer: (@Sendable (VendorRequest) -> VendorResponse)?

        init(statuses: [Int] = [], answer: (@Sendable (VendorRequest) -> VendorResponse)? = nil) {
            state = Mutex((statuses, []))
            self.answer = answer
        }

        var requests: [VendorRequest] { state.withLock { $0.requests } }

        func submit(
            _ request: VendorRequest, timeout: Duration, completion: @escaping @Sendable (TransportResult) -> Void
        ) {
            let status = state.withLock { state in
                state.requests.append(request)
                return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
            }
            let response = answer?(request) ?? VendorResponse(status: status)
            completion(.response(response, elapsed: .milliseconds(3)))
        }
    }

    /// Needs an access token: fetches answer `tok-1`, `tok-2`, …; the vendor calls `tok-1` expired.
    struct TokenVendor: AccessTokenProviding {
        static let tokenURL = "https://vendor.test/token"

        func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep {
            .fetch(VendorRequest(method: "POST", url: Self.tokenURL))
        }

        func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
            .issued(
                AccessToken(
                    value: Secret(String(decoding: response.body, as: UTF8.self)),
                    expiresAtMilliseconds: context.nowMilliseconds + 7_200_000))
        }

        func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
            VendorRequest(
                method: "POST", url: "https://vendor.test/send",
                body: Array((context.accessToken?.reveal() ?? "none").utf8))
        }

        func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
            request.body == Array("tok-1".utf8)
                ? .retry(Reason(.authExpired, vendorCode: "40014")) : .accepted(vendorMessageID: "v")
        }
    }

    /// 200 is accepted; anything else is a temporary failure with `Retry-After: 2`.
    struct StatusVendor: ChannelAdapter {
        func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
            VendorRequest(method: "POST", url: "https://vendor.test/send", body: Array(message.recipient.utf8))
        }

        func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
            response.status == 200
                ? .accepted(vendorMessageID: "v-\(message.id)")
                : .retry(Reason(.vendorUnavailable, detail: "HTTP \(response.status)"), after: .seconds(2))
        }
    }

    final class Harness {
        let directory = NSTemporaryDirectory() + "cg-turn-" + UUID().uuidString
        let clock = ManualClock(1_700_000_000_000)
        let store: SQLiteMessageStore
        let transport: FakeTransport
        let dispatcher: Dispatcher

        init(
            statuses: [Int] = [], adapter: any ChannelAdapter = StatusVendor(),
            answer: (@Sendable (VendorRequest) -> VendorResponse)? = nil
        ) throws {
            store = try SQLiteMessageStore(
                directory: directory, dedupWindow: .seconds(3600), maxPendingAccepts: 100, clock: clock,
                logger: Logger(label: "test"))
            transport = FakeTransport(statuses: statuses, answer: answer)
            let channel = ChannelInstanceConfiguration(
                name: "a", kind: "test", retry: RetryConfiguration(attempts: 3), adapter: adapter, file: "a.yaml")
            dispatcher = Dispatcher(
                channels: [channel], queuedCounts: [:], store: store, transport: transport, wallClock: clock,
                monotonicClock: clock, logger: Logger(label: "test"))
            try dispatcher.openReader()
        }

        func accept(_ id: String) {
            let done = DispatchSemaphore(value: 0)
            let request = AcceptRequest(
                message: OutboundMessage(id: id, channel: "a", recipient: "13800000000"), channelType: "test",
                dedupKey: "k:\(id)", clientDedupKey: nil, notAfter: nil)
            _ = store.accept([request]) { _ in done.signal() }
            done.wait()
        }

        var counters: ChannelCounters { dispatcher.snapshot()["a"] ?? ChannelCounters() }

        func history(_ id: String) -> [Int] {
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<[Int]>([])
            store.status(of: id) { status in
                result.withLock { $0 = status?.history.map(\.number) ?? [] }
                done.signal()
            }
            done.wait()
            return result.withLock { $0 }
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func aRetryWaitsOnTheManualClockForTheVendorsRetryAfterThenSends() throws {
        let harness = try Harness(statuses: [503, 200])
        harness.accept("m1")

        // Turn 1 loads the message and sends it; the fake answers 503 at once, into the inbox.
        _ = harness.dispatcher.turn()
        #expect(harness.transport.requests.count == 1)
        #expect(harness.counters.inFlight == 1)

        // Turn 2 executes the decision: retry after the vendor's 2 s (a floor over the jitter of at most 1 s).
        let wake = harness.dispatcher.turn()
        #expect(harness.counters.retried == 1)
        #expect(harness.counters.inFlight == 0)
        #expect(harness.counters.vendor.consecutiveFailures == 1)
        #expect(wake?.nextWake == 2_000_000_000)

        // Nothing moves until the clock does.
        _ = harness.dispatcher.turn()
        #expect(harness.transport.requests.count == 1)
        harness.clock.advance(milliseconds: 1_999)
        _ = harness.dispatcher.turn()
        #expect(harness.transport.requests.count == 1)

        harness.clock.advance(milliseconds: 1)
        _ = harness.dispatcher.turn()
        #expect(harness.transport.requests.count == 2)
        _ = harness.dispatcher.turn()
        #expect(harness.counters.sent == 1)
        #expect(harness.counters.vendor.consecutiveFailures == 0)
        #expect(harness.counters.vendor.lastSuccessAt == harness.clock.nowMilliseconds)
        #expect(harness.history("m1") == [1, 2])
    }

    @Test func theLastAttemptFailsAndNothingIsSentAgain() throws {
        let harness = try Harness(statuses: [503, 503, 503])
        harness.accept("m1")
        for _ in 0..<3 {
            _ = harness.dispatcher.turn()
            _ = harness.dispatcher.turn()
            harness.clock.advance(milliseconds: 2_000)
        }
        _ = harness.dispatcher.turn()
        #expect(harness.transport.requests.count == 3)
        #expect(harness.counters.retried == 2)
        #expect(harness.counters.failed == 1)
        #expect(harness.counters.failuresByReason == ["vendor_unavailable": 1])
        #expect(harness.counters.vendor.consecutiveFailures == 3)
    }

    @Test func aRefusedAccessTokenIsRefreshedAndTheMessageResentOnceWithoutAnAttempt() throws {
        let fetches = Atomic<Int>(0)
        let harness = try Harness(adapter: TokenVendor()) { request in
            guard request.url == TokenVendor.tokenURL else { return VendorResponse(status: 200) }
            return VendorResponse(status: 200, body: Array("tok-\(fetches.add(1, ordering: .relaxed).newValue)".utf8))
        }
        harness.accept("m1")
        let sent = { harness.transport.requests.map { String(decoding: $0.body, as: UTF8.self) } }

        _ = harness.dispatcher.turn()  // no token: fetch one; the send waits
        #expect(harness.transport.requests.map(\.url) == [TokenVendor.tokenURL])
        _ = harness.dispatcher.turn()  // tok-1 stored; the send goes with it
        #expect(sent().last == "tok-1")
        _ = harness.dispatcher.turn()  // refused as expired: tok-1 dropped, a fresh fetch, the send waits again
        #expect(harness.transport.requests.last?.url == TokenVendor.tokenURL)
        #expect(harness.counters.retried == 0)
        _ = harness.dispatcher.turn()  // tok-2 stored; the same attempt goes again at once
        #expect(sent().last == "tok-2")
        _ = harness.dispatcher.turn()
        #expect(harness.counters.sent == 1)
        #expect(harness.counters.tokenRefreshes == 2)
        #expect(harness.counters.retried == 0)
        #expect(harness.history("m1") == [1])
    }
}
