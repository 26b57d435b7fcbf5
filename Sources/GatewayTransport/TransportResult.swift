public import ChannelKit

/// How one submitted request ended.
public enum TransportResult: Sendable {
    /// The vendor answered (any HTTP status, 4xx and 5xx included).
    case response(VendorResponse, elapsed: Duration)
    /// No usable answer: the transfer failed before a complete response arrived.
    case failure(TransportError, elapsed: Duration)

    /// The time from submission to completion.
    public var elapsed: Duration {
        switch self {
        case .response(_, let elapsed), .failure(_, let elapsed): elapsed
        }
    }
}
