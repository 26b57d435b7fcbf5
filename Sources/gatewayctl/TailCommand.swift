import ArgumentParser
import ControlProtocol
import GatewayClient
import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// `gatewayctl tail`: follows the event stream (every committed change: messages, runs, tags, conversions) until
/// interrupted.
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

    @Option(
        name: .customLong("state"),
        help: ArgumentHelp("Only this state (repeatable): \(MessageState.names.joined(separator: ", ")).")
    )
    var states: [String] = []

    @Option(help: "First the current state of messages changed since then: \(SinceHelp.grammar).")
    var since: String?

    @Option(
        name: .customLong("kind"),
        help: ArgumentHelp("Only this kind of line (repeatable): \(ChangeKind.names.joined(separator: ", ")).")
    )
    var kinds: [String] = []

    func validate() throws {
        // A misspelt state would match nothing: the stream would stay silent for ever.
        if let unknown = states.first(where: { MessageState(rawValue: $0) == nil }) {
            throw ValidationError(
                "unknown state '\(unknown)'; expected one of: \(MessageState.names.joined(separator: ", "))")
        }
        if let unknown = kinds.first(where: { ChangeKind(rawValue: $0) == nil }) {
            throw ValidationError(
                "unknown kind '\(unknown)'; expected one of: \(ChangeKind.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        let request = SubscribeRequest(
            channels: channels.isEmpty ? nil : Set(channels), categories: categories.isEmpty ? nil : Set(categories),
            states: states.isEmpty ? nil : Set(states.compactMap(MessageState.init(rawValue:))),
            since: since.map(TimeInput.text),
            kinds: kinds.isEmpty ? nil : Set(kinds.compactMap(ChangeKind.init(rawValue:))))
        let client = try ControlClient(options: global)
        _ = try client.call(.subscribe(request))
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
                try Self.writeLine(raw)
                continue
            }
            guard let event = (try? JSONParser.parse(bytes)).flatMap(StreamEvent.init(json:)) else {
                try Self.writeLine(raw)
                continue
            }
            switch event {
            case .lagged(let resume):
                ControlClient.printError(
                    "gatewayctl: fell behind; resume with: gatewayctl tail --since \(resume ?? "?")")
                throw ExitCode(3)
            case .state(let change):
                try Self.writeLine(
                    "\(text(change.at))  \(text(change.state).padding(to: 11)) \(text(change.messageID))  \(text(change.channel))  \(text(change.customer))  \(text(change.reason))"
                )
            case .run(let run):
                try Self.writeLine(
                    "\(text(run.at))  \("run".padding(to: 11)) \(text(run.runID.map(String.init)))  \(text(run.strategy))/v\(text(run.version.map(String.init)))  \(text(run.customer))  \(text(run.step)) \(text(run.state)) \(text(run.outcome))"
                )
            case .tag(let tag):
                try Self.writeLine(
                    "\(text(tag.at))  \("tag".padding(to: 11)) \(tag.added ? "+" : "-")\(text(tag.tag))  \(text(tag.customer))  \(text(tag.source))"
                )
            case .conversion(let conversion):
                try Self.writeLine(
                    "\(text(conversion.at))  \("conversion".padding(to: 11)) \(text(conversion.runID.map(String.init)))  \(text(conversion.strategy))  \(text(conversion.customer))  \(text(conversion.step)) \(text(conversion.channelType)) \(text(conversion.value))"
                )
            case .other:
                try Self.writeLine(raw)
            }
        }
    }

    private func text(_ value: String?) -> String { value ?? "-" }

    /// Writes one line straight to standard output: `print` is block-buffered on a pipe, so
    /// `gatewayctl tail | grep …` would show nothing until kilobytes of changes had piled up.
    /// - Throws: `ExitCode.success` once the reader is gone (`| head`), as SIGPIPE is ignored for the socket.
    static func writeLine(_ text: String) throws {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(1, $0.baseAddress!, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw ExitCode.success }
            offset += written
        }
    }
}
