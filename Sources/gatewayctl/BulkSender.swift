import ArgumentParser
import ControlProtocol
import Dispatch
import GatewayClient
import GatewayJSON

/// `send --file`: streams a JSON-lines file over one connection with up to `window` requests outstanding (a
/// ``JSONLinesBatchRunner``).
///
/// Each line goes as its own `send` request carrying its line number as `id`, so rejections can be reported by
/// line; requests are gathered into large writes.
struct BulkSender {
    let path: String
    let options: GlobalOptions
    let window: Int

    init(path: String, options: GlobalOptions, window: Int) {
        self.path = path
        self.options = options
        self.window = window
    }

    /// Sends the file and prints the summary; returns whether every line was accepted or a duplicate.
    func run() throws(ExitCode) -> Bool {
        try JSONLinesBatchRunner<BulkTally>(path: path, options: options, window: window).run(write: writeRequests)
    }

    /// The writer: one request per JSON line, batched into large writes, waiting for a credit per request.
    private func writeRequests(_ session: JSONLinesSession<BulkTally>) {
        let tally = session.tally
        var pendingString = ""
        var pending: [UInt8] = []
        pending.reserveCapacity(128 * 1024)

        func flush() -> Bool {
            guard !pending.isEmpty else { return true }
            do {
                try session.connection.write(pending)
            } catch {
                tally.withLock { $0.failure = $0.failure ?? error }
                return false
            }
            pending.removeAll(keepingCapacity: true)
            return true
        }

        var stopped = false
        session.forEachObject { lineNumber, members, _ in
            // Passed through as written: the daemon decodes each line and answers a bad one in its slot.
            let request = ControlRequest.json(.send, members: members, id: .number(String(lineNumber)))
            // Take a credit without blocking if one is free; otherwise push out what is batched, then wait.
            if session.credits.wait(timeout: .now()) == .timedOut {
                guard flush() else {
                    stopped = true
                    return false
                }
                session.credits.wait()
            }
            if tally.withLock({ $0.failure != nil }) {
                stopped = true
                return false
            }
            request.write(to: &pendingString)
            pending.append(contentsOf: pendingString.utf8)
            pending.append(UInt8(ascii: "\n"))
            pendingString.removeAll(keepingCapacity: true)
            tally.withLock {
                $0.linesRead += 1
                $0.sent += 1
            }
            if pending.count >= 64 * 1024, !flush() {
                stopped = true
                return false
            }
            return true
        }
        if !stopped { _ = flush() }
    }
}
