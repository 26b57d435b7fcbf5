import ArgumentParser
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
        let response = try client.call(.object(["op": .string("status"), "message_id": .string(messageID)]))
        if global.json {
            print(response.raw)
            return
        }
        guard let message = response.value["message"] else {
            print(response.raw)
            return
        }
        print(Self.render(message), terminator: "")
    }

    /// The summary block followed by one row per history entry.
    static func render(_ message: JSONValue) -> String {
        func text(_ key: String) -> String { message[key]?.scalarText ?? "-" }
        let fields: [(String, String)] = [
            ("message", text("message_id")), ("channel", text("channel")), ("to", text("to")),
            ("category", text("category")), ("customer", text("customer")), ("state", text("state")),
            ("attempts", text("attempts")),
            ("vendor id", text("vendor_message_id")), ("reason", text("reason")),
            ("created", text("created_at")), ("updated", text("updated_at")), ("not after", text("not_after")),
        ]
        var output = ""
        for (label, value) in fields where !(value == "-" && ["reason", "not after", "customer"].contains(label)) {
            output += (label + ":").padding(to: 11) + value + "\n"
        }
        var receipts = ""
        if case .array(let entries)? = message["receipts"], !entries.isEmpty {
            var table = TextTable(["RECEIPT", "OCCURRED", "RECEIVED", "VENDOR STATUS", "REASON"])
            for entry in entries {
                func cell(_ key: String) -> String { entry[key]?.scalarText ?? "-" }
                table.append([
                    cell("event"), cell("occurred_at"), cell("received_at"), cell("vendor_status"), cell("reason"),
                ])
            }
            receipts = "\n" + table.render()
        }
        guard case .array(let history)? = message["history"], !history.isEmpty else {
            return output + "\nno attempts yet\n" + receipts
        }
        var table = TextTable(["ATTEMPT", "AT", "OUTCOME", "HTTP", "TIME", "REASON", "DETAIL"])
        for entry in history {
            func cell(_ key: String) -> String { entry[key]?.scalarText ?? "-" }
            let duration = entry["duration_ms"]?.scalarText.map { "\($0) ms" } ?? "-"
            table.append([
                cell("attempt"), cell("at"), cell("outcome"), cell("http_status"), duration, cell("reason"),
                cell("detail"),
            ])
        }
        return output + "\n" + table.render() + receipts
    }
}
