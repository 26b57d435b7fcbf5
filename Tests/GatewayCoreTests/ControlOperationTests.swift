import ControlProtocol
import Foundation
import GatewayJSON
import Testing

@testable import GatewayCore

/// The operations and error codes of the protocol types against `unknown_op` answers and docs/protocol.md, so
/// an operation or code cannot be added on one side only.
struct ControlOperationTests {
    static let protocolPage =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/protocol.md").path

    /// The backticked names in the first column of the table under `heading` (`| \`pause\`, \`resume\` | …`).
    static func firstColumn(under heading: String) throws -> [String] {
        let lines = try String(contentsOfFile: protocolPage, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0 == heading }, "\(heading) in docs/protocol.md")
        var names: [String] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("| `") else { continue }
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            names += cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter {
                $0.offset % 2 == 1
            }.map { String($0.element) }
        }
        return names
    }

    @Test func unknownOperationNamesEveryOperation() {
        let error = ControlError.unknownOperation("launch")
        #expect(error.codeName == "unknown_op")
        for operation in ControlOperation.allCases { #expect(error.message.contains(operation.rawValue)) }
        #expect(error.message.contains("subscribe") && error.message.contains("report"))
    }

    @Test func theProtocolPageListsExactlyTheOperations() throws {
        // The header row's `op` is the column's name, not an operation.
        let documented = try Self.firstColumn(under: "## Operations").filter { $0 != "op" }
        #expect(documented.count == Set(documented).count, "an operation documented twice: \(documented)")
        #expect(Set(documented) == Set(ControlOperation.names), "docs/protocol.md Operations")
    }

    @Test func theProtocolPageListsExactlyTheErrorCodes() throws {
        let documented = try Self.firstColumn(under: "## Errors")
        #expect(documented == ControlErrorCode.names, "docs/protocol.md Errors, in the order of ControlErrorCode")
    }

    @Test func readOperationsAreThoseTheAccessSectionNames() throws {
        let text = try String(contentsOfFile: Self.protocolPage, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("| `read_only_uids`") })
        let listed =
            line.split(separator: ":").last.map { $0.split(separator: "`", omittingEmptySubsequences: false) } ?? []
        let names = listed.enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        #expect(Set(names) == AccessPolicy.readOperations, "docs/protocol.md Access: read operations")
    }

    /// What a client builds with the types decodes back to the same request: the CLI and the daemon agree.
    @Test func requestsRoundTripThroughTheirLines() throws {
        let requests: [ControlRequest] = [
            .send(
                SendRequest(
                    channel: "sms-main", to: "13800138000", template: "otp", params: ["code": "123456"],
                    dedupKey: "k1", category: "critical", customer: "C-1", onCap: .defer,
                    notAfter: TimeInput("1795000000000"), notBefore: TimeInput("2026-11-18T11:06:40Z"),
                    trackLinks: true)),
            .sendBatch(SendBatchRequest(messages: [SendRequest(channel: "loop", to: "1", content: "hi")])),
            .status(StatusRequest(messageID: "m1")), .stats, .channels, .health, .reload,
            .optout(ConsentChangeRequest(subject: .customer("C-1"), channel: "sms", route: .import, evidence: "T-9")),
            .optin(ConsentChangeRequest(subject: .address("138"))),
            .consent(ConsentRequest(subject: .customer("C-1"))),
            .event(EventRequest(eventID: "e1", messageID: "m1", type: "opened", value: .number("3"))),
            .report(ReportRequest(since: .text("24h"))),
            .subscribe(SubscribeRequest(channels: ["loop"], states: [.sent, .failedOver], since: .text("1h"))),
            .cancel(CancelRequest(.dedupKey("k1"))),
            .requeue(RequeueRequest(channel: "a", since: .text("2h"), toChannel: "b", queued: true, dryRun: true)),
            .pause(PauseRequest(channel: "a")), .resume(PauseRequest(channel: "a")),
            .consentExport(ConsentExportRequest(after: 7, since: .text("7d"), limit: 50)),
            .customer(
                CustomerRequest(
                    customer: "C-1", addresses: ["sms": "13800138000", "wecom": nil],
                    attributes: ["name": .string("Wang"), "age": .number("41"), "old": .null], zone: .some(nil),
                    tagsAdd: ["vip"], tagsRemove: ["loan:new"])),
            .customerBatch(CustomerBatchRequest(customers: [CustomerRequest(customer: "C-2", zone: "Asia/Shanghai")])),
            .customerShow(CustomerShowRequest(customer: "C-1")),
            .forget(ForgetRequest(customer: "C-1", reference: "PIPL-2026-0042")),
            .enrol(
                EnrolRequest(
                    strategy: "first-loan", customer: "C-1", enrolKey: "e1", startAt: TimeInput("1795000000000"))),
            .enrolBatch(
                EnrolBatchRequest(
                    strategy: "first-loan", startAt: .text("2026-11-18T11:06:40Z"),
                    enrolments: [EnrolRequest(strategy: "first-loan", customer: "C-2", enrolKey: "e2")])),
            .exit(ExitRequest(.customer("C-1", strategy: "first-loan"))), .exit(ExitRequest(.run(42))),
            .runs(RunsRequest(customer: "C-1", limit: 5)), .strategies, .nodes,
            .report(ReportRequest(strategy: "first-loan", version: 2)),
            .subscribe(SubscribeRequest(kinds: [.run, .conversion])),
        ]
        #expect(Set(requests.map(\.operation)) == Set(ControlOperation.allCases))
        for request in requests {
            let line = request.line(id: .number("1"))
            let decoded = Array(line.utf8).withUnsafeBufferPointer { ControlRequest.decode(line: $0, maxBatch: 10) }
            #expect(decoded.id == .number("1"))
            #expect(decoded.operation == request.operation)
            #expect((try decoded.request.get()).line(id: .number("1")) == line, "\(line)")
        }
    }

    /// A field error inside a batch names the message and the field, down to a parameter.
    @Test func batchErrorsNameTheFieldPath() throws {
        let line = #"{"op":"send_batch","messages":[{"channel":"a","to":"1","params":{"code":[]}},7]}"#
        let decoded = Array(line.utf8).withUnsafeBufferPointer { ControlRequest.decode(line: $0, maxBatch: 10) }
        guard case .sendBatch(let batch) = try decoded.request.get() else {
            Issue.record("not a batch")
            return
        }
        let errors = batch.messages.compactMap { result -> ControlError? in
            guard case .failure(let error) = result else { return nil }
            return error
        }
        #expect(errors.map(\.field) == ["messages[0].params.code", "messages[1]"])
        #expect(errors.map(\.codeName) == ["bad_request", "bad_request"])
    }
}

