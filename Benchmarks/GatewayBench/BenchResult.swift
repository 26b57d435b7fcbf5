import GatewayJSON

/// The benchmark's measurements and their two renderings.
struct BenchResult {
    let messages: Int
    let clients: Int
    let window: Int
    var accepted = 0
    var duplicates = 0
    var errors: [String: Int] = [:]
    var acceptSeconds = 0.0
    var ackP50Milliseconds = 0.0
    var ackP99Milliseconds = 0.0
    var sent = 0
    var failed = 0
    /// From the first request to `sent` reaching the accepted count; `nil` if it never did.
    var dispatchSeconds: Double?

    /// Messages acknowledged per second (all answers, whatever they said, over the time to the last one).
    var acceptedPerSecond: Double { acceptSeconds > 0 ? Double(messages) / acceptSeconds : 0 }

    /// Messages handed to the vendor per second, or 0 if dispatching did not finish.
    var dispatchedPerSecond: Double {
        guard let dispatchSeconds, dispatchSeconds > 0 else { return 0 }
        return Double(accepted) / dispatchSeconds
    }

    /// Whether every message was accepted and, when measured, dispatched.
    var complete: Bool { accepted + duplicates == messages && errors.isEmpty }

    var humanText: String {
        var lines = [
            "messages:         \(messages) over \(clients) connections, window \(window)",
            "accepted:         \(accepted) (duplicates \(duplicates))",
            "accepted rate:    \(Self.format(acceptedPerSecond, digits: 0)) msg/s in \(Self.format(acceptSeconds)) s",
            "ack latency:      p50 \(Self.format(ackP50Milliseconds)) ms, p99 \(Self.format(ackP99Milliseconds)) ms",
        ]
        if !errors.isEmpty {
            lines.append(
                "errors:           "
                    + errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    .joined(separator: " "))
        }
        if let dispatchSeconds {
            let rate = Self.format(dispatchedPerSecond, digits: 0)
            let seconds = Self.format(dispatchSeconds)
            lines.append("dispatched rate:  \(rate) msg/s (sent \(sent), failed \(failed) in \(seconds) s)")
        } else {
            lines.append("dispatched rate:  not reached (sent \(sent), failed \(failed))")
        }
        return lines.joined(separator: "\n")
    }

    var jsonText: String {
        var members: [String: JSONValue] = [
            "messages": .number(String(messages)),
            "clients": .number(String(clients)),
            "window": .number(String(window)),
            "accepted": .number(String(accepted)),
            "duplicates": .number(String(duplicates)),
            "accepted_per_second": .number(Self.format(acceptedPerSecond, digits: 0)),
            "accept_seconds": .number(Self.format(acceptSeconds, digits: 3)),
            "ack_p50_ms": .number(Self.format(ackP50Milliseconds, digits: 3)),
            "ack_p99_ms": .number(Self.format(ackP99Milliseconds, digits: 3)),
            "sent": .number(String(sent)),
            "failed": .number(String(failed)),
            "dispatched_per_second": .number(Self.format(dispatchedPerSecond, digits: 0)),
            "errors": .object(errors.mapValues { .number(String($0)) }),
        ]
        members["dispatch_seconds"] = dispatchSeconds.map { .number(Self.format($0, digits: 3)) } ?? .null
        return JSONValue.object(members).serialized
    }

    /// Fixed-point text without Foundation's formatter.
    static func format(_ value: Double, digits: Int = 2) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        guard digits > 0 else { return String(scaled) }
        let whole = String(scaled / Int(scale))
        let fraction = String(abs(scaled % Int(scale)))
        return whole + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
