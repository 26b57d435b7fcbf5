/// Where a settle leaves a run: its row and its one timer (none when finished, or parked without one). Both
/// stores' writers settle runs through this.
package struct RunPlacement {
    package var state: RunState
    package var step: String
    package var waitingFor: WaitingFor?
    package var outcome: RunOutcome?
    package var timer: (at: Int64, kind: TimerKind)?

    package init(
        state: RunState, step: String, waitingFor: WaitingFor? = nil, outcome: RunOutcome? = nil,
        timer: (at: Int64, kind: TimerKind)?
    ) {
        self.state = state
        self.step = step
        self.waitingFor = waitingFor
        self.outcome = outcome
        self.timer = timer
    }

    /// The row and timer an engine transition asks for; `current` is kept as the step of a finished run.
    package init(_ transition: RunTransition, current: String) {
        switch transition {
        case .ready(let step, let at):
            self.init(state: .ready, step: step, timer: (at, .wake))
        case .wait(let resume, let until):
            self.init(state: .waiting, step: resume, timer: (until, .wake))
        case .waitFor(let step, let waitingFor, let timeoutAt):
            self.init(state: .waiting, step: step, waitingFor: waitingFor, timer: (timeoutAt, .timeout))
        case .finished(let outcome):
            self.init(state: .finished, step: current, outcome: outcome, timer: nil)
        }
    }

    /// A run's share of a deferral spread: 0 ..< `spread` ms, the same for the run every time, so the runs held
    /// back by one window opening fire spread over it rather than as one burst.
    package static func spread(_ runID: Int64, over spread: Int64) -> Int64 {
        guard spread > 0 else { return 0 }
        // SplitMix64's finalizer: consecutive run ids land far apart.
        var mixed = UInt64(bitPattern: runID) &+ 0x9E37_79B9_7F4A_7C15
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return Int64(mixed % UInt64(spread))
    }
}
