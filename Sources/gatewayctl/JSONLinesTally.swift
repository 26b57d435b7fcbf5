import ControlProtocol
import GatewayClient

/// What a bulk command (``JSONLinesBatchRunner``) counts: the runner keeps the shared fields, the command's tally
/// reads its answers and writes its summary.
protocol JSONLinesTally: Sendable {
    init()
    var linesRead: Int { get set }
    /// Items sent (one per line), and whether the writer has sent its last request.
    var sent: Int { get set }
    var answered: Int { get }
    var writerDone: Bool { get set }
    /// Set before the main thread closes the connection itself, so the reader's end of file is no failure.
    var finished: Bool { get set }
    var failure: ConnectionError? { get set }
    /// An error every request would get alike (an unknown strategy): stop sending, print it, exit 1.
    var fatal: String? { get }
    /// Lines read, and lines done with (answered or refused unsent), for the progress bar.
    var progress: (read: Int, answered: Int) { get }
    /// Whether every request sent has been answered.
    var isSettled: Bool { get }
    /// Whether the command succeeded: its exit status when the connection held.
    var succeeded: Bool { get }

    /// Counts one answer line (`nil`: not a JSON object); returns lines to report on stderr now.
    mutating func record(answer: ControlReply?, raw: String) -> [String]
    /// Counts a file line that is no JSON object; returns a line to report on stderr now, if any.
    mutating func recordNotJSON(line: Int, reason: String) -> String?
    /// The human-readable summary, ending in a newline.
    func summary() -> String
}

extension JSONLinesTally {
    var fatal: String? { nil }
}
