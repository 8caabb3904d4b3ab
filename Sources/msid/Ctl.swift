import ArgumentParser
import Glibc
import MSIDService

/// `msid ctl ...`: the common verbs of the HTTP API for people at a shell, tables by default,
/// msid's JSON with `--json`. The server is `--url` or `MSID_URL` (default
/// `http://127.0.0.1:8080`), the bearer token `--token` or `MSID_TOKEN`. A refused request
/// prints the problem's detail on standard error and exits 1.
struct Ctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "A client for a running msid: systems, domains, IRQs, affinity, CPUs, the interrupt table, snapshots.",
        subcommands: [Systems.self, CreateSystem.self, DeleteSystem.self, Domains.self, CreateDomain.self, DeleteDomain.self,
                      IRQs.self, ShowIRQ.self, Allocate.self, Free.self, Affinity.self, MSI.self, CPUs.self, ShowCPU.self,
                      Offline.self, Online.self, Interrupts.self, Snapshot.self])
}

/// What every `ctl` verb takes.
struct ClientOptions: ParsableArguments {
    @Option(help: "msid's address, http://HOST[:PORT] (env MSID_URL; default http://127.0.0.1:8080).")
    var url: String?
    @Option(help: "Bearer token (env MSID_TOKEN).")
    var token: String?
    @Flag(help: "Print msid's JSON answer instead of a table.")
    var json = false
    @Option(help: "Seconds to wait for msid.")
    var timeout = 30

    func client() throws -> HTTPClient {
        let given = url ?? Environment.current["MSID_URL"] ?? "http://127.0.0.1:8080"
        guard let (address, port) = HTTPClient.parse(url: given) else {
            throw ValidationError("--url \(given): expected http://HOST[:PORT] with an IP literal or localhost (msid ctl speaks plain HTTP; use curl for https)")
        }
        var client = HTTPClient(address: address, port: port)
        client.timeout = timeout
        return client
    }

    /// Sends one request and prints its answer; exits 1 with the problem's detail on refusal.
    func call(_ method: String, _ path: String, body: String? = nil, accept: String = "application/json") throws {
        let answer = try fetch(method, path, body: body, accept: accept)
        let text = String(decoding: answer.body, as: UTF8.self)
        if json || answer.header("Content-Type")?.hasPrefix("text/plain") == true || answer.body.isEmpty {
            if !text.isEmpty { StandardOutput.write(text.hasSuffix("\n") ? text : text + "\n") }
        } else {
            StandardOutput.write(ClientTables.render(answer.body) ?? text + "\n")
        }
    }

    /// Sends one request; a problem answer becomes an error line and exit 1.
    func fetch(_ method: String, _ path: String, body: String? = nil, accept: String = "application/json") throws -> HTTPClient.Answer {
        var headers: [(String, String)] = [("Accept", accept)]
        if let token = token ?? Environment.current["MSID_TOKEN"] { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let answer: HTTPClient.Answer
        do {
            answer = try client().request(method, path, body: body.map { Array($0.utf8) }, headers: headers)
        } catch let failure as HTTPClient.Failure {
            StandardError.writeLine("msid ctl: \(failure)")
            throw ExitCode.failure
        }
        guard (200..<300).contains(answer.status) else {
            let detail = ClientTables.problem(answer.body) ?? "\(answer.status) \(String(decoding: answer.body.prefix(300), as: UTF8.self))"
            StandardError.writeLine("msid ctl: \(method) \(path): \(detail)")
            throw ExitCode.failure
        }
        return answer
    }

    /// Every page of a paged list, joined into one `{"<member>": [...]}` answer printed once.
    func callPaged(_ path: String, member: String, query: [String]) throws {
        var items: [String] = []
        var cursor: String?
        repeat {
            let parts = query + ["limit=1000"] + (cursor.map { ["cursor=\($0)"] } ?? [])
            let answer = try fetch("GET", path + "?" + parts.joined(separator: "&"))
            guard let page = ClientTables.items(answer.body, member: member) else { break }
            items += page.items
            cursor = page.next
        } while cursor != nil
        let joined = "{\"\(member)\":[" + items.joined(separator: ",") + "]}"
        if json {
            StandardOutput.write(joined + "\n")
        } else {
            StandardOutput.write(ClientTables.render(Array(joined.utf8)) ?? joined + "\n")
        }
    }
}

/// A JSON string literal (MSIDService's escaping).
func jsonString(_ text: String) -> String { ClientTables.jsonString(text) }

/// `key=value` pairs as JSON members: integers and `true`/`false` as they are, `[...]` and
/// `{...}` as JSON, anything else as a string.
func jsonMembers(_ pairs: [String]) throws -> [String] {
    try pairs.map { pair in
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw ValidationError("--set \(pair): expected KEY=VALUE")
        }
        let key = String(pair[..<equals])
        let value = String(pair[pair.index(after: equals)...])
        let literal = Int64(value) != nil || value == "true" || value == "false" || value == "null"
            || value.hasPrefix("[") || value.hasPrefix("{") ? value : jsonString(value)
        return jsonString(key) + ":" + literal
    }
}

