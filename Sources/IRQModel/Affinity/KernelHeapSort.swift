/// The kernel's `sort()` (lib/sort.c, `__sort_r`): a bottom-up heapsort that pops two elements
/// per round. It is not stable, and `group_cpus_evenly` sorts node and cluster records that
/// often compare equal, so *which* node or cluster comes first (and so which CPUs land in
/// which group) depends on this exact algorithm. msid reproduces it step for step, in element
/// indices where the kernel works in byte offsets.
enum KernelHeapSort {
    /// Sorts `elements` ascending by `compare` (negative, zero or positive, as the kernel's
    /// `cmp_func` returns), moving elements exactly as `__sort_r` does.
    /// - Complexity: O(n log n).
    static func sort<Element>(_ elements: inout [Element], by compare: (Element, Element) -> Int32) {
        let count = elements.count
        var n = count
        var a = count / 2
        var shift = 0
        guard a != 0 else { return }
        func parent(_ index: Int) -> Int { (index - 1) / 2 }

        while true {
            if a != 0 {
                // Building the heap: sift down `a`.
                a -= 1 << shift
            } else if n > 3 {
                // Sorting: extract the two largest elements.
                n -= 1
                elements.swapAt(0, n)
                shift = compare(elements[1], elements[2]) <= 0 ? 1 : 0
                a = 1 << shift
                n -= 1
                elements.swapAt(a, n)
            } else {
                break
            }
            // Find the sift-down path to a leaf, one compare per level ...
            var b = a
            var c = 2 * b + 1
            var d = c + 1
            while d < n {
                b = compare(elements[c], elements[d]) > 0 ? c : d
                c = 2 * b + 1
                d = c + 1
            }
            if d == n { b = c }
            // ... then backtrack to where `a` belongs and rotate it into place.
            while b != a && compare(elements[a], elements[b]) >= 0 { b = parent(b) }
            c = b
            while b != a {
                b = parent(b)
                elements.swapAt(b, c)
            }
        }
        n -= 1
        elements.swapAt(0, n)
        if n == 2 && compare(elements[0], elements[1]) > 0 { elements.swapAt(0, 1) }
    }
}
