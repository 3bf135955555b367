/// Segmentation of a labelled image into objects: connected components, colour splits,
/// merging of cracked objects and the ring of pixels each object owns (see `Detector`).
extension Detector {
    /// A group of pixels of one palette colour (index into `ObjectColor.allCases`).
    struct Fragment {
        var color: Int
        var pixels: [Int]
    }

    /// 8-connected components of pixels with α ≥ ½.
    static func components(alpha: [Float], width w: Int, height h: Int) -> [[Int]] {
        var seen = [Bool](repeating: false, count: w * h)
        var out: [[Int]] = []
        var stack: [Int] = []
        for start in 0..<(w * h) where alpha[start] >= 0.5 && !seen[start] {
            var comp: [Int] = []
            seen[start] = true
            stack.append(start)
            while let p = stack.popLast() {
                comp.append(p)
                let x = p % w, y = p / w
                for dy in -1...1 {
                    for dx in -1...1 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, nx < w, ny >= 0, ny < h else { continue }
                        let q = ny * w + nx
                        if !seen[q] && alpha[q] >= 0.5 { seen[q] = true; stack.append(q) }
                    }
                }
            }
            out.append(comp)
        }
        return out
    }

    /// Splits components holding more than one colour with real mass (at least half the
    /// minimum object size); minor colours join the dominant one.
    static func splitByColor(_ comps: [[Int]], label: [Int], alpha: [Float]) -> [Fragment] {
        var out: [Fragment] = []
        let k = ObjectColor.allCases.count
        for comp in comps {
            var mass = [Float](repeating: 0, count: k)
            for p in comp { mass[label[p]] += min(alpha[p], 1) }
            let dominant = mass.indices.max { mass[$0] < mass[$1] } ?? 0
            let majors = mass.indices.filter { mass[$0] >= Float(minPixels) / 2 || $0 == dominant }
            var parts = [Int: [Int]]()
            for p in comp { parts[majors.contains(label[p]) ? label[p] : dominant, default: []].append(p) }
            for c in majors { if let px = parts[c] { out.append(Fragment(color: c, pixels: px)) } }
        }
        return out
    }

    /// Merges fragments of the same colour with pixels at most 2 px apart (Euclidean), so that
    /// an object cracked by noise or a speckle counts once.
    static func mergeNearby(_ fragments: [Fragment], width w: Int, height h: Int) -> [Fragment] {
        var owner = [Int](repeating: -1, count: w * h)
        for (i, f) in fragments.enumerated() { for p in f.pixels { owner[p] = i } }
        var parent = Array(fragments.indices)
        func root(_ i: Int) -> Int { var i = i; while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }; return i }
        let offsets = [(2, 0), (0, 2), (-2, 0), (0, -2), (1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (0, 1), (-1, 0), (0, -1)]
        for (i, f) in fragments.enumerated() {
            for p in f.pixels {
                let x = p % w, y = p / w
                for (dx, dy) in offsets {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, nx < w, ny >= 0, ny < h else { continue }
                    let j = owner[ny * w + nx]
                    if j >= 0, j != i, fragments[j].color == f.color { parent[root(j)] = root(i) }
                }
            }
        }
        var merged = [Int: Fragment]()
        var order: [Int] = []
        for (i, f) in fragments.enumerated() {
            let r = root(i)
            if merged[r] == nil { merged[r] = Fragment(color: f.color, pixels: []); order.append(r) }
            merged[r]!.pixels += f.pixels
        }
        return order.map { merged[$0]! }
    }

    /// Each object's pixels plus the pixels within two 8-neighbour steps of it that are nearer
    /// to it than to any other object (ties go to nobody): the ring holds the blurred tail of
    /// the object's edge, which the moments need to stay blur-invariant.
    static func ownedWindows(_ objects: [[Int]], width w: Int, height h: Int) -> [[Int]] {
        let contested = -2
        var owner = [Int](repeating: -1, count: w * h)
        var windows = objects
        var frontier: [Int] = []
        for (i, px) in objects.enumerated() { for p in px { owner[p] = i; frontier.append(p) } }
        var claim = [Int](repeating: -1, count: w * h)
        for _ in 0..<2 {
            var claimed: [Int] = []
            for p in frontier {
                let i = owner[p], x = p % w, y = p / w
                for dy in -1...1 {
                    for dx in -1...1 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, nx < w, ny >= 0, ny < h else { continue }
                        let q = ny * w + nx
                        guard owner[q] == -1 else { continue }
                        if claim[q] == -1 { claim[q] = i; claimed.append(q) } else if claim[q] != i { claim[q] = contested }
                    }
                }
            }
            frontier = []
            for q in claimed {
                let i = claim[q]
                owner[q] = i
                if i >= 0 { windows[i].append(q); frontier.append(q) }
            }
        }
        return windows
    }
}
