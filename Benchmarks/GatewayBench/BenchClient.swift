import ControlProtocol
import Dispatch
import GatewayClient
import GatewayJSON
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One benchmark connection: a writer thread pipelines pre-built send lines with up to `window` outstanding,
/// and a reader thread timestamps each answer, which arrive in request order.
final class BenchClient: @unchecked Sendable {
    /// What one connection saw.
    struct Result {
        var latencies: [UInt64] = []
        /// When each answered request went out (monotonic nanoseconds), in the order of `latencies`.
        var sentAt: [UInt64] = []
        var accepted = 0
        var duplicates = 0
        var errors: [String: Int] = [:]
        var lastAnswerAt: UInt64 = 0
        var failure: ConnectionError?
    }

    private let connection: SocketConnection
    private let lines: [[UInt8]]
    private let window: Int
    // Written by the writer before each request goes out and read by the reader after its answer arrives;
    // the write(2)/read(2) pair orders the two accesses.
    private let sentAt: UnsafeMutableBufferPointer<UInt64>
    private let credits: DispatchSemaphore
    /// Set by the reader on failure; the only reader state the writer looks at.
    private let broken = Atomic<Bool>(false)
    private var result = Result()

    /// Connects and prepares `lines` (each a complete request without the newline).
    init(path: String, lines: [[UInt8]], window: Int) throws(ConnectionError) {
        connection = try SocketConnection(path: path)
        self.lines = lines
        self.window = window
        sentAt = .allocate(capacity: max(lines.count, 1))
        sentAt.initialize(repeating: 0)
        // Starts at 0 and is filled by signals: libdispatch traps when a semaphore is freed below its
        // initial value, which a broken connection can leave behind.
        credits = DispatchSemaphore(value: 0)
        for _ in 0..<window { credits.signal() }
        result.latencies.reserveCapacity(lines.count)
        result.sentAt.reserveCapacity(lines.count)
    }

    deinit {
        sentAt.deallocate()
    }

    /// Runs both threads to completion and returns what they saw.
    func run() -> Result {
        DedicatedThreads.runAll([{ self.write() }, { self.read() }])
        return result
    }

    private func write() {
        var batch: [UInt8] = []
        batch.reserveCapacity(64 * 1024)
        var index = 0
        while index < lines.count {
            credits.wait()
            if broken.load(ordering: .acquiring) { return }
            // Take every other free credit too, so one write(2) carries many requests under load.
            var end = index + 1
            while end < lines.count, end - index < 512, credits.wait(timeout: .now()) == .success { end += 1 }
            batch.removeAll(keepingCapacity: true)
            for line in lines[index..<end] {
                batch.append(contentsOf: line)
                batch.append(UInt8(ascii: "\n"))
            }
            let now = MonotonicClock.now()
            for position in index..<end { sentAt[position] = now }
            do {
                try connection.write(batch)
            } catch {
                return  // The reader sees the broken connection and records it.
            }
            index = end
        }
    }

    private func read() {
        var answered = 0
        while answered < lines.count {
            let line: [UInt8]?
            do {
                line = try connection.readLine()
            } catch {
                fail(error)
                return
            }
            guard let line else {
                fail(ConnectionError(path: connection.path, reason: "the daemon closed the connection"))
                return
            }
            let now = MonotonicClock.now()
            result.latencies.append(now - sentAt[answered])
            result.sentAt.append(sentAt[answered])
            result.lastAnswerAt = now
            answered += 1
            credits.signal()
            let answer = ControlReply(line: line)
            if let answer, answer.ok {
                if SendAnswer(json: answer.value)?.outcome == .duplicate {
                    result.duplicates += 1
                } else {
                    result.accepted += 1
                }
            } else {
                result.errors[answer?.errorCode ?? "unreadable", default: 0] += 1
            }
        }
    }

    private func fail(_ error: ConnectionError) {
        result.failure = error
        broken.store(true, ordering: .releasing)
        for _ in 0...window { credits.signal() }  // Unblocks the writer so both threads end.
    }
}
