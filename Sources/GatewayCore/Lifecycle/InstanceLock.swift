import Foundation

/// One daemon per store: an exclusive `flock` on `gatewayd.lock` in the state directory, held for the life of
/// the process and released by the kernel when it exits (even by kill -9), so a stale file never blocks a start.
///
/// Taken before the store is opened or the socket touched: a second daemon on the same store would dispatch the
/// same queue a second time and unlink the first one's socket.
public final class InstanceLock: Sendable {
    private let descriptor: Int32
    /// The lock file's path.
    public let path: String

    /// Takes the lock, creating the state directory and the lock file if missing, and writes our pid into it.
    /// - Throws: ``StartupError`` naming the other daemon's pid when it is held.
    public init(stateDirectory: String) throws(StartupError) {
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw .stateDirectory(stateDirectory, reason: error.localizedDescription)
        }
        let path = stateDirectory + "/gatewayd.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw .stateDirectory(stateDirectory, reason: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let owner = InstanceLock.recordedPID(descriptor)
            close(descriptor)
            throw .lockHeld(path, pid: owner)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
        self.path = path
    }

    /// The pid the holder wrote, if readable.
    private static func recordedPID(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }

    deinit {
        close(descriptor)
    }
}
