import ArgumentParser
import BuiltinChannels
import ChannelKit
import Dispatch
import Foundation
import GatewayConfig
import GatewayCore
import GatewayRelease
import Logging
import Synchronization

/// The daemon: `gatewayd run`, `gatewayd check-config` and `gatewayd migrate`.
@main
struct Gatewayd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "Channel Gateway: durable, deduplicated, rate-limited outbound messaging for banks.",
        version: GatewayRelease.version,
        subcommands: [Run.self, CheckConfig.self, Migrate.self, StoreCommand.self],
        defaultSubcommand: Run.self
    )
}

/// Options shared by both subcommands.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Path of gateway.yaml.")
    var config: String = "/etc/channel-gateway/gateway.yaml"
}

extension ConfigOptions {
    /// Loads and validates everything; prints every issue to stderr.
    func load() -> GatewayConfiguration? {
        let result = ConfigLoader(kinds: BuiltinChannels.kinds).load(path: config)
        ConfigIssue.report(result.issues)
        return result.configuration
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon in the foreground.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        guard let configuration = options.load() else { throw ExitCode(1) }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let json = configuration.logFormat == "json"
        // Under journald: priority prefixes so `journalctl -p err` works, and the journal's own timestamps.
        let journal = JournalLogHandler.standardErrorIsJournal(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label, journal: journal)
                handler.logLevel = level
                return handler
            }
            if journal {
                var handler = JournalLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gatewayd")
        let environment = ProcessInfo.processInfo.environment
        let notifier = SystemdNotifier(
            socketPath: environment["NOTIFY_SOCKET"],
            watchdogMicroseconds: environment["WATCHDOG_USEC"].flatMap { Int64($0) }
        )
        let gateway = Gateway(
            configuration: configuration, configurationPath: options.config, kinds: BuiltinChannels.kinds,
            logger: logger, notifier: notifier
        )

        signal(SIGPIPE, SIG_IGN)
        let stop = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }
        let failed = Mutex(false)
        gateway.onFatal { reason in
            failed.withLock { $0 = true }
            stop.signal()
        }
        signal(SIGHUP, SIG_IGN)  // a reload asked for during start-up waits for the next one
        do {
            try gateway.start()
        } catch {
            // One line an operator can act on; whatever had started is already stopped again.
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        // SIGHUP reloads. The source is made only now: a suspended dispatch source that is released (as on a
        // failed start) crashes the process.
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "reload"))
        hangup.setEventHandler { _ = gateway.reload() }
        hangup.resume()
        stop.wait()
        hangup.cancel()
        gateway.shutdown()
        _ = sources
        if failed.withLock({ $0 }) { throw ExitCode(1) }
    }
}
