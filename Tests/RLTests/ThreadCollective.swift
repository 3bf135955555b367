import Cluster
import Foundation

/// N ranks as N threads of one process, for testing data-parallel code without MPI: every
/// operation waits until all ranks have contributed, then each rank gets the same result (sums in
/// rank order). Run ranks with `ThreadCollective.run`; `Parallel` must be at one thread, since its
/// worker pool serves one caller at a time.
final class ThreadCollective: Collective, @unchecked Sendable {
    /// What the ranks of one group share.
    final class Board: @unchecked Sendable {
        let lock = NSCondition()
        let size: Int
        var slots: [Any?]
        var result: [Any?] = []
        var arrived = 0
        var generation = 0
        init(size: Int) { self.size = size; slots = Array(repeating: nil, count: size) }
    }

    let board: Board
    let rank: Int
    var size: Int { board.size }
    var timing: CollectiveTiming { CollectiveTiming() }

    init(board: Board, rank: Int) { self.board = board; self.rank = rank }

    /// Every rank's value, once all ranks have called (an allgather of anything).
    func exchange<T>(_ value: T) -> [T] {
        board.lock.lock()
        defer { board.lock.unlock() }
        let generation = board.generation
        board.slots[rank] = value
        board.arrived += 1
        if board.arrived == size {
            board.result = board.slots
            board.slots = Array(repeating: nil, count: size)
            board.arrived = 0
            board.generation += 1
            board.lock.broadcast()
        } else {
            while board.generation == generation {
                // A rank that threw never arrives: fail the test instead of hanging it.
                precondition(board.lock.wait(until: Date() + 120), "rank \(rank) waited 120 s for the other ranks")
            }
        }
        // The next round cannot complete (and replace `result`) before this rank has joined it.
        return board.result.map { $0 as! T }
    }

    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        let all = exchange(Array(values))
        for i in values.indices { values[i] = all.dropFirst().reduce(all[0][i]) { $0 + $1[i] } }
    }

    func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        let all = exchange(Array(values))
        for i in values.indices { values[i] = all.dropFirst().reduce(all[0][i]) { $0 + $1[i] } }
    }

    func allgather(_ values: [Double]) -> [[Double]] { exchange(values) }
    func barrier() { _ = exchange(0) }
    func finish() {}

    /// Runs `body(collective)` on `size` threads, one rank each, and returns their results by rank.
    static func run<T>(size: Int, _ body: @escaping @Sendable (ThreadCollective) throws -> T) throws -> [T] {
        let board = Board(size: size)
        let results = Results<T>(size: size)
        let done = DispatchGroup()
        for rank in 0..<size {
            done.enter()
            let thread = Thread {
                let result = Result { try body(ThreadCollective(board: board, rank: rank)) }
                results.set(rank, result)
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return try results.values.map { try $0!.get() }
    }

    private final class Results<T>: @unchecked Sendable {
        let lock = NSLock()
        var values: [Result<T, Error>?]
        init(size: Int) { values = Array(repeating: nil, count: size) }
        func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); values[i] = r; lock.unlock() }
    }
}