extension Ctl {
    struct Systems: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the systems.")
        @OptionGroup var options: ClientOptions
        func run() throws { try options.callPaged("/v1/systems", member: "systems", query: []) }
    }

    struct CreateSystem: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-system", abstract: "Create a system.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The system's name.") var name: String
        @Option(help: "x86_64 or arm64.") var arch: String
        @Option(help: "Number of CPUs.") var cpus: Int
        @Option(help: "NUMA nodes, in contiguous blocks of CPUs.") var numaNodes: Int?
        @Flag(help: "x86_64: the extended destination id.") var extendedDestinationId = false
        func run() throws {
            var members = ["\"name\":\(jsonString(name))", "\"arch\":\(jsonString(arch))", "\"cpus\":\(cpus)"]
            if let numaNodes { members.append("\"numaNodes\":\(numaNodes)") }
            if extendedDestinationId { members.append("\"extendedDestinationId\":true") }
            try options.call("POST", "/v1/systems", body: "{" + members.joined(separator: ",") + "}")
        }
    }

    struct DeleteSystem: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete-system", abstract: "Delete a system.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Flag(help: "Free its IRQs and delete its domains too.") var cascade = false
        func run() throws { try options.call("DELETE", "/v1/systems/\(system)" + (cascade ? "?cascade=true" : "")) }
    }

    struct Domains: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a system's domains (--tree: as a hierarchy).")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Flag(help: "The hierarchy, nested from the root.") var tree = false
        func run() throws {
            if tree {
                try options.call("GET", "/v1/systems/\(system)/domains?view=tree", accept: options.json ? "application/json" : "text/plain")
            } else {
                try options.callPaged("/v1/systems/\(system)/domains", member: "domains", query: [])
            }
        }
    }

    struct CreateDomain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-domain",
            abstract: "Create a domain: msid ctl create-domain SYSTEM NAME KIND [--parent P] [--set key=value ...].")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var name: String
        @Argument(help: "x86-vector, gicv3, gicv3-its, gicv2m, hyperv-vpci or pci-msi.") var kind: String
        @Option var parent: String?
        @Option(help: "A configuration member, e.g. --set device=0000:00:04.0 --set itsBase=0x08080000 (repeatable).")
        var set: [String] = []
        func run() throws {
            var members = ["\"name\":\(jsonString(name))", "\"kind\":\(jsonString(kind))"]
            if let parent { members.append("\"parent\":\(jsonString(parent))") }
            members += try jsonMembers(set)
            try options.call("POST", "/v1/systems/\(system)/domains", body: "{" + members.joined(separator: ",") + "}")
        }
    }

    struct DeleteDomain: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete-domain", abstract: "Delete a domain.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var domain: String
        @Flag(help: "Free the IRQs through it and delete the domains below it too.") var cascade = false
        func run() throws { try options.call("DELETE", "/v1/systems/\(system)/domains/\(domain)" + (cascade ? "?cascade=true" : "")) }
    }

    struct IRQs: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "irqs", abstract: "List a system's IRQs (every page).")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Option var domain: String?
        @Option(help: "A PCI device, DDDD:BB:DD.F.") var device: String?
        @Option(help: "Only IRQs whose effective CPU this is.") var cpu: Int?
        func run() throws {
            var query: [String] = []
            if let domain { query.append("domain=\(domain)") }
            if let device { query.append("device=\(device)") }
            if let cpu { query.append("cpu=\(cpu)") }
            try options.callPaged("/v1/systems/\(system)/irqs", member: "irqs", query: query)
        }
    }

    struct ShowIRQ: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "irq", abstract: "Show one IRQ.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var virq: Int
        func run() throws { try options.call("GET", "/v1/systems/\(system)/irqs/\(virq)") }
    }

    struct Allocate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allocate IRQs through a pci-msi domain.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var domain: String
        @Argument var count: Int
        @Option(help: "msix or msi.") var type = "msix"
        @Option(help: "A cpulist.") var affinity: String?
        @Flag(help: "Managed (spread over the CPUs without --affinity).") var managed = false
        @Option(help: "Spread requests: vectors first that are not spread.") var preVectors: Int?
        @Flag(help: "Allocate only, do not start.") var noActivate = false
        func run() throws {
            var members = ["\"count\":\(count)", "\"type\":\(jsonString(type))"]
            if let affinity { members.append("\"affinity\":\(jsonString(affinity))") }
            if managed { members.append("\"managed\":true") }
            if let preVectors { members.append("\"preVectors\":\(preVectors)") }
            if noActivate { members.append("\"activate\":false") }
            try options.call("POST", "/v1/systems/\(system)/domains/\(domain)/irqs", body: "{" + members.joined(separator: ",") + "}")
        }
    }

    struct Free: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Free an IRQ (an MSI block as a whole).")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var virq: Int
        func run() throws { try options.call("DELETE", "/v1/systems/\(system)/irqs/\(virq)") }
    }

    struct Affinity: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set an IRQ's affinity to a cpulist.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var virq: Int
        @Argument var cpus: String
        func run() throws {
            try options.call("PUT", "/v1/systems/\(system)/irqs/\(virq)/affinity", body: "{\"cpus\":\(jsonString(cpus))}")
        }
    }

    struct MSI: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "msi", abstract: "Show an IRQ's composed MSI message.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var virq: Int
        func run() throws { try options.call("GET", "/v1/systems/\(system)/irqs/\(virq)/msi") }
    }

    struct CPUs: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cpus", abstract: "List a system's CPUs.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        func run() throws { try options.call("GET", "/v1/systems/\(system)/cpus") }
    }

    struct ShowCPU: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cpu", abstract: "Show one CPU and what is routed to it.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var cpu: Int
        func run() throws { try options.call("GET", "/v1/systems/\(system)/cpus/\(cpu)") }
    }

    struct Offline: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a cpulist offline, CPU by CPU, all or nothing.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var cpus: String
        func run() throws {
            try options.call("PATCH", "/v1/systems/\(system)/cpus", body: "{\"cpus\":\(jsonString(cpus)),\"online\":false}")
        }
    }

    struct Online: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bring a cpulist online.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        @Argument var cpus: String
        func run() throws {
            try options.call("PATCH", "/v1/systems/\(system)/cpus", body: "{\"cpus\":\(jsonString(cpus)),\"online\":true}")
        }
    }

    struct Interrupts: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The interrupt table, as /proc/interrupts shows a machine.")
        @OptionGroup var options: ClientOptions
        @Argument var system: String
        func run() throws {
            try options.call("GET", "/v1/systems/\(system)/interrupts", accept: options.json ? "application/json" : "text/plain")
        }
    }

    struct Snapshot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "save FILE (download the state), load FILE [--dry-run] (replace it), write (snapshot.json now).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "save, load or write.") var action: String
        @Argument var file: String?
        @Flag(help: "load: validate only.") var dryRun = false
        func run() throws {
            switch action {
            case "write":
                try options.call("POST", "/v1/snapshot")
            case "save":
                guard let file else { throw ValidationError("snapshot save needs a FILE") }
                let answer = try options.fetch("GET", "/v1/snapshot")
                try writeFile(file, answer.body)
                StandardOutput.writeLine("saved \(answer.body.count) bytes to \(file)")
            case "load":
                guard let file else { throw ValidationError("snapshot load needs a FILE") }
                let bytes = try readFile(file)
                try options.call("PUT", "/v1/snapshot" + (dryRun ? "?dryRun=true" : ""), body: String(decoding: bytes, as: UTF8.self))
            default:
                throw ValidationError("snapshot: \(action) is not save, load or write")
            }
        }

        private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
            guard let file = fopen(path, "wb") else { throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))") }
            defer { fclose(file) }
            guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == bytes.count else {
                throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }

        private func readFile(_ path: String) throws -> [UInt8] {
            guard let file = fopen(path, "rb") else { throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))") }
            defer { fclose(file) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count == 0 { break }
                bytes.append(contentsOf: buffer[0..<count])
            }
            return bytes
        }
    }
}
