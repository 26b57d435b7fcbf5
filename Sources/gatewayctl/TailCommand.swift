import ArgumentParser
import ChannelKit
import GatewayClient

/// `gatewayctl tail`: follows the event stream (every committed state change) until interrupted.
struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow state changes as they are committed (subscribe)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("channel"), help: "Only this channel instance (repeatable).")
    var channels: [String] = []

    @Option(name: .customLong("category"), help: "Only this category (repeatable).")
    var categories: [String] = []

    @Option(name: .customLong("state"), help: "Only this state: sent, delivered, failed, … (repeatable).")
    var states: [String] = []

    @Option(help: "First the current state of messages changed since this time (RFC 3339), e.g. after a lag.")
    var since: String?

    func run() throws {
        var request: [String: JSONValue] = ["op": .string("subscribe")]
        if !channels.isEmpty { request["channels"] = .array(channels.map(JSONValue.string)) }
        if !categories.isEmpty { request["categories"] = .array(categories.map(JSONValue.string)) }
        if !states.isEmpty { request["states"] = .array(states.map(JSONValue.string)) }
        if let since { request["since"] = .string(since) }
        let client = try ControlClient(options: global)
        _ = try client.call(.object(request))
        while true {
            let received: [UInt8]?
            do {
                received = try client.connection.readLine()
            } catch {
                throw ControlClient.fail(error)
            }
            guard let bytes = received else { return }
            let raw = String(decoding: bytes, as: UTF8.self)
            if global.json {
                print(raw)
                continue
            }
            guard let change = try? JSONParser.parse(bytes) else {
                print(raw)
                continue
            }
            if change["event"]?.stringValue == "lagged" {
                let resume = change["resume_since"]?.scalarText ?? "?"
                ControlClient.printError("gatewayctl: fell behind; resume with: gatewayctl tail --since \(resume)")
                throw ExitCode(3)
            }
            func text(_ key: String) -> String { change[key]?.scalarText ?? "-" }
            print(
                "\(text("at"))  \(text("state").padding(to: 11)) \(text("message_id"))  \(text("channel"))  \(text("customer"))  \(text("reason"))"
            )
        }
    }
}
