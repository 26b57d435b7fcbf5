public import ChannelKit

/// Sends vendor HTTP requests and reports how each ended: the seam between the core's delivery logic and the
/// network.
///
/// ``CurlTransport`` is the production conformance. Tests give the dispatcher, the webhook sender and the
/// receipt poller a fake one that records requests and answers canned replies, so retry, failover and token
/// logic runs without sockets or sleeps.
///
/// Implementation requirements:
/// 1. `completion` runs exactly once per submitted request, on any thread, and may run before `submit` returns.
/// 2. A conformance never blocks the submitting thread on I/O.
/// 3. A request that cannot be sent completes with a ``TransportResult/failure(_:elapsed:)``; `submit` never
///    throws.
public protocol HTTPTransport: AnyObject, Sendable {
    /// Sends one request.
    ///
    /// - Parameters:
    ///   - request: the request.
    ///   - timeout: the whole transfer's deadline, counted from now.
    ///   - completion: receives the response, or the failure if no complete response arrived; it must be quick.
    func submit(
        _ request: VendorRequest, timeout: Duration, completion: @escaping @Sendable (TransportResult) -> Void)
}
