import ChannelKit
import Foundation
import Testing

/// The run-side operations through a real `gatewayd` and the real `gatewayctl`: `strategy enrol --file` (batches,
/// outcomes, bad lines by number), `strategy runs`, `strategy list`, `strategy exit`, `report strategy`.
@Suite(.serialized)
struct StrategyCommandTests {
    /// Parks every run for an hour: nothing is sent while the test looks at the runs.
    static let welcome = """
        entry: once
        steps:
          - {id: pause, wait: 1h}
          - {id: mark, tag: {add: [seen]}}
        """

    /// Runs gatewayctl against the fixture's daemon; (exit status, stdout and stderr together).
    static func gatewayctl(_ fixture: StrategyFixtures, _ arguments: [String]) throws -> (status: Int32, output: String)
    {
        let run = try ChildProcess(
            TestGateway.binaries + "/gatewayctl", ["--socket", fixture.gateway.socketPath] + arguments,
            outputPath: fixture.gateway.directory + "/gatewayctl-\(UUID().uuidString.prefix(6)).out")
        let status = run.stop(signal: 0, timeout: 60)
        return (status, run.output)
    }

    /// The summary row `label` (`enrolled:     2500`) of `strategy enrol`'s output, as a number.
    static func count(_ label: String, in output: String) -> Int? {
        output.split(separator: "\n").first { $0.hasPrefix(label) }.flatMap { line in
            line.split(separator: " ").last.flatMap { Int($0) }
        }
    }

