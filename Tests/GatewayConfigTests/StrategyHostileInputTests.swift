import ChannelKit
import Foundation
import GatewayConfig
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What an outsider would try on `strategies_dir` and its files: each is a clear error at a position, and none
/// hangs or crashes the loader (check-config and reload run it on whatever is on disk).
struct StrategyHostileInputTests {
    private let push = "type: test\nsettings: {url: http://vendor.example}\n"

    @Test func aStrategiesDirThatIsAFileIsAnErrorAtTheKey() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "strict: false\nstrategies_dir: plain.txt\n")
        try fixture.write("plain.txt", "steps: []\n")
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "gateway.yaml:2:17: error: the strategies directory plain.txt cannot be read: "
                    + "not a directory"
            ])
    }

    @Test func aDirectoryOrAFIFONamedLikeAStrategyIsRefusedWithoutWaiting() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try FileManager.default.createDirectory(
            atPath: fixture.path("strategies.d/folder.yaml"), withIntermediateDirectories: true)
        // Opening a FIFO for reading blocks until a writer comes: the loader must not wait for one.
        #expect(mkfifo(fixture.path("strategies.d/pipe.yaml"), 0o600) == 0)
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "strategies.d/folder.yaml:1:1: error: strategies.d/folder.yaml is not a regular file",
                "strategies.d/pipe.yaml:1:1: error: strategies.d/pipe.yaml is not a regular file",
            ])
    }

    @Test func symlinkLoopsAndDanglingLinksAreErrorsNamingTheFile() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let manager = FileManager.default
        try manager.createDirectory(atPath: fixture.path("strategies.d"), withIntermediateDirectories: true)
        try manager.createSymbolicLink(atPath: fixture.path("strategies.d/a.yaml"), withDestinationPath: "b.yaml")
        try manager.createSymbolicLink(atPath: fixture.path("strategies.d/b.yaml"), withDestinationPath: "a.yaml")
        try manager.createSymbolicLink(atPath: fixture.path("strategies.d/c.yaml"), withDestinationPath: "gone")
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "strategies.d/a.yaml:1:1: error: strategies.d/a.yaml cannot be read: "
                    + "Too many levels of symbolic links",
                "strategies.d/b.yaml:1:1: error: strategies.d/b.yaml cannot be read: "
                    + "Too many levels of symbolic links",
                "strategies.d/c.yaml:1:1: error: strategies.d/c.yaml does not exist",
            ])

        // The directory itself a loop: an error at strategies_dir, not "no strategies".
        try manager.createSymbolicLink(atPath: fixture.path("loop1"), withDestinationPath: "loop2")
        try manager.createSymbolicLink(atPath: fixture.path("loop2"), withDestinationPath: "loop1")
        try fixture.write("gateway.yaml", "strategies_dir: loop1\n")
        let looped = fixture.load()
        #expect(
            fixture.lines(looped) == [
                "gateway.yaml:1:17: error: the strategies directory loop1 cannot be read: "
                    + "Too many levels of symbolic links"
            ])
    }

    @Test(.enabled(if: geteuid() != 0, "root reads a mode 000 file"))
    func anUnreadableFileIsAnErrorNamingIt() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let file = try fixture.write("strategies.d/s.yaml", "steps:\n  - {id: a, stop: {}}\n")
        #expect(chmod(file, 0) == 0)
        let result = fixture.load()
        #expect(
            fixture.lines(result) == [
                "strategies.d/s.yaml:1:1: error: strategies.d/s.yaml cannot be read: Permission denied"
            ])
    }

    @Test func anchorsAliasesAndMergeKeysAreRefusedWhereTheyStand() {
        #expect(
            StrategyText.issues("steps: &all\n  - {id: a, stop: {}}\nmigrate: *all\n") == [
                "s.yaml:1:8: error: anchors and aliases are not supported"
            ])
        let merge = StrategyText.issues("steps:\n  - {id: a, stop: {}}\n  - {<<: {id: b}, stop: {}}\n")
        #expect(merge.count == 1)
        #expect(merge.first?.hasPrefix("s.yaml:3:") == true)
        #expect(merge.first?.contains("<<") == true)
    }

    @Test func nestingBeyondTheLimitIsRefusedAtItsPosition() {
        let deep = "steps: " + String(repeating: "[", count: 100_000) + "\n"
        let issues = StrategyText.issues(deep)
        #expect(issues.count == 1)
        #expect(issues.first?.hasPrefix("s.yaml:1:") == true)
    }

    @Test func bytesThatAreNotUTF8AreAnErrorWithAPosition() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/push-main.yaml", push)
        try fixture.write("strategies.d/ok.yaml", "steps:\n  - {id: a, stop: {}}\n")
        var bytes = Array("steps:\n  - {id: a, send: {channel: push-main, content: \"".utf8)
        bytes += [0xFF, 0xFE, 0x41]
        bytes += Array("\"}}\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: fixture.path("strategies.d/latin.yaml")))
        // A file name that is not UTF-8 either.
        let badName = Array(fixture.path("strategies.d/").utf8) + [0xE9] + Array(".yaml".utf8) + [0]
        let created = badName.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { creat($0.baseAddress!, 0o600) }
        }
        #expect(created >= 0)
        if created >= 0 { close(created) }
        let result = fixture.load()
        #expect(result.configuration == nil)
        let lines = fixture.lines(result)
        #expect(lines.count == 2, "\(lines)")
        #expect(
            lines.contains(
                "strategies.d/latin.yaml:2:50: error: the file is not valid UTF-8 (byte 0xFF); save it as UTF-8"))
        #expect(
            lines.contains {
                $0.hasPrefix("strategies.d/\u{FFFD}.yaml:1:1: error: the file name is not valid UTF-8")
            })
    }

    @Test func duplicateKeysAreErrorsAtTheSecond() {
        #expect(
            StrategyText.issues("steps:\n  - {id: a, stop: {}}\nsteps:\n  - {id: b, stop: {}}\n") == [
                "s.yaml:3:1: error: duplicate key 'steps' in 's'"
            ])
        #expect(
            StrategyText.issues("steps:\n  - {id: a, id: b, stop: {}}\n") == [
                "s.yaml:2:13: error: duplicate key 'id' in 'steps[]'"
            ])
        #expect(
            StrategyText.issues(
                "steps:\n  - {id: a, send: {channel: push-main, template: t, params: {x: '1', x: '2'}}}\n") == [
                    "s.yaml:2:73: error: duplicate key 'x' in 'params'"
                ])
        #expect(
            StrategyText.issues("steps:\n  - {id: a, wait: 1s}\n  - {id: b, stop: {}}\nmigrate: {x: a, x: b}\n") == [
                "s.yaml:4:20: error: duplicate key 'x' in 'migrate'"
            ])
    }

    /// `step: any` and `on_suppressed: continue|stop` are keywords: a step of that name could never be named.
    @Test func stepIDsThatReferencesReadAsKeywordsAreRefused() {
        #expect(
            StrategyText.issues(
                "steps:\n  - {id: any, wait: 1s}\n  - {id: continue, wait: 1s}\n  - {id: stop, stop: {}}\n")
                == [
                    "s.yaml:2:10: error: step id 'any' is reserved ('wait_for' step: any means any send); choose "
                        + "another name",
                    "s.yaml:3:10: error: step id 'continue' is reserved (on_suppressed: continue goes to the next "
                        + "step); choose another name",
                    "s.yaml:4:10: error: step id 'stop' is reserved (on_suppressed: stop ends the run); choose "
                        + "another name",
                ])
    }

    /// Parts that each fit in 64 bits but whose sum does not once trapped the loader (and check-config with it).
    @Test func aDurationWhoseSumOverflowsIsAnErrorNotACrash() {
        let part = "4611686018427387903ms"
        let issues = StrategyText.issues("steps:\n  - {id: a, wait: \(part)\(part)\(part)}\n  - {id: b, stop: {}}\n")
        #expect(issues.count == 1)
        #expect(issues.first?.hasPrefix("s.yaml:2:19: error:") == true, "\(issues)")
    }

    @Test func aDuplicateChannelTypeInAffinityInstancesIsAnError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/one.yaml", "type: sms\nvendor: aliyun\nsettings: {url: http://vendor.example}\n")
        try fixture.write("gateway.yaml", "strategies:\n  affinity:\n    instances: {sms: one, sms: [one]}\n")
        let result = fixture.load()
        #expect(fixture.lines(result) == ["gateway.yaml:3:27: error: duplicate key 'sms' in 'instances'"])
        try fixture.write("gateway.yaml", "strategies:\n  affinity:\n    instances: {sms: [one, one]}\n")
        #expect(
            fixture.lines(fixture.load()) == [
                "gateway.yaml:3:28: error: instance 'one' is listed twice in 'instances.sms'"
            ])
    }

    /// A 1 MiB `exit_on` of distinct custom events loads in linear time (the duplicate check once compared every
    /// pair), and a branch of 50,000 conditions is read, not refused or crashed on.
    @Test func longListsInsideOneStepAreReadInLinearTime() throws {
        let events = (0..<100_000).map { "e\($0)" }.joined(separator: ", ")
        let definition = try StrategyText.parse("exit_on: [\(events)]\nsteps:\n  - {id: a, stop: {}}\n")
        #expect(definition.exitOn.count == 100_000)

        let cases = (0..<50_000).map { "{if: {tag: t\($0)}, then: b}" }.joined(separator: ", ")
        let branched = try StrategyText.parse(
            "steps:\n  - {id: a, branch: [\(cases), {default: b}]}\n  - {id: b, stop: {}}\n")
        guard case .branch(let branch) = branched.steps.first?.kind else {
            Issue.record("not a branch")
            return
        }
        #expect(branch.cases.count == 50_000)
    }
}
