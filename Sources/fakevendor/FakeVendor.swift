import ArgumentParser
import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback HTTP/1.1 server posing as every vendor the gateway's profiles call, for demos, tests and benchmarks.
///
/// Generic `http` SMS format: `POST /sms/send` (accept), `POST /flaky/send` (503 on a ref's first request),
/// `POST /error/send` (vendor-level rejection), `POST /hang/send` (reads the request, never answers),
/// `POST /late/send` (accepts, answers after 3 s), `POST /sometimes-late/send` (accepts, answering one request in a
/// hundred a second late), `POST /big/send` and `POST /big-chunked/send` (accept with a 200 whose body is 2 MiB,
/// over the gateway's limit, with or without `Content-Length`) and `GET /stats` (ref counters).
///
/// Vendor APIs, each in its documented shape (vendors.md): Alibaba RPC at `POST /` (`SendSms`, `SendBatchSms`,
/// `QuerySendDetails`, `SingleCallByTts`; `+AlibabaRPC`), Tencent Cloud `SendSms` at any path with `X-TC-Action`
/// (`+TencentCloud`), JPush `/v3/push`, WeCom token, app message, customer group send and robot (`+WeCom`),
/// the Official Account's `stable_token`, template and subscription sends, HMS and FCM tokens and sends
/// (`+TokenVendors`), and a bank's webhook (`+Webhook`).
///
/// Every body is parsed on the event loops without Foundation (GatewayJSON's parser, ``FormBody``), ids come from an
/// atomic counter, and record lines are buffered and written off the request path, so 64 or more keep-alive
/// connections are served at the benches' rates.
@main
struct FakeVendor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fakevendor",
        abstract: "A fake SMS vendor HTTP server on 127.0.0.1."
    )

    @Option(help: "TCP port to listen on (0 picks a free one).")
    var port: Int = 0

    @Option(
        help: "Append one line per accepted recipient to this file: <ref or number><TAB><compact JSON>.")
    var record: String?

    @Option(help: "Print 'mark <unix ms>' the first time a POST body contains this text (for latency probes).")
    var mark: String?

    @Option(
        name: .customLong("report-to"),
        help:
            "Push Alibaba SmsReports for every SendSms and SendBatchSms to this URL (a gateway's /callbacks/<instance>)."
    )
    var reportTo: String?

    mutating func run() throws {
        let recorder = try record.map { try RequestRecorder(path: $0) }
        // Before any thread starts, so every thread inherits the blocked mask (see installSignalHandlers).
        // Held in a local because a released dispatch source stops firing; run() blocks until exit.
        let signalSources = installSignalHandlers(recorder: recorder)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        var reports: ReportPusher?
        if let reportTo {
            guard let pusher = ReportPusher(url: reportTo) else {
                throw ValidationError("--report-to must be http://<IPv4 address>:<port>/<path>, not \(reportTo)")
            }
            reports = pusher
        }
        let ledger = VendorLedger(mark: mark, reports: reports)
        if let recorder {
            // Flushes from an event loop so a crash loses at most 200 ms of lines.
            group.next().scheduleRepeatedTask(initialDelay: .milliseconds(200), delay: .milliseconds(200)) { _ in
                recorder.flush()
            }
        }

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(VendorHandler(ledger: ledger, recorder: recorder))
                }
            }
        let server = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
        let boundPort = server.localAddress?.port ?? port

        print("listening on 127.0.0.1:\(boundPort)")
        fflush(nil)  // Scripts wait for this line through a pipe, which is block-buffered.

        try server.closeFuture.wait()
        recorder?.flush()
        withExtendedLifetime(signalSources) {}
        Glibc.exit(0)
    }

    /// Turns SIGTERM and SIGINT into a clean exit: flush the record file, then leave with status 0.
    ///
    /// On Linux, dispatch reads signals from a signalfd, which only sees signals blocked in every thread; a
    /// thread with them unblocked would take them with SIG_IGN and drop them (a shell also starts background
    /// jobs with SIGINT ignored).
    private func installSignalHandlers(recorder: RequestRecorder?) -> [any DispatchSourceSignal] {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        sigaddset(&blocked, SIGINT)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        let queue = DispatchQueue(label: "fakevendor.signals")
        return [SIGTERM, SIGINT].map { signalNumber in
            signal(signalNumber, SIG_IGN)  // The dispatch source sees it only once the default action is off.
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                recorder?.flush()
                // Held `/hang/send` requests would block a graceful shutdown, so exit directly.
                Glibc.exit(0)
            }
            source.resume()
            return source
        }
    }
}
