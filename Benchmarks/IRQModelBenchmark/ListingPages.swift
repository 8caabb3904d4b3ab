import IRQModel

/// Listing 100,000 IRQs page by page (issue 16: at most 5 ms of state lock per page): the work
/// `GET .../irqs` does under the lock for one page of 1,000: `irqPage` and, per IRQ, the
/// hierarchy names and root target the answer needs (rendering happens outside the lock).
enum ListingBench {
    static func run() throws {
        var world = try Bench.world(devices: 64, hierarchy: .x86HyperV)
        try Bench.populate(&world, count: 100_000, devices: 63)
        let system = try world.system(Bench.system)
        let clock = ContinuousClock()
        var worst = Duration.zero
        var total = Duration.zero
        var pages = 0
        var listed = 0
        var after: VirtualIRQ?
        repeat {
            let start = clock.now
            let page = try system.irqPage(after: after, limit: 1000, filter: IRQFilter())
            var names = 0
            for irq in page.irqs { names &+= system.hierarchy(of: irq).count &+ (system.rootTarget(of: irq).vector == nil ? 0 : 1) }
            let elapsed = clock.now - start
            worst = max(worst, elapsed)
            total += elapsed
            pages += 1
            listed += page.irqs.count + (names == -1 ? 1 : 0)
            after = page.resumeAfter
        } while after != nil
        func milliseconds(_ duration: Duration) -> Double {
            ((Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15) * 1000).rounded() / 1000
        }
        print("listing \(listed) IRQs in \(pages) pages of 1,000, work under the lock per page: mean \(milliseconds(total / pages)) ms, max \(milliseconds(worst)) ms (target < 5 ms)")
    }
}
