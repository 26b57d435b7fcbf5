import ChannelKit
import ChannelSMS
import Foundation
import GatewayConfig
import GatewayStore
import GatewayTransport
import Logging
import Synchronization
import Testing

@testable import GatewayCore

/// Messages released by timers (`not_before`, quiet hours, retries) batch as queued ones do: the dispatcher run
/// turn by turn on a manual clock, against a fake transport that answers at once.
@Suite(.serialized)
struct DispatcherTimerBatchTests {
    typealias ManualClock = DispatcherTurnTests.ManualClock
    typealias FakeTransport = DispatcherTurnTests.FakeTransport

    /// Batches up to 100 messages of one template; the body lists the recipients, one per line. 200 takes the
    /// request, anything else is a temporary failure with `Retry-After: 2`.
    struct BatchVendor: Batching {
        var maxBatchSize: Int { 100 }

        func batchKey(for message: OutboundMessage) -> String? { message.template }

        func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
            try request(for: [message], context: context)
        }

        func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem)
            -> VendorRequest
        {
            VendorRequest(
                method: "POST", url: "https://vendor.test/send",
                body: Array(messages.map(\.recipient).joined(separator: "\n").utf8))
        }

        func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
            response.status == 200
                ? .accepted(vendorMessageID: "v-\(message.id)")
                : .retry(Reason(.vendorUnavailable, detail: "HTTP \(response.status)"), after: .seconds(2))
        }

        func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage])
            -> SendOutcome
        {
            response.status == 200
                ? .accepted(vendorMessageID: "batch")
                : .retry(Reason(.vendorUnavailable, detail: "HTTP \(response.status)"), after: .seconds(2))
        }
    }

    /// 07:59 in Asia/Shanghai (UTC+8) on 2023-11-15: a minute before the quiet hours below end.
    static let beforeEight: Int64 = 1_700_006_340_000

    final class Harness {
        let directory = NSTemporaryDirectory() + "cg-timer-batch-" + UUID().uuidString
        let clock = ManualClock(DispatcherTimerBatchTests.beforeEight)
        let store: SQLiteMessageStore
        let transport: FakeTransport
        let dispatcher: Dispatcher
        let channelType: String

        init(
            adapter: any ChannelAdapter = BatchVendor(), kind: String = "test",
            rateLimit: RateLimitConfiguration = RateLimitConfiguration(), policy: PolicyConfiguration? = nil,
            sendWindow: (from: Int, until: Int)? = nil, statuses: [Int] = [],
            answer: (@Sendable (VendorRequest) -> VendorResponse)? = nil
        ) throws {
            channelType = kind
            store = try SQLiteMessageStore(
                directory: directory, dedupWindow: .seconds(3600), maxPendingAccepts: 10_000, clock: clock,
                logger: Logger(label: "test"))
            if let policy { store.setPolicy(policy) }
            transport = FakeTransport(statuses: statuses, answer: answer)
            var channel = ChannelInstanceConfiguration(
                name: "a", kind: kind, rateLimit: rateLimit, retry: RetryConfiguration(attempts: 3), adapter: adapter,
                file: "a.yaml")
            channel.sendWindow = sendWindow
            dispatcher = Dispatcher(
                channels: [channel], queuedCounts: [:], store: store, transport: transport, wallClock: clock,
                monotonicClock: clock, logger: Logger(label: "test"))
            try dispatcher.openReader()
        }

        /// Accepts messages to distinct numbers (`first`, `first + 1`, …), tells the dispatcher, and returns what the
        /// store answered.
        @discardableResult
        func accept(
            _ count: Int, from first: Int = 0, category: MessageCategory = .marketing, template: String = "T1",
            notBefore: Int64? = nil
        ) -> [AcceptResult] {
            let requests = (first..<(first + count)).map { index in
                AcceptRequest(
                    message: OutboundMessage(
                        id: "m\(index)", channel: "a", recipient: "139\(String(format: "%08d", index))",
                        category: category, template: template, params: ["code": "\(index)"]),
                    channelType: channelType, dedupKey: "k:\(index)", clientDedupKey: nil, notBefore: notBefore,
                    notAfter: nil)
            }
            let done = DispatchSemaphore(value: 0)
            let results = Mutex<[AcceptResult]>([])
            _ = store.accept(requests) { answered in
                results.withLock { $0 = answered }
                done.signal()
            }
            done.wait()
            // As intake does after a commit: the dispatcher reads the lane again.
            var counts = LaneCounts.zero
            counts[PriorityLane(category)] = count
            dispatcher.messagesCommitted(["a": counts])
            return results.withLock { $0 }
        }

        /// Runs turns until one starts nothing new and leaves nothing to handle.
        func settle() {
            var last = -1
            while transport.requests.count != last || counters.inFlight > 0 {
                last = transport.requests.count
                _ = dispatcher.turn()
            }
        }

        /// The recipients of each request, in the order they went out.
        var batches: [[String]] {
            transport.requests.map { String(decoding: $0.body, as: UTF8.self).split(separator: "\n").map(String.init) }
        }

        var counters: ChannelCounters { dispatcher.snapshot()["a"] ?? ChannelCounters() }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func messagesWithTheSameNotBeforeAreReleasedTogetherInOneRequest() throws {
        let harness = try Harness()
        let release = harness.clock.nowMilliseconds + 60_000
        harness.accept(3, notBefore: release)
        // Another template, due at the same time: its own request, never mixed in.
        harness.accept(1, from: 3, template: "T2", notBefore: release)

        let waiting = harness.dispatcher.turn()
        #expect(harness.transport.requests.isEmpty)
        #expect(waiting?.nextWake == 60_000_000_000)
        harness.clock.advance(milliseconds: 59_999)
        _ = harness.dispatcher.turn()
        #expect(harness.transport.requests.isEmpty)

        harness.clock.advance(milliseconds: 1)
        _ = harness.dispatcher.turn()
        #expect(harness.batches == [["13900000000", "13900000001", "13900000002"], ["13900000003"]])
        _ = harness.dispatcher.turn()
        #expect(harness.counters.sent == 4)
        #expect(harness.counters.inFlight == 0)
    }

    @Test func aFailedBatchIsRetriedAsOneBatchWhenItsTimersFallDue() throws {
        let harness = try Harness(statuses: [503, 200])
        harness.accept(3)
        _ = harness.dispatcher.turn()
        _ = harness.dispatcher.turn()
        #expect(harness.counters.retried == 3)
        #expect(harness.transport.requests.count == 1)

        // The vendor's Retry-After (2 s) is the floor of every message's jittered backoff.
        harness.clock.advance(milliseconds: 2_000)
        _ = harness.dispatcher.turn()
        #expect(harness.batches.count == 2)
        #expect(harness.batches.last == ["13900000000", "13900000001", "13900000002"])
        _ = harness.dispatcher.turn()
        #expect(harness.counters.sent == 3)
    }

    @Test func releasedTimersAndTheWindowFillOneBatchInStartOrder() throws {
        let harness = try Harness()
        let release = harness.clock.nowMilliseconds + 1_000
        harness.accept(2, notBefore: release)
        _ = harness.dispatcher.turn()
        #expect(harness.dispatcher.instances[0].queues[.marketing].timers.count == 2)
        harness.clock.advance(milliseconds: 1_000)
        // Queued after the deferred ones fell due: the same lane and template, so the same request, after them.
        harness.accept(2, from: 2)
        _ = harness.dispatcher.turn()
        #expect(harness.batches == [["13900000000", "13900000001", "13900000002", "13900000003"]])
    }

    @Test func aReleaseTakesOneRateTokenPerRequestAndCriticalGoesFirst() throws {
        let harness = try Harness(rateLimit: RateLimitConfiguration(perSecond: 1, burst: 1))
        let release = harness.clock.nowMilliseconds + 10_000
        harness.accept(150, notBefore: release)
        _ = harness.dispatcher.turn()
        harness.clock.advance(milliseconds: 10_000)
        harness.accept(1, from: 1_000, category: .critical, template: "OTP")

        // One token: the critical message goes first, alone; the release waits for the next token.
        _ = harness.dispatcher.turn()
        #expect(harness.batches == [["13900001000"]])
        harness.clock.advance(milliseconds: 1_000)
        _ = harness.dispatcher.turn()
        #expect(harness.batches.count == 2)
        #expect(harness.batches.last?.count == 100)
        harness.clock.advance(milliseconds: 999)
        _ = harness.dispatcher.turn()
        #expect(harness.batches.count == 2)
        harness.clock.advance(milliseconds: 1)
        _ = harness.dispatcher.turn()
        #expect(harness.batches.map(\.count) == [1, 100, 50])
        _ = harness.dispatcher.turn()
        #expect(harness.counters.sent == 151)
    }

    @Test func anInstancesSendWindowOpeningReleasesItsHeldMessagesInBatches() throws {
        // The instance sends marketing 08:00-21:00 only (Asia/Shanghai); it is 07:59.
        let harness = try Harness(sendWindow: (from: 8 * 60, until: 21 * 60))
        harness.accept(150)
        _ = harness.dispatcher.turn()
        #expect(harness.transport.requests.isEmpty)
        #expect(harness.dispatcher.instances[0].queues[.marketing].timers.count == 150)
        harness.clock.advance(milliseconds: 60_000)
        _ = harness.dispatcher.turn()
        #expect(harness.batches.map(\.count) == [100, 50])
        #expect(harness.batches.joined().count == Set(harness.batches.joined()).count)
    }

    // MARK: - The issue's case: quiet hours ending over deferred Alibaba messages

    /// The `aliyun` SMS profile as the loader builds it (the real YAML parser, keys from the environment).
    static func aliyun() throws -> any ChannelAdapter {
        let yaml = """
            settings:
              endpoint: https://dysmsapi.aliyuncs.com/
              access_key_id: env:ALIYUN_AK
              access_key_secret: env:ALIYUN_SK
              sign_name: 示例银行
            """
        guard case .mapping(let entries, _) = try YAMLParser.parse(Array(yaml.utf8), file: "sms-aliyun.yaml"),
            let node = entries.first(where: { $0.key.text == "settings" })?.value
        else { throw CocoaError(.coderReadCorrupt) }
        let issues = ConfigIssueCollector()
        let resolver = SecretResolver(environment: ["ALIYUN_AK": "ak", "ALIYUN_SK": "sk"], credentialsDirectory: nil)
        let setup = ChannelKind.Setup(
            instance: "a", vendor: "aliyun", settings: resolver.resolve(node, issues: issues),
            mark: ConfigMark(file: "sms-aliyun.yaml", line: 1, column: 1))
        guard let adapter = SMSChannel.kind.make(setup, issues) else { throw CocoaError(.coderReadCorrupt) }
        return adapter
    }

    /// A form body's `Action` and how many numbers it carries.
    static func action(_ request: VendorRequest) -> (action: String, numbers: Int) {
        var fields: [String: String] = [:]
        for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            fields[parts[0]] = parts.count > 1 ? parts[1].removingPercentEncoding : ""
        }
        let action = fields["Action"] ?? ""
        if action == "SendBatchSms" {
            guard case .array(let numbers)? = try? JSONParser.parse(fields["PhoneNumberJson"] ?? "") else {
                return (action, 0)
            }
            return (action, numbers.count)
        }
        return (action, fields["PhoneNumbers"] == nil ? 0 : 1)
    }

    @Test func quietHoursEndingOverAThousandDeferredAlibabaMessagesSendsTenSendBatchSms() throws {
        var policy = PolicyConfiguration()
        policy.timeZone = "Asia/Shanghai"
        policy.quietHours = [
            QuietHoursRule(categories: [.marketing], channelTypes: ["sms"], allowedFrom: 8 * 60, allowedUntil: 21 * 60)
        ]
        // Alibaba's documented reply to a SendBatchSms it took (vendors.md 2.1: Code OK with the batch's BizId).
        let harness = try Harness(adapter: Self.aliyun(), kind: "sms", policy: policy) { _ in
            VendorResponse(
                status: 200,
                body: Array(#"{"Code":"OK","Message":"OK","BizId":"900619746936498440^0","RequestId":"r"}"#.utf8))
        }
        let results = harness.accept(1_000, template: "SMS_PROMO")
        let eight = Self.beforeEight + 60_000
        #expect(
            results.allSatisfy {
                if case .deferred(_, let until) = $0 { until == eight } else { false }
            })

        harness.settle()
        #expect(harness.transport.requests.isEmpty)
        harness.clock.advance(milliseconds: 60_000)
        harness.settle()

        let sends = harness.transport.requests.map(Self.action)
        #expect(sends.count <= 10)
        #expect(sends.allSatisfy { $0.action == "SendBatchSms" })
        #expect(sends.reduce(0) { $0 + $1.numbers } == 1_000)
        #expect(harness.counters.sent == 1_000)
    }
}
