import ArgumentParser
import ControlProtocol
import Foundation
import GatewayJSON

/// `gatewayctl nodes`: the gatewayd nodes sharing the store, so an operator sees which are live, how long ago
/// each last beat, and which run another channel configuration.
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List the gatewayd nodes sharing the store.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let client = try ControlClient(options: global)
        let response = try client.call(.nodes)
        guard !global.json, let answer = NodesAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        // The daemon answers over a Unix socket: its clock is this host's, so ages need no clock of its own.
        let now = Date()
        var table = TextTable(["NAME", "LIVE", "STARTED", "HEARTBEAT", "CONFIG", "SENT", "FAILED", "QUEUED"])
        for node in answer.nodes {
            let age = Self.date(node.heartbeatAt).map { Self.age(now.timeIntervalSince($0)) + " ago" }
            table.append([
                node.name + (node.name == answer.node ? " *" : ""), node.live ? "yes" : "no", node.startedAt,
                age ?? node.heartbeatAt, node.differentConfiguration ? "differs" : "same", String(node.sent),
                String(node.failed), String(node.queued),
            ])
        }
        print(table.render(), terminator: "")
        switch answer.store {
        case .sqlite:
            print("* this node; store: sqlite, embedded in this gatewayd: it is the only node")
        case .postgresql:
            let takeovers = answer.takeovers
            print(
                "* this node; store: postgresql; since it started it released \(takeovers.released) claims of"
                    + " dead nodes and was taken for dead \(takeovers.takenForDead) times")
        }
    }

    /// An answer's RFC 3339 time (`2026-11-24T10:00:00.123Z`); `nil` when it is not one.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// A short duration: `0.4s`, `12s`, `5m10s`, `2h3m`, `4d2h` (never negative: a clock a little ahead is now).
    static func age(_ seconds: TimeInterval) -> String {
        let seconds = max(0, seconds)
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds)
        switch whole {
        case ..<60: return "\(whole)s"
        case ..<3600: return "\(whole / 60)m\(whole % 60)s"
        case ..<86_400: return "\(whole / 3600)h\(whole / 60 % 60)m"
        default: return "\(whole / 86_400)d\(whole / 3600 % 24)h"
        }
    }
}
