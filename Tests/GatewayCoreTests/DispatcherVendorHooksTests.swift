import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import GatewayStore
import GatewayTransport
import Logging
import Synchronization
import Testing

@testable import GatewayCore

/// The dispatcher's token cache and batches, through a real store and the transport's in-process `loopback:`
/// vendor (which echoes each request body as its reply).
@Suite(.serialized)
struct DispatcherVendorHooksTests {
    /// A test vendor: with `batch > 1` it takes that many recipients per request and refuses the recipient `bad`.
    /// As a ``TokenVendor`` it needs a token.
    class TestVendor: Batching, @unchecked Sendable {
        let tokenFetches = Atomic<Int>(0)
        let requests = Atomic<Int>(0)
        let batch: Int
        let usesToken: Bool

        init(batch: Int = 1, usesToken: Bool = false) {
            self.batch = batch
            self.usesToken = usesToken
        }

        var maxBatchSize: Int { batch }

        func batchKey(for message: OutboundMessage) -> String? { batch > 1 ? message.template : nil }

        func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
            try request(for: [message], context: context)
        }

        func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem) -> VendorRequest {
            requests.add(1, ordering: .relaxed)
            let token = usesToken ? (context.accessToken?.reveal() ?? "none") : "-"
            let body = token + "|" + messages.map(\.recipient).joined(separator: ",")
            return VendorRequest(method: "POST", url: "loopback:send?latency_ms=5", body: Array(body.utf8))
        }

        func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
            outcome(of: response, to: request, messages: [message])
        }

        func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage]) -> SendOutcome
        {
            let echoed = String(decoding: response.body, as: UTF8.self)
            if echoed.hasPrefix("tok-1|") { return .retry(Reason(.authExpired, vendorCode: "42001")) }
            guard batch > 1 else { return .accepted(vendorMessageID: "v") }
            return .partial(
                messages.map { message in
                    RecipientOutcome(
                        recipient: message.recipient,
                        outcome: message.recipient == "bad"
                            ? .reject(Reason(.invalidRecipient, vendorCode: "81013")) : .accepted(vendorMessageID: "b"))
                })
        }
    }

    /// A test vendor that needs a token: every fetch is counted and gets `tok-N`; the vendor refuses `tok-1` as
    /// expired.
    final class TokenVendor: TestVendor, AccessTokenProviding, @unchecked Sendable {
        init() { super.init(usesToken: true) }

        func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep {
            let number = tokenFetches.add(1, ordering: .relaxed).newValue
            return .fetch(
                VendorRequest(method: "POST", url: "loopback:token?latency_ms=20", body: Array("tok-\(number)".utf8)))
        }

        func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
            .issued(
                AccessToken(
                    value: Secret(String(decoding: response.body, as: UTF8.self)),
                    expiresAtMilliseconds: context.nowMilliseconds + 3_600_000))
        }
    }

    final class Harness {
        let directory = NSTemporaryDirectory() + "cg-hooks-" + UUID().uuidString
        let store: SQLiteMessageStore
        let transport: CurlTransport
        let dispatcher: Dispatcher

        init(_ vendor: TestVendor) throws {
            store = try SQLiteMessageStore(
                directory: directory, dedupWindow: .seconds(3600), maxPendingAccepts: 10_000,
                clock: SystemWallClock(), logger: Logger(label: "test"))
            transport = CurlTransport(configuration: TransportConfiguration(), logger: Logger(label: "test"))
            transport.start()
            let channel = ChannelInstanceConfiguration(
                name: "v", kind: "test", retry: RetryConfiguration(attempts: 3), concurrency: 64, adapter: vendor,
                file: "v.yaml")
            dispatcher = Dispatcher(
                channels: [channel], queuedCounts: [:], store: store, transport: transport,
                wallClock: SystemWallClock(), monotonicClock: SystemMonotonicClock(), logger: Logger(label: "test"))
            let dispatcher = self.dispatcher
            store.onCommit { dispatcher.messagesCommitted($0) }
            try dispatcher.start()
        }

        func send(_ recipients: [String]) {
            let requests = recipients.enumerated().map { index, recipient in
                AcceptRequest(
                    message: OutboundMessage(id: "m\(index)", channel: "v", recipient: recipient, template: "T"),
                    channelType: "test", dedupKey: "k:\(index)", clientDedupKey: nil, notAfter: nil)
            }
            let done = DispatchSemaphore(value: 0)
            _ = store.accept(requests) { _ in done.signal() }
            done.wait()
        }

        /// Waits until every message is finished; the counters then.
        func finish(_ count: Int) -> ChannelCounters {
            let deadline = Date(timeIntervalSinceNow: 20)
            var counters = dispatcher.snapshot()["v"] ?? ChannelCounters()
            while counters.sent + counters.failed < count && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
                counters = dispatcher.snapshot()["v"] ?? ChannelCounters()
            }
            return counters
        }

        func status(_ id: String) -> MessageStatus? {
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<MessageStatus?>(nil)
            store.status(of: id) { status in
                result.withLock { $0 = status }
                done.signal()
            }
            done.wait()
            return result.withLock { $0 }
        }

        deinit {
            dispatcher.drain(timeout: .seconds(2))
            transport.shutdown()
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func oneTokenFetchServesEverySendAndARefusedTokenIsReplacedWithoutCountingAnAttempt() throws {
        let vendor = TokenVendor()
        let harness = try Harness(vendor)
        harness.send((0..<50).map { "u\($0)" })
        let counters = harness.finish(50)
        #expect(counters.sent == 50)
        #expect(counters.failed == 0)
        // Single flight: one fetch for the first 50 sends, one more after the vendor refused tok-1.
        #expect(vendor.tokenFetches.load(ordering: .relaxed) == 2)
        #expect(counters.tokenRefreshes == 2)
        #expect(counters.retried == 0)
        let status = try #require(harness.status("m7"))
        #expect(status.state == .sent)
        #expect(status.history.count == 1)
        #expect(status.history.first?.number == 1)
    }

    @Test func batchesCarryManyRecipientsAndEachGetsItsOwnOutcome() throws {
        let vendor = TestVendor(batch: 10, usesToken: false)
        let harness = try Harness(vendor)
        harness.send((0..<45).map { $0 == 17 ? "bad" : "u\($0)" })
        let counters = harness.finish(45)
        #expect(counters.sent == 44)
        #expect(counters.failed == 1)
        #expect(vendor.requests.load(ordering: .relaxed) <= 10)
        #expect(vendor.requests.load(ordering: .relaxed) >= 5)
        #expect(harness.status("m17")?.reason == "invalid_recipient")
        #expect(harness.status("m18")?.state == .sent)
    }
}
