import ChannelKit

extension Receipt.Event {
    /// The run events a vendor receipt of a strategy's message is (design §8): `delivered`; a call `answered` is
    /// delivered and opened; a vendor click receipt is clicked and opened (the only open signal some push vendors
    /// give); other receipts reach no run.
    package var runEvents: [String] {
        switch self {
        case .delivered: ["delivered"]
        case .answered: ["delivered", "opened"]
        case .opened: ["opened"]
        case .clicked: ["clicked", "opened"]
        default: []
        }
    }
}
