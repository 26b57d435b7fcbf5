import ChannelKit
import Foundation

extension ConfigIssue {
    /// The issue as a line for stderr: under journald with its syslog priority (`<3>` error, `<4>` warning), so
    /// a start refused for a broken configuration shows in `journalctl -p err` like any other error.
    func stderrLine(journal: Bool) -> String {
        guard journal else { return description + "\n" }
        return "<\(severity == .error ? 3 : 4)>" + description + "\n"
    }

    /// Writes every issue to stderr, prefixed under journald.
    static func report(_ issues: [ConfigIssue]) {
        let journal = JournalLogHandler.standardErrorIsJournal(environment: ProcessInfo.processInfo.environment)
        for issue in issues { FileHandle.standardError.write(Data(issue.stderrLine(journal: journal).utf8)) }
    }
}