    @Test func enrolsAFileAndShowsListsExitsAndReportsRuns() throws {
        let fixture = try StrategyFixtures(strategies: ["welcome": Self.welcome])
        try fixture.start()
        let customers = 2_500
        for start in stride(from: 0, to: customers, by: 1_000) {
            let items = (start..<min(start + 1_000, customers)).map { #"{"customer":"W-\#($0)"}"# }
            let answer = fixture.request(
                #"{"op":"customer_batch","customers":["# + items.joined(separator: ",") + "]}")
            #expect(answer?["ok"] == .bool(true))
        }

        // Line 1 and the last line share an enrol key (the second is a duplicate of the first run); line 2 is
        // no JSON, line 3 lacks the customer, line 4 names nobody in the directory, line 5 enrols W-5 again
        // without a key while its run is active.
        var lines = [
            #"{"customer":"W-0","enrol_key":"k-0"}"#, "not json", #"{"enrol_key":"k-x"}"#, #"{"customer":"nobody"}"#,
            #"{"customer":"W-5","start_at":"2020-01-01T00:00:00Z"}"#,
        ]
        lines += (1..<customers).map { #"{"customer":"W-\#($0)","enrol_key":"k-\#($0)"}"# }
        lines.append(#"{"customer":"W-0","enrol_key":"k-0"}"#)
        let file = fixture.gateway.directory + "/enrol.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)

        let enrol = try Self.gatewayctl(fixture, ["strategy", "enrol", "welcome", "--file", file, "--batch", "700"])
        #expect(enrol.status == 1, "rejected lines make the exit status 1\n\(enrol.output)")
        #expect(Self.count("lines read:", in: enrol.output) == lines.count, "\(enrol.output)")
        #expect(Self.count("enrolled:", in: enrol.output) == customers, "\(enrol.output)")
        #expect(Self.count("duplicate:", in: enrol.output) == 1)
        #expect(Self.count("refused:", in: enrol.output) == 2)
        #expect(Self.count("  active", in: enrol.output) == 1)
        #expect(Self.count("  unknown_customer", in: enrol.output) == 1)
        #expect(Self.count("rejected:", in: enrol.output) == 2)
        #expect(enrol.output.contains("line 2: not a JSON object"), "\(enrol.output)")
        #expect(enrol.output.contains("line 3: bad_request: missing field 'customer' (field customer)"))

        // The same file again enrols nobody twice: every keyed line is a duplicate now.
        let again = try Self.gatewayctl(fixture, ["strategy", "enrol", "welcome", "--file", file])
        #expect(Self.count("enrolled:", in: again.output) == 0, "\(again.output)")
        #expect(Self.count("duplicate:", in: again.output) == customers, "\(again.output)")

        // runs: the parked run with its timer; as text and as JSON.
        let runs = try Self.gatewayctl(fixture, ["strategy", "runs", "--customer", "W-7"])
        #expect(runs.status == 0)
        #expect(runs.output.contains("welcome v1  waiting at "), "\(runs.output)")
        #expect(runs.output.contains("next wake"), "\(runs.output)")
        let run = try #require(fixture.run("W-7", strategy: "welcome"))
        let runID = try #require(run["run_id"]?.intValue)
        #expect(run["next_timer"]?["kind"]?.stringValue == "wake")
        #expect(run["holdout"] == .bool(false))

        // list: the one version with every enrolled run active.
        let list = try Self.gatewayctl(fixture, ["strategy", "list"])
        #expect(list.status == 0)
        let row = try #require(list.output.split(separator: "\n").first { $0.hasPrefix("welcome") }, "\(list.output)")
        #expect(row.split(separator: " ", omittingEmptySubsequences: true).contains("\(customers)"), "\(row)")

        // exit by customer and by run id; a second exit finds the run finished either way (conflict).
        let exitCustomer = try Self.gatewayctl(fixture, ["strategy", "exit", "welcome", "--customer", "W-0"])
        #expect(exitCustomer.status == 0, "\(exitCustomer.output)")
        #expect(exitCustomer.output.contains("exited"))
        let exitRun = try Self.gatewayctl(fixture, ["strategy", "exit", "--run", String(runID)])
        #expect(exitRun.status == 0, "\(exitRun.output)")
        #expect(exitRun.output.contains("run \(runID) exited"))
        let exited = try #require(fixture.run("W-7", strategy: "welcome"))
        #expect(exited["state"]?.stringValue == "finished")
        #expect(exited["outcome"]?.stringValue == "cancelled")
        #expect(exited["next_timer"] == .null)
        let twice = try Self.gatewayctl(fixture, ["strategy", "exit", "welcome", "--customer", "W-0"])
        #expect(twice.status == 1)
        #expect(twice.output.contains("conflict"), "\(twice.output)")
        let stranger = try Self.gatewayctl(fixture, ["strategy", "exit", "welcome", "--customer", "nobody"])
        #expect(stranger.status == 1)
        #expect(stranger.output.contains("not_found"), "\(stranger.output)")
        // By id, a run that exists but has finished is a conflict; a run that never existed is not_found.
        let finished = try Self.gatewayctl(fixture, ["strategy", "exit", "--run", String(runID)])
        #expect(finished.status == 1)
        #expect(finished.output.contains("conflict"), "\(finished.output)")
        let missing = try Self.gatewayctl(fixture, ["strategy", "exit", "--run", "999999999"])
        #expect(missing.status == 1)
        #expect(missing.output.contains("not_found"), "\(missing.output)")

        // report strategy: run totals from counters; an unknown strategy is not_found.
        let report = try Self.gatewayctl(fixture, ["--json", "report", "strategy", "welcome"])
        #expect(report.status == 0, "\(report.output)")
        let json = try JSONParser.parse(report.output.split(separator: "\n").first.map(String.init) ?? "")
        #expect(json["totals"]?["treated"]?["enrolled"]?.intValue == customers, "\(report.output)")
        #expect(json["totals"]?["treated"]?["active"]?.intValue == customers - 2, "\(report.output)")
        let text = try Self.gatewayctl(fixture, ["report", "strategy", "welcome"])
        #expect(text.output.hasPrefix("strategy welcome, all versions (latest 1)"), "\(text.output)")
        #expect(text.output.contains("uplift: -"), "no holdout runs: no uplift\n\(text.output)")
        let unknown = try Self.gatewayctl(fixture, ["report", "strategy", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("not_found"), "\(unknown.output)")
        // The channel report is still the default.
        #expect(try Self.gatewayctl(fixture, ["report", "--since", "1h"]).status == 0)
    }

    @Test(arguments: TestStore.allCases)
    func oneCustomerEnrolsWithAKeyAndAnUnknownStrategyIsNotFound(store: TestStore) throws {
        let fixture = try StrategyFixtures(
            strategies: ["welcome": Self.welcome], extra: StrategyFixtures.affinity + "\n" + store.yaml())
        try fixture.start()
        fixture.customer("S-1", sms: "13800138099")
        let first = try Self.gatewayctl(
            fixture, ["strategy", "enrol", "welcome", "--customer", "S-1", "--enrol-key", "once-1"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.hasPrefix("enrolled run "), "\(first.output)")
        let repeated = try Self.gatewayctl(
            fixture, ["strategy", "enrol", "welcome", "--customer", "S-1", "--enrol-key", "once-1"])
        #expect(repeated.output.hasPrefix("duplicate of run "), "\(repeated.output)")
        let refused = try Self.gatewayctl(fixture, ["strategy", "enrol", "welcome", "--customer", "S-1"])
        #expect(refused.status == 1)
        #expect(refused.output.hasPrefix("refused: active"), "\(refused.output)")

        let file = fixture.gateway.directory + "/one.jsonl"
        try #"{"customer":"S-1"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let unknown = try Self.gatewayctl(fixture, ["strategy", "enrol", "nope", "--file", file])
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("error: not_found: no strategy named 'nope'"), "\(unknown.output)")
        let direct = fixture.request(#"{"op":"enrol","strategy":"nope","customer":"S-1"}"#)
        #expect(direct?["error"]?["code"]?.stringValue == "not_found")
        #expect(direct?["error"]?["field"]?.stringValue == "strategy")
        let late = fixture.request(
            #"{"op":"enrol_batch","strategy":"welcome","start_at":"2099-01-01T00:00:00Z","customers":[{"customer":"S-1"}]}"#
        )
        #expect(late?["error"]?["field"]?.stringValue == "start_at", "\(late?.serialized ?? "")")
    }

    /// `subscribe` with `kinds` gets only those lines; a subscriber filtering on message states keeps the stream
    /// it had before strategies (no tag or run lines).
    @Test func subscribersChooseTheKindsOfLine() throws {
        let tagger = """
            steps:
              - {id: mark, tag: {add: [welcomed]}}
              - {id: pause, wait: 1h}
            """
        let fixture = try StrategyFixtures(strategies: ["tagger": tagger])
        try fixture.start()
        let tags = try StrategyFixtures.Feed(
            socketPath: fixture.gateway.socketPath, request: #"{"op":"subscribe","kinds":"tag"}"#)
        let states = try StrategyFixtures.Feed(
            socketPath: fixture.gateway.socketPath, request: #"{"op":"subscribe","states":["queued","sent"]}"#)
        let all = try StrategyFixtures.Feed(socketPath: fixture.gateway.socketPath, request: #"{"op":"subscribe"}"#)
        let tail = try ChildProcess(
            TestGateway.binaries + "/gatewayctl",
            ["--socket", fixture.gateway.socketPath, "tail", "--kind", "tag", "--kind", "run"],
            outputPath: fixture.gateway.directory + "/tail.out")
        defer { tail.stop(signal: SIGKILL) }  // SIGTERM waits out the stop timeout under the test runner
        Thread.sleep(forTimeInterval: 0.5)  // the tail's subscription before the enrolment
        #expect(try Self.gatewayctl(fixture, ["tail", "--kind", "tags"]).status == 64, "a misspelt kind")
        let refused = fixture.request(#"{"op":"subscribe","kinds":["tags"]}"#)
        #expect(refused?["error"]?["field"]?.stringValue == "kinds")

        fixture.customer("T-1", sms: "13800138077")
        #expect(fixture.enrol("tagger", "T-1")?["state"] == .string("enrolled"))
        let sent = fixture.request(#"{"op":"send","channel":"sms-main","to":"13800138078","content":"hi"}"#)
        #expect(sent?["ok"] == .bool(true))

        #expect(fixture.waitUntil(5) { tags.received.contains { $0["event"] == .string("tag") } })
        let tagLine = try #require(tags.received.first { $0["event"] == .string("tag") })
        #expect(tagLine["customer"]?.stringValue == "T-1")
        #expect(tagLine["tag"]?.stringValue == "welcomed")
        #expect(tagLine["change"]?.stringValue == "added")
        #expect(tail.waitForOutput(containing: "+welcomed  T-1"), "\(tail.output)")
        #expect(!tail.output.contains("13800138078"), "tail --kind tag, run shows no message states")
        #expect(fixture.waitUntil(5) { states.received.contains { $0["event"] == .string("state") } })
        #expect(fixture.waitUntil(5) { all.received.contains { $0["event"] == .string("tag") } })
        #expect(fixture.waitUntil(5) { all.received.contains { $0["event"] == .string("state") } })
        // Run lines: the enrolment (ready at the first step) and the engine's advance (a trailing wait has nothing
        // to resume, so the run completes).
        func runLine(_ state: String, _ outcome: JSONValue) -> Bool {
            all.received.contains {
                $0["event"] == .string("run") && $0["customer"] == .string("T-1") && $0["strategy"] == .string("tagger")
                    && $0["state"] == .string(state) && $0["outcome"] == outcome
            }
        }
        #expect(fixture.waitUntil(5) { runLine("ready", .null) }, "\(all.received)")
        #expect(fixture.waitUntil(5) { runLine("finished", .string("completed")) }, "\(all.received)")
        let kinds = Set(tags.received.compactMap { $0["event"]?.stringValue })
        #expect(kinds == ["tag"], "\(kinds)")
        #expect(!states.received.contains { $0["event"] == .string("tag") || $0["event"] == .string("run") })
    }

    /// A long line (a 400-customer `customer_batch`, ~30 KB) is decoded off the event loop; the short lines a client
    /// pipelines after it still run after it: the `enrol` of a customer the batch creates finds that customer, and
    /// the answers come back in request order, all of them before the half-closed connection ends.
    @Test func aLongLineDecodedOffTheLoopKeepsItsPlaceInThePipeline() throws {
        let fixture = try StrategyFixtures(strategies: ["welcome": Self.welcome])
        try fixture.start()
        let customers = (0..<400).map { n in
            #"{"customer":"P-\#(n)","addresses":{"sms":"139\#(String(10_000_000 + n))"},"#
                + #""attributes":{"name":"客户\#(n)","segment":"pipeline-test"}}"#
        }
        let batch = #"{"op":"customer_batch","id":"batch","customers":[\#(customers.joined(separator: ","))]}"#
        #expect(batch.utf8.count > 16_384)
        let lines = [
            batch,
            #"{"op":"enrol","id":"first","strategy":"welcome","customer":"P-399"}"#,
            #"{"op":"enrol","id":"second","strategy":"welcome","customer":"P-0"}"#,
        ]
        let connection = try ControlSocketAbuseTests.connectRaw(fixture.gateway.socketPath)
        defer { close(connection) }
        ControlSocketAbuseTests.writeAll(connection, Array((lines.joined(separator: "\n") + "\n").utf8))
        shutdown(connection, Int32(SHUT_WR))
        let answers = ControlSocketAbuseTests.readToEnd(connection)
        #expect(answers.count == 3)
        guard answers.count == 3 else { return }
        #expect(answers[0].contains(#""id":"batch""#) && answers[0].contains(#""ok":true"#))
        for (answer, id) in zip(answers[1...], ["first", "second"]) {
            #expect(answer.contains(#""id":"\#(id)""#), "\(answer)")
            #expect(answer.contains(#""ok":true"#) && answer.contains("enrolled"), "\(answer)")
        }
    }
}
