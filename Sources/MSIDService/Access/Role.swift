import MicroHTTP

/// What a token may do. Each role includes the ones below it.
public enum Role: String, Sendable, Comparable, CaseIterable {
    /// `GET` and `HEAD` under `/v1`, and the two POSTs that are questions about the state and
    /// change nothing: `/v1/systems/{system}/msi/decode` and `/v1/systems/{system}/plan`.
    case read
    /// Everything under `/v1` except replacing the whole state.
    case write
    /// Everything, `PUT /v1/snapshot` included.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .read: 0
        case .write: 1
        case .admin: 2
        }
    }

    /// The least role a request needs, decided by method and path alone (before routing, so
    /// that a caller without the role learns nothing about which paths exist).
    static func required(method: HTTPMethod, path: String) -> Role {
        switch method {
        case .get, .head: .read
        case .post where isDecode(path) || isPlan(path): .read
        case .put where path == "/v1/snapshot": .admin
        default: .write
        }
    }

    /// `/v1/systems/{system}/msi/decode`: a POST that only reads.
    static func isDecode(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return segments.count == 6 && segments[0].isEmpty && segments[1] == "v1" && segments[2] == "systems" && !segments[3].isEmpty
            && segments[4] == "msi" && segments[5] == "decode"
    }

    /// `/v1/systems/{system}/plan`: a capacity plan runs on a copy of the system, so it only reads.
    static func isPlan(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return segments.count == 5 && segments[0].isEmpty && segments[1] == "v1" && segments[2] == "systems" && !segments[3].isEmpty
            && segments[4] == "plan"
    }
}
