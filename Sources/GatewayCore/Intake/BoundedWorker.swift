import Foundation

/// A few threads taking jobs from one queue, in order: slow control requests (`reload`, `report`) run here,
/// off the event loop, without a new thread per request. Threads start as jobs need them, up to `threads`,
/// and then stay; jobs beyond that wait their turn (each connection owes at most 1,024 answers, which bounds
/// the queue per client).
final class BoundedWorker: @unchecked Sendable {
    private let name: String
    private let maxThreads: Int
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var next = 0
    private var threads = 0
    private var idle = 0

    /// - Parameters:
    ///   - name: the threads' name, for debuggers and `top -H`.
    ///   - threads: the most jobs that run at once.
    init(name: String, threads: Int) {
        self.name = name
        self.maxThreads = max(threads, 1)
    }

    /// Queues `job`; it runs on one of the worker's threads.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        if jobs.count - next > idle && threads < maxThreads {
            threads += 1
            let thread = Thread { [self] in
                ThreadNaming.nameCurrentThread(name)
                work()
            }
            thread.start()
        }
        condition.signal()
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while next == jobs.count {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = jobs[next]
            next += 1
            if next == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                next = 0
            }
            condition.unlock()
            job()
            condition.lock()
        }
    }
}
