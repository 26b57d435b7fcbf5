import ArgumentParser
import ControlProtocol
import Dispatch
import GatewayClient
import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// `strategy enrol NAME --file F`: streams a JSON-lines file of `{"customer":…, "enrol_key"?:…, "start_at"?:…}`
/// objects as `enrol_batch` requests over one connection, `batchSize` customers each and up to `window` batches
/// outstanding (the daemon answers in order, after each batch's commit).
///
/// The calling thread reads the file and writes batches; a second thread reads the answers. Each batch carries
/// its number as `id` and the tally keeps the file line of each of its customers, so every error is reported by
/// line; a line that is no JSON object is reported and skipped, never sent.
struct BulkEnroller {
    let strategy: String
    let path: String
    let startAt: TimeInput?
    let options: GlobalOptions
    let batchSize: Int
    let window: Int

    /// Enrols the file and prints the summary; returns whether every line got an enrolment outcome.
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
        let tally = SharedEnrolTally()
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
            tally.withLock { ($0.linesRead, $0.answered + $0.rejectedByCode["not_json", default: 0]) }
        }
        writeBatches(from: file, connection, tally: tally, credits: credits)
        tally.withLock { $0.writerDone = true }
        while !tally.withLock({ ($0.outstanding.isEmpty && $0.answered == $0.sent) || $0.failure != nil }) {
            _ = finished.wait(timeout: .now() + .milliseconds(100))
        }
        tally.withLock { $0.finished = true }
        connection.shutdownBoth()
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
        return final.allAnswered
    }

    /// The writer: gathers `batchSize` objects per request and waits for a credit per batch.
    private func writeBatches(
        from file: UnsafeMutablePointer<FILE>, _ connection: SocketConnection, tally: SharedEnrolTally,
        credits: DispatchSemaphore
    ) {
        var lineNumber = 0
        var linePointer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(linePointer) }
        // Lines go on as written (once parsed to know each is an object): re-serializing 1,000 objects per batch
        // would cost the CLI more than the daemon spends enrolling them.
        var batch = ""
        var lines: [Int] = []
        var batchNumber = 0
        var opening = "{\"op\":\"enrol_batch\",\"strategy\":"
        JSONValue.appendQuoted(strategy, to: &opening)
        if let startAt { opening += ",\"start_at\":" + startAt.json.serialized }

        func flush() -> Bool {
            guard !lines.isEmpty else { return true }
            credits.wait()
            batchNumber += 1
            let number = batchNumber
            let sentLines = lines
            let proceed = tally.withLock { tally -> Bool in
                guard tally.failure == nil, tally.fatal == nil else { return false }
                tally.outstanding[number] = sentLines
                tally.sent += sentLines.count
                return true
            }
            guard proceed else { return false }
            let request = opening + ",\"id\":\(number),\"customers\":[" + batch + "]}"
            do {
                try connection.send(line: request)
            } catch {
                tally.withLock { $0.failure = $0.failure ?? error }
                return false
            }
            batch.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
            return true
        }

        while true {
            let length = getline(&linePointer, &capacity, file)
            if length < 0 { break }
            lineNumber += 1
            var text = ""
            let parsed: Result<JSONValue, JSONParser.Failure>? = linePointer!.withMemoryRebound(
                to: UInt8.self, capacity: length
            ) { start in
                var count = length
                while count > 0, [0x0A, 0x0D, 0x20, 0x09].contains(start[count - 1]) { count -= 1 }
                guard count > 0 else { return nil }
                let bytes = UnsafeBufferPointer(start: start, count: count)
                do throws(JSONParser.Failure) {
                    let value = try JSONParser.parse(buffer: bytes)
                    if case .object = value { text = String(decoding: bytes, as: UTF8.self) }
                    return .success(value)
                } catch {
                    return .failure(error)
                }
            }
            let number = lineNumber
            switch parsed {
            case nil:
                tally.withLock { $0.linesRead += 1 }
            case .success(.object):
                tally.withLock { $0.linesRead += 1 }
                // Passed on as written: the daemon checks each object and answers a bad one in its slot.
                if !lines.isEmpty { batch += "," }
                batch += text
                lines.append(number)
                if lines.count >= batchSize, !flush() { return }
            case .failure(let failure):
                let message = tally.withLock {
                    $0.linesRead += 1
                    return $0.recordNotJSON(line: number, reason: failure.description)
                }
                ControlClient.printError(message)
            case .success(let other):
                let message = tally.withLock {
                    $0.linesRead += 1
                    return $0.recordNotJSON(line: number, reason: "found \(other.typeName)")
                }
                ControlClient.printError(message)
            }
        }
        _ = flush()
    }

    /// The reader: counts each batch's results against its lines, reports errors on stderr, returns credits.
    private static func readAnswers(
        _ connection: SocketConnection, tally: SharedEnrolTally, credits: DispatchSemaphore,
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
            let (errors, done) = tally.withLock { tally -> ([String], Bool) in
                // Answers come in request order: an unreadable id is the oldest batch outstanding.
                let key = answer?.id?.intValue ?? tally.outstanding.keys.min() ?? 0
                let lines = tally.outstanding.removeValue(forKey: key) ?? []
                let errors = tally.record(batch: lines, answer: answer, raw: raw)
                return (errors, tally.writerDone && tally.outstanding.isEmpty)
            }
            for message in errors { ControlClient.printError(message) }
            credits.signal()
            if done { finished.signal() }
        }
    }

    /// Records a broken connection (unless the main thread closed it after the last answer) and unblocks everyone.
    private static func fail(
        _ error: ConnectionError, tally: SharedEnrolTally, credits: DispatchSemaphore,
        finished: DispatchSemaphore, windowSize: Int
    ) {
        let signal = tally.withLock { tally in
            guard !tally.finished else { return false }
            tally.failure = tally.failure ?? error
            return true
        }
        guard signal else { return }
        for _ in 0..<windowSize + 1 { credits.signal() }
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
