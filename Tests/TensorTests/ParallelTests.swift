import XCTest
@testable import Tensor

/// Marks every index of its region.
private final class MarkTask: ParallelTask {
    let marks: UnsafeMutablePointer<Int32>
    init(marks: UnsafeMutablePointer<Int32>) { self.marks = marks }
    func run(_ range: Range<Int>) { for i in range { marks[i] += 1 } }
}

final class ParallelTests: XCTestCase {
    override func tearDown() { Parallel.configure(threads: 1) }

    /// Closure and task regions both cover 0..<count exactly once, for counts below, at and above
    /// the worker count, and a task object can be started again.
    func testRegionsCoverEveryIndexOnce() {
        Parallel.configure(threads: 2)
        for count in [0, 1, 2, 3, 17] {
            let marks = UnsafeMutablePointer<Int32>.allocate(capacity: max(count, 1))
            defer { marks.deallocate() }
            marks.initialize(repeating: 0, count: max(count, 1))
            Parallel.forRanges(count) { range in for i in range { marks[i] += 1 } }
            let task = MarkTask(marks: marks)
            Parallel.forRanges(count, task: task)
            Parallel.forRanges(count, task: task)
            for i in 0..<count { XCTAssertEqual(marks[i], 3, "index \(i) of \(count)") }
        }
    }

    /// A region started inside a region runs serially on the caller's thread (no
    /// oversubscription): one call with the whole range.
    func testNestedTaskRegionRunsSerially() {
        Parallel.configure(threads: 2)
        let outer = Outer()
        Parallel.forRanges(2, task: outer)
        for part in outer.inner { XCTAssertEqual(part.calls, [0..<8]) }
    }
}

/// Each of its two parts starts an 8-wide region of its own recorder.
private final class Outer: ParallelTask {
    let inner = [Recorder(), Recorder()]
    func run(_ range: Range<Int>) {
        for part in range { Parallel.forRanges(8, task: inner[part]) }
    }
}

/// Records the ranges it was called with.
private final class Recorder: ParallelTask {
    var calls: [Range<Int>] = []
    func run(_ range: Range<Int>) { calls.append(range) }
}
