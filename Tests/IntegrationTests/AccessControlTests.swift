import ChannelKit
import Foundation
import Testing

/// `allowed_uids` / `read_only_uids` against the real daemon: clients run as other users through `setpriv`.
@Suite(.serialized)
struct AccessControlTests {
    static let setpriv = "/usr/bin/setpriv"
    static let python = "/usr/bin/python3"
    static let canSwitchUsers =
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)
        && FileManager.default.isExecutableFile(atPath: python)

    /// Connects, writes each line and prints its answer, then `<closed>` once the daemon has closed.
    private static let clientScript = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        s.settimeout(20)
        f = s.makefile('rwb')
        for line in sys.argv[2:]:
            try:
                f.write(line.encode() + b'\\n'); f.flush()
                answer = f.readline()
            except OSError:  # a reset after the daemon closed: closed as well
                answer = b''
            if not answer:
                print('<closed>'); break
            print(answer.decode().rstrip('\\n'))
        else:
            s.shutdown(socket.SHUT_WR)
            print('<closed>' if not f.readline() else '<more>')
        """

    /// Runs the client as `uid`:`uid` with no supplementary groups; returns its output lines.
    static func run(asUID uid: Int, socket: String, lines: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments =
            ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", python, "-c", clientScript, socket] + lines
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func errorCode(_ line: String) -> String? {
        (try? JSONParser.parse(line))?["error"]?["code"]?.stringValue
    }

    @Test(
        .enabled(if: canSwitchUsers, "needs root (to run clients as other uids) and /usr/bin/setpriv, /usr/bin/python3")
    )
    func readOnlyAndUnlistedPeersAreRefused() throws {
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()],
            gatewayExtra: "allowed_uids: [0]\nread_only_uids: [65534]"
        )
        try gateway.startDaemon()
        // The socket is 0660 root:root, so other users could not even connect; the test widens the mode (and
        // the folder's) to reach the credential check, which is what is under test here.
        chmod(gateway.directory, 0o755)
        chmod(gateway.socketPath, 0o666)

        let send = #"{"op":"send","id":1,"channel":"sms","to":"13800138000","template":"T","params":{"code":"1"}}"#
        let batch = #"{"op":"send_batch","id":2,"messages":[]}"#
        let health = #"{"op":"health","id":3}"#
        let status = #"{"op":"status","id":4,"message_id":"m-none"}"#

        // nobody: reads work, writes are forbidden, and the connection stays usable.
        let nobody = try Self.run(asUID: 65534, socket: gateway.socketPath, lines: [send, health, batch, status])
        #expect(nobody.count == 5, "\(nobody)")
        guard nobody.count == 5 else { return }
        #expect(Self.errorCode(nobody[0]) == "forbidden")
        #expect((try JSONParser.parse(nobody[0]))["error"]?["field"]?.stringValue == "op")
        #expect((try JSONParser.parse(nobody[1]))["ok"] == .bool(true))
        #expect(Self.errorCode(nobody[2]) == "forbidden")
        #expect(Self.errorCode(nobody[3]) == "not_found")
        #expect(nobody[4] == "<closed>")

        // An unlisted uid: even health is forbidden, and the connection is closed after the first answer.
        let stranger = try Self.run(asUID: 65533, socket: gateway.socketPath, lines: [health, health])
        #expect(stranger.count == 2, "\(stranger)")
        #expect(stranger.first.flatMap(Self.errorCode) == "forbidden")
        #expect(stranger.first.flatMap { try? JSONParser.parse($0) }?["id"] == JSONValue.number("3"))
        #expect(stranger.last == "<closed>")

        // root (the test itself) has full access.
        let root = try ControlClient(path: gateway.socketPath)
        #expect(root.request(send)?["ok"] == .bool(true))

        // Refusals are logged with the peer's uid and pid, once per connection.
        let log = try #require(gateway.daemon).output
        let refusals = log.split(separator: "\n").filter { $0.contains("control request refused") }
        #expect(refusals.count == 2, "\(log)")
        #expect(refusals.first?.contains("uid=65534") == true && refusals.first?.contains("pid=") == true)
        #expect(refusals.last?.contains("uid=65533") == true)
    }
}
