import ChannelKit
import Foundation
import Synchronization
import Testing

/// A real `gatewayd` with three channel types on `fakevendor` (SMS over the generic HTTP profile, app push over
/// JPush, the WeChat Official Account's template API), strategy files in `strategies.d`, and the control calls
/// the strategy tests make. Durations are seconds, so every wait here is bounded and short.
final class StrategyFixtures {
    /// SMS over the generic profile: the vendor records each message under its message id, with `content`.
    static let sms = """
        type: sms
        vendor: http
        rate_limit: { per_second: 100000, burst: 1000 }
        retry: { attempts: 3, initial_backoff: 100ms, max_backoff: 1s }
        timeout: 5s
        concurrency: 32
        settings:
          url: VENDOR/sms/send
          headers: { Content-Type: application/json }
          body: '{"to":"{{to}}","content":"{{content}}","ref":"{{message_id}}"}'
          success: { json_path: $.code, equals: OK }
          message_id_path: $.msgid
        """
    /// App push over JPush: the vendor records each push under the registration id.
    static let push = """
        type: app_push
        vendor: jpush
        rate_limit: { per_second: 5000, burst: 1000 }
        retry: { attempts: 3, initial_backoff: 100ms, max_backoff: 1s }
        concurrency: 8
        settings:
          endpoint: VENDOR
          app_key: 0123456789abcdef01234567
          master_secret: env:JPUSH_SECRET
        """
    /// Official Account template messages: the vendor records each under the open id, with the (tracked) `url`.
    static let officialAccount = """
        type: wechat_oa
        vendor: template
        rate_limit: { per_second: 5000, burst: 1000 }
        retry: { attempts: 3, initial_backoff: 100ms, max_backoff: 1s }
        concurrency: 8
        settings:
          endpoint: VENDOR
          app_id: wx1234567890abcdef
          app_secret: env:OA_SECRET
        """
    static let channels = ["sms-main": sms, "push-main": push, "oa-main": officialAccount]
    static let environment = ["JPUSH_SECRET": "jpush-master-secret", "OA_SECRET": "oa-secret-value"]
    /// Affinity as the issue's flow needs it: evidence after 3 sends on 2 types, no exploration (deterministic).
    static let affinity = """
        strategies:
          affinity:
            min_sends: 3
            min_channels: 2
            exploration: 0
            prefer_margin: 0.2
            fallback: [app_push, wechat_oa, sms]
            instances: { app_push: push-main, wechat_oa: oa-main, sms: sms-main }
        """

    let gateway: TestGateway
    private(set) var client: ControlClient!
    var strategiesDirectory: String { gateway.directory + "/strategies.d" }

