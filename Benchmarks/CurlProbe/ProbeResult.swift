/// What one probe run measured.
struct ProbeResult {
    /// Requests that ended with a response (any status).
    var completed = 0
    /// Requests that ended without a 200 (a transport error or another status).
    var failed = 0
    /// Requests kept outstanding.
    var concurrency = 0
    /// From the first request started to the last one finished.
    var seconds = 0.0

    /// Completed requests per second over the run.
    var requestsPerSecond: Double { seconds > 0 ? Double(completed) / seconds : 0 }

    var humanText: String {
        let rate = Int(requestsPerSecond.rounded())
        let elapsed = (seconds * 1000).rounded() / 1000
        return "curlprobe: requests=\(completed) failed=\(failed) concurrency=\(concurrency) seconds=\(elapsed) "
            + "rate=\(rate) req/s"
    }

    var jsonText: String {
        "{\"requests\":\(completed),\"failed\":\(failed),\"concurrency\":\(concurrency),"
            + "\"seconds\":\(seconds),\"requests_per_second\":\(Int(requestsPerSecond.rounded()))}"
    }
}
