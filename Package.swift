// swift-tools-version: 6.1
import PackageDescription

// One settings array for every Swift target, as hummingbird does: explicit `any`, imports that
// are visible only where declared, and internal imports unless a file says `public import`.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "channel-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatewayd", targets: ["gatewayd"]),
        .executable(name: "gatewayctl", targets: ["gatewayctl"]),
        .executable(name: "fakevendor", targets: ["fakevendor"]),
        .executable(name: "gatewaybench", targets: ["gatewaybench"]),
        .executable(name: "configbench", targets: ["configbench"]),
        .executable(name: "receiptbench", targets: ["receiptbench"]),
        .executable(name: "curlprobe", targets: ["curlprobe"]),
        .executable(name: "strategybench", targets: ["strategybench"]),
        .executable(name: "pgstorebench", targets: ["pgstorebench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
    ],
    targets: [
        // System C libraries. libcurl's setopt/getinfo are variadic, so CCurl carries typed inline wrappers.
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            path: "Sources/CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            path: "Sources/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // The adapter SDK: values and protocols, no I/O.
        .target(name: "ChannelKit", dependencies: ["GatewayJSON"], swiftSettings: swiftSettings),
        // The JSON value, parser and path: shared by the adapter SDK, the control protocol and the CLI.
        .target(name: "GatewayJSON", swiftSettings: swiftSettings),
        // The control socket's wire protocol: typed requests, answers, states and error codes, shared by the core,
        // GatewayClient, gatewayctl and gatewaybench.
        .target(name: "ControlProtocol", dependencies: ["GatewayJSON"], swiftSettings: swiftSettings),
        // The release version, one constant for both binaries, `health` and the Debian package (Makefile).
        .target(name: "GatewayRelease", swiftSettings: swiftSettings),

        // Channel adapters: one module each, pure.
        .target(
            name: "ChannelLoopback",
            dependencies: ["ChannelKit"],
            path: "Plugins/Loopback",
            exclude: ["README.md", "sample.yaml"],
            swiftSettings: swiftSettings
        ),
        // Alibaba Cloud's RPC request signature, shared by its SMS and voice profiles.
        .target(
            name: "ChannelAlibabaCloud",
            dependencies: ["ChannelKit", .product(name: "Crypto", package: "swift-crypto")],
            path: "Plugins/AlibabaCloud",
            swiftSettings: swiftSettings
        ),
        // WeChat's callback signatures and message encryption, shared by the WeCom and WeChat Official Account
        // channels.
        .target(
            name: "ChannelWeChatCrypto",
            dependencies: [
                "ChannelKit", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Plugins/WeChatCrypto",
            swiftSettings: swiftSettings
        ),
        // The generic template-driven `http` vendor, shared by the SMS channel and the call queue.
        .target(
            name: "ChannelHTTPTemplate",
            dependencies: ["ChannelKit"],
            path: "Plugins/HTTPTemplate",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChannelSMS",
            dependencies: [
                "ChannelKit", "ChannelAlibabaCloud", "ChannelHTTPTemplate",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Plugins/SMS",
            exclude: ["README.md", "sample.yaml"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChannelAppPush",
            dependencies: [
                "ChannelKit", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Plugins/AppPush",
            exclude: ["README.md", "sample.yaml"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChannelWeCom",
            dependencies: ["ChannelKit", "ChannelWeChatCrypto", .product(name: "Crypto", package: "swift-crypto")],
            path: "Plugins/WeCom",
            exclude: ["README.md", "sample.yaml"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChannelWeChatOA",
            dependencies: ["ChannelKit", "ChannelWeChatCrypto", .product(name: "Crypto", package: "swift-crypto")],
            path: "Plugins/WeChatOA",
            exclude: ["README.md", "sample.yaml"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChannelCallQueue",
            dependencies: [
                "ChannelKit", "ChannelAlibabaCloud", "ChannelHTTPTemplate",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Plugins/CallQueue",
            exclude: ["README.md", "sample.yaml"],
            swiftSettings: swiftSettings
        ),

        // Configuration: libyaml into located nodes, then typed, validated structs.
        .target(
            name: "GatewayConfig",
            dependencies: ["ChannelKit", "CYAML", "CLibPQ", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The libcurl multi transport: one thread running perform/poll, woken by curl_multi_wakeup.
        .target(
            name: "GatewayTransport",
            dependencies: ["ChannelKit", "CCurl", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // The message store behind backend-neutral protocols, with SQLite as the embedded default: intake and
        // admission, dispatch pages, completions, receipts, operator transactions and reports.
        .target(
            name: "GatewayStore",
            dependencies: [
                "ChannelKit", "ControlProtocol", "GatewayConfig", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store for several hosts: libpq (pipeline mode, chosen by ./bench-pg-driver), the versioned
        // schema and its migrations under an advisory lock.
        .target(
            name: "GatewayPostgres",
            dependencies: [
                "ChannelKit", "ControlProtocol", "GatewayConfig", "GatewayStore", "CLibPQ",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The core: every side effect lives here.
        .target(
            name: "GatewayCore",
            dependencies: [
                "ChannelKit", "ControlProtocol", "GatewayStore", "GatewayPostgres", "GatewayConfig", "GatewayTransport",
                "GatewayRelease", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Every channel kind compiled in: the one list gatewayd and the conformance tests share.
        .target(
            name: "BuiltinChannels",
            dependencies: [
                "ChannelKit", "ChannelLoopback", "ChannelSMS", "ChannelAppPush", "ChannelWeCom", "ChannelWeChatOA",
                "ChannelCallQueue",
            ],
            path: "Plugins/BuiltinChannels",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gatewayd",
            dependencies: [
                "GatewayCore", "ChannelKit", "BuiltinChannels", "GatewayRelease", "GatewayPostgres", "GatewayStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The control-socket client shared by gatewayctl and gatewaybench.
        .target(name: "GatewayClient", dependencies: ["ControlProtocol", "GatewayJSON"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "gatewayctl",
            dependencies: [
                "GatewayJSON", "ControlProtocol", "GatewayClient", "GatewayRelease",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // A loopback HTTP server speaking the generic `http` SMS vendor format: the demo's and tests' vendor.
        .executableTarget(
            name: "fakevendor",
            dependencies: [
                "GatewayJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gatewaybench",
            dependencies: [
                "GatewayJSON", "ControlProtocol", "GatewayClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/GatewayBench",
            swiftSettings: swiftSettings
        ),
        // Enrolment load beside a paced send load, and restart readiness, for ./bench-strategies.
        .executableTarget(
            name: "strategybench",
            dependencies: [
                "GatewayJSON", "ControlProtocol", "GatewayClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/StrategyBench",
            swiftSettings: swiftSettings
        ),
        // Pushes vendor receipts (Alibaba SmsReport, Tencent SMS status) at a gateway's callback listener over many
        // keep-alive connections, for ./bench-receipts.
        .executableTarget(
            name: "receiptbench",
            dependencies: [
                "GatewayJSON", "ControlProtocol", "GatewayClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/ReceiptBench",
            swiftSettings: swiftSettings
        ),
        // libcurl alone (multi interface, no gateway) against the bench's vendor stub: the raw transport's rate that
        // ./bench compares the gateway's dispatched rate with.
        .executableTarget(
            name: "curlprobe",
            dependencies: ["CCurl", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/CurlProbe",
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store's intake and delivery on several connections against a plain batched insert, for
        // ./bench-pg-store.
        .executableTarget(
            name: "pgstorebench",
            dependencies: [
                "ChannelKit", "GatewayConfig", "GatewayStore", "GatewayPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/PGStoreBench",
            swiftSettings: swiftSettings
        ),
        // The configuration reader on a 1 MiB file against libyaml alone: only GatewayConfig, cheap to build.
        .executableTarget(
            name: "configbench",
            dependencies: ["ChannelKit", "GatewayConfig", "CYAML"],
            path: "Benchmarks/ConfigBench",
            swiftSettings: swiftSettings
        ),

        // The channel test kit: fixture folders, JSON settings, golden cases and the conformance suite, shared by
        // every channel's tests (a plain target, so test targets can depend on it).
        .target(
            name: "ChannelTesting",
            dependencies: ["ChannelKit", "GatewayConfig"],
            path: "Tests/ChannelTesting",
            swiftSettings: swiftSettings
        ),
        // A PostgreSQL cluster of a test's own: initdb and postgres in a temp dir, on a free port, stopped by PID.
        .target(name: "PostgresTesting", path: "Tests/PostgresTesting", swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayPostgresTests",
            dependencies: [
                "GatewayPostgres", "GatewayConfig", "GatewayStore", "ChannelKit", "ControlProtocol", "PostgresTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChannelKitTests",
            dependencies: ["ChannelKit", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayConfigTests",
            dependencies: ["GatewayConfig", "ChannelKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTransportTests",
            dependencies: [
                "GatewayTransport", "ChannelKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChannelTests",
            dependencies: [
                "ChannelKit", "ChannelSMS", "ChannelLoopback", "ChannelAlibabaCloud", "GatewayConfig",
                "BuiltinChannels", "ChannelTesting",
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppPushTests",
            dependencies: ["ChannelKit", "ChannelAppPush", "GatewayConfig", "ChannelTesting"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WeComTests",
            dependencies: ["ChannelKit", "ChannelWeCom", "ChannelWeChatCrypto", "GatewayConfig", "ChannelTesting"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WeChatCryptoTests",
            dependencies: ["ChannelKit", "ChannelWeChatCrypto"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WeChatOATests",
            dependencies: ["ChannelKit", "ChannelWeChatOA", "ChannelWeChatCrypto", "GatewayConfig", "ChannelTesting"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CallQueueTests",
            dependencies: ["ChannelKit", "ChannelCallQueue", "GatewayConfig", "ChannelTesting"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayCoreTests",
            dependencies: [
                "GatewayCore", "GatewayStore", "ChannelKit", "ControlProtocol", "ChannelLoopback", "ChannelSMS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // gatewayd's own pieces (log handlers), imported @testable from the executable.
        .testTarget(
            name: "GatewaydTests",
            dependencies: ["gatewayd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The man pages' lists (channel types, gatewayctl subcommands, error codes, states) against the code.
        .testTarget(
            name: "ManPageTests",
            dependencies: [
                "gatewayctl", "BuiltinChannels", "GatewayCore", "ChannelKit", "ControlProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "ChannelKit", "GatewayClient", "PostgresTesting", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