/// Answers read back by the clients are the answers the daemon wrote: encoding then decoding loses nothing.
struct ControlAnswerTests {
    static func parse(_ line: String) throws -> JSONValue { try JSONParser.parse(line) }

    @Test func aBatchAnswerKeepsEveryResultInItsSlot() throws {
        let answer = SendBatchAnswer(results: [
            .success(SendAnswer(messageID: "m1", outcome: .queued)),
            .failure(.badRequest("missing field 'to'", field: "messages[1].to")),
            .success(SendAnswer(messageID: "m3", outcome: .suppressed(reason: "frequency_cap", cap: "daily"))),
            .failure(.internalError("not accepted: closed")),
        ])
        let line = answer.line(id: .number("9"))
        #expect(
            line
                == #"{"ok":true,"id":9,"results":[{"ok":true,"message_id":"m1","state":"queued"},"#
                + #"{"ok":false,"error":{"code":"bad_request","message":"missing field 'to'","field":"messages[1].to"}},"#
                + #"{"ok":true,"message_id":"m3","state":"suppressed","reason":"frequency_cap","cap":"daily"},"#
                + #"{"ok":false,"error":{"code":"internal","message":"not accepted: closed"}}]}"#)
        #expect(SendBatchAnswer(json: try Self.parse(line)) == answer)
    }

