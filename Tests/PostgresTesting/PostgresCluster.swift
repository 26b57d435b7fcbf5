import Foundation

/// A PostgreSQL cluster of the test process's own: `initdb` in a temp dir, `postgres` on a free port with its Unix
/// socket in that dir and no TCP listener, `fsync` on (the gateway's commits are what the tests check).
///
/// As root (CI), the cluster runs as the `postgres` user the Debian package makes, since PostgreSQL refuses root.
/// `postgres` runs under a small shell that stops it (fast shutdown, by PID) when its standard input closes: the
/// test process holds the other end, so the cluster ends with the process, however the process ends, and no
/// stray server outlives a test run. Tests share ``shared`` and each takes a database of its own
/// (``createDatabase()``), so they stay independent and may run in parallel.
public final class PostgresCluster: @unchecked Sendable {
    /// Why a cluster could not be started or used.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The cluster of this test process, started on first use.
    public static var shared: PostgresCluster {
        get throws {
            try sharedLock.withLock {
                if let cluster = sharedCluster { return cluster }
                let cluster = try PostgresCluster()
                sharedCluster = cluster
                return cluster
            }
        }
    }
    private nonisolated(unsafe) static var sharedCluster: PostgresCluster?
    private static let sharedLock = NSLock()

    /// The temp dir: `data/`, the socket, `postgres.log`.
    public let directory: String
    /// The port (only the socket's name, `.s.PGSQL.PORT`: there is no TCP listener).
    public let port: Int
    /// PostgreSQL's programs (`/usr/lib/postgresql/15/bin`).
    public let binDirectory: String
    private let supervisor: Process
    private let keepAlive: Pipe
    private let lock = NSLock()
    private var databases = 0

    /// Makes and starts a cluster; waits (up to 30 s) until it accepts connections.
    public init() throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard
            let version = versions.compactMap(Int.init).max(),
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb")
        else {
            throw Failure(description: "PostgreSQL is not installed: sudo apt-get install -y postgresql libpq-dev")
        }
        binDirectory = "/usr/lib/postgresql/\(version)/bin"
        directory = NSTemporaryDirectory() + "pgtest-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let asPostgres = getuid() == 0
        if asPostgres {
            guard let user = getpwnam("postgres") else {
                throw Failure(description: "running as root needs the 'postgres' user (the postgresql package)")
            }
            chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        let prefix = asPostgres ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] : []
        let initdb = try Self.run(
            prefix + [
                "\(binDirectory)/initdb", "-D", "\(directory)/data", "-A", "trust", "-U", "postgres", "--no-sync",
            ])
        guard initdb.status == 0 else { throw Failure(description: "initdb failed: \(initdb.output)") }

        port = try Self.freePort()
        // The shell starts postgres, waits for its own stdin to close, then stops postgres and waits for it.
        let server =
            (prefix + [
                "\(binDirectory)/postgres", "-D", "\(directory)/data", "-k", directory, "-p", String(port), "-c",
                "listen_addresses=", "-c", "max_connections=200",
            ]).map(Self.quoted).joined(separator: " ")
        // With PGTEST_KEEP=1 the temp dir (data, log) stays for inspection.
        let keep = ProcessInfo.processInfo.environment["PGTEST_KEEP"] == "1"
        let script =
            "\(server) >\(Self.quoted(directory + "/postgres.log")) 2>&1 & pid=$!; "
            + "cat >/dev/null; kill -INT $pid; wait $pid"
            + (keep ? "" : "; rm -rf \(Self.quoted(directory))")
        supervisor = Process()
        supervisor.executableURL = URL(fileURLWithPath: "/bin/sh")
        supervisor.arguments = ["-c", script]
        keepAlive = Pipe()
        supervisor.standardInput = keepAlive
        supervisor.standardOutput = FileHandle.nullDevice
        supervisor.standardError = FileHandle.nullDevice
        try supervisor.run()
        for _ in 0..<300 {
            if try Self.run(["\(binDirectory)/pg_isready", "-q", "-h", directory, "-p", String(port)]).status == 0 {
                return
            }
            guard supervisor.isRunning else { break }
            usleep(100_000)
        }
        let log = (try? String(contentsOfFile: directory + "/postgres.log", encoding: .utf8)) ?? ""
        stop()
        throw Failure(description: "PostgreSQL did not start within 30 s: \(log)")
    }

    deinit { stop() }

    /// Stops the server (fast shutdown), waits for it and removes the temp dir (unless `PGTEST_KEEP=1`).
    public func stop() {
        lock.withLock {
            guard supervisor.isRunning else { return }
            try? keepAlive.fileHandleForWriting.close()
            supervisor.waitUntilExit()
        }
    }

    /// A libpq URI for `database` over the Unix socket, as user `postgres`.
    public func url(database: String = "postgres") -> String {
        "postgresql://postgres@/\(database)?host=\(directory)&port=\(port)"
    }

    /// Creates an empty database of its own for one test and returns its name.
    public func createDatabase() throws -> String {
        let name = lock.withLock {
            databases += 1
            return "gw_\(getpid())_\(databases)"
        }
        _ = try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL with `psql` (stopping at the first error) and returns its unaligned, tuples-only output.
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let result = try Self.run([
            "/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url(database: database), "-c", sql,
        ])
        guard result.status == 0 else { throw Failure(description: "psql failed: \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A port nothing listens on now: bound to 0, read back, released. Only the socket file uses it.
    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(socket, raw, length) == 0 && getsockname(socket, raw, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
