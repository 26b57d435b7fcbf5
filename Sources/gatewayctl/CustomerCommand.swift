import ArgumentParser
import ControlProtocol
import Foundation
import GatewayJSON

/// `gatewayctl customer`: one customer of the directory.
struct CustomerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "Show or forget a customer of the directory.",
        subcommands: [CustomerShowCommand.self, CustomerForgetCommand.self]
    )
}

/// `gatewayctl customer show ID`: addresses (masked), attributes, tags, opt-outs, channel scores, active runs and
/// the last touches.
struct CustomerShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show what the gateway knows of a customer.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The customer id.")
    var customer: String

    func run() throws {
        let response = try ControlClient(options: global).call(.customerShow(CustomerShowRequest(customer: customer)))
        if global.json {
            print(response.raw)
            return
        }
        guard let answer = CustomerShowAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print(Self.render(answer), terminator: "")
    }

    /// The answer as text: a header of fields, then one table per list that has rows.
    static func render(_ answer: CustomerShowAnswer) -> String {
        func list(_ items: [String]) -> String { items.isEmpty ? "-" : items.joined(separator: ", ") }
        var fields = TextTable(["FIELD", "VALUE"])
        fields.append(["customer", answer.customer])
        fields.append(["zone", answer.zone ?? "-"])
        fields.append(["tags", list(answer.tags)])
        fields.append(["opted out of", list(answer.optOuts)])
        fields.append(["created", answer.createdAt])
        fields.append(["updated", answer.updatedAt])
        for (type, address) in answer.addresses.sorted(by: { $0.key < $1.key }) {
            fields.append(["address " + type, address])
        }
        for (name, value) in answer.attributes.sorted(by: { $0.key < $1.key }) {
            fields.append(["attribute " + name, value])
        }
        var text = fields.render()
        if !answer.scores.isEmpty {
            var scores = TextTable(["CHANNEL TYPE", "SENDS", "ENGAGEMENTS", "SCORE"])
            for score in answer.scores {
                scores.append([
                    score.channelType, format(score.sends), format(score.engagements), format(score.score),
                ])
            }
            text += "\n" + scores.render()
        }
        if !answer.runs.isEmpty {
            var runs = TextTable(["RUN", "STRATEGY", "VERSION", "STATE", "STEP", "NEXT TIMER", "STARTED"])
            for run in answer.runs {
                let timer = run.nextTimerAt.map { "\($0) (\(run.nextTimerKind ?? "-"))" } ?? "-"
                runs.append([
                    String(run.runID), run.strategy, String(run.version), run.state + (run.holdout ? " (holdout)" : ""),
                    run.step, timer, run.startedAt,
                ])
            }
            text += "\n" + runs.render()
        } else {
            text += "\nno active runs\n"
        }
        if !answer.touches.isEmpty {
            var touches = TextTable([
                "AT", "STEP", "CHANNEL TYPE", "OUTCOME", "MESSAGE", "DELIVERED", "OPENED", "CLICKED",
            ])
            for touch in answer.touches {
                touches.append([
                    touch.at, touch.step, touch.channelType ?? "-", touch.outcome, touch.messageID ?? "-",
                    touch.deliveredAt ?? "-", touch.openedAt ?? "-", touch.clickedAt ?? "-",
                ])
            }
            text += "\n" + touches.render()
        }
        return text
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}

/// `gatewayctl customer forget ID --reference T`: erase a customer under PIPL (docs/protocol.md, `forget`).
struct CustomerForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase a customer: directory entry, runs, scores, personal fields of its messages.",
        discussion: "Consent decisions are kept under a pseudonym, with an erase entry carrying the reference."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The customer id.")
    var customer: String

    @Option(help: "The ticket this erase answers (kept in the consent log as evidence).")
    var reference: String

    @Flag(help: "Wait for the sweep of messages sent to its addresses without a customer id, showing progress.")
    var wait = false

    func run() throws {
        let request = ControlRequest.forget(ForgetRequest(customer: customer, reference: reference))
        let response = try ControlClient(options: global).call(request)
        if global.json {
            print(response.raw)
            return
        }
        guard let answer = ForgetAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print("forgotten as \(answer.customerHash)\(answer.known ? "" : " (not in the directory)")")
        print(
            "erased: \(answer.runs) runs, \(answer.messages) messages, \(answer.addresses) addresses, "
                + "\(answer.tags) tags, \(answer.scores) scores")
        if answer.sweep == "pending" {
            print("messages sent to its addresses without a customer id: sweep pending")
        }
        if wait { try waitForSweep(pending: answer.sweep == "pending") }
    }

    /// Asks how far the sweep has come (`forget` with `progress: true`) until it is done.
    private func waitForSweep(pending: Bool) throws {
        var pending = pending
        let client = try ControlClient(options: global)
        while pending {
            let request = ControlRequest.forget(ForgetRequest(customer: customer, reference: "", progress: true))
            let response = try client.call(request)
            guard let answer = ForgetAnswer(json: response.value) else {
                print(response.raw)
                return
            }
            pending = answer.sweep == "pending"
            if pending {
                print("sweep: \(Int(((answer.progress ?? 0) * 100).rounded(.down)))%")
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        print("sweep: done")
    }
}
