internal import CCurl
public import ChannelKit

/// Why a transfer produced no response.
///
/// Compare with the static members (`error == .timedOut`): equality looks at the kind only, not the message.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case connectFailed = "connect_failed"
        case timedOut = "timed_out"
        case connectionReset = "connection_reset"
        case resolveFailed = "resolve_failed"
        case tls
        case responseTooLarge = "response_too_large"
        case badURL = "bad_url"
        case shuttingDown = "shutting_down"
        case other
    }

    private let code: Code
    /// The libcurl `CURLcode`, or 0 when libcurl was not involved (loopback, shutdown).
    public var curlCode: Int32
    /// What happened, as libcurl or the transport put it.
    public var message: String
    /// The bounded reason for metrics and retry decisions: `vendor_unavailable` when the vendor could not be
    /// reached or did not answer in time, `unknown` otherwise.
    public var reason: Reason
    /// Whether any byte of the request was written to the vendor's connection. When false the vendor cannot
    /// have acted on it (refused, unresolved, TLS failed, timed out connecting), so resending is harmless.
    public var requestSent: Bool
    /// The HTTP status of a response that arrived but whose body could not be read (over the size limit, cut
    /// off, or too slow); `nil` when no status line arrived.
    public var responseStatus: Int?

    private init(
        _ code: Code, curlCode: Int32 = 0, message: String? = nil, detail: String? = nil, requestSent: Bool = false,
        responseStatus: Int? = nil
    ) {
        self.code = code
        self.curlCode = curlCode
        self.requestSent = requestSent
        self.responseStatus = responseStatus
        self.message = message ?? code.rawValue
        let category: ReasonCategory
        switch code {
        case .connectFailed, .timedOut, .connectionReset, .resolveFailed, .tls: category = .vendorUnavailable
        case .responseTooLarge, .badURL, .shuttingDown, .other: category = .unknown
        }
        self.reason = Reason(category, detail: detail ?? message ?? code.rawValue)
    }

    /// The connection was refused or could not be made.
    public static let connectFailed = TransportError(.connectFailed)
    /// No complete response within the request's timeout.
    public static let timedOut = TransportError(.timedOut)
    /// The connection broke while sending or receiving, or the server closed it without answering.
    public static let connectionReset = TransportError(.connectionReset)
    /// The host name could not be resolved.
    public static let resolveFailed = TransportError(.resolveFailed)
    /// The TLS handshake or certificate check failed.
    public static let tls = TransportError(.tls)
    /// The response body was longer than ``TransportConfiguration/maxResponseBytes``.
    public static let responseTooLarge = TransportError(.responseTooLarge)
    /// The URL is malformed or uses a scheme other than `http`, `https` or `loopback`.
    public static let badURL = TransportError(.badURL)
    /// The transport was shut down before the transfer finished.
    public static let shuttingDown = TransportError(.shuttingDown, message: "shutting down")
    /// Any other failure.
    public static let other = TransportError(.other)

    /// Whether the transfer ran out of time.
    public var isTimeout: Bool { code == .timedOut }

    /// The request went out and no status line came back: the vendor may or may not have accepted it.
    public var isAmbiguous: Bool { requestSent && responseStatus == nil }

    /// A 2xx status line arrived but its body could not be read: the vendor accepted the request.
    public var isUnreadableSuccess: Bool { responseStatus.map { (200..<300).contains($0) } ?? false }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (lhs: TransportError, rhs: TransportError) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension TransportError {
    /// Maps a failed `CURLcode` to an error. `timeoutMilliseconds` goes into the timeout detail.
    /// - Parameters:
    ///   - requestSent: whether libcurl wrote any of the request (`CURLINFO_REQUEST_SIZE` > 0).
    ///   - responseStatus: the status line's code, if one arrived (`CURLINFO_RESPONSE_CODE` > 0).
    init(
        curl result: CURLcode, message: String, timeoutMilliseconds: Int, requestSent: Bool = false,
        responseStatus: Int? = nil
    ) {
        let code: Code
        var detail: String? = nil
        switch result {
        case CURLE_COULDNT_CONNECT:
            code = .connectFailed
            detail = "connection refused"
        case CURLE_OPERATION_TIMEDOUT:
            code = .timedOut
            detail = "timeout after \(timeoutMilliseconds) ms"
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING:
            code = .connectionReset
            detail = "connection reset"
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            code = .resolveFailed
            detail = "could not resolve host"
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_INITFAILED,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            code = .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            code = .badURL
        default:
            code = .other
        }
        self.init(
            code, curlCode: Int32(bitPattern: result.rawValue), message: message, detail: detail,
            requestSent: requestSent, responseStatus: responseStatus)
    }

    /// A body longer than the configured cap, after a response with status `status` (when known).
    static func responseTooLarge(limit: Int, status: Int? = nil) -> TransportError {
        TransportError(
            .responseTooLarge, message: "response body exceeds \(limit) bytes", detail: "body over \(limit) bytes",
            requestSent: true, responseStatus: status)
    }

    /// A URL the transport cannot use.
    static func badURL(_ message: String) -> TransportError { TransportError(.badURL, message: message) }

    /// A loopback request whose `latency_ms` exceeded its timeout: the loopback "vendor" had the request.
    static func timedOut(afterMilliseconds milliseconds: Int) -> TransportError {
        TransportError(.timedOut, message: "timed out", detail: "timeout after \(milliseconds) ms", requestSent: true)
    }

    /// A failure setting up a transfer.
    static func other(_ message: String) -> TransportError { TransportError(.other, message: message) }
}
