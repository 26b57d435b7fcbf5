internal import CCurl
internal import ChannelKit

/// One submitted request and everything it owns while in flight.
///
/// Touched only on the transport thread once submitted; libcurl's callbacks reach it through an unretained
/// pointer (`CURLOPT_PRIVATE`, `WRITEDATA`, `HEADERDATA`) because `@convention(c)` callbacks cannot capture.
// @unchecked: a transfer is handed from the submitting thread to the transport thread under the submission
// lock and from then on touched only there.
final class Transfer: @unchecked Sendable {
    let request: VendorRequest
    let timeout: Duration
    let completion: @Sendable (TransportResult) -> Void
    let submitted: ContinuousClock.Instant
    let maxResponseBytes: Int

    /// The easy handle while the transfer is in the multi handle.
    var easy: UnsafeMutableRawPointer?
    /// Response bytes received so far.
    var responseBody: [UInt8] = []
    /// Response headers of the latest (final) response so far.
    var responseHeaders: [HTTPHeader] = []
    /// Set when the body passed the cap: the write callback then refuses the data to abort the transfer.
    var tooLarge = false

    // C memory libcurl reads from during the transfer: POSTFIELDS and HTTPHEADER are not copied by libcurl.
    var postFields: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var errorBuffer: UnsafeMutablePointer<CChar>?

    init(
        request: VendorRequest,
        timeout: Duration,
        maxResponseBytes: Int,
        completion: @escaping @Sendable (TransportResult) -> Void
    ) {
        self.request = request
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.completion = completion
        self.submitted = ContinuousClock.now
    }

    deinit { releaseCMemory() }

    /// The timeout in whole milliseconds, at least 1: libcurl reads 0 as "no timeout".
    var timeoutMilliseconds: Int { max(1, timeout.wholeMilliseconds) }

    /// Appends body bytes; returns how many were taken (fewer than offered aborts the transfer).
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        if responseBody.count + bytes.count > maxResponseBytes {
            tooLarge = true
            return 0
        }
        responseBody.append(contentsOf: bytes)
        return bytes.count
    }

    /// Takes one raw header line. A status line starts a new response, so interim (1xx) headers are dropped.
    ///
    /// Parsed as bytes (this runs for every header of every response on the transport thread): only the name
    /// and the trimmed value become strings.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\r") || bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end >= 5, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
            bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/")
        {
            responseHeaders.removeAll(keepingCapacity: true)
            return
        }
        var colon = 0
        while colon < end, bytes[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon < end else { return }
        var start = colon + 1
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<colon]), as: UTF8.self)
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        responseHeaders.append(HTTPHeader(name, value))
    }

    /// Frees the C memory handed to libcurl; call once the easy handle no longer references it.
    func releaseCMemory() {
        postFields?.deallocate()
        postFields = nil
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        errorBuffer?.deallocate()
        errorBuffer = nil
    }

    /// The libcurl error text for this transfer, falling back to the generic text of the code.
    func errorMessage(for result: CURLcode) -> String {
        if let errorBuffer, errorBuffer.pointee != 0 { return String(cString: errorBuffer) }
        return String(cString: curl_easy_strerror(result))
    }

    /// The time since submission.
    var elapsed: Duration { ContinuousClock.now - submitted }
}

extension Duration {
    /// The duration in whole milliseconds, rounded up so a sub-millisecond timeout is not read as none.
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let rest = attoseconds % 1_000_000_000_000_000
        return Int(clamping: rest > 0 ? millis + 1 : millis)
    }
}
