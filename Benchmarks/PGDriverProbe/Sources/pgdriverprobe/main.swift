// pgdriverprobe SOCKET_DIR PORT [ROWS]: durable inserts into a local PostgreSQL through libpq and postgres-nio,
// the way the gateway's store would issue them (one transaction per batch, every commit flushed), at batch sizes
// 1, 64 and 500. Prints one line per driver mode and batch size with rows/s and the probe's own CPU per row
// (what a gateway node would spend), then a summary line.
import CLibPQ
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

struct ProbeFailure: Error, CustomStringConvertible {
    let description: String
}

/// CPU seconds (user + system) this process has used.
func processCPU() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

struct Figure {
    let mode: String
    let batch: Int
    let rows: Int
    let seconds: Double
    let cpu: Double
    var rate: Double { Double(rows) / seconds }
    var line: String {
        String(
            format: "%@ batch=%d: %.0f rows/s, %.1f µs CPU/row", mode, batch, rate, cpu / Double(rows) * 1e6)
    }
}

/// Runs `body(batchStart, batchCount)` over `rows` rows in batches and times it.
func measure(_ mode: String, batch: Int, rows: Int, _ body: (Int, Int) throws -> Void) rethrows -> Figure {
    let cpu = processCPU()
    let start = DispatchTime.now().uptimeNanoseconds
    var done = 0
    while done < rows {
        let count = min(batch, rows - done)
        try body(done, count)
        done += count
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return Figure(mode: mode, batch: batch, rows: rows, seconds: seconds, cpu: processCPU() - cpu)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[2]) else {
    FileHandle.standardError.write("usage: pgdriverprobe SOCKET_DIR PORT [ROWS]\n".data(using: .utf8)!)
    exit(2)
}
let socketDirectory = arguments[1]
let rows = arguments.count > 3 ? Int(arguments[3]) ?? 20_000 : 20_000
let insertSQL = "INSERT INTO probe (id, body) VALUES ($1, $2)"
let body = String(repeating: "您的账户余额变动 balance ", count: 8)

// MARK: libpq

final class LibPQ {
    let connection: OpaquePointer

    init(directory: String, port: Int) throws {
        guard
            let connection = PQconnectdb(
                "host=\(directory) port=\(port) dbname=postgres user=postgres options='-c client_min_messages=warning'"),
            PQstatus(connection) == CONNECTION_OK
        else { throw ProbeFailure(description: "libpq: cannot connect") }
        self.connection = connection
    }

    deinit { PQfinish(connection) }

    func execute(_ sql: String) throws {
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw ProbeFailure(description: "libpq: \(String(cString: PQerrorMessage(connection)))")
        }
    }

    /// One statement with text parameters, waiting for its answer (a round trip each).
    func insert(id: String, body: String) throws {
        let result = id.withCString { idPointer in
            body.withCString { bodyPointer in
                var values: [UnsafePointer<CChar>?] = [idPointer, bodyPointer]
                return PQexecParams(connection, insertSQL, 2, nil, &values, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw ProbeFailure(description: "libpq: \(String(cString: PQerrorMessage(connection)))")
        }
    }

    /// BEGIN, the inserts and COMMIT sent in one go (pipeline mode), then every answer read: one round trip.
    func pipelinedBatch(ids: [String], body: String) throws {
        guard PQsendQueryParams(connection, "BEGIN", 0, nil, nil, nil, nil, 0) == 1 else {
            throw ProbeFailure(description: "libpq: \(String(cString: PQerrorMessage(connection)))")
        }
        for id in ids {
            let sent = id.withCString { idPointer in
                body.withCString { bodyPointer in
                    var values: [UnsafePointer<CChar>?] = [idPointer, bodyPointer]
                    return PQsendQueryParams(connection, insertSQL, 2, nil, &values, nil, nil, 0)
                }
            }
            guard sent == 1 else {
                throw ProbeFailure(description: "libpq: \(String(cString: PQerrorMessage(connection)))")
            }
        }
        guard PQsendQueryParams(connection, "COMMIT", 0, nil, nil, nil, nil, 0) == 1, PQpipelineSync(connection) == 1
        else { throw ProbeFailure(description: "libpq: \(String(cString: PQerrorMessage(connection)))") }
        // Each query's results end with a NULL; the sync's own result ends the batch.
        var failure: String?
        while true {
            guard let result = PQgetResult(connection) else { continue }
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
            if status != PGRES_COMMAND_OK, failure == nil {
                failure = String(cString: PQerrorMessage(connection))
            }
        }
        if let failure { throw ProbeFailure(description: "libpq pipeline: \(failure)") }
    }
}

func ids(_ start: Int, _ count: Int, _ prefix: String) -> [String] {
    (start..<start + count).map { "\(prefix)-\($0)" }
}

/// Every mode at every batch size, in order.
func probe() throws -> [Figure] {
    var figures: [Figure] = []
    let batches = [1, 64, 500]
    let setup = try LibPQ(directory: socketDirectory, port: port)
    try setup.execute(
        "DROP TABLE IF EXISTS probe; CREATE TABLE probe (seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, body text)"
    )
    try setup.execute("SET synchronous_commit = on")

    for batch in batches {
        let libpq = try LibPQ(directory: socketDirectory, port: port)
        figures.append(
            try measure("libpq round trip per statement", batch: batch, rows: rows) { start, count in
                try libpq.execute("BEGIN")
                for id in ids(start, count, "s\(batch)") { try libpq.insert(id: id, body: body) }
                try libpq.execute("COMMIT")
            })
        guard PQenterPipelineMode(libpq.connection) == 1 else { throw ProbeFailure(description: "no pipeline mode") }
        figures.append(
            try measure("libpq pipeline", batch: batch, rows: rows) { start, count in
                try libpq.pipelinedBatch(ids: ids(start, count, "p\(batch)"), body: body)
            })
    }

    // MARK: postgres-nio, driven from a plain thread as the store's writer would (each future waited for).
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var logger = Logger(label: "pgdriverprobe")
    logger.logLevel = .error
    let configuration = PostgresConnection.Configuration(
        unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: "postgres", password: nil,
        database: "postgres")
    let connection = try PostgresConnection.connect(
        on: group.next(), configuration: configuration, id: 1, logger: logger
    ).wait()
    for batch in batches {
        figures.append(
            try measure("postgres-nio each statement awaited", batch: batch, rows: rows) { start, count in
                _ = try connection.query("BEGIN").wait()
                for id in ids(start, count, "n\(batch)") {
                    _ = try connection.query(insertSQL, [PostgresData(string: id), PostgresData(string: body)]).wait()
                }
                _ = try connection.query("COMMIT").wait()
            })
        figures.append(
            try measure("postgres-nio queued, last awaited", batch: batch, rows: rows) { start, count in
                var futures = [connection.query("BEGIN")]
                for id in ids(start, count, "q\(batch)") {
                    futures.append(connection.query(insertSQL, [PostgresData(string: id), PostgresData(string: body)]))
                }
                futures.append(connection.query("COMMIT"))
                for future in futures { _ = try future.wait() }
            })
    }
    // The async API (PostgresQuery with interpolated binds), run in one task per measurement and waited for once.
    for batch in batches {
        let result = Locked<Result<Figure, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task { [logger] in
            let cpu = processCPU()
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                var written = 0
                while written < rows {
                    let count = min(batch, rows - written)
                    try await connection.query("BEGIN", logger: logger)
                    for id in ids(written, count, "a\(batch)") {
                        try await connection.query(
                            "INSERT INTO probe (id, body) VALUES (\(id), \(body))", logger: logger)
                    }
                    try await connection.query("COMMIT", logger: logger)
                    written += count
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                result.set(
                    .success(
                        Figure(
                            mode: "postgres-nio async API, each awaited", batch: batch, rows: rows, seconds: seconds,
                            cpu: processCPU() - cpu)))
            } catch {
                result.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        figures.append(try result.get()!.get())
    }
    try connection.close().wait()
    try group.syncShutdownGracefully()
    return figures
}

/// A value handed from a task to the waiting thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    func get() -> Value { lock.withLock { value } }
}

let figures: [Figure]
do {
    figures = try probe()
} catch {
    FileHandle.standardError.write("pgdriverprobe: \(error)\n".data(using: .utf8)!)
    exit(1)
}

for figure in figures { print("pgdriverprobe: " + figure.line) }
func best(_ prefix: String, _ batch: Int) -> Figure? {
    figures.filter { $0.mode.hasPrefix(prefix) && $0.batch == batch }.max { $0.rate < $1.rate }
}
if let libpq = best("libpq", 500), let nio = best("postgres-nio", 500) {
    print(
        String(
            format:
                "pgdriverprobe: rows=%d batch=500: libpq %.0f rows/s (%.1f µs CPU/row, %@) vs postgres-nio %.0f rows/s (%.1f µs CPU/row, %@) = %.2fx",
            rows, libpq.rate, libpq.cpu / Double(libpq.rows) * 1e6, libpq.mode, nio.rate,
            nio.cpu / Double(nio.rows) * 1e6, nio.mode, libpq.rate / nio.rate))
}
