public import ChannelKit

/// One optional capability an instance can have, as ``AdapterCapabilities`` reports it: the six capability
/// protocols, and the two answers that depend on the instance's settings (a callback verifier, a default template).
///
/// Raw values are the ``AdapterCapabilities`` field names, so a failed comparison names the field to look at.
public enum AdapterCapability: String, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// ``AccessTokenProviding``: the core fetches and caches an access token.
    case accessTokenProviding
    /// ``Batching``: many recipients share one request.
    case batching
    /// ``ReceiptPolling``: the poller asks the vendor for outcomes.
    case receiptPolling
    /// ``SendChecking``: the core asks the vendor before resending an unanswered send.
    case sendChecking
    /// ``CallbackParsing``: the vendor calls back at `/callbacks/<instance>`.
    case callbackParsing
    /// ``CallbackVerifying``: the vendor signs or encrypts its callbacks.
    case callbackVerifying
    /// A ``CallbackVerifier`` (``CallbackVerifying/callbackVerifier``): the settings name callback credentials.
    case callbackVerifier
    /// ``DefaultTemplateProviding/hasDefaultTemplate``: the settings name a default template.
    case hasDefaultTemplate

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
