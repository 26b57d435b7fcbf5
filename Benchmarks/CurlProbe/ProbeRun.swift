import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// One probe run: `concurrency` easy handles on one multi handle, each re-added with the next body as soon as
/// its previous request finishes, so exactly `concurrency` requests stay outstanding until the end.
///
/// Each handle is configured once and keeps its connection in the multi handle's cache (keep-alive), so what is
/// left per request is libcurl's own work: write the request, parse the response, hand back the easy handle. The
/// options match gatewayd's transport (HTTP/1.1, TCP_NODELAY, no signals, no `Expect: 100-continue`, the same
/// headers and user agent), so the gap to gatewayd's dispatched rate is the gateway's own cost.
final class ProbeRun {
    /// When the run stops taking new requests.
    enum Limit {
        case requests(Int)
        case seconds(Double)
    }

    private struct Slot {
        let easy: OpaquePointer
        let body: UnsafeMutableRawBufferPointer
    }

    private let url: String
    private let concurrency: Int
    private let limit: Limit

    init(url: String, concurrency: Int, limit: Limit) {
        self.url = url
        self.concurrency = concurrency
        self.limit = limit
    }

    /// Runs to the limit and returns the figures. Connection setup counts: gatewayd pays it in its run too.
    func run() -> ProbeResult {
        guard curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK, let multi = curl_multi_init() else {
            fatalError("libcurl initialisation failed")
        }
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, concurrency)
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, concurrency)
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        headers = curl_slist_append(headers, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Expect:")
        let slots = (0..<concurrency).map { _ in makeSlot(headers: headers) }
        var slotOfHandle: [OpaquePointer: Int] = [:]
        for (index, slot) in slots.enumerated() { slotOfHandle[slot.easy] = index }

        var result = ProbeResult(concurrency: concurrency)
        var started = 0
        let start = now()
        let deadline: Double? = if case .seconds(let seconds) = limit { start + seconds } else { nil }
        func mayStart() -> Bool {
            switch limit {
            case .requests(let count): return started < count
            case .seconds: return now() < deadline!
            }
        }
        func startNext(_ slot: Slot) {
            let length = ProbeBody.render(index: started, into: slot.body)
            ccurl_easy_setopt_off(UnsafeMutableRawPointer(slot.easy), CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(length))
            curl_multi_add_handle(multi, UnsafeMutableRawPointer(slot.easy))
            started += 1
        }

        for slot in slots where mayStart() { startNext(slot) }
        var running: Int32 = 0
        repeat {
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                var status = 0
                ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
                result.completed += 1
                if ccurl_msg_result(message) != CURLE_OK || status != 200 { result.failed += 1 }
                curl_multi_remove_handle(multi, easy)
                if mayStart(), let index = slotOfHandle[OpaquePointer(easy)] { startNext(slots[index]) }
            }
            if running > 0 || started > result.completed { curl_multi_poll(multi, nil, 0, 1_000, nil) }
        } while started > result.completed
        result.seconds = now() - start

        for slot in slots {
            curl_easy_cleanup(UnsafeMutableRawPointer(slot.easy))
            slot.body.deallocate()
        }
        curl_slist_free_all(headers)
        curl_multi_cleanup(multi)
        return result
    }

    private func makeSlot(headers: UnsafeMutablePointer<curl_slist>?) -> Slot {
        guard let easy = curl_easy_init() else { fatalError("curl_easy_init failed") }
        let body = UnsafeMutableRawBufferPointer.allocate(byteCount: ProbeBody.capacity, alignment: 1)
        ccurl_easy_setopt_string(easy, CURLOPT_URL, url)
        ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, 10_000)
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, 5_000)
        ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, "channel-gateway/0.1")
        ccurl_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headers)
        ccurl_easy_setopt_long(easy, CURLOPT_POST, 1)
        ccurl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, body.baseAddress)
        // The response body is read and dropped: the probe checks the status, as a vendor reply's parse is
        // the gateway's cost, not the transport's.
        ccurl_easy_setopt_write_callback(easy) { _, size, count, _ in size * count }
        return Slot(easy: OpaquePointer(easy), body: body)
    }

    private func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
