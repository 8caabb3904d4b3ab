import ArgumentParser
import MSIDService

/// The `msid` command: models Linux interrupt-domain hierarchies and composes MSI messages,
/// over HTTP.
@main
struct MSID: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "msid",
        abstract: "Interrupt-domain modelling service: Linux-style IRQ hierarchies and MSI messages over HTTP/JSON.",
        version: BuildInfo.version,
        subcommands: [Serve.self, HealthCheck.self, Ctl.self],
        defaultSubcommand: Serve.self)
}
