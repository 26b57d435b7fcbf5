import ControlProtocol
import GatewayClient
import GatewayJSON

/// What a bulk send has seen so far; shared by the writer, the reader and the progress timer under a lock.
struct BulkTally: JSONLinesTally {
    /// At most this many bad and rejected lines are kept for the summary; the rest are only counted.
    static let exampleLimit = 20

    var linesRead = 0
    var sent = 0
    var answered = 0
    var accepted = 0
    var duplicates = 0
    /// Other successful states (`suppressed`, `deferred`, …) by state name.
    var otherStates: [String: Int] = [:]
    var rejectedByCode: [String: Int] = [:]
    var rejectedExamples: [String] = []
    var notJSON = 0
    var notJSONExamples: [String] = []
    var writerDone = false
    var finished = false
    var failure: ConnectionError?

    var rejected: Int { rejectedByCode.values.reduce(0, +) }

    /// Whether every line was accepted or a duplicate of an accepted message.
    var succeeded: Bool { failure == nil && rejected == 0 && notJSON == 0 }

    var progress: (read: Int, answered: Int) { (linesRead, answered) }
    var isSettled: Bool { answered == sent }

    /// Counts one answer; `nil` is an answer that was not a JSON object. Problems go to the summary, not stderr.
    mutating func record(answer: ControlReply?, raw: String) -> [String] {
        answered += 1
        guard let answer else {
            rejectedByCode["unreadable_answer", default: 0] += 1
            addExample("unreadable answer: \(raw)", to: &rejectedExamples)
            return []
        }
        if answer.ok {
            switch SendAnswer(json: answer.value)?.outcome {
            case .duplicate?: duplicates += 1
            case .queued?, nil: accepted += 1
            case .deferred?: otherStates["deferred", default: 0] += 1
            case .suppressed?: otherStates["suppressed", default: 0] += 1
            }
            return []
        }
        let code = answer.errorCode ?? "unknown"
        rejectedByCode[code, default: 0] += 1
        let line = answer.id?.scalarText ?? "?"
        let message = answer.errorMessage ?? ""
        addExample("line \(line): \(code): \(message)", to: &rejectedExamples)
        return []
    }

    /// Counts a file line that is not a JSON object, for the summary.
    mutating func recordNotJSON(line: Int, reason: String) -> String? {
        notJSON += 1
        addExample("line \(line): not a JSON object: \(reason)", to: &notJSONExamples)
        return nil
    }

    private func addExample(_ text: String, to examples: inout [String]) {
        if examples.count < Self.exampleLimit { examples.append(text) }
    }

    /// The human-readable summary.
    func summary() -> String {
        var text = ""
        func row(_ label: String, _ value: Int) {
            text += label.padding(to: 13) + String(value) + "\n"
        }
        row("lines read:", linesRead)
        row("accepted:", accepted)
        row("duplicates:", duplicates)
        for (state, count) in otherStates.sorted(by: { $0.key < $1.key }) {
            row("\(state):", count)
        }
        row("rejected:", rejected)
        let codes = rejectedByCode.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        for (code, count) in codes {
            text += "  " + code.padding(to: 22) + String(count) + "\n"
        }
        row("not JSON:", notJSON)
        if sent > answered {
            row("unanswered:", sent - answered)
        }
        let examples = notJSONExamples + rejectedExamples
        if !examples.isEmpty {
            text += "problems (first \(Self.exampleLimit) of each kind):\n"
            for example in examples { text += "  " + example + "\n" }
        }
        return text
    }
}
