import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl status ID`: a message's state and its attempt timeline.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a message's state, attempts and delivery history."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The message id (m_…).")
    var messageID: String

    func run() throws {
        let client = try ControlClient(options: global)
        let response = try client.call(.status(StatusRequest(messageID: messageID)))
        if global.json {
            print(response.raw)
            return
        }
        guard let message = StatusAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print(Self.render(message), terminator: "")
    }

    /// The summary block followed by one row per history entry.
    static func render(_ message: StatusAnswer) -> String {
        let fields: [(String, String?)] = [
            ("message", message.messageID), ("channel", message.channel), ("to", message.to),
            ("category", message.category), ("customer", message.customer), ("state", message.state),
            ("attempts", String(message.attempts)), ("vendor id", message.vendorMessageID),
            ("reason", message.reason), ("created", message.createdAt), ("updated", message.updatedAt),
            ("not after", message.notAfter),
        ]
        var output = ""
        for (label, value) in fields where !(value == nil && ["reason", "not after", "customer"].contains(label)) {
            output += (label + ":").padding(to: 11) + (value ?? "-") + "\n"
        }
        var receipts = ""
        if !message.receipts.isEmpty {
            var table = TextTable(["RECEIPT", "OCCURRED", "RECEIVED", "VENDOR STATUS", "REASON"])
            for entry in message.receipts {
                table.append([
                    entry.event, entry.occurredAt ?? "-", entry.receivedAt, entry.vendorStatus ?? "-",
                    entry.reason ?? "-",
                ])
            }
            receipts = "\n" + table.render()
        }
        guard !message.history.isEmpty else {
            return output + "\nno attempts yet\n" + receipts
        }
        var table = TextTable(["ATTEMPT", "AT", "OUTCOME", "HTTP", "TIME", "REASON", "DETAIL"])
        for entry in message.history {
            table.append([
                String(entry.number), entry.at, entry.outcome ?? "-", entry.httpStatus.map(String.init) ?? "-",
                "\(entry.durationMilliseconds) ms", entry.reason ?? "-", entry.detail ?? "-",
            ])
        }
        return output + "\n" + table.render() + receipts
    }
}
