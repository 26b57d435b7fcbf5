import ChannelKit
import ControlProtocol
import GatewayStore
import Synchronization

/// `report` with `strategy`: the funnel from the store's counters, off the event loop on the report worker.
extension ReportHandler {
    static func handleStrategy(
        _ name: String, version: Int?, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let store = service.store
        let stepOrder = service.strategySteps.withLock { $0[name] } ?? []
        service.reportWork.submit {
            let report: StrategyReport?
            do {
                report = try store.strategyReport(name, version: version)
            } catch {
                respond(AnswerLine.error(id: id, .internalError("cannot build the strategy report: \(error)")))
                return
            }
            guard let report else {
                respond(AnswerLine.error(id: id, EnrolHandler.unknownStrategy(name)))
                return
            }
            respond(answer(report, stepOrder: stepOrder).line(id: id))
        }
    }

    /// The wire form of a store report. Steps come in funnel order: run-level counts `(run)` first, then the
    /// steps in the loaded definition's order (`stepOrder`; the counters do not know it), steps it no longer has
    /// (older versions) by how many runs reached them, conversions credited to no touch `(entry)` last.
    static func answer(_ report: StrategyReport, stepOrder: [String] = []) -> StrategyReportAnswer {
        func group(_ group: StrategyReport.Group) -> StrategyReportAnswer.Group {
            switch group {
            case .treated: .treated
            case .holdout: .holdout
            }
        }
        var reached: [String: Int] = [:]
        for line in report.lines {
            let counters = line.counters
            let count = max(counters.entered, counters.sent + counters.suppressedTotal + counters.heldOut)
            reached[line.step, default: 0] += count
        }
        let position = Dictionary(stepOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        func rank(_ step: String) -> Int {
            switch step {
            case StrategyReport.runStep: 0
            case StrategyReport.entryStep: 3
            default: position[step] == nil ? 2 : 1
            }
        }
        let lines = report.lines.enumerated().sorted { left, right in
            let (a, b) = (left.element, right.element)
            if rank(a.step) != rank(b.step) { return rank(a.step) < rank(b.step) }
            if let pa = position[a.step], let pb = position[b.step], pa != pb { return pa < pb }
            if a.step != b.step {
                let (ra, rb) = (reached[a.step] ?? 0, reached[b.step] ?? 0)
                return ra != rb ? ra > rb : a.step < b.step
            }
            return left.offset < right.offset
        }.map { $0.element }
        return StrategyReportAnswer(
            strategy: report.name, version: report.version, latest: report.latest,
            treated: totals(report.treated, converted: report.uplift.treatedConverted, value: report.treatedValue),
            holdout: totals(report.holdout, converted: report.uplift.holdoutConverted, value: report.holdoutValue),
            lines: lines.map { line in
                StrategyReportAnswer.Line(
                    step: line.step, channelType: line.channelType, group: group(line.group),
                    counters: counters(line.counters))
            })
    }

    private static func totals(
        _ totals: StrategyReport.Totals, converted: Int, value: Double
    ) -> StrategyReportAnswer.Totals {
        StrategyReportAnswer.Totals(
            enrolled: totals.enrolled, active: totals.active, finished: totals.finished, converted: converted,
            value: value)
    }

    private static func counters(_ counters: StrategyReport.Counters) -> StrategyReportAnswer.Counters {
        var answer = StrategyReportAnswer.Counters()
        answer.entered = counters.entered
        answer.sent = counters.sent
        answer.suppressed = counters.suppressed
        answer.deferred = counters.deferred
        answer.heldOut = counters.heldOut
        answer.delivered = counters.delivered
        answer.opened = counters.opened
        answer.clicked = counters.clicked
        answer.replied = counters.replied
        answer.timedOut = counters.timedOut
        answer.exited = counters.exited
        answer.finished = counters.finished
        answer.converted = counters.converted
        answer.value = counters.conversionValue
        answer.other = counters.other
        return answer
    }
}
