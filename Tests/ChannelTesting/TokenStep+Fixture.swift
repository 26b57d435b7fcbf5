public import ChannelKit

extension TokenStep {
    /// The request of a `.fetch`, or `nil`.
    public var fetchRequest: VendorRequest? {
        if case .fetch(let request) = self { return request }
        return nil
    }
}
