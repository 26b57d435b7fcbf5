import ArgumentParser

/// `curlprobe`: the raw libcurl ceiling for `./bench`, with no gateway in the way.
///
/// It POSTs the body gatewayd's bench `http` profile renders to the same URL, over the multi interface with
/// keep-alive, keeping `--concurrency` requests outstanding. "The same concurrency" is the dispatch side's:
/// the bench instance has `concurrency: 64`, so gatewayd has at most 64 vendor requests in flight over at most 64
/// connections, whatever the intake depth (8 clients × 16 outstanding sends). The probe keeps 64 in flight over
/// 64 connections, so the ratio of the two rates is the cost of everything the gateway adds.
@main
struct CurlProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curlprobe",
        abstract: "POST the bench's SMS body with libcurl alone and print requests/s."
    )

    @Option(help: "The vendor URL to POST to.")
    var url: String

    @Option(help: "Requests to complete (ignored with --duration).")
    var requests: Int = 100_000

    @Option(help: "Seconds to keep sending instead of a fixed count.")
    var duration: Double?

    @Option(help: "Requests kept outstanding, each on its own keep-alive connection.")
    var concurrency: Int = 64

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    mutating func validate() throws {
        guard requests > 0, concurrency > 0 else {
            throw ValidationError("--requests and --concurrency must be positive.")
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive.") }
    }

    func run() throws {
        let limit: ProbeRun.Limit = duration.map { .seconds($0) } ?? .requests(requests)
        let probe = ProbeRun(url: url, concurrency: concurrency, limit: limit)
        let result = probe.run()
        print(json ? result.jsonText : result.humanText)
        if result.completed == 0 || result.failed > 0 { throw ExitCode.failure }
    }
}
