/// A push phase's figures, printed as one line or one JSON object.
struct PushResult {
    var tally: PushTally
    var seconds: Double
    var expectedStatus: Int
    /// The gateway's CPU time over the phase, when a pid was given.
    var cpuSeconds: Double?
    /// The store commits over the phase, when a socket was given.
    var storeCommits: Int?

    var requests: Int { tally.requests }
    var unexpected: Int { requests - (tally.statuses[expectedStatus] ?? 0) }
    var complete: Bool { unexpected == 0 && tally.failure == nil }
    var receiptsPerSecond: Double { seconds > 0 ? Double(tally.receipts) / seconds : 0 }
    var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }
    var cpuMicrosecondsPerReceipt: Double? {
        guard let cpuSeconds, tally.receipts > 0 else { return nil }
        return cpuSeconds * 1e6 / Double(tally.receipts)
    }
    var cpuMicrosecondsPerRequest: Double? {
        guard let cpuSeconds, requests > 0 else { return nil }
        return cpuSeconds * 1e6 / Double(requests)
    }

    private func percentile(_ fraction: Double) -> Double {
        let sorted = tally.latencies.sorted()
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))
        return Double(sorted[index]) / 1e6
    }

    private static func fixed(_ value: Double, _ digits: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if digits == 0, text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    var jsonText: String {
        let statuses = tally.statuses.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
        var fields = [
            "\"requests\":\(requests)", "\"receipts\":\(tally.receipts)", "\"seconds\":\(Self.fixed(seconds, 3))",
            "\"receipts_per_second\":\(Self.fixed(receiptsPerSecond, 0))",
            "\"requests_per_second\":\(Self.fixed(requestsPerSecond, 0))",
            "\"statuses\":{\(statuses.joined(separator: ","))}", "\"unexpected\":\(unexpected)",
            "\"latency_p50_ms\":\(Self.fixed(percentile(0.5), 2))",
            "\"latency_p99_ms\":\(Self.fixed(percentile(0.99), 2))",
        ]
        if let cpuSeconds { fields.append("\"cpu_seconds\":\(Self.fixed(cpuSeconds, 2))") }
        if let perReceipt = cpuMicrosecondsPerReceipt {
            fields.append("\"cpu_us_per_receipt\":\(Self.fixed(perReceipt, 1))")
        }
        if let perRequest = cpuMicrosecondsPerRequest {
            fields.append("\"cpu_us_per_request\":\(Self.fixed(perRequest, 1))")
        }
        if let storeCommits, storeCommits > 0 {
            fields.append("\"store_commits\":\(storeCommits)")
            fields.append("\"receipts_per_commit\":\(Self.fixed(Double(tally.receipts) / Double(storeCommits), 1))")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    var humanText: String {
        var line = "\(requests) POSTs, \(tally.receipts) receipts in \(Self.fixed(seconds, 2)) s: "
        line += "\(Self.fixed(receiptsPerSecond, 0)) receipts/s, \(Self.fixed(requestsPerSecond, 0)) req/s, "
        line += "p50 \(Self.fixed(percentile(0.5), 2)) ms, p99 \(Self.fixed(percentile(0.99), 2)) ms"
        if let cpuSeconds {
            line += ", target CPU \(Self.fixed(cpuSeconds, 2)) s"
            if let perReceipt = cpuMicrosecondsPerReceipt { line += " (\(Self.fixed(perReceipt, 1)) µs/receipt)" }
        }
        if let storeCommits, storeCommits > 0 {
            line += ", \(Self.fixed(Double(tally.receipts) / Double(storeCommits), 1)) receipts per store commit"
        }
        if unexpected > 0 {
            line += "; \(unexpected) answers not \(expectedStatus), first: \(tally.firstUnexpected ?? "?")"
        }
        if let failure = tally.failure { line += "; connection failure: \(failure)" }
        return line
    }
}
