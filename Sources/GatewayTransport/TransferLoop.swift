internal import CCurl
internal import ChannelKit
internal import Logging
import Synchronization

/// The transport thread's state and work: the multi handle, idle easy handles, transfers in flight and
/// loopback timers.
///
/// Everything but ``inFlight`` and ``multi`` (for `curl_multi_wakeup`) is touched only on the transport thread,
/// or by ``teardown()`` once that thread has ended or never started.
final class TransferLoop {
    /// The multi handle. Its connection cache is what lets transfers reuse connections.
    let multi: UnsafeMutableRawPointer
    /// Transfers submitted and not yet completed.
    let inFlight = Atomic<Int>(0)

    private let configuration: TransportConfiguration
    private let logger: Logger
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var timers = TimerHeap()
    private var tornDown = false

    /// Idle easy handles kept for reuse; more than this are freed. Connections live in the multi handle,
    /// so freeing an easy handle closes nothing.
    private var idleHandleLimit: Int { max(64, configuration.maxTotalConnections) }

    init(configuration: TransportConfiguration, logger: Logger) {
        _ = curlGlobalInitialization
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed") }
        self.multi = multi
        self.configuration = configuration
        self.logger = logger
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost)
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, configuration.maxTotalConnections)
        // Keep as many idle connections as may be open, or the cache closes the ones we want to reuse.
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxTotalConnections)
    }

    /// Runs until `takeWork` reports stopping. `takeWork` hands over the newly submitted transfers.
    func run(takeWork: () -> (work: [Transfer], stopping: Bool)) {
        var running: Int32 = 0
        while true {
            let (work, stopping) = takeWork()
            if stopping {
                for transfer in work { complete(transfer, .failure(.shuttingDown, elapsed: transfer.elapsed)) }
                return
            }
            for transfer in work { begin(transfer) }
            let performed = curl_multi_perform(multi, &running)
            if performed != CURLM_OK {
                logger.error("curl_multi_perform failed", metadata: ["code": "\(performed.rawValue)"])
            }
            drainFinished()
            fireDueTimers()
            let polled = curl_multi_poll(multi, nil, 0, Int32(pollTimeoutMilliseconds()), nil)
            if polled != CURLM_OK {
                logger.error("curl_multi_poll failed", metadata: ["code": "\(polled.rawValue)"])
            }
        }
    }

    /// Fails every unfinished transfer with "shutting down" and frees all libcurl state. Idempotent.
    func teardown() {
        guard !tornDown else { return }
        tornDown = true
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            curl_easy_cleanup(easy)
            transfer.easy = nil
            transfer.releaseCMemory()
            complete(transfer, .failure(.shuttingDown, elapsed: transfer.elapsed))
        }
        active.removeAll()
        while let entry = timers.popFirst() {
            complete(entry.transfer, .failure(.shuttingDown, elapsed: entry.transfer.elapsed))
        }
        for easy in idleHandles { curl_easy_cleanup(easy) }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
    }

    /// Counts a transfer done and runs its completion.
    func complete(_ transfer: Transfer, _ result: TransportResult) {
        inFlight.subtract(1, ordering: .relaxed)
        transfer.completion(result)
    }

    // MARK: - Starting transfers

    private func begin(_ transfer: Transfer) {
        if LoopbackURL.matches(transfer.request.url) {
            beginLoopback(transfer)
            return
        }
        let reused = idleHandles.popLast()
        guard let easy = reused ?? curl_easy_init() else {
            complete(transfer, .failure(.other("curl_easy_init failed"), elapsed: transfer.elapsed))
            return
        }
        if reused != nil { curl_easy_reset(easy) }
        configure(easy, for: transfer)
        transfer.easy = easy
        active[easy] = transfer
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            active[easy] = nil
            transfer.easy = nil
            transfer.releaseCMemory()
            recycle(easy)
            let message = String(cString: curl_multi_strerror(added))
            complete(transfer, .failure(.other("curl_multi_add_handle: \(message)"), elapsed: transfer.elapsed))
            return
        }
    }

    private func configure(_ easy: UnsafeMutableRawPointer, for transfer: Transfer) {
        let request = transfer.request
        let timeoutMs = transfer.timeoutMilliseconds
        let pointer = Unmanaged.passUnretained(transfer).toOpaque()

        ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url)
        // Only HTTP(S): a vendor URL must never read files or speak other protocols.
        ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        // No signals: libcurl must not use SIGALRM for DNS timeouts in a multi-threaded process.
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeoutMs)
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 5_000))
        ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, configuration.userAgent)
        ccurl_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        // Handles are reused, so the version is set on every transfer. HTTP/2 only over TLS (ALPN): this libcurl
        // breaks cleartext h2c on reused connections. PIPEWAIT multiplexes onto an open connection.
        if request.requiresHTTP2 {
            ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
            ccurl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1)
        } else {
            ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
            ccurl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 0)
        }
        if let caFile = configuration.caFile { ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, caFile) }
        // Refuse oversized bodies up front when Content-Length announces them; the write callback catches the rest.
        ccurl_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(configuration.maxResponseBytes))

        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
        transfer.errorBuffer = errorBuffer
        ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)

        ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, pointer)
        ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, pointer)
        ccurl_easy_setopt_write_callback(easy) { buffer, size, count, userdata in
            guard let userdata else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
            return transfer.receiveBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
        }
        ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, pointer)
        ccurl_easy_setopt_header_callback(easy) { buffer, size, count, userdata in
            guard let userdata else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
            transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
            return size * count
        }

        var list: UnsafeMutablePointer<curl_slist>? = nil
        var setsExpect = false
        for header in request.headers {
            // "Name;" is libcurl's way to send a header with an empty value ("Name:" would remove it).
            let line = header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
            list = curl_slist_append(list, line)
            // The length first: lowercasing every header name of every request shows in the profile.
            if header.name.utf8.count == 6, header.name.lowercased() == "expect" { setsExpect = true }
        }
        // Vendors answer small bodies at once; waiting for 100-continue only adds a round trip.
        if !setsExpect { list = curl_slist_append(list, "Expect:") }
        transfer.headerList = list
        ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)

        let method = request.method.uppercased()
        switch method {
        case "GET" where request.body.isEmpty:
            ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case "HEAD" where request.body.isEmpty:
            ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        case "POST":
            ccurl_easy_setopt_long(easy, CURLOPT_POST, 1)
            setBody(easy, for: transfer)
        default:
            ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method)
            if !request.body.isEmpty { setBody(easy, for: transfer) }
        }
    }

    /// Copies the body into memory that lives until the transfer is done: POSTFIELDS is not copied by libcurl.
    private func setBody(_ easy: UnsafeMutableRawPointer, for transfer: Transfer) {
        let body = transfer.request.body
        // Never NULL, even when empty: NULL POSTFIELDS would make libcurl read the body from stdin.
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(1, body.count), alignment: 1)
        body.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { memory.copyMemory(from: base, byteCount: bytes.count) }
        }
        transfer.postFields = memory
        ccurl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        ccurl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, memory)
    }

    // MARK: - Finishing transfers

    private func drainFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = ccurl_msg_result(message)
            finish(easy, result: result)
        }
    }

    private func finish(_ easy: UnsafeMutableRawPointer, result: CURLcode) {
        var privateData: UnsafeMutableRawPointer? = nil
        ccurl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privateData)
        curl_multi_remove_handle(multi, easy)
        guard let privateData, let transfer = active.removeValue(forKey: easy) else {
            logger.error("finished easy handle without a transfer")
            recycle(easy)
            return
        }
        assert(Unmanaged<Transfer>.fromOpaque(privateData).takeUnretainedValue() === transfer)

        let outcome: TransportResult
        // libcurl knows the status from the headers even when the body then failed (too large, cut off, slow).
        var status = 0
        ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        if result == CURLE_OK {
            let response = VendorResponse(
                status: status, headers: transfer.responseHeaders, body: transfer.responseBody)
            outcome = .response(response, elapsed: transfer.elapsed)
        } else if transfer.tooLarge || result == CURLE_FILESIZE_EXCEEDED {
            let error = TransportError.responseTooLarge(
                limit: transfer.maxResponseBytes, status: status > 0 ? status : nil)
            outcome = .failure(error, elapsed: transfer.elapsed)
        } else {
            // The bytes of request libcurl wrote (headers and inline body), reset for every transfer: zero means
            // the vendor cannot have seen it, whatever went wrong after.
            var requestBytes = 0
            ccurl_easy_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &requestBytes)
            let error = TransportError(
                curl: result, message: transfer.errorMessage(for: result),
                timeoutMilliseconds: transfer.timeoutMilliseconds, requestSent: requestBytes > 0,
                responseStatus: status > 0 ? status : nil)
            outcome = .failure(error, elapsed: transfer.elapsed)
        }
        transfer.easy = nil
        transfer.releaseCMemory()
        recycle(easy)
        complete(transfer, outcome)
    }

    private func recycle(_ easy: UnsafeMutableRawPointer) {
        if idleHandles.count < idleHandleLimit {
            idleHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    // MARK: - Loopback

    private func beginLoopback(_ transfer: Transfer) {
        guard let url = LoopbackURL(transfer.request.url) else {
            let error = TransportError.badURL("latency_ms must be a non-negative integer")
            complete(transfer, .failure(error, elapsed: transfer.elapsed))
            return
        }
        let timeoutMs = transfer.timeoutMilliseconds
        if url.latencyMilliseconds > timeoutMs {
            timers.insert(transfer, at: transfer.submitted + .milliseconds(timeoutMs), isTimeout: true)
        } else {
            timers.insert(transfer, at: transfer.submitted + .milliseconds(url.latencyMilliseconds), isTimeout: false)
        }
    }

    private func fireDueTimers() {
        let now = ContinuousClock.now
        while let entry = timers.popDue(now: now) {
            let transfer = entry.transfer
            let result: TransportResult
            if entry.isTimeout {
                result = .failure(.timedOut(afterMilliseconds: transfer.timeoutMilliseconds), elapsed: transfer.elapsed)
            } else if transfer.request.body.count > configuration.maxResponseBytes {
                let error = TransportError.responseTooLarge(limit: configuration.maxResponseBytes, status: 200)
                result = .failure(error, elapsed: transfer.elapsed)
            } else {
                let response = VendorResponse(
                    status: 200, headers: [HTTPHeader("Content-Type", "application/json")],
                    body: transfer.request.body)
                result = .response(response, elapsed: transfer.elapsed)
            }
            complete(transfer, result)
        }
    }

    /// At most a second, so a lost wakeup can never stall the loop for long; sooner for a due loopback timer.
    /// `curl_multi_poll` itself shortens it further for libcurl's own timers.
    private func pollTimeoutMilliseconds() -> Int {
        guard let deadline = timers.nextDeadline else { return 1_000 }
        let now = ContinuousClock.now
        guard deadline > now else { return 0 }
        return min(1_000, (deadline - now).wholeMilliseconds)
    }
}

/// `curl_global_init` must run once before any other libcurl call; a global's initializer runs exactly once,
/// thread-safely, on first use.
let curlGlobalInitialization: Bool = {
    curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
}()
