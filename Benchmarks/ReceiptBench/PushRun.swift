import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One push phase: `connections` keep-alive connections to the target, each with one request outstanding,
/// working through the plan; the clock runs from the first request to the last answer.
struct PushRun {
    let plan: PushPlan
    let target: PushTarget
    let connections: Int
    let threads: Int
    let expectedStatus: Int
    /// Whose CPU time to sample around the phase (the gateway's pid), if any.
    let cpuPID: Int32?
    /// A label for progress lines on stderr; `nil` prints none.
    let progressLabel: String?

    func run() throws -> PushResult {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }
        var channels: [any Channel] = []
        var finished: [EventLoopFuture<PushTally>] = []
        for _ in 0..<connections {
            let loop = group.next()
            let promise = loop.makePromise(of: PushTally.self)
            let (plan, expected) = (plan, expectedStatus)
            let channel = try ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            PushHandler(plan: plan, expectedStatus: expected, finished: promise))
                    }
                }
                .connect(host: target.host, port: target.port)
                .wait()
            channels.append(channel)
            finished.append(promise.futureResult)
        }

        let progress = progressLabel.map { label in
            group.next().scheduleRepeatedTask(initialDelay: .seconds(2), delay: .seconds(2)) { [plan] _ in
                let line = "\(label): \(plan.answered.load(ordering: .relaxed))/\(plan.total) POSTs answered\n"
                _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
            }
        }
        let cpuBefore = cpuPID.flatMap(ProcessCPU.ticks)
        let start = MonotonicClock.now()
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(PushHandler.Start())
        }
        var tally = PushTally()
        for future in finished {
            tally.merge(try future.wait())
        }
        let end = MonotonicClock.now()
        let cpuAfter = cpuPID.flatMap(ProcessCPU.ticks)
        progress?.cancel()
        for channel in channels { try? channel.close().wait() }

        var result = PushResult(tally: tally, seconds: Double(end - start) / 1e9, expectedStatus: expectedStatus)
        if let cpuBefore, let cpuAfter {
            result.cpuSeconds = ProcessCPU.seconds(ticks: cpuAfter - cpuBefore)
        }
        return result
    }
}
