internal import CCurl
public import ChannelKit
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sends vendor HTTP requests over one libcurl multi handle, driven by one dedicated thread.
///
/// The thread runs `curl_multi_perform` and `curl_multi_poll`, and `curl_multi_wakeup` wakes it when work is
/// submitted (not `curl_multi_socket_action`, which loses HTTP/2 transfers in libcurl 7.88). Connections are
/// kept and reused across transfers, up to ``TransportConfiguration/maxConnectionsPerHost`` per host.
///
/// Requests to `loopback:` URLs never reach libcurl: the transport thread answers them itself with status 200,
/// `Content-Type: application/json` and the request body echoed, after the URL's `latency_ms` query parameter.
///
/// Completions run on the transport thread and hold it up while they run: they must be quick and must not
/// block (hand the result to a queue or resume a continuation). A request submitted after ``shutdown()``
/// completes at once, on the submitting thread, with ``TransportError/shuttingDown``.
// @unchecked: mutable submission state is behind `state`; the loop's state is confined to the transport thread.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    private struct State {
        var pending: [Transfer] = []
        var accepting = true
        var stopping = false
        var thread: pthread_t? = nil
    }

    private let configuration: TransportConfiguration
    private let logger: Logger
    private let loop: TransferLoop
    private let state = Mutex(State())

    /// - Parameters:
    ///   - configuration: connection limits, user agent and response size cap.
    ///   - logger: where the transport logs its own trouble (never request bodies).
    public init(configuration: TransportConfiguration = .init(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.loop = TransferLoop(configuration: configuration, logger: logger)
    }

    deinit {
        // Only reachable when the thread never ran or has ended: a running thread holds a reference.
        let pending = state.withLock { state in
            let pending = state.pending
            state.pending = []
            return pending
        }
        for transfer in pending { loop.complete(transfer, .failure(.shuttingDown, elapsed: transfer.elapsed)) }
        loop.teardown()
    }

    /// Starts the transport thread. Requests submitted before this wait for it. Calling it again does nothing.
    public func start() {
        state.withLock { state in
            guard state.thread == nil, state.accepting else { return }
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(
                &thread, nil,
                { context in
                    let transport = Unmanaged<CurlTransport>.fromOpaque(context!).takeRetainedValue()
                    transport.runThread()
                    return nil
                }, context)
            precondition(created == 0, "pthread_create failed: \(created)")
            state.thread = thread
        }
        logger.debug(
            "transport started",
            metadata: [
                "max_connections_per_host": "\(configuration.maxConnectionsPerHost)",
                "max_total_connections": "\(configuration.maxTotalConnections)",
            ])
    }

    /// Sends one request. `completion` runs once, on the transport thread, and must be quick.
    ///
    /// - Parameters:
    ///   - request: the request; a `loopback:` URL is answered without I/O.
    ///   - timeout: the whole transfer's deadline, counted from now (connecting takes at most 5 s of it).
    ///   - completion: receives the response, or the failure if no complete response arrived.
    public func submit(
        _ request: VendorRequest, timeout: Duration, completion: @escaping @Sendable (TransportResult) -> Void
    ) {
        enqueue([
            Transfer(
                request: request, timeout: timeout, maxResponseBytes: configuration.maxResponseBytes,
                completion: completion)
        ])
    }

    /// Sends many requests with one wakeup of the transport thread. Each completion runs once, on the
    /// transport thread, and must be quick.
    public func submit(
        _ batch: [(request: VendorRequest, timeout: Duration, completion: @Sendable (TransportResult) -> Void)]
    ) {
        let limit = configuration.maxResponseBytes
        enqueue(
            batch.map {
                Transfer(request: $0.request, timeout: $0.timeout, maxResponseBytes: limit, completion: $0.completion)
            })
    }

    /// Requests submitted and not yet completed.
    public var inFlight: Int { loop.inFlight.load(ordering: .relaxed) }

    /// Stops taking work, completes every unfinished transfer with ``TransportError/shuttingDown``, frees
    /// libcurl's state and joins the transport thread. Later calls do nothing.
    ///
    /// Called from a completion (on the transport thread), it cannot join: it returns at once and the thread
    /// ends after the current completion returns.
    public func shutdown() {
        let (thread, isFirstCall): (pthread_t?, Bool) = state.withLock { state in
            guard state.accepting else { return (nil, false) }
            state.accepting = false
            state.stopping = true
            if state.thread != nil { curl_multi_wakeup(loop.multi) }
            return (state.thread, true)
        }
        guard isFirstCall else { return }
        logger.debug("transport shutting down", metadata: ["in_flight": "\(inFlight)"])
        if let thread {
            if pthread_equal(thread, pthread_self()) != 0 { return }
            pthread_join(thread, nil)
        } else {
            // Never started: nothing else touches the loop, so fail the queue and free libcurl here.
            let pending = state.withLock { state in
                let pending = state.pending
                state.pending = []
                return pending
            }
            for transfer in pending {
                loop.complete(transfer, .failure(.shuttingDown, elapsed: transfer.elapsed))
            }
            loop.teardown()
        }
    }

    private func enqueue(_ transfers: [Transfer]) {
        guard !transfers.isEmpty else { return }
        let accepted = state.withLock { state in
            guard state.accepting else { return false }
            let wasIdle = state.pending.isEmpty
            state.pending.append(contentsOf: transfers)
            loop.inFlight.add(transfers.count, ordering: .relaxed)
            // One wakeup per batch of pending work: a non-empty queue already has one on the way. Under the
            // lock, so shutdown cannot free the multi handle in between.
            if wasIdle && state.thread != nil { curl_multi_wakeup(loop.multi) }
            return true
        }
        guard !accepted else { return }
        for transfer in transfers { transfer.completion(.failure(.shuttingDown, elapsed: transfer.elapsed)) }
    }

    private func runThread() {
        ccurl_name_current_thread("transport")
        loop.run {
            state.withLock { state in
                let work = state.pending
                state.pending = []
                return (work, state.stopping)
            }
        }
        loop.teardown()
    }
}
