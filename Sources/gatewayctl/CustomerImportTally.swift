import ControlProtocol
import GatewayClient
import GatewayJSON

/// What `customers import` has seen so far; shared by the writer, the reader and the progress timer under a lock.
struct CustomerImportTally: OutstandingBatches {
    var linesRead = 0
    /// Customers sent in batches, and those answered (one result each).
    var sent = 0
    var answered = 0
    var created = 0
    var updated = 0
    /// Lines refused, by error code (`not_json` for lines that are no JSON object, never sent).
    var rejectedByCode: [String: Int] = [:]
    /// Lines of each batch sent and not yet answered, by batch id.
    var outstanding: [Int: [Int]] = [:]
    var writerDone = false
    var finished = false
    var failure: ConnectionError?

    /// Whether every line was stored.
    var succeeded: Bool { failure == nil && rejected == 0 && answered == sent }

    /// Counts a batch's answer against its lines; returns the lines refused, as `line N: code: message`.
    mutating func record(batch lines: [Int], answer: ControlReply?, raw: String) -> [String] {
        answered += lines.count
        guard let answer else { return reject(lines, code: "unreadable_answer", message: raw) }
        guard answer.ok else {
            return reject(lines, code: answer.errorCode ?? "unknown", message: answer.errorMessage ?? "")
        }
        guard let batch = CustomerBatchAnswer(json: answer.value), batch.results.count == lines.count else {
            return reject(lines, code: "unreadable_answer", message: raw)
        }
        var refused: [String] = []
        for (line, result) in zip(lines, batch.results) {
            switch result {
            case .success(let stored):
                switch stored.state {
                case .created: created += 1
                case .updated: updated += 1
                }
            case .failure(let error):
                refused.append(reject(line: line, error))
            }
        }
        return refused
    }

    /// The human-readable summary, by outcome.
    func summary() -> String {
        var text = ""
        func row(_ label: String, _ value: Int) {
            text += label.padding(to: 13) + String(value) + "\n"
        }
        row("lines read:", linesRead)
        row("created:", created)
        row("updated:", updated)
        row("rejected:", rejected)
        for (code, count) in rejectedByCode.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key })
        {
            text += "  " + code.padding(to: 22) + String(count) + "\n"
        }
        if sent > answered { row("unanswered:", sent - answered) }
        return text
    }
}
