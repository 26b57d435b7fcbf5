import ArgumentParser
import ControlProtocol
import Dispatch
import GatewayClient

#if canImport(Glibc)
    import Glibc
#endif

/// Streams a JSON-lines file over one control connection with up to `window` requests outstanding, for `send
/// --file`, `strategy enrol --file` and `customers import`.
///
/// The calling thread reads the file and writes requests (the command's `write`, through a ``JSONLinesSession``);
/// a second thread reads the answers, which come back in order, and returns one credit per answer. A progress bar
/// follows the tally; at the end the summary goes to stdout (stderr with `--json`, where stdout has the answers).
struct JSONLinesBatchRunner<Tally: JSONLinesTally> {
    let path: String
    let options: GlobalOptions
    let window: Int

    /// Runs the file through `write` and prints the summary; returns the tally's ``JSONLinesTally/succeeded``.
    func run(write: (JSONLinesSession<Tally>) -> Void) throws(ExitCode) -> Bool {
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

        let tally = SharedTally<Tally>()
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
        let progress = ProgressReporter(totalLines: totalLines) { tally.withLock { $0.progress } }

        write(JSONLinesSession(file: file, connection: connection, tally: tally, credits: credits))
        tally.withLock { $0.writerDone = true }
        // The reader signals after the last answer; the timeout only guards against a missed wake-up.
        while !tally.withLock({ $0.isSettled || $0.failure != nil }) {
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
        if let fatal = final.fatal {
            ControlClient.printError("error: \(fatal)")
            throw ExitCode.failure
        }
        if let failure = final.failure {
            ControlClient.printError("gatewayctl: \(failure)")
            throw ExitCode(2)
        }
        return final.succeeded
    }

    /// The reader: counts answers, reports what the tally says on stderr, returns credits, and signals `finished`
    /// after the last one.
    private static func readAnswers(
        _ connection: SocketConnection, tally: SharedTally<Tally>, credits: DispatchSemaphore,
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
            let (messages, done) = tally.withLock { tally -> ([String], Bool) in
                let messages = tally.record(answer: answer, raw: raw)
                return (messages, tally.writerDone && tally.isSettled)
            }
            for message in messages { ControlClient.printError(message) }
            credits.signal()
            if done { finished.signal() }
        }
    }

    /// Records a broken connection (unless the main thread closed it after the last answer) and unblocks everyone.
    private static func fail(
        _ error: ConnectionError, tally: SharedTally<Tally>, credits: DispatchSemaphore,
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
