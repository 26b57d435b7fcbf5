import ChannelKit
import Foundation
public import GatewayConfig
public import GatewayTransport
public import Logging
import Synchronization

/// Asks vendors without push receipts for the outcome of sent messages (`poll_receipts` on an instance), on a
/// thread of its own with each instance's own query budget, so polling never takes from the send budget.
/// Receipts found go through the store like pushed ones (kept once, matched, applied forward only).
public final class ReceiptPoller: @unchecked Sendable {
    private let store: any MessageStoring
    private let transport: any HTTPTransport
    private let wallClock: any WallClock
    private let monotonicClock: any MonotonicClock
    private let logger: Logger
    private let channels: Mutex<[ChannelInstanceConfiguration]>
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private var started = false
    private let queries = Atomic<Int>(0)
    private let receiptCounts: ReceiptCounts

    public init(
        channels: [ChannelInstanceConfiguration], store: any MessageStoring, transport: any HTTPTransport,
        wallClock: any WallClock, monotonicClock: any MonotonicClock, logger: Logger,
        receiptCounts: ReceiptCounts = ReceiptCounts()
    ) {
        self.receiptCounts = receiptCounts
        self.channels = Mutex(channels.filter { $0.pollReceipts != nil })
        self.store = store
        self.transport = transport
        self.wallClock = wallClock
        self.monotonicClock = monotonicClock
        self.logger = logger
    }

    /// Pull-receipt queries sent since start.
    public var queryCount: Int { queries.load(ordering: .relaxed) }

    /// Takes a reloaded set of instances (those without `poll_receipts` are ignored).
    public func reconfigure(_ next: [ChannelInstanceConfiguration]) {
        channels.withLock { $0 = next.filter { $0.pollReceipts != nil } }
    }

    public func start() throws(StoreError) {
        let box = ThreadHandoff(try store.makeReader())
        started = true
        let thread = Thread { [self] in
            ThreadNaming.nameCurrentThread("receipt-poller")
            run(box.value)
        }
        thread.start()
    }

    public func stop() {
        stopping.store(true, ordering: .relaxed)
        if started { done.wait() }
    }

    private func run(_ reader: any StoreReading) {
        defer { done.signal() }
        var buckets: [String: TokenBucket] = [:]
        while !stopping.load(ordering: .relaxed) {
            let now = wallClock.nowMilliseconds
            for channel in channels.withLock({ $0 }) {
                guard let poll = channel.pollReceipts, !stopping.load(ordering: .relaxed) else { continue }
                let monotonic = monotonicClock.nowNanoseconds
                var bucket =
                    buckets[channel.name]
                    ?? TokenBucket(perSecond: poll.perSecond, burst: max(1, Int(poll.perSecond)), now: monotonic)
                // `poll_receipts` is only accepted for adapters that poll (ConfigLoader).
                let size = max(1, channel.capabilities.receiptPolling?.pollBatchSize ?? 1)
                let allowed = Int(bucket.available(now: monotonic))
                guard allowed > 0 else {
                    buckets[channel.name] = bucket
                    continue
                }
                let due: [(sequence: Int64, target: PollTarget)]
                do {
                    due = try reader.pollTargets(channel: channel.name, dueBy: now, limit: allowed * size)
                } catch {
                    logger.error(
                        "cannot read messages to poll", metadata: ["channel": "\(channel.name)", "error": "\(error)"])
                    continue
                }
                var start = 0
                while start < due.count, bucket.take(now: monotonic) {
                    let group = Array(due[start..<min(start + size, due.count)])
                    start += size
                    store.markPolled(
                        group.map(\.sequence), next: now + poll.interval.milliseconds,
                        giveUpBefore: now - poll.giveUpAfter.milliseconds)
                    query(group.map(\.target), channel: channel, now: now)
                }
                buckets[channel.name] = bucket
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    private func query(_ targets: [PollTarget], channel: ChannelInstanceConfiguration, now: Int64) {
        guard let adapter = channel.capabilities.receiptPolling else { return }
        let request: VendorRequest
        do {
            request = try adapter.pollRequest(
                for: targets,
                context: RequestContext(nowMilliseconds: now, nonce: UInt64.random(in: .min ... .max), attempt: 1))
        } catch {
            logger.warning(
                "cannot build a receipt query", metadata: ["channel": "\(channel.name)", "error": "\(error.message)"])
            return
        }
        queries.add(1, ordering: .relaxed)
        let store = store
        let counts = receiptCounts
        let name = channel.name
        transport.submit(request, timeout: channel.timeout) { result in
            guard case .response(let response, _) = result else { return }
            let receipts = adapter.receipts(fromPoll: response, for: targets)
            guard !receipts.isEmpty else { return }
            store.recordReceipts(channel: name, receipts) { result in
                if case .success(let tally) = result { counts.add(tally, channel: name) }
            }
        }
    }
}