    /// Writes `strategies` (name → YAML) into `strategies.d` beside gateway.yaml and the channel files; with the
    /// affinity settings and tracked links (`public_base_url`) in gateway.yaml.
    init(strategies: [String: String], extra: String = affinity, channels: [String: String] = channels) throws {
        gateway = try TestGateway(
            channels: channels,
            gatewayExtra: """
                public_base_url: https://t.bank.example/
                strategies_dir: STRATEGIES_DIR
                \(extra)
                """)
        let path = gateway.directory + "/gateway.yaml"
        try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "STRATEGIES_DIR", with: strategiesDirectory)
            .write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: strategiesDirectory, withIntermediateDirectories: true)
        for (name, yaml) in strategies { try write(strategy: name, yaml) }
    }

    /// Writes (or replaces) one strategy file.
    func write(strategy name: String, _ yaml: String) throws {
        try yaml.write(toFile: strategiesDirectory + "/\(name).yaml", atomically: true, encoding: .utf8)
    }

    /// Starts (or restarts) the daemon and opens a fresh control connection.
    func start() throws {
        try gateway.startDaemon(environment: Self.environment)
        client = try ControlClient(path: gateway.socketPath)
    }

    /// Sends one request line; the parsed answer.
    @discardableResult
    func request(_ line: String) -> JSONValue? { client.request(line) }

    /// Upserts a customer with the given addresses (nil: none on that type).
    @discardableResult
    func customer(
        _ id: String, sms: String? = nil, push: String? = nil, oa: String? = nil, attributes: String = "{}"
    ) -> JSONValue? {
        var addresses: [String] = []
        if let sms { addresses.append(#""sms":"\#(sms)""#) }
        if let push { addresses.append(#""app_push":"\#(push)""#) }
        if let oa { addresses.append(#""wechat_oa":"\#(oa)""#) }
        return request(
            #"{"op":"customer","customer":"\#(id)","addresses":{\#(addresses.joined(separator: ","))},"#
                + #""attributes":\#(attributes)}"#)
    }

    /// Enrols one customer; the answer.
    @discardableResult
    func enrol(_ strategy: String, _ customer: String, key: String? = nil) -> JSONValue? {
        request(
            #"{"op":"enrol","strategy":"\#(strategy)","customer":"\#(customer)","enrol_key":"\#(key ?? customer)"}"#)
    }

    /// The customer's runs (newest first as the daemon gives them).
    func runs(_ customer: String) -> [JSONValue] {
        Self.items(request(#"{"op":"runs","customer":"\#(customer)","limit":20}"#)?["runs"])
    }

    /// The customer's run of `strategy`, if any.
    func run(_ customer: String, strategy: String) -> JSONValue? {
        runs(customer).first { $0["strategy"]?.stringValue == strategy }
    }

    /// `customer_show` for the customer (tags, scores, runs, touches).
    func show(_ customer: String) -> JSONValue? { request(#"{"op":"customer_show","customer":"\#(customer)"}"#) }

    /// The customer's tags, from `customer_show` (as strings or as objects with `tag`).
    func tags(_ customer: String) -> [String] {
        let shown = show(customer)
        let tags = shown?["tags"] ?? shown?["customer"]?["tags"]
        return Self.items(tags).compactMap { $0.stringValue ?? $0["tag"]?.stringValue }
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes; whether it held.
    @discardableResult
    func waitUntil(_ timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// What the vendor has recorded so far (it flushes its record at least every 200 ms): (ref, body) in order.
    func vendorRecord() -> [(ref: String, body: String)] {
        let text = (try? String(contentsOfFile: gateway.recordPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    /// The bodies the vendor received for `ref` (a message id for SMS, the address for push and OA).
    func bodies(for ref: String) -> [String] { vendorRecord().filter { $0.ref == ref }.map(\.body) }

    /// Bodies of SMS messages sent to `phone` (the SMS profile records under the message id, with `to`).
    func smsBodies(to phone: String) -> [String] {
        vendorRecord().map(\.body).filter { $0.contains(#""to":"\#(phone)""#) }
    }

    /// The first tracked-link token in a recorded body (JSON may escape the slashes).
    static func trackedToken(in body: String) -> String? {
        body.firstMatch(of: #/t\.bank\.example\\?/t\\?/([A-Za-z0-9_-]{22})/#).map { String($0.1) }
    }

    /// Clicks a tracked link on the callback listener, as the customer's phone would.
    func click(token: String) throws -> String {
        let port = try #require(gateway.callbackPort)
        return try TestGateway.httpGetRaw(port: port, path: "/t/" + token)
    }

    /// The members of a JSON array (empty for anything else).
    static func items(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        return []
    }

    /// Send rows of a run's history: (step, channel type, outcome).
    static func touches(_ run: JSONValue?) -> [(step: String, channelType: String, outcome: String)] {
        items(run?["history"]).filter { $0["kind"]?.stringValue == "send" }.map {
            ($0["step"]?.stringValue ?? "", $0["channel_type"]?.stringValue ?? "", $0["outcome"]?.stringValue ?? "")
        }
    }

    /// Finds the first object (depth first) in `value` that satisfies `match`: report shapes nest steps and
    /// channels, and the tests look for one row by its key fields.
    static func find(in value: JSONValue?, where match: (JSONValue) -> Bool) -> JSONValue? {
        guard let value else { return nil }
        if case .object = value, match(value) { return value }
        switch value {
        case .object(let members):
            for key in members.keys.sorted() {
                if let found = find(in: members[key], where: match) { return found }
            }
        case .array(let items):
            for item in items {
                if let found = find(in: item, where: match) { return found }
            }
        default: break
        }
        return nil
    }

    /// A `subscribe` connection read on its own thread, so a test never blocks on a feed line that does not come.
    final class Feed: Sendable {
        private let lines = Mutex<[JSONValue]>([])

        init(socketPath: String, request: String) throws {
            let client = try ControlClient(path: socketPath)
            client.send(request)
            Thread.detachNewThread { [self] in
                while let line = client.readLine() {
                    guard let value = try? JSONParser.parse(line) else { continue }
                    lines.withLock { $0.append(value) }
                }
            }
        }

        /// The lines received so far.
        var received: [JSONValue] { lines.withLock { $0 } }
    }
}
