import Logging
import Testing

@testable import gatewayd

/// The journal's line format: a syslog priority first, no timestamp, the rest as the stream handler writes it.
@Suite struct JournalLogHandlerTests {
    @Test func everyLevelGetsItsSyslogPriority() {
        let expected: [(Logger.Level, String)] = [
            (.critical, "<2>"), (.error, "<3>"), (.warning, "<4>"), (.notice, "<5>"), (.info, "<6>"),
            (.debug, "<7>"), (.trace, "<7>"),
        ]
        for (level, prefix) in expected {
            let line = JournalLogHandler.line(level: level, label: "gatewayd", message: "m", metadata: [:], source: "S")
            #expect(line == "\(prefix)\(level) gatewayd: [S] m\n")
        }
    }

    @Test func metadataIsSortedAndNoTimestampIsWritten() {
        let line = JournalLogHandler.line(
            level: .error, label: "gatewayd", message: "cannot start: Address already in use",
            metadata: ["port": "8780", "error": "EADDRINUSE"], source: "GatewayCore")
        #expect(
            line == "<3>error gatewayd: error=EADDRINUSE port=8780 [GatewayCore] cannot start: Address already in use\n"
        )
    }

    @Test func eachLineOfAMultiLineMessageKeepsThePriority() {
        let line = JournalLogHandler.line(
            level: .warning, label: "", message: "first\nsecond", metadata: [:], source: "S")
        #expect(line == "<4>warning: [S] first\n<4>second\n")
    }

    @Test func theStreamMatchesOnlyItsOwnDeviceAndInode() {
        #expect(JournalLogHandler.matches(journalStream: "8:1234", device: 8, inode: 1234))
        #expect(!JournalLogHandler.matches(journalStream: "8:1234", device: 8, inode: 1235))
        #expect(!JournalLogHandler.matches(journalStream: "9:1234", device: 8, inode: 1234))
        #expect(!JournalLogHandler.matches(journalStream: nil, device: 8, inode: 1234))
        #expect(!JournalLogHandler.matches(journalStream: "garbage", device: 8, inode: 1234))
    }

    @Test func standardErrorIsNotTheJournalWithoutTheVariable() {
        #expect(!JournalLogHandler.standardErrorIsJournal(environment: [:]))
        #expect(!JournalLogHandler.standardErrorIsJournal(environment: ["JOURNAL_STREAM": "0:0"]))
    }
}
