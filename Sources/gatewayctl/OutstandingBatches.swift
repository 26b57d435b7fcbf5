import ControlProtocol
import GatewayClient
import GatewayJSON

/// A tally of batch requests: it keeps the file lines of each batch sent and not yet answered, by batch id, so
/// every result is reported by line, and counts lines refused by error code.
protocol OutstandingBatches: JSONLinesTally {
    var outstanding: [Int: [Int]] { get set }
    /// Lines refused as errors, by code (`not_json` for lines that are no JSON object, never sent).
    var rejectedByCode: [String: Int] { get set }

    /// Counts a batch's answer against its lines; returns the lines in error, as `line N: code: message`.
    mutating func record(batch lines: [Int], answer: ControlReply?, raw: String) -> [String]
}

extension OutstandingBatches {
    var isSettled: Bool { outstanding.isEmpty && answered == sent }
    var rejected: Int { rejectedByCode.values.reduce(0, +) }
    var progress: (read: Int, answered: Int) { (linesRead, answered + rejectedByCode["not_json", default: 0]) }

    /// Counts an answer against the lines of the batch it answers: by its id, or (unreadable) the oldest
    /// outstanding, since answers come in request order.
    mutating func record(answer: ControlReply?, raw: String) -> [String] {
        let key = answer?.id?.intValue ?? outstanding.keys.min() ?? 0
        return record(batch: outstanding.removeValue(forKey: key) ?? [], answer: answer, raw: raw)
    }

    /// Counts a line that is no JSON object.
    mutating func recordNotJSON(line: Int, reason: String) -> String? {
        rejectedByCode["not_json", default: 0] += 1
        return "line \(line): not a JSON object: \(reason)"
    }

    /// Counts `lines` refused together (the whole batch) under `code`.
    mutating func reject(_ lines: [Int], code: String, message: String) -> [String] {
        rejectedByCode[code, default: 0] += lines.count
        return lines.map { "line \($0): \(code): \(message)" }
    }

    /// Counts one item refused in its slot; returns its report line.
    mutating func reject(line: Int, _ error: ControlError) -> String {
        rejectedByCode[error.codeName, default: 0] += 1
        // The daemon names the field inside the batch (`customers[3].zone`); the line says which item.
        let field = error.field.map { Self.fieldInItem($0) }
        return "line \(line): \(error.codeName): \(error.message)" + (field.map { " (field \($0))" } ?? "")
    }

    /// `customers[3].zone` → `zone`.
    static func fieldInItem(_ field: String) -> String {
        guard field.hasPrefix("customers["), let close = field.firstIndex(of: "]") else { return field }
        let rest = field[field.index(after: close)...]
        return rest.hasPrefix(".") ? String(rest.dropFirst()) : String(rest)
    }
}
