import ControlProtocol
import GatewayJSON
import Testing

/// The customer operations' requests refuse what the directory must not hold, naming the field, and their
/// answers read back as written.
struct CustomerProtocolTests {
    static func decode(_ line: String) -> Result<ControlRequest, ControlError> {
        Array(line.utf8).withUnsafeBufferPointer { ControlRequest.decode(line: $0, maxBatch: 10) }.request
    }

    static func field(_ line: String) -> String? {
        guard case .failure(let error) = decode(line) else { return nil }
        return error.field
    }

    @Test func badFieldsAreRefusedByName() {
        let base = #"{"op":"customer","customer":"C-1","#
        #expect(Self.field(#"{"op":"customer"}"#) == "customer")
        #expect(Self.field(base + #""addresses":{"fax":"1"}}"#) == "addresses.fax")
        #expect(Self.field(base + #""addresses":{"sms":7}}"#) == "addresses.sms")
        #expect(Self.field(base + #""attributes":{"1abc":"x"}}"#) == "attributes.1abc")
        #expect(Self.field(base + #""attributes":{"a":{"b":1}}}"#) == "attributes.a")
        let long = String(repeating: "x", count: 1025)
        #expect(Self.field(base + #""attributes":{"a":"\#(long)"}}"#) == "attributes.a")
        #expect(Self.field(base + #""tags_add":["VIP"]}"#) == "tags_add[0]")
        #expect(Self.field(base + #""tags_add":["ok","prefers:sms"]}"#) == "tags_add[1]")
        #expect(Self.field(base + #""tags_remove":"vip"}"#) == "tags_remove")
        #expect(Self.field(base + #""zone":5}"#) == "zone")
        #expect(Self.field(base + #""nickname":"x"}"#) == "nickname")
        #expect(Self.field(#"{"op":"customer_show"}"#) == "customer")
        let good = base + #""attributes":{"_a9":"x","n":3.5},"tags_add":["a:b_c-1"],"zone":null}"#
        #expect((try? Self.decode(good).get()) != nil)
    }

    @Test func aBatchRefusesItemsInTheirSlotsAndTooManyAtOnce() throws {
        let line = #"{"op":"customer_batch","customers":[{"customer":"A"},{"customer":"B","tags_add":["X"]},3]}"#
        guard case .customerBatch(let batch) = try Self.decode(line).get() else {
            Issue.record("not a batch")
            return
        }
        #expect(batch.customers.map { (try? $0.get())?.customer } == ["A", nil, nil])
        let fields = batch.customers.map { result -> String? in
            guard case .failure(let error) = result else { return nil }
            return error.field
        }
        #expect(fields == [nil, "customers[1].tags_add[0]", "customers[2]"])
        let many = Array(repeating: #"{"customer":"A"}"#, count: CustomerBatchRequest.limit + 1)
        let tooMany = #"{"op":"customer_batch","customers":["# + many.joined(separator: ",") + "]}"
        #expect(Self.field(tooMany) == "customers")
    }

    @Test func answersReadBackAsWritten() throws {
        let batch = CustomerBatchAnswer(results: [
            .success(CustomerAnswer(customer: "A", state: .created)),
            .failure(.badRequest("bad zone", field: "customers[1].zone")),
        ])
        let batchLine = batch.line(id: .number("2"))
        #expect(
            batchLine
                == #"{"ok":true,"id":2,"results":[{"ok":true,"customer":"A","state":"created"},"#
                + #"{"ok":false,"error":{"code":"bad_request","message":"bad zone","field":"customers[1].zone"}}]}"#)
        #expect(CustomerBatchAnswer(json: try JSONParser.parse(batchLine)) == batch)

        let show = CustomerShowAnswer(
            customer: "C-1", addresses: ["sms": "138****8000"], attributes: ["name": "Wang"], zone: "Asia/Shanghai",
            tags: ["prefers:wechat_oa", "vip"], optOuts: ["sms"],
            scores: [CustomerShowAnswer.Score(channelType: "wechat_oa", sends: 1, engagements: 1, score: 0.6667)],
            runs: [
                CustomerShowAnswer.Run(
                    runID: 7, strategy: "first-loan", version: 2, state: "waiting", step: "wait_click",
                    holdout: false, nextTimerAt: "2026-11-24T10:00:00.000Z", nextTimerKind: "timeout",
                    startedAt: "2026-11-23T10:00:00.000Z")
            ],
            touches: [
                CustomerShowAnswer.Touch(
                    step: "push", outcome: "sent", at: "2026-11-23T10:00:00.000Z", channelType: "app_push",
                    messageID: "m1", openedAt: "2026-11-23T10:05:00.000Z")
            ],
            createdAt: "2026-11-20T00:00:00.000Z", updatedAt: "2026-11-21T00:00:00.000Z")
        let line = show.line(id: nil)
        #expect(line.contains(#""score":0.6667"#) && line.contains(#""sends":1,"#))
        #expect(CustomerShowAnswer(json: try JSONParser.parse(line)) == show)
    }

    @Test func forgetProgressNeedsNoReferenceAndReadsBack() throws {
        #expect(Self.field(#"{"op":"forget","customer":"C-1"}"#) == "reference")
        guard case .forget(let request) = try Self.decode(#"{"op":"forget","customer":"C-1","progress":true}"#).get()
        else {
            Issue.record("not a forget")
            return
        }
        #expect(request.progress && request.reference.isEmpty)
        let answer = ForgetAnswer(
            customerHash: "f:ab", known: false, runs: 0, messages: 0, addresses: 0, tags: 0, scores: 0,
            sweep: "pending", progress: 0.4567)
        let line = answer.line(id: nil)
        #expect(line.contains(#""sweep":"pending","progress":0.457"#), "\(line)")
        #expect(ForgetAnswer(json: try JSONParser.parse(line))?.progress == 0.457)
    }
}
