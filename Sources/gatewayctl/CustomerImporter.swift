import ArgumentParser
import ControlProtocol
import Dispatch
import GatewayClient
import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// `customers import`: streams a JSON-lines file of `customer` objects as `customer_batch` requests over one
/// connection, `batchSize` customers each and up to `window` batches outstanding.
///
/// The calling thread reads the file and writes batches; a second thread reads the answers, which come back in
/// order. Each batch carries its number as `id` and the tally keeps the file line of each of its customers, so
/// every refusal is reported by line; a line that is no JSON object is reported and skipped, never sent.
struct CustomerImporter {
    let path: String
    let options: GlobalOptions
    let batchSize: Int
    let window: Int

    /// Imports the file and prints the summary; returns whether every line was stored.
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
        let tally = SharedImportTally()
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
        if let failure = final.failure {
            ControlClient.printError("gatewayctl: \(failure)")
            throw ExitCode(2)
        }
        return final.allStored
    }

    /// The writer: gathers `batchSize` objects per request and waits for a credit per batch.
    private func writeBatches(
        from file: UnsafeMutablePointer<FILE>, _ connection: SocketConnection, tally: SharedImportTally,
        credits: DispatchSemaphore
    ) {
        var lineNumber = 0
        var linePointer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(linePointer) }
        var batch: [JSONValue] = []
        var lines: [Int] = []
        var batchNumber = 0

        func flush() -> Bool {
            guard !batch.isEmpty else { return true }
            credits.wait()
            batchNumber += 1
            let number = batchNumber
            let sentLines = lines
            let proceed = tally.withLock { tally -> Bool in
                guard tally.failure == nil else { return false }
                tally.outstanding[number] = sentLines
                tally.sent += sentLines.count
                return true
            }
            guard proceed else { return false }
            let request = ControlRequest.json(
                .customerBatch, members: ["customers": .array(batch)], id: .number(String(number)))
            do {
                try connection.send(line: request.serialized)
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
            let parsed: Result<JSONValue, JSONParser.Failure>? = linePointer!.withMemoryRebound(
                to: UInt8.self, capacity: length
            ) { start in
                var count = length
                while count > 0, [0x0A, 0x0D, 0x20, 0x09].contains(start[count - 1]) { count -= 1 }
                guard count > 0 else { return nil }
                do throws(JSONParser.Failure) {
                    return .success(try JSONParser.parse(buffer: UnsafeBufferPointer(start: start, count: count)))
                } catch {
                    return .failure(error)
                }
            }
            let number = lineNumber
            switch parsed {
            case nil:
                tally.withLock { $0.linesRead += 1 }
            case .success(.object(let members)):
                tally.withLock { $0.linesRead += 1 }
                // Passed on as written: the daemon checks each object and answers a bad one in its slot.
                batch.append(.object(members.filter { $0.key != "op" && $0.key != "id" }))
                lines.append(number)
                if batch.count >= batchSize, !flush() { return }
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

    /// The reader: counts each batch's results against its lines, reports refusals on stderr, returns credits.
    private static func readAnswers(
        _ connection: SocketConnection, tally: SharedImportTally, credits: DispatchSemaphore,
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
            let (refused, done) = tally.withLock { tally -> ([String], Bool) in
                // Answers come in request order: an unreadable id is the oldest batch outstanding.
                let key = answer?.id?.intValue ?? tally.outstanding.keys.min() ?? 0
                let lines = tally.outstanding.removeValue(forKey: key) ?? []
                let refused = tally.record(batch: lines, answer: answer, raw: raw)
                return (refused, tally.writerDone && tally.outstanding.isEmpty)
            }
            for message in refused { ControlClient.printError(message) }
            credits.signal()
            if done { finished.signal() }
        }
    }

    /// Records a broken connection (unless the main thread closed it after the last answer) and unblocks everyone.
    private static func fail(
        _ error: ConnectionError, tally: SharedImportTally, credits: DispatchSemaphore,
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
