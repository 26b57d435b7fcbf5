import ArgumentParser
import GatewayJSON

/// `gatewayctl send`: one message from options, or a JSON-lines file streamed with pipelining.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one message, or every line of a JSON-lines file with --file."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Channel instance name.")
    var channel: String?

    @Option(help: "Recipient address on that channel.")
    var to: String?

    @Option(help: "Template name.")
    var template: String?

    @Option(name: .customLong("param"), help: "A template parameter as key=value (repeatable).")
    var params: [String] = []

    @Option(help: "Literal message content.")
    var content: String?

    @Option(name: .customLong("dedup-key"), help: "Deduplication key.")
    var dedupKey: String?

    @Option(help: "transactional (default), marketing or critical.")
    var category: String?

    @Option(name: .customLong("not-after"), help: "Give up after this time (RFC 3339 or epoch milliseconds).")
    var notAfter: String?

    @Option(name: .customLong("not-before"), help: "Do not send before this time (RFC 3339 or epoch milliseconds).")
    var notBefore: String?

    @Option(help: "The customer id (caps and opt-outs key on it).")
    var customer: String?

    @Option(name: .customLong("on-cap"), help: "Over a frequency cap: suppress (default) or defer.")
    var onCap: String?

    @Option(help: "A JSON-lines file of send objects (without \"op\"), sent pipelined.")
    var file: String?

    @Option(help: "With --file: how many requests may be outstanding at once.")
    var window: Int = 256

    mutating func validate() throws {
        if file != nil {
            let single = [channel, to, template, content, dedupKey, category, notAfter, notBefore, customer, onCap]
                .contains { $0 != nil }
            if single || !params.isEmpty {
                throw ValidationError("--file cannot be combined with single-message options.")
            }
            guard window > 0 else { throw ValidationError("--window must be at least 1.") }
        } else {
            guard channel != nil, to != nil else { throw ValidationError("send needs --channel and --to (or --file).") }
        }
        for param in params where !param.contains("=") {
            throw ValidationError("--param expects key=value, got '\(param)'.")
        }
    }

    func run() throws {
        if let file {
            let sender = BulkSender(path: file, options: global, window: window)
            throw try sender.run() ? ExitCode.success : ExitCode.failure
        }
        let client = try ControlClient(options: global)
        let response = try client.call(request())
        if global.json {
            print(response.raw)
            return
        }
        let id = response.value["message_id"]?.scalarText ?? "?"
        switch response.value["state"]?.stringValue {
        case "queued": print("queued \(id)")
        case "duplicate": print("duplicate of \(id)")
        case "deferred": print("deferred \(id) until \(response.value["until"]?.scalarText ?? "?")")
        case "suppressed":
            let cap = response.value["cap"]?.scalarText.map { " (\($0))" } ?? ""
            print("suppressed \(id): \(response.value["reason"]?.scalarText ?? "?")\(cap)")
        case let state?: print("\(state) \(id)")
        case nil: print(response.raw)
        }
    }

    /// The `send` request built from the options.
    private func request() -> JSONValue {
        var members: [String: JSONValue] = ["op": .string("send")]
        members["channel"] = channel.map(JSONValue.string)
        members["to"] = to.map(JSONValue.string)
        members["template"] = template.map(JSONValue.string)
        members["content"] = content.map(JSONValue.string)
        members["dedup_key"] = dedupKey.map(JSONValue.string)
        members["category"] = category.map(JSONValue.string)
        members["customer"] = customer.map(JSONValue.string)
        members["on_cap"] = onCap.map(JSONValue.string)
        for (key, value) in [("not_after", notAfter), ("not_before", notBefore)] {
            guard let value else { continue }
            // All digits is epoch milliseconds, which the protocol takes as a number.
            let isEpoch = !value.isEmpty && value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            members[key] = isEpoch ? .number(value) : .string(value)
        }
        if !params.isEmpty {
            var object: [String: JSONValue] = [:]
            for param in params {
                let parts = param.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                object[String(parts[0])] = .string(parts.count > 1 ? String(parts[1]) : "")
            }
            members["params"] = .object(object)
        }
        return .object(members)
    }
}
