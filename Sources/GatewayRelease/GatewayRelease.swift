/// The release: one version for `gatewayd --version`, `gatewayctl --version`, the `health` answer and the
/// Debian package, whose Makefile reads the quoted text of the one `version` line below with sed.
public enum GatewayRelease {
    /// The version, `MAJOR.MINOR.PATCH`.
    public static let version = "0.1.0"
}
