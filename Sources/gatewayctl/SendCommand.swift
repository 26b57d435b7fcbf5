import ArgumentParser
import ControlProtocol
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
        if let onCap, SendRequest.CapAction(rawValue: onCap) == nil {
            throw ValidationError("--on-cap must be suppress or defer, got '\(onCap)'.")
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
        guard let answer = SendAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        let id = answer.messageID
        switch answer.outcome {
        case .queued: print("queued \(id)")
        case .duplicate: print("duplicate of \(id)")
        case .deferred(let until): print("deferred \(id) until \(until)")
        case .suppressed(let reason, let cap): print("suppressed \(id): \(reason)\(cap.map { " (\($0))" } ?? "")")
        }
    }

    /// The `send` request built from the options.
    private func request() -> ControlRequest {
        var params: [String: String] = [:]
        for param in self.params {
            let parts = param.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            params[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return .send(
            SendRequest(
                channel: channel ?? "", to: to ?? "", template: template, params: params, content: content,
                dedupKey: dedupKey, category: category, customer: customer,
                onCap: onCap.flatMap(SendRequest.CapAction.init(rawValue:)), notAfter: notAfter.map(TimeInput.init),
                notBefore: notBefore.map(TimeInput.init)))
    }
}
