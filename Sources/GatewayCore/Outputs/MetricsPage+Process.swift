extension MetricsPage {
    /// The compiler that built this binary, `MAJOR.MINOR` (Swift has no build-time string for it, so a ladder of
    /// `#if compiler` checks; versions past the last rung read as that rung with `+`).
    static let swiftVersion: String = {
        #if compiler(>=6.4)
            return "6.4+"
        #elseif compiler(>=6.3)
            return "6.3"
        #elseif compiler(>=6.2)
            return "6.2"
        #elseif compiler(>=6.1)
            return "6.1"
        #else
            return "6.0"
        #endif
    }()

    /// The build, and configuration reloads.
    func writeDaemon(into page: inout PrometheusText) {
        let build = Self.prefix + "build_info"
        page.family(build, .gauge, "Always 1; the labels say which release and compiler built the running daemon.")
        page.sample(build, ["version": ControlService.version, "swift_version": Self.swiftVersion], 1)
        let reloadsTotal = Self.prefix + "reloads_total"
        page.family(
            reloadsTotal, .counter,
            "Configuration reloads (SIGHUP, systemctl reload, gatewayctl reload) by result: success, or failure "
                + "(invalid; the running configuration stays).")
        page.sample(reloadsTotal, ["result": "success"], reloads.succeeded)
        page.sample(reloadsTotal, ["result": "failure"], reloads.failed)
        let lastOK = Self.prefix + "config_last_reload_successful"
        page.family(lastOK, .gauge, "1 if the last configuration reload took effect (or none was tried), else 0.")
        page.sample(lastOK, reloads.lastReloadSucceeded ? 1 : 0)
        let lastTime = Self.prefix + "config_last_reload_success_timestamp_seconds"
        page.family(lastTime, .gauge, "When the running configuration was loaded (start-up or the last good reload).")
        page.sample(lastTime, Int(reloads.lastSuccessAtSeconds))
    }

    /// The standard process families of Prometheus client libraries (unprefixed, as they spell them).
    func writeProcess(into page: inout PrometheusText) {
        let stats = ProcessStats.current()
        let families: [(String, PrometheusText.Kind, String, Double?)] = [
            (
                "process_cpu_seconds_total", .counter, "Total user and system CPU time spent in seconds.",
                stats?.cpuSeconds
            ),
            (
                "process_resident_memory_bytes", .gauge, "Resident memory size in bytes.",
                stats.map { Double($0.residentBytes) }
            ),
            (
                "process_virtual_memory_bytes", .gauge, "Virtual memory size in bytes.",
                stats.map { Double($0.virtualBytes) }
            ),
            ("process_open_fds", .gauge, "Number of open file descriptors.", stats.map { Double($0.openDescriptors) }),
            (
                "process_max_fds", .gauge, "Maximum number of open file descriptors.",
                stats.map { Double($0.maxDescriptors) }
            ),
            (
                "process_start_time_seconds", .gauge, "Start time of the process since unix epoch in seconds.",
                stats?.startTimeSeconds
            ),
        ]
        for (name, kind, help, value) in families {
            page.family(name, kind, help)
            if let value { page.sample(name, value) }
        }
    }
}
