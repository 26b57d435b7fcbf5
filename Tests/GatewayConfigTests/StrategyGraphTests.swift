import GatewayConfig
import Testing

/// ``StepGraph``: reachability, pause-free cycles (Tarjan) and "leads to".
struct StrategyGraphTests {
    private func steps(_ shape: [(String, StrategyStep.Kind, String?)]) -> [StrategyStep] {
        shape.map { StrategyStep(id: $0.0, kind: $0.1, next: $0.2) }
    }

    @Test func edgesFollowNextBranchesAndWaitForOutcomes() {
        let graph = StepGraph(
            steps([
                ("a", .branch(BranchStep(cases: [(.tag("x"), "c")], defaultStep: "b")), nil),
                (
                    "b",
                    .waitFor(
                        WaitForStep(event: .opened, reference: .any, within: .seconds(1), onEvent: "d", onTimeout: "a")),
                    nil
                ),
                ("c", .tag(TagStep(add: ["t"])), nil),
                ("d", .stop, nil),
            ]))
        #expect(graph.successors == [[2, 1], [3, 0], [3], []])
        #expect(graph.reachable(from: 2) == [false, false, true, true])
        #expect(graph.leads(from: 0, to: 0))
        #expect(!graph.leads(from: 2, to: 0))
    }

    @Test func onlyCyclesThatAvoidEveryPauseAreReturned() {
        // a → b → c → a (b pauses) and c → d → c (no pause).
        let list = steps([
            ("a", .tag(TagStep(add: ["t"])), nil),
            ("b", .wait(.duration(.seconds(1))), nil),
            ("c", .branch(BranchStep(cases: [(.tag("x"), "a")], defaultStep: "d")), nil),
            ("d", .tag(TagStep(add: ["u"])), "c"),
        ])
        let graph = StepGraph(list)
        let cycles = graph.cycles { index in
            if case .wait = list[index].kind { return true }
            return false
        }
        #expect(cycles == [[2, 3]])
        #expect(graph.cycles { _ in false } == [[0, 1, 2]])
    }

    @Test func aLongChainIsWalkedWithoutRecursion() {
        // 10,000 steps in one loop: the iterative Tarjan must not overflow the stack.
        let count = 10_000
        let list = (0..<count).map {
            StrategyStep(id: "s\($0)", kind: .tag(TagStep(add: ["t"])), next: $0 == count - 1 ? "s0" : nil)
        }
        let cycles = StepGraph(list).cycles { _ in false }
        #expect(cycles.count == 1)
        #expect(cycles.first?.count == count)
    }
}
