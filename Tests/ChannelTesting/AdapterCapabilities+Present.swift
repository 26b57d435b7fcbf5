public import ChannelKit

extension AdapterCapabilities {
    /// The capabilities this lookup found, to compare with a declared set.
    public var present: Set<AdapterCapability> {
        var found: Set<AdapterCapability> = []
        if accessTokenProviding != nil { found.insert(.accessTokenProviding) }
        if batching != nil { found.insert(.batching) }
        if receiptPolling != nil { found.insert(.receiptPolling) }
        if sendChecking != nil { found.insert(.sendChecking) }
        if callbackParsing != nil { found.insert(.callbackParsing) }
        if callbackVerifying != nil { found.insert(.callbackVerifying) }
        if callbackVerifier != nil { found.insert(.callbackVerifier) }
        if hasDefaultTemplate { found.insert(.hasDefaultTemplate) }
        return found
    }
}
