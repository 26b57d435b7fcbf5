import ChannelKit
import ControlProtocol
import GatewayStore
import Synchronization

/// `strategies`: every strategy ever registered, by name, with its versions and their run counts.
enum StrategiesHandler {
    static func handle(id: JSONValue?, service: ControlService, respond: @escaping @Sendable (String) -> Void) {
        service.store.strategies { result in
            switch result {
            case .success(let infos):
                let strategies = infos.sorted { $0.name < $1.name }.map { info in
                    StrategiesAnswer.Strategy(
                        name: info.name, retired: info.retired, latest: info.latest,
                        versions: info.versions.sorted { $0.version < $1.version }.map { version in
                            StrategiesAnswer.Version(
                                version: version.version, loadedAt: Timestamp.format(version.loadedAt),
                                fingerprint: version.fingerprint, active: version.active, finished: version.finished)
                        })
                }
                respond(StrategiesAnswer(strategies: strategies).line(id: id))
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("cannot read strategies: \(error)")))
            }
        }
    }
}
