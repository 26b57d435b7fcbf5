import Foundation

/// nginx on loopback speaking TLS with HTTP/2 (ALPN), with a throwaway self-signed certificate: the stub for
/// HTTP/2 vendors (this libcurl breaks cleartext h2c on reused connections, so h2 is only tested over TLS).
///
/// `/3/device/<token>` answers like APNs: 200 with an `apns-id` header, or 410 `Unregistered` for the token
/// `gone`; `/slow` goes to a backend that never answers, when one is given. Every answer carries `X-Proto: $server_protocol`, so a test sees which HTTP version was spoken.
final class TLSStub {
    let directory: String
    let port: Int
    let certificate: String
    private let pid: pid_t

    /// - Parameter hangingBackendPort: where `/slow` is passed on to (a server that never answers it), if anywhere.
    init(hangingBackendPort: Int? = nil) throws {
        directory = NSTemporaryDirectory() + "cg-tls-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        certificate = directory + "/cert.pem"
        try Self.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", directory + "/key.pem",
                "-out", certificate,
            ])
        port = try Self.freePort()
        let backPort = try Self.freePort()
        let configuration = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid nginx.pid;
            error_log error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path body;
                proxy_temp_path proxy;
                fastcgi_temp_path fastcgi;
                uwsgi_temp_path uwsgi;
                scgi_temp_path scgi;
                # The TLS front speaks HTTP/2 and reads each request body whole before passing it on: a reply
                # sent before the body is read resets the HTTP/2 stream, which libcurl reports as an error.
                server {
                    listen 127.0.0.1:\(port) ssl http2;
                    ssl_certificate cert.pem;
                    ssl_certificate_key key.pem;
                    add_header X-Proto $server_protocol always;
                    location / {
                        proxy_pass http://127.0.0.1:\(backPort);
                    }
                    \(hangingBackendPort.map { "location = /slow { proxy_pass http://127.0.0.1:\($0); }" } ?? "")
                }
                server {
                    listen 127.0.0.1:\(backPort);
                    location = /3/device/gone {
                        default_type application/json;
                        return 410 '{"reason":"Unregistered","timestamp":1700000000000}';
                    }
                    location /3/device/ {
                        add_header apns-id $request_id always;
                        return 200 '';
                    }
                }
            }
            """
        try configuration.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        pid = try Self.spawn([Self.nginx, "-p", directory, "-c", directory + "/nginx.conf"])
        let deadline = Date(timeIntervalSinceNow: 10)
        while !Self.accepts(port: port) {
            guard Date() < deadline, kill(pid, 0) == 0 else {
                throw StubFailure(
                    "nginx did not start: \((try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? "")"
                )
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    static let nginx =
        ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? "/usr/sbin/nginx"

    var baseURL: String { "https://127.0.0.1:\(port)" }

    /// Stops nginx by its PID and removes the directory.
    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts a process with posix_spawn (Foundation's Process can stall inside an async test on Linux), its
    /// output discarded.
    private static func spawn(_ argv: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The child starts with no blocked signals: the test runner's threads block some, and a child that
        // inherited a blocked SIGTERM would never stop.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let arguments = argv.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, arguments, environ)
        guard result == 0 else { throw StubFailure("cannot start \(argv[0]): error \(result)") }
        return pid
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let pid = try spawn([tool] + arguments)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { throw StubFailure("\(tool) failed: \(arguments)") }
    }

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw StubFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

struct StubFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
