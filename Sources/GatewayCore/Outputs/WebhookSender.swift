import ChannelKit
import Crypto
import Foundation
public import GatewayConfig
public import GatewayTransport
public import Logging
import Synchronization

/// Delivers the outbox to the bank's CRM: batches of state changes POSTed as
/// `{"events":[{"id":<outbox seq>,…change…}]}`, signed `X-Gateway-Signature: sha256=<hex HMAC-SHA256(secret,
/// timestamp + "." + body)>` with `X-Gateway-Timestamp: <unix seconds>`, retried with capped exponential backoff
/// until a 2xx, and only then removed from the store. Delivery is at least once: receivers deduplicate by `id`.
public final class WebhookSender: @unchecked Sendable {
    private let configuration: WebhookConfiguration
    private let store: any MessageStoring
    private let transport: any HTTPTransport
    private let wallClock: any WallClock
    private let logger: Logger
    private let wakeUp = NSCondition()
    private var pending = false
    private var stopping = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    private let delivered = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)

    public init(
        configuration: WebhookConfiguration, store: any MessageStoring, transport: any HTTPTransport,
        wallClock: any WallClock,
        logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Counters for `stats` and `/metrics`: changes delivered and failed POSTs.
    public var counts: [(String, Int)] {
        [
            ("webhook_delivered", delivered.load(ordering: .relaxed)),
            ("webhook_failures", failures.load(ordering: .relaxed)),
        ]
    }

    /// Turns the outbox on and starts the sender thread.
    public func start() throws(StoreError) {
        // The connection is opened here (so a failure is the caller's) and then used only by the sender thread.
        let connection = ThreadHandoff(try store.makeReader())
        store.enableOutbox { [self] in wake() }
        let thread = Thread { [self] in
            ThreadNaming.nameCurrentThread("webhook")
            run(connection.value)
        }
        self.thread = thread
        thread.start()
    }

    /// Stops after the POST in progress (undelivered changes stay in the outbox for the next start).
    public func stop() {
        wakeUp.lock()
        stopping = true
        wakeUp.signal()
        wakeUp.unlock()
        if thread != nil { finished.wait() }
    }

    private func wake() {
        wakeUp.lock()
        pending = true
        wakeUp.signal()
        wakeUp.unlock()
    }

    /// Waits up to `seconds` unless woken; `false` when stopping.
    private func pause(_ seconds: Double, untilWoken: Bool) -> Bool {
        wakeUp.lock()
        defer { wakeUp.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !stopping && !(untilWoken && pending) && Date() < deadline { _ = wakeUp.wait(until: deadline) }
        pending = false
        return !stopping
    }

    private func run(_ reader: any StoreReading) {
        defer { finished.signal() }
        var failed = 0
        while true {
            let batch: [(Int64, String)]
            do {
                batch = try reader.outbox(limit: configuration.batchSize)
            } catch {
                logger.error("cannot read the webhook outbox", metadata: ["error": "\(error)"])
                guard pause(5, untilWoken: false) else { return }
                continue
            }
            guard let last = batch.last?.0 else {
                guard pause(1, untilWoken: true) else { return }
                continue
            }
            if post(batch) {
                failed = 0
                delivered.add(batch.count, ordering: .relaxed)
                store.acknowledgeOutbox(upTo: last)
                // The deletion must be committed before the next read, or the batch would be sent again.
                let committed = DispatchSemaphore(value: 0)
                store.barrier { committed.signal() }
                committed.wait()
                if stoppingNow { return }
            } else {
                failed += 1
                failures.add(1, ordering: .relaxed)
                let backoff = min(
                    Double(configuration.maxBackoff.milliseconds) / 1000, pow(2, Double(min(failed, 20))) / 2)
                logger.warning(
                    "webhook POST failed; retrying",
                    metadata: ["changes": "\(batch.count)", "retry_in_s": "\(backoff)"])
                guard pause(backoff, untilWoken: false) else { return }
            }
        }
    }

    private var stoppingNow: Bool {
        wakeUp.lock()
        defer { wakeUp.unlock() }
        return stopping
    }

    /// POSTs one batch; whether the CRM answered 2xx.
    private func post(_ batch: [(Int64, String)]) -> Bool {
        var body = "{\"events\":["
        for (offset, entry) in batch.enumerated() {
            if offset > 0 { body += "," }
            body += "{\"id\":\(entry.0)," + entry.1.dropFirst()
        }
        body += "]}"
        let timestamp = String(wallClock.nowMilliseconds / 1000)
        let key = SymmetricKey(data: Array(configuration.secret.reveal().utf8))
        let signature = HexEncoding.lowercase(
            HMAC<SHA256>.authenticationCode(for: Array((timestamp + "." + body).utf8), using: key))
        let request = VendorRequest(
            method: "POST", url: configuration.url,
            headers: [
                HTTPHeader("Content-Type", "application/json"), HTTPHeader("X-Gateway-Timestamp", timestamp),
                HTTPHeader("X-Gateway-Signature", "sha256=" + signature),
            ],
            body: Array(body.utf8))
        let done = DispatchSemaphore(value: 0)
        let status = Atomic<Int>(0)
        transport.submit(request, timeout: configuration.timeout) { result in
            if case .response(let response, _) = result { status.store(response.status, ordering: .relaxed) }
            done.signal()
        }
        done.wait()
        return (200...299).contains(status.load(ordering: .relaxed))
    }
}
