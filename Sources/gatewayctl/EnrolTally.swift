import ControlProtocol
import GatewayClient
import GatewayJSON

/// What `strategy enrol --file` has seen so far; shared by the writer, the reader and the progress timer under
/// a lock (``SharedTally``).
struct EnrolTally: OutstandingBatches {
    var linesRead = 0
    /// Customers sent in batches, and those answered (one result each).
    var sent = 0
    var answered = 0
    var enrolled = 0
    var holdout = 0
    var duplicate = 0
    /// Customers not enrolled by a rule (`active`, `once`, …): an outcome, not an error.
    var refusedByReason: [String: Int] = [:]
    /// Lines refused as errors, by code (`not_json` for lines that are no JSON object, never sent).
    var rejectedByCode: [String: Int] = [:]
    /// Lines of each batch sent and not yet answered, by batch id.
    var outstanding: [Int: [Int]] = [:]
    var writerDone = false
    var finished = false
    var failure: ConnectionError?
    /// An error that refused a whole batch for a reason every batch shares (an unknown strategy): stop sending.
    var fatal: String?

    var refused: Int { refusedByReason.values.reduce(0, +) }

    /// Whether every line was answered with an enrolment outcome (refusals by rule included).
    var succeeded: Bool { failure == nil && fatal == nil && rejected == 0 && answered == sent }

    /// Counts a batch's answer against its lines; returns the lines in error, as `line N: code: message`.
    mutating func record(batch lines: [Int], answer: ControlReply?, raw: String) -> [String] {
        answered += lines.count
        guard let answer else { return reject(lines, code: "unreadable_answer", message: raw) }
        guard answer.ok else {
            let code = answer.errorCode ?? "unknown"
            let message = answer.errorMessage ?? ""
            if code == ControlErrorCode.notFound.rawValue || code == ControlErrorCode.forbidden.rawValue {
                // Every batch would be refused alike: say it once and stop.
                fatal = fatal ?? "\(code): \(message)"
                rejectedByCode[code, default: 0] += lines.count
                return []
            }
            return reject(lines, code: code, message: message)
        }
        guard let batch = EnrolBatchAnswer(json: answer.value), batch.results.count == lines.count else {
            return reject(lines, code: "unreadable_answer", message: raw)
        }
        var errors: [String] = []
        for (line, result) in zip(lines, batch.results) {
            switch result {
            case .success(let outcome):
                switch outcome.state {
                case .enrolled:
                    enrolled += 1
                    if outcome.holdout == true { holdout += 1 }
                case .duplicate: duplicate += 1
                case .refused: refusedByReason[outcome.reason ?? "unknown", default: 0] += 1
                }
            case .failure(let error):
                errors.append(reject(line: line, error))
            }
        }
        return errors
    }

    /// The human-readable summary, by outcome and reason.
    func summary() -> String {
        var text = ""
        func row(_ label: String, _ value: Int) { text += label.padding(to: 13) + String(value) + "\n" }
        func reasons(_ counts: [String: Int]) {
            for (name, count) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                text += "  " + name.padding(to: 22) + String(count) + "\n"
            }
        }
        row("lines read:", linesRead)
        row("enrolled:", enrolled)
        if holdout > 0 { text += "  " + "holdout".padding(to: 22) + String(holdout) + "\n" }
        row("duplicate:", duplicate)
        row("refused:", refused)
        reasons(refusedByReason)
        row("rejected:", rejected)
        reasons(rejectedByCode)
        if sent > answered { row("unanswered:", sent - answered) }
        return text
    }
}
