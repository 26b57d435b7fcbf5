import ArgumentParser
import BuiltinChannels
import ChannelKit
import Foundation
import GatewayConfig

/// `gatewayd check-config`: loads and validates everything, as `run` would, without the network or the store.
///
/// `--credentials-dir` stands in for systemd's `$CREDENTIALS_DIRECTORY`, so a production configuration whose
/// secrets are `credential:NAME` can be checked from a shell; `--json` prints one document for CI pipelines.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Load and validate the configuration and every channel (no network); exit 1 on any error."
    )

    @OptionGroup var options: ConfigOptions

    @Option(
        name: .customLong("credentials-dir"),
        help: ArgumentHelp(
            "Read credential:NAME secrets from DIR/NAME (default: $CREDENTIALS_DIRECTORY).", valueName: "dir"))
    var credentialsDirectory: String?

    @Flag(help: "Print one JSON document (every issue with file, line, column, severity, message; a summary).")
    var json = false

    @Flag(
        help: ArgumentHelp(
            "Also connect to the store and check its schema version (PostgreSQL); exit 1 if it cannot be reached or"
                + " its schema is newer than this gatewayd's."))
    var connect = false

    func validate() throws {
        if let credentialsDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: credentialsDirectory, isDirectory: &isDirectory),
                isDirectory.boolValue
            else { throw ValidationError("--credentials-dir \(credentialsDirectory) is not a directory") }
        }
    }

    func run() throws {
        let loader = ConfigLoader(
            kinds: BuiltinChannels.kinds,
            credentialsDirectory: credentialsDirectory ?? ConfigLoader.processCredentialsDirectory)
        let result = loader.load(path: options.config)
        let store = connect ? result.configuration.map(StoreCheck.run) : nil
        if json {
            var document = Self.document(result)
            if case .object(var members) = document, let store {
                members["store"] = store.document
                document = .object(members)
            }
            print(document.serialized)
        } else {
            ConfigIssue.report(result.issues)
            if let configuration = result.configuration { print(Self.summaryLine(configuration)) }
            if let store { print(store.line) }
        }
        if result.configuration == nil || store?.ok == false { throw ExitCode(1) }
    }

    /// `configuration OK: 2 channel(s): sms (sms/aliyun), push (app_push/apns)`, then
    /// `; 1 strategy(ies): first-loan (10 steps)` when there are strategies.
    static func summaryLine(_ configuration: GatewayConfiguration) -> String {
        let strategies =
            configuration.strategies.isEmpty
            ? ""
            : "; \(configuration.strategies.count) strategy(ies): "
                + configuration.strategies.map { "\($0.name) (\($0.steps.count) steps)" }.joined(separator: ", ")
        guard !configuration.channels.isEmpty else { return "configuration OK: no channels" + strategies }
        return "configuration OK: \(configuration.channels.count) channel(s): "
            + configuration.channels.map { "\($0.name) (\($0.kind)\($0.vendor.map { "/" + $0 } ?? ""))" }
            .joined(separator: ", ") + strategies
    }

    /// The `--json` document: `{"ok":…,"issues":[{"file","line","column","severity","message"}…],
    /// "summary":{"errors":…,"warnings":…,"channels":[{"name","type","vendor"}…],
    /// "strategies":[{"name","steps","fingerprint"}…]}}` (channels and strategies only when valid).
    static func document(_ result: ConfigLoadResult) -> JSONValue {
        let issues = result.issues.map { issue in
            JSONValue.object([
                "file": .string(issue.mark.file), "line": .number(String(issue.mark.line)),
                "column": .number(String(issue.mark.column)), "severity": .string(issue.severity.rawValue),
                "message": .string(issue.message),
            ])
        }
        let channels = (result.configuration?.channels ?? []).map { channel in
            JSONValue.object([
                "name": .string(channel.name), "type": .string(channel.kind),
                "vendor": channel.vendor.map(JSONValue.string) ?? .null,
            ])
        }
        let strategies = (result.configuration?.strategies ?? []).map { strategy in
            JSONValue.object([
                "name": .string(strategy.name), "steps": .number(String(strategy.steps.count)),
                "fingerprint": .string(strategy.fingerprint),
            ])
        }
        let errors = result.issues.count { $0.severity == .error }
        return .object([
            "ok": .bool(result.configuration != nil),
            "issues": .array(issues),
            "summary": .object([
                "errors": .number(String(errors)), "warnings": .number(String(result.issues.count - errors)),
                "channels": .array(channels), "strategies": .array(strategies),
            ]),
        ])
    }
}
