import Foundation
import Glibc

/// Names the calling thread for the kernel, so `top -H`, `ps -L` and `perf` tell the daemon's threads apart.
///
/// Foundation's `Thread.current.name` reaches the kernel only when Foundation already holds the thread's pthread
/// handle, which the starting thread stores after `pthread_create` returns: a thread that names itself first
/// (the store writer, under CI's load) kept the process's name. Writing `/proc/thread-self/comm` has no such race.
public enum ThreadNaming {
    /// Names the calling thread `name` (the kernel keeps at most 15 bytes).
    public static func nameCurrentThread(_ name: String) {
        Thread.current.name = name
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
