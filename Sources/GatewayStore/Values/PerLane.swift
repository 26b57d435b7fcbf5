/// One value per priority lane, stored inline (no array, no allocation), subscripted by `PriorityLane`.
///
/// It replaces the `[0, 0, 0]` arrays that were indexed by a bare `Int` lane.
public struct PerLane<Value> {
    @usableFromInline var critical: Value
    @usableFromInline var transactional: Value
    @usableFromInline var marketing: Value

    /// The same value in every lane.
    @inlinable
    public init(repeating value: Value) {
        critical = value
        transactional = value
        marketing = value
    }

    /// A value per lane, built by `make`.
    @inlinable
    public init(_ make: (PriorityLane) throws -> Value) rethrows {
        critical = try make(.critical)
        transactional = try make(.transactional)
        marketing = try make(.marketing)
    }

    /// The value of one lane.
    @inlinable
    public subscript(lane: PriorityLane) -> Value {
        get {
            switch lane {
            case .critical: critical
            case .transactional: transactional
            case .marketing: marketing
            }
        }
        _modify {
            switch lane {
            case .critical: yield &critical
            case .transactional: yield &transactional
            case .marketing: yield &marketing
            }
        }
        set {
            switch lane {
            case .critical: critical = newValue
            case .transactional: transactional = newValue
            case .marketing: marketing = newValue
            }
        }
    }
}

extension PerLane: Sendable where Value: Sendable {}
extension PerLane: Equatable where Value: Equatable {}
extension PerLane: Hashable where Value: Hashable {}

/// Message counts per priority lane: what a commit tells the dispatcher it added to each of an instance's lanes.
public typealias LaneCounts = PerLane<Int>

extension PerLane where Value == Int {
    /// No messages in any lane.
    public static var zero: LaneCounts { LaneCounts(repeating: 0) }

    /// The messages in all lanes.
    @inlinable
    public var total: Int { critical + transactional + marketing }

    /// Adds another count lane by lane.
    @inlinable
    public static func += (lhs: inout LaneCounts, rhs: LaneCounts) {
        lhs.critical += rhs.critical
        lhs.transactional += rhs.transactional
        lhs.marketing += rhs.marketing
    }
}

extension PerLane: CustomStringConvertible {
    public var description: String { "[\(critical), \(transactional), \(marketing)]" }
}
