/// A `tag` step: tags to add and remove (never `prefers:*`, which affinity owns).
public struct TagStep: Sendable, Equatable {
    public var add: [String]
    public var remove: [String]

    public init(add: [String] = [], remove: [String] = []) {
        self.add = add
        self.remove = remove
    }
}
