import ArgumentParser
import ChannelKit
import Dispatch
import Foundation
import GatewayConfig
import GatewayPostgres
import GatewayStore
import Logging
import Synchronization

/// The PostgreSQL store's send path without the daemon, for ./bench-pg-store: batched intake and claim-and-complete
/// on several connections at once (as several nodes), against a plain batched insert of the same rows on the same
/// connections (the ceiling of what a commit per batch can do on this machine).
@main
struct PGStoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the PostgreSQL store's intake and delivery against a plain batched insert.")

    @Argument(help: "The cluster's socket directory.") var socketDirectory: String
    @Argument(help: "The cluster's port.") var port: Int
    @Option(help: "Messages per phase.") var messages = 100_000
    @Option(help: "Connections working at once (nodes).") var nodes = 2
    @Option(help: "Messages per intake batch and per claim.") var batch = 128

    func run() throws {
        let admin = try connect("postgres")
        try admin.execute("DROP DATABASE IF EXISTS pgstorebench")
        try admin.execute("CREATE DATABASE pgstorebench")
        let url = try PostgresConnectionString(
            Secret("postgresql://postgres@/pgstorebench?host=\(socketDirectory)&port=\(port)"))
        let setup = try PostgresConnection(url)
        try PostgresSchema.migrate(setup, node: "bench", logger: Logger(label: "pgstorebench"))
        try setup.execute("CREATE TABLE ceiling (id text PRIMARY KEY, body text NOT NULL, at bigint NOT NULL)")

        let now: Int64 = 1_795_449_600_000 + 10 * 3_600_000
        var policy = PolicyConfiguration()
        policy.caps = [
            FrequencyCap(name: "daily", category: .marketing, max: 3, per: .seconds(86_400), perChannel: false)
        ]
        let admission = AdmissionPolicy(policy)
        let intake = PostgresIntake(cipher: FieldCipher(key: nil), dedupWindow: 86_400_000)
        let (messages, batch) = (messages, batch)

        let ceiling = try phase("plain insert", url: url) { node, connection in
            for start in stride(from: node * batch, to: messages, by: batch * nodes) {
                let ids = (start..<min(start + batch, messages)).map { "c\($0)" }
                _ = try connection.transaction([
                    PostgresStatement(
                        "INSERT INTO ceiling SELECT i, 'hello ' || i, $2 FROM unnest($1::text[]) AS i",
                        [PostgresArray.text(ids), String(now)])
                ])
            }
        }
        let accepted = try phase("intake", url: url) { node, connection in
            for start in stride(from: node * batch, to: messages, by: batch * nodes) {
                let requests = (start..<min(start + batch, messages)).map { index in
                    AcceptRequest(
                        message: OutboundMessage(
                            id: "m\(index)", channel: "sms", recipient: String(13_800_000_000 + index),
                            category: index % 2 == 0 ? .transactional : .marketing, params: ["code": "1234"],
                            content: "hello \(index)"),
                        channelType: "sms", customer: "C\(index)", dedupKey: "k\(index)", clientDedupKey: "k\(index)",
                        notAfter: nil)
                }
                let results = intake.accept(requests, now: now, policy: admission, on: connection)
                if case .failed(let error)? = results.first { throw error }
            }
        }
        let split = Mutex<(claim: UInt64, complete: UInt64)>((0, 0))
        let delivered = try phase("claim and complete", url: url) { node, connection in
            let delivery = PostgresDelivery(cipher: FieldCipher(key: nil), node: "n\(node)")
            for lane in [PriorityLane.transactional, .marketing] {
                while true {
                    let claimStarted = DispatchTime.now().uptimeNanoseconds
                    let page = try delivery.claim(
                        channel: "sms", lane: lane, limit: batch, now: now, on: connection)
                    let claimed = DispatchTime.now().uptimeNanoseconds
                    split.withLock { $0.claim += claimed - claimStarted }
                    if page.isEmpty { break }
                    let records = page.map { message in
                        AttemptRecord(
                            sequence: message.sequence, channel: "sms", attempt: 1, startedAt: now, finishedAt: now + 5,
                            outcome: .sent, state: .sent, httpStatus: 200, vendorMessageID: "v\(message.sequence)")
                    }
                    _ = try delivery.complete(records, on: connection)
                    split.withLock { $0.complete += DispatchTime.now().uptimeNanoseconds - claimed }
                }
            }
        }
        let (claimTime, completeTime) = split.withLock { ($0.claim, $0.complete) }
        FileHandle.standardError.write(
            Data(
                "  claims took \(claimTime / 1_000_000) ms, completions \(completeTime / 1_000_000) ms (summed over connections)\n"
                    .utf8))
        let sent = try setup.query(PostgresStatement("SELECT count(*) FROM messages WHERE state = 'sent'")).scalar
        guard sent == String(messages) else { throw ValidationError("only \(sent ?? "?") of \(messages) sent") }
        print(
            "bench-pg-store: \(nodes) connections, \(messages) messages, batches of \(batch): intake"
                + " \(Int(accepted.rate)) msg/s (\(percent(accepted.rate, ceiling.rate)) of a plain insert's"
                + " \(Int(ceiling.rate)) rows/s, \(String(format: "%.1f", accepted.cpu)) us client CPU/msg),"
                + " claim+complete \(Int(delivered.rate)) msg/s (\(String(format: "%.1f", delivered.cpu)) us);"
                + " every commit flushed (fsync, synchronous_commit on)")
    }

    private func connect(_ database: String) throws -> PostgresConnection {
        try PostgresConnection(
            PostgresConnectionString(
                Secret("postgresql://postgres@/\(database)?host=\(socketDirectory)&port=\(port)")))
    }

    private func percent(_ part: Double, _ whole: Double) -> String { "\(Int((100 * part / whole).rounded()))%" }

    /// Runs `body` on `nodes` threads, each with a connection of its own; prints and returns the rate and the
    /// process's CPU (user + system) per message.
    private func phase(
        _ name: String, url: PostgresConnectionString,
        _ body: @escaping @Sendable (Int, PostgresConnection) throws -> Void
    ) throws -> (rate: Double, cpu: Double) {
        let failures = Mutex<[String]>([])
        let cpuBefore = Self.cpuSeconds()
        let started = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: nodes) { node in
            do {
                try body(node, try PostgresConnection(url))
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let cpu = (Self.cpuSeconds() - cpuBefore) / Double(messages) * 1e6
        if let failure = failures.withLock({ $0.first }) { throw ValidationError("\(name): \(failure)") }
        let rate = Double(messages) / seconds
        FileHandle.standardError.write(
            Data(
                "\(name): \(Int(rate)) msg/s, \(String(format: "%.2f", seconds)) s, \(String(format: "%.1f", cpu)) us CPU/msg\n"
                    .utf8))
        return (rate, cpu)
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
