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
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        // Trim the line end as bytes: "\r\n" is one Character, so a Character-wise trim would miss it.
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\r") || bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        let line = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self))
        if line.hasPrefix("HTTP/") {
            responseHeaders.removeAll(keepingCapacity: true)
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon])
        var value = line[line.index(after: colon)...]
        while let first = value.first, first == " " || first == "\t" { value.removeFirst() }
        while let last = value.last, last == " " || last == "\t" { value.removeLast() }
        responseHeaders.append(HTTPHeader(name, String(value)))
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
