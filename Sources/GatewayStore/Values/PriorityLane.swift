public import ChannelKit

/// A dispatch priority lane: each instance keeps one queue per lane, and a lower lane goes first.
///
/// The raw value is what the store's `messages.priority` column holds (`StoreSchema` derives it from the category
/// with the same mapping), so it must not change.
public enum PriorityLane: Int, CaseIterable, Comparable, Sendable {
    /// Security codes and fraud alerts: always first.
    case critical = 0
    /// Account notices (and any category without a lane of its own).
    case transactional = 1
    /// Campaigns: share what critical leaves with transactional, 1 to 4.
    case marketing = 2

    /// The lane a category's messages wait in.
    @inlinable
    public init(_ category: MessageCategory) {
        if category == .critical {
            self = .critical
        } else if category == .marketing {
            self = .marketing
        } else {
            self = .transactional
        }
    }

    /// The lane a stored `priority` column names, clamped so a hand-edited row still lands in a lane.
    @inlinable
    public init(clamping stored: Int) {
        self = PriorityLane(rawValue: min(max(stored, 0), 2)) ?? .transactional
    }

    @inlinable
    public static func < (lhs: PriorityLane, rhs: PriorityLane) -> Bool { lhs.rawValue < rhs.rawValue }
}
