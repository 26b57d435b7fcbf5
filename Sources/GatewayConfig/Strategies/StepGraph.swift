/// The steps of a strategy as a directed graph (an edge for every way a run can go from one step to another),
/// for the checks that need the whole shape: reachability, cycles without a wait, and "precedes".
///
/// Edges: `send` → its next step, and its `on_suppressed` step; `wait`, `tag`, `handoff` → the next step;
/// `wait_for` → `on_event` and `on_timeout`; `branch` → every `then` and the `default`; `stop` → nothing. The
/// next step is `next`, else the following step in the file; after the last step there is none.
public struct StepGraph: Sendable {
    /// Successor indices per step, without duplicates.
    public let successors: [[Int]]

    /// Builds the graph; references to unknown ids are left out (the loader reports them).
    public init(_ steps: [StrategyStep]) {
        var index: [String: Int] = [:]
        for (position, step) in steps.enumerated() where index[step.id] == nil { index[step.id] = position }
        var successors: [[Int]] = []
        successors.reserveCapacity(steps.count)
        for (position, step) in steps.enumerated() {
            var targets: [String] = []
            let following: String? =
                step.next ?? (position + 1 < steps.count ? steps[position + 1].id : nil)
            switch step.kind {
            case .send(let send):
                if let following { targets.append(following) }
                if case .step(let id) = send.onSuppressed { targets.append(id) }
            case .wait, .tag, .handoff:
                if let following { targets.append(following) }
            case .waitFor(let wait):
                targets += [wait.onEvent, wait.onTimeout]
            case .branch(let branch):
                targets += branch.cases.map(\.then) + [branch.defaultStep]
            case .stop:
                break
            }
            var edges: [Int] = []
            for target in targets {
                if let next = index[target], !edges.contains(next) { edges.append(next) }
            }
            successors.append(edges)
        }
        self.successors = successors
    }

    /// Which steps a run can reach from `start` (breadth first), `start` included.
    public func reachable(from start: Int) -> [Bool] {
        var seen = [Bool](repeating: false, count: successors.count)
        guard successors.indices.contains(start) else { return seen }
        var queue = [start]
        seen[start] = true
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for next in successors[node] where !seen[next] {
                seen[next] = true
                queue.append(next)
            }
        }
        return seen
    }

    /// Whether a run at `from` can later arrive at `to` (one step or more).
    public func leads(from: Int, to: Int) -> Bool {
        successors[from].contains { reachable(from: $0)[to] }
    }

    /// The cycles that pass no step for which `isPause` holds: one cycle per strongly connected component of
    /// the graph without those steps (Tarjan), as step indices starting at the component's first step in file
    /// order and ending before coming back to it.
    public func cycles(avoiding isPause: (Int) -> Bool) -> [[Int]] {
        let count = successors.count
        let kept = (0..<count).map { !isPause($0) }
        var order = [Int](repeating: -1, count: count)
        var low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var counter = 0
        var components: [[Int]] = []

        // Iterative Tarjan: a frame is (node, index of the next successor to look at).
        for root in 0..<count where kept[root] && order[root] < 0 {
            var frames: [(node: Int, edge: Int)] = [(root, 0)]
            order[root] = counter
            low[root] = counter
            counter += 1
            stack.append(root)
            onStack[root] = true
            while let frame = frames.last {
                let node = frame.node
                if frame.edge < successors[node].count {
                    frames[frames.count - 1].edge += 1
                    let next = successors[node][frame.edge]
                    guard kept[next] else { continue }
                    if order[next] < 0 {
                        order[next] = counter
                        low[next] = counter
                        counter += 1
                        stack.append(next)
                        onStack[next] = true
                        frames.append((next, 0))
                    } else if onStack[next] {
                        low[node] = min(low[node], order[next])
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last { low[parent.node] = min(low[parent.node], low[node]) }
                guard low[node] == order[node] else { continue }
                var component: [Int] = []
                while let top = stack.popLast() {
                    onStack[top] = false
                    component.append(top)
                    if top == node { break }
                }
                let looped = component.count > 1 || successors[node].contains(node)
                if looped { components.append(component.sorted()) }
            }
        }
        return components.sorted { $0[0] < $1[0] }.map { cycle(in: Set($0), from: $0[0]) }
    }

    /// A shortest cycle through `start` inside `members` (breadth first back to `start`).
    private func cycle(in members: Set<Int>, from start: Int) -> [Int] {
        var parent: [Int: Int] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for next in successors[node] where members.contains(next) {
                if next == start {
                    var path = [node]
                    while let previous = parent[path[0]] { path.insert(previous, at: 0) }
                    return path
                }
                if parent[next] == nil, next != start {
                    parent[next] = node
                    queue.append(next)
                }
            }
        }
        return [start]
    }
}