    @Test func consentLogEntriesRoundTripExactly() throws {
        let entries = [
            ConsentLogEntry(
                seq: 12, subjectKind: "customer", subject: "C-7", channel: "sms", action: "optout", route: "api",
                evidence: #"call, "ticket" 9"#, client: "uid=0,pid=42", at: "2026-11-24T10:00:00.123Z"),
            ConsentLogEntry(
                seq: 13, subjectKind: "address", subject: "138", channel: "all", action: "optin", route: "import",
                evidence: nil, client: nil, at: "2026-11-24T10:00:01.000Z"),
        ]
        let answer = ConsentExportAnswer(entries: entries, nextAfter: 13, more: true)
        let line = answer.line(id: nil)
        let value = try Self.parse(line)
        let decoded = try #require(ConsentExportAnswer(json: value))
        #expect(decoded == answer)
        #expect(decoded.line(id: nil) == line)
        // What `gatewayctl consent export` prints is each entry exactly as received.
        guard case .array(let sent)? = value["entries"] else {
            Issue.record("no entries")
            return
        }
        #expect(decoded.entries.map(\.json) == sent)
        #expect(decoded.entries[0]["evidence"] == #"call, "ticket" 9"# && decoded.entries[1]["seq"] == "13")
    }

    @Test func aConsentLogEntryKeepsFieldsItDoesNotKnowAndRefusesWhatItCannotKeep() throws {
        let newer = try Self.parse(
            #"{"seq":3,"subject_kind":"customer","subject":"C","channel":"sms","action":"optout","route":"api","#
                + #""evidence":null,"client":"uid=0,pid=1","at":"2026-11-24T10:00:00.000Z","operator":{"id":7}}"#)
        let entry = try #require(ConsentLogEntry(json: newer))
        #expect(entry.json == newer)
        #expect(entry.otherFields == ["operator": .object(["id": .number("7")])])
        #expect(ConsentLogEntry(json: try Self.parse(#"{"seq":"3"}"#)) == nil)
        #expect(ConsentLogEntry(json: try Self.parse(#"{"seq":3.0}"#)) == nil)
        #expect(ConsentLogEntry(json: try Self.parse(#"{"seq":3,"evidence":7}"#)) == nil)
        let page = try Self.parse(#"{"ok":true,"entries":[{"seq":1},{"seq":"x"}],"next_after":1,"more":false}"#)
        #expect(ConsentExportAnswer(json: page) == nil, "an entry is never dropped from an export")
    }

    @Test func statsAnswersReadBackByName() throws {
        let answer = StatsAnswer(counters: [("accepted", 3), ("sent", 2), ("uptime_s", 9)])
        let line = answer.line(id: nil)
        #expect(line == #"{"ok":true,"stats":{"accepted":3,"sent":2,"uptime_s":9}}"#)
        let decoded = try #require(StatsAnswer(json: try Self.parse(line)))
        #expect(decoded["sent"] == 2 && decoded["failed"] == nil)
        #expect(decoded.counters.map(\.name) == ["accepted", "sent", "uptime_s"])
    }

    @Test func nodesAnswersRoundTripExactly() throws {
        let answer = NodesAnswer(
            store: .postgresql, node: "node-0",
            nodes: [
                NodesAnswer.Node(
                    name: "node-0", startedAt: "2026-11-24T10:00:00.000Z", heartbeatAt: "2026-11-24T10:05:00.250Z",
                    live: true, differentConfiguration: false, sent: 120, failed: 3, queued: 7),
                NodesAnswer.Node(
                    name: "node-1", startedAt: "2026-11-24T09:00:00.000Z", heartbeatAt: "2026-11-24T10:04:20.000Z",
                    live: false, differentConfiguration: true),
            ],
            takeovers: NodesAnswer.Takeovers(released: 12, takenForDead: 1))
        let line = answer.line(id: .string("n"))
        #expect(
            line
                == #"{"ok":true,"id":"n","store":"postgresql","node":"node-0","nodes":["#
                + #"{"name":"node-0","started_at":"2026-11-24T10:00:00.000Z","heartbeat_at":"2026-11-24T10:05:00.250Z","#
                + #""live":true,"different_configuration":false,"sent":120,"failed":3,"queued":7},"#
                + #"{"name":"node-1","started_at":"2026-11-24T09:00:00.000Z","heartbeat_at":"2026-11-24T10:04:20.000Z","#
                + #""live":false,"different_configuration":true,"sent":0,"failed":0,"queued":0}],"#
                + #""takeovers":{"released":12,"taken_for_dead":1}}"#)
        #expect(NodesAnswer(json: try Self.parse(line)) == answer)
        let embedded = NodesAnswer(
            store: .sqlite, node: "host", nodes: [], takeovers: NodesAnswer.Takeovers(released: 0, takenForDead: 0))
        #expect(NodesAnswer(json: try Self.parse(embedded.line(id: nil))) == embedded)
        // A node that cannot be read fails the whole answer: a list of nodes that silently lost one would mislead.
        let partial =
            #"{"ok":true,"store":"postgresql","node":"a","nodes":[{"name":"a"}],"#
            + #""takeovers":{"released":0,"taken_for_dead":0}}"#
        #expect(NodesAnswer(json: try Self.parse(partial)) == nil)
        #expect(NodesAnswer(json: try Self.parse(#"{"ok":true,"store":"mongodb","node":"a","nodes":[]}"#)) == nil)
        #expect(ControlOperation.nodes.isRead)
    }

    @Test func streamLinesReadAsEvents() throws {
        let lagged = StreamEvent.laggedLine(resumeSince: "2026-11-24T10:00:00.000Z")
        #expect(lagged == #"{"event":"lagged","resume_since":"2026-11-24T10:00:00.000Z"}"#)
        #expect(StreamEvent(json: try Self.parse(lagged)) == .lagged(resumeSince: "2026-11-24T10:00:00.000Z"))
        let change = try Self.parse(
            #"{"event":"state","message_id":"m1","customer":null,"channel":"sms","category":"transactional","#
                + #""state":"sent","reason":null,"at":"2026-11-24T10:00:00.000Z"}"#)
        guard case .state(let state)? = StreamEvent(json: change) else {
            Issue.record("not a state change")
            return
        }
        #expect(state.messageID == "m1" && state.state == "sent" && state.customer == nil)
    }

    @Test func readOnlyAccessIsCheckedOnTheDecodedOperation() {
        for operation in ControlOperation.allCases {
            #expect(AccessPolicy.permits(.readOnly, operation) == operation.isRead)
            #expect(AccessPolicy.permits(.full, operation) && !AccessPolicy.permits(.none, operation))
        }
        #expect(!AccessPolicy.permits(.readOnly, nil), "an unknown op needs full access")
        let line = #"{"op":"launch","id":4}"#
        let decoded = Array(line.utf8).withUnsafeBufferPointer { ControlRequest.decode(line: $0, maxBatch: 10) }
        #expect(decoded.op == "launch" && decoded.operation == nil && decoded.id == .number("4"))
    }
}
