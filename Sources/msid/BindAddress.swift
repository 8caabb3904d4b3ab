import Glibc

/// An address to listen on (or, for `msid healthcheck`, to reach): an IPv4 literal, an IPv6
/// literal (bare or in brackets), or `localhost`, which is 127.0.0.1. Names other than
/// `localhost` are not resolved: what msid binds must not depend on the resolver.
struct BindAddress: Equatable {
    /// The literal handed to the server (no brackets).
    let literal: String
    /// AF_INET or AF_INET6.
    let family: Int32

    init?(parsing text: String) {
        var candidate = text
        if candidate.lowercased() == "localhost" { candidate = "127.0.0.1" }
        if candidate.hasPrefix("["), candidate.hasSuffix("]") { candidate = String(candidate.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if !text.hasPrefix("["), inet_pton(AF_INET, candidate, &v4) == 1 {
            family = AF_INET
        } else if inet_pton(AF_INET6, candidate, &v6) == 1 {
            family = AF_INET6
        } else {
            return nil
        }
        literal = candidate
    }

    init(literal: String, family: Int32) {
        self.literal = literal
        self.family = family
    }

    /// The sentence for an address msid does not take.
    static func accepted(_ text: String) -> String {
        "\"\(text)\" is not an address msid can listen on: give an IPv4 literal (127.0.0.1, 0.0.0.0), an IPv6 literal (::1, ::, optionally in brackets) or localhost (127.0.0.1); other host names are not resolved"
    }

    /// As it appears in a URL: IPv6 in brackets.
    var urlHost: String { family == AF_INET6 ? "[\(literal)]" : literal }

    /// 127.0.0.0/8 and ::1: the addresses only this machine can reach.
    var isLoopback: Bool {
        if family == AF_INET {
            var address = in_addr()
            guard inet_pton(AF_INET, literal, &address) == 1 else { return false }
            return UInt32(bigEndian: address.s_addr) >> 24 == 127
        }
        var address = in6_addr()
        guard inet_pton(AF_INET6, literal, &address) == 1 else { return false }
        return withUnsafeBytes(of: &address) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
    }

    /// The loopback address of the same family for a wildcard (0.0.0.0, ::), else itself.
    var loopbackIfWildcard: BindAddress {
        if family == AF_INET, literal == "0.0.0.0" { return BindAddress(literal: "127.0.0.1", family: AF_INET) }
        if family == AF_INET6 {
            var address = in6_addr()
            if inet_pton(AF_INET6, literal, &address) == 1, withUnsafeBytes(of: &address, { $0.allSatisfy { $0 == 0 } }) {
                return BindAddress(literal: "::1", family: AF_INET6)
            }
        }
        return self
    }

    /// connect(2) of `socket` to this address and `port`; the C result (errno is set on -1).
    func connect(_ socket: Int32, port: UInt16) -> Int32 {
        if family == AF_INET {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, literal, &address.sin_addr)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        _ = inet_pton(AF_INET6, literal, &address.sin6_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }
}
