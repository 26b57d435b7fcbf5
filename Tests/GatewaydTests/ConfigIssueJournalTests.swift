import ChannelKit
import Testing

@testable import gatewayd

/// Configuration problems printed before logging starts (a refused start, ExecStartPre's check-config) carry
/// their syslog priority under journald too, so `journalctl -p err` shows why the unit did not start.
@Suite struct ConfigIssueJournalTests {
    let mark = ConfigMark(file: "/etc/channel-gateway/gateway.yaml", line: 3, column: 7)

    @Test func errorsAreErrAndWarningsWarningUnderJournald() {
        let error = ConfigIssue(mark, "unknown key 'sockt'")
        let warning = ConfigIssue(mark, "a secret is written inline", severity: .warning)
        #expect(error.stderrLine(journal: true) == "<3>" + error.description + "\n")
        #expect(warning.stderrLine(journal: true) == "<4>" + warning.description + "\n")
    }

    @Test func outsideJournaldTheLineIsUnchanged() {
        let error = ConfigIssue(mark, "unknown key 'sockt'")
        #expect(error.stderrLine(journal: false) == error.description + "\n")
        #expect(!error.stderrLine(journal: false).hasPrefix("<"))
    }
}
