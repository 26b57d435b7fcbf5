import Dispatch
import GatewayClient
import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// The writer's side of a ``JSONLinesBatchRunner`` run: the open file, the connection, the shared tally and the
/// credits (one per request outstanding).
struct JSONLinesSession<Tally: JSONLinesTally> {
    let file: UnsafeMutablePointer<FILE>
    let connection: SocketConnection
    let tally: SharedTally<Tally>
    let credits: DispatchSemaphore

    /// Calls `body` with each line that is a JSON object: its number, members and bytes (valid only during the
    /// call); stops when `body` returns `false`. Blank lines count as read and are skipped silently; a line that is
    /// no JSON object counts as read and goes to the tally, never to `body`.
    func forEachObject(
        _ body: (_ line: Int, _ members: [String: JSONValue], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        var lineNumber = 0
        var linePointer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(linePointer) }
        while true {
            let length = getline(&linePointer, &capacity, file)
            if length < 0 { break }
            lineNumber += 1
            let number = lineNumber
            let proceed = linePointer!.withMemoryRebound(to: UInt8.self, capacity: length) { start -> Bool in
                var count = length
                // Line ends and surrounding blanks are not content; a blank line is skipped silently.
                while count > 0, [0x0A, 0x0D, 0x20, 0x09].contains(start[count - 1]) { count -= 1 }
                guard count > 0 else {
                    tally.withLock { $0.linesRead += 1 }
                    return true
                }
                let bytes = UnsafeBufferPointer(start: start, count: count)
                let reason: String
                do throws(JSONParser.Failure) {
                    let value = try JSONParser.parse(buffer: bytes)
                    guard case .object(let members) = value else { return notJSON(number, "found \(value.typeName)") }
                    return body(number, members, bytes)
                } catch {
                    reason = error.description
                }
                return notJSON(number, reason)
            }
            if !proceed { return }
        }
    }

    /// Counts a line that is no JSON object and reports it if the tally says so.
    private func notJSON(_ line: Int, _ reason: String) -> Bool {
        let message = tally.withLock {
            $0.linesRead += 1
            return $0.recordNotJSON(line: line, reason: reason)
        }
        if let message { ControlClient.printError(message) }
        return true
    }

    /// Sends the file's objects as batch requests of up to `size` items, each on a credit: `append` adds one
    /// object to the batch text (the commas between are added here), `request` wraps the text in the request
    /// line with the batch's number as `id`. Each batch's line numbers go to the tally's `outstanding`, by id.
    func sendBatches(
        size: Int,
        append: (_ members: [String: JSONValue], _ bytes: UnsafeBufferPointer<UInt8>, _ batch: inout String) -> Void,
        request: (_ batch: String, _ id: Int) -> String
    ) where Tally: OutstandingBatches {
        var batch = ""
        var lines: [Int] = []
        var batchNumber = 0

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
            do {
                try connection.send(line: request(batch, number))
            } catch {
                tally.withLock { $0.failure = $0.failure ?? error }
                return false
            }
            batch.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
            return true
        }

        var stopped = false
        forEachObject { line, members, bytes in
            tally.withLock { $0.linesRead += 1 }
            if !lines.isEmpty { batch += "," }
            append(members, bytes, &batch)
            lines.append(line)
            if lines.count >= size, !flush() {
                stopped = true
                return false
            }
            return true
        }
        if !stopped { _ = flush() }
    }
}
