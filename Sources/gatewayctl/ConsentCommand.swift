import ArgumentParser
import ControlProtocol
import Foundation
import GatewayJSON

/// `gatewayctl consent`: a customer's or address's standing opt-outs and consent log; `export` for audits.
struct ConsentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Show or export the consent log of a customer or address.",
        subcommands: [ConsentShowCommand.self, ConsentExportCommand.self],
        defaultSubcommand: ConsentShowCommand.self
    )

    /// The columns of the log, in export order.
    static let columns = ["seq", "at", "subject_kind", "subject", "channel", "action", "route", "evidence", "client"]

    /// Asks the daemon for the subject's consent.
    static func fetch(global: GlobalOptions, subject: ConsentSubjectOptions) throws -> ControlClient.Response {
        try ControlClient(options: global).call(.consent(ConsentRequest(subject: subject.subject)))
    }

    /// The columns of a log entry for CSV, in ``columns`` order.
    static func csvRow(_ entry: ConsentLogEntry) -> String {
        columns.map { ConsentExportCommand.csvField(entry[$0] ?? "") }.joined(separator: ",")
    }
}

/// `gatewayctl consent --customer ID`: the standing opt-outs and the log as a table.
struct ConsentShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show opt-outs and the log.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var subject: ConsentSubjectOptions

    func run() throws {
        let response = try ConsentCommand.fetch(global: global, subject: subject)
        if global.json {
            print(response.raw)
            return
        }
        guard let answer = ConsentAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print("opted out of: " + (answer.optedOut.isEmpty ? "nothing" : answer.optedOut.joined(separator: ", ")))
        guard !answer.log.isEmpty else {
            print("no consent changes recorded")
            return
        }
        var table = TextTable(["SEQ", "AT", "CHANNEL", "ACTION", "ROUTE", "EVIDENCE", "CLIENT"])
        for entry in answer.log {
            table.append([
                String(entry.seq), entry.at ?? "-", entry.channel ?? "-", entry.action ?? "-", entry.route ?? "-",
                entry.evidence ?? "-", entry.client ?? "-",
            ])
        }
        print("", terminator: "\n")
        print(table.render(), terminator: "")
    }
}

/// `gatewayctl consent export --customer ID --format json|csv`: a subject's log for an audit, on stdout;
/// `--all [--since T]`: the whole log, streamed page by page (progress on stderr when it is a terminal).
struct ConsentExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export the consent log as JSON or CSV (RFC 4180).")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, csv
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The customer id (opaque, as the bank sends it).")
    var customer: String?

    @Option(name: .long, help: "The address: a phone number, open id, device token, user id.")
    var to: String?

    @Flag(name: .long, help: "Everyone's log, in the order it was written (for an auditor).")
    var all = false

    @Option(name: .long, help: "With --all: only entries since then: \(SinceHelp.grammar).")
    var since: String?

    @Option(name: .long, help: "json (one document) or csv (a header row, then one row per change).")
    var format: Format = .json

    func validate() throws {
        guard [customer != nil, to != nil, all].filter({ $0 }).count == 1 else {
            throw ValidationError("name exactly one of --customer, --to or --all")
        }
        if since != nil && !all { throw ValidationError("--since goes with --all") }
    }

    func run() throws {
        if all {
            try exportAll()
            return
        }
        var subject = ConsentSubjectOptions()
        subject.customer = customer
        subject.to = to
        let response = try ConsentCommand.fetch(global: global, subject: subject)
        guard let answer = ConsentAnswer(json: response.value) else { throw Self.unreadable(response.raw) }
        switch format {
        case .json:
            var document = subject.subject.members
            document["opted_out"] = .array(answer.optedOut.map(JSONValue.string))
            document["log"] = .array(answer.log.map(\.json))
            print(JSONValue.object(document).serialized)
        case .csv:
            print(ConsentCommand.columns.joined(separator: ","), terminator: "\r\n")
            for entry in answer.log { print(ConsentCommand.csvRow(entry), terminator: "\r\n") }
        }
    }

    /// An answer whose entries cannot be read whole: the export stops rather than leave evidence out.
    private static func unreadable(_ raw: String) -> ExitCode {
        ControlClient.printError("gatewayctl: unreadable consent log from gatewayd: \(raw)")
        return ExitCode(2)
    }

    /// Pages through `consent_export`, writing each page as it arrives: the daemon never builds the whole log.
    private func exportAll() throws {
        let client = try ControlClient(options: global)
        let progress = isatty(2) == 1
        var after: Int64 = 0
        var written = 0
        switch format {
        case .json: print("{\"log\":[")
        case .csv: print(ConsentCommand.columns.joined(separator: ","), terminator: "\r\n")
        }
        while true {
            let request = ConsentExportRequest(after: after, since: since.map(TimeInput.text), limit: 5000)
            let response = try client.call(.consentExport(request))
            guard let page = ConsentExportAnswer(json: response.value) else { throw Self.unreadable(response.raw) }
            for entry in page.entries {
                switch format {
                case .json: print((written > 0 ? "," : "") + entry.json.serialized)
                case .csv: print(ConsentCommand.csvRow(entry), terminator: "\r\n")
                }
                written += 1
            }
            if progress { FileHandle.standardError.write(Data("\rexported \(written) entries".utf8)) }
            guard page.more, page.nextAfter > after else { break }
            after = page.nextAfter
        }
        if format == .json { print("]}") }
        if progress { FileHandle.standardError.write(Data("\rexported \(written) entries\n".utf8)) }
    }

    /// Quotes a field when it holds a comma, quote or line break (RFC 4180), doubling inner quotes.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
        }
        return quoted + "\""
    }
}
