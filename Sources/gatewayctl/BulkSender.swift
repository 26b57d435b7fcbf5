import ArgumentParser
import ControlProtocol
import Dispatch
import GatewayClient
import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// `send --file`: streams a JSON-lines file over one connection with up to `window` requests outstanding.
///
/// The calling thread reads the file and writes requests; a second thread reads the answers, which come back
/// in order. Each request carries its line number as `id`, so rejections can be reported by line.
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
        guard let totalLines = Self.countLines(path), let file = fopen(path, "r") else {
            ControlClient.printError("gatewayctl: cannot read \(path): \(String(cString: strerror(errno)))")
            throw ExitCode.failure
        }
        defer { fclose(file) }
        let connection: SocketConnection
        do {
            connection = try SocketConnection(path: options.socketPath)
        } catch {
            throw ControlClient.fail(error)
        }

        let tally = SharedTally()
        // Starts at 0 and is filled by signals: libdispatch traps when a semaphore is freed below its
        // initial value, which a broken connection can leave behind.
        let credits = DispatchSemaphore(value: 0)
        for _ in 0..<window { credits.signal() }
        let finished = DispatchSemaphore(value: 0)
        let readerExited = DispatchSemaphore(value: 0)
        let printRaw = options.json
        let windowSize = window

        DispatchQueue.global().async {
            Self.readAnswers(
                connection, tally: tally, credits: credits, finished: finished, printRaw: printRaw,
                windowSize: windowSize)
            readerExited.signal()
        }
        let progress = ProgressReporter(totalLines: totalLines) {
            tally.withLock { ($0.linesRead, $0.answered) }
        }

        writeRequests(from: file, connection, tally: tally, credits: credits)
        tally.withLock { $0.writerDone = true }
        // The reader signals after the last answer; the timeout only guards against a missed wake-up.
        while !tally.withLock({ $0.answered == $0.sent || $0.failure != nil }) {
            _ = finished.wait(timeout: .now() + .milliseconds(100))
        }
        tally.withLock { $0.finished = true }  // Set first, so the reader's EOF below is not taken for a failure.
        connection.shutdownBoth()  // Wakes the reader, which is blocked waiting for more answers.
        readerExited.wait()
        progress.finish()

        let final = tally.withLock { $0 }
        let summary = final.summary()
        if printRaw {
            ControlClient.printError(String(summary.dropLast()))
        } else {
            print(summary, terminator: "")
        }
        if let failure = final.failure {
            ControlClient.printError("gatewayctl: \(failure)")
            throw ExitCode(2)
        }
        return final.allAccepted
    }

    /// The writer: one request per JSON line, batched into large writes, waiting for a credit per request.
    private func writeRequests(
        from file: UnsafeMutablePointer<FILE>, _ connection: SocketConnection,
        tally: SharedTally, credits: DispatchSemaphore
    ) {
        var pendingString = ""
        var pending: [UInt8] = []
        pending.reserveCapacity(128 * 1024)
        var lineNumber = 0
        var linePointer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(linePointer) }

        func flush() -> Bool {
            guard !pending.isEmpty else { return true }
            do {
                try connection.write(pending)
            } catch {
                tally.withLock { $0.failure = $0.failure ?? error }
                return false
            }
            pending.removeAll(keepingCapacity: true)
            return true
        }

        while true {
            let length = getline(&linePointer, &capacity, file)
            if length < 0 { break }
            lineNumber += 1
            let parsed: Result<JSONValue, JSONParser.Failure>? = linePointer!.withMemoryRebound(
                to: UInt8.self, capacity: length
            ) { start in
                var count = length
                // Line ends and surrounding blanks are not content; a blank line is skipped silently.
                while count > 0, [0x0A, 0x0D, 0x20, 0x09].contains(start[count - 1]) { count -= 1 }
                guard count > 0 else { return nil }
                do throws(JSONParser.Failure) {
                    return .success(try JSONParser.parse(buffer: UnsafeBufferPointer(start: start, count: count)))
                } catch {
                    return .failure(error)
                }
            }
            let request: JSONValue
            switch parsed {
            case nil:
                tally.withLock { $0.linesRead += 1 }
                continue
            case .failure(let failure):
                tally.withLock {
                    $0.linesRead += 1
                    $0.recordNotJSON(line: lineNumber, reason: failure.description)
                }
                continue
            case .success(.object(let members)):
                // Passed through as written: the daemon decodes each line and answers a bad one in its slot.
                request = ControlRequest.json(.send, members: members, id: .number(String(lineNumber)))
            case .success(let other):
                tally.withLock {
                    $0.linesRead += 1
                    $0.recordNotJSON(line: lineNumber, reason: "found \(other.typeName)")
                }
                continue
            }

            // Take a credit without blocking if one is free; otherwise push out what is batched, then wait.
            if credits.wait(timeout: .now()) == .timedOut {
                guard flush() else { return }
                credits.wait()
            }
            if tally.withLock({ $0.failure != nil }) { return }
            request.write(to: &pendingString)
            pending.append(contentsOf: pendingString.utf8)
            pending.append(UInt8(ascii: "\n"))
            pendingString.removeAll(keepingCapacity: true)
            tally.withLock {
                $0.linesRead += 1
                $0.sent += 1
            }
            if pending.count >= 64 * 1024 {
                guard flush() else { return }
            }
        }
        _ = flush()
    }

    /// The reader: counts answers, returns credits, and signals `finished` after the last one.
    private static func readAnswers(
        _ connection: SocketConnection, tally: SharedTally, credits: DispatchSemaphore,
        finished: DispatchSemaphore, printRaw: Bool, windowSize: Int
    ) {
        while true {
            let line: [UInt8]?
            do {
                line = try connection.readLine()
            } catch {
                fail(error, tally: tally, credits: credits, finished: finished, windowSize: windowSize)
                return
            }
            guard let line else {
                let error = ConnectionError(path: connection.path, reason: "the daemon closed the connection")
                fail(error, tally: tally, credits: credits, finished: finished, windowSize: windowSize)
                return
            }
            let answer = ControlReply(line: line)
            let raw = answer?.raw ?? String(decoding: line, as: UTF8.self)
            if printRaw { print(raw) }
            credits.signal()
            let done = tally.withLock { tally in
                tally.record(answer: answer, raw: raw)
                return tally.writerDone && tally.answered == tally.sent
            }
            if done { finished.signal() }
        }
    }

    /// Records a broken connection (unless the main thread closed it after the last answer) and unblocks everyone.
    private static func fail(
        _ error: ConnectionError, tally: SharedTally, credits: DispatchSemaphore,
        finished: DispatchSemaphore, windowSize: Int
    ) {
        let signal = tally.withLock { tally in
            // After the last answer the main thread shuts the socket down itself; that is not a failure.
            guard !tally.finished else { return false }
            tally.failure = tally.failure ?? error
            return true
        }
        guard signal else { return }
        for _ in 0..<windowSize + 1 { credits.signal() }  // The writer may be waiting for a credit.
        finished.signal()
    }

    /// Counts the lines of `path` for the progress bar, or `nil` if it cannot be read.
    private static func countLines(_ path: String) -> Int? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var lines = 0
        var last: UInt8 = 0x0A
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            for index in 0..<count where buffer[index] == 0x0A { lines += 1 }
            last = buffer[count - 1]
        }
        return last == 0x0A ? lines : lines + 1
    }
}
