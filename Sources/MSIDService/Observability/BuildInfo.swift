/// What this build of msid is: `msid --version`, the `msid_build_info` metric, and the `msid`
/// member of every snapshot document it writes.
public enum BuildInfo {
    /// The release, as semantic version. Bumped with each release.
    public static let version = "0.1.0"
}
