import Synchronization

/// Answers of one connection completed off its event loop (the store's writer thread answers a whole group
/// commit at once), waiting to be written.
///
/// The first answer added to an empty list schedules one event-loop task; that task takes every answer added
/// until it runs. A commit of 60 sends over 8 connections then costs 8 tasks and 8 flushes (one `writev` each)
/// instead of 60 of each, which showed as a `write` per ACK in the intake's profile.
final class PendingAnswers: Sendable {
    private let answers = Mutex<[(slot: Int, line: String)]>([])

    /// Adds an answer; returns whether the caller must schedule the task that takes them (the list was empty).
    func add(slot: Int, line: String) -> Bool {
        answers.withLock { answers in
            answers.append((slot, line))
            return answers.count == 1
        }
    }

    /// Every answer added so far, oldest first; the list is left empty.
    func take() -> [(slot: Int, line: String)] {
        answers.withLock { answers in
            let taken = answers
            answers.removeAll(keepingCapacity: true)
            return taken
        }
    }
}
