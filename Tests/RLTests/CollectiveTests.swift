import XCTest
@testable import Cluster

final class CollectiveTests: XCTestCase {
    func testSingleProcessCollectiveLeavesEveryValueAsItIs() {
        let c = SingleProcess()
        XCTAssertEqual(c.rank, 0)
        XCTAssertEqual(c.size, 1)
        XCTAssertTrue(c.isRoot)
        var floats: [Float] = [1.5, -2, .greatestFiniteMagnitude, 0]
        c.allreduceSum(&floats)
        XCTAssertEqual(floats, [1.5, -2, .greatestFiniteMagnitude, 0])
        var doubles = [0.1, 3e300]
        c.allreduceSum(&doubles)
        XCTAssertEqual(doubles, [0.1, 3e300])
        XCTAssertEqual(c.allgather([1, 2, 3]), [[1, 2, 3]])
        XCTAssertTrue(c.anyTrue(true))
        XCTAssertFalse(c.anyTrue(false))
        XCTAssertTrue(c.agree(on: 42))
        XCTAssertEqual(c.share(of: 7), 0..<7)
        c.barrier()
        XCTAssertEqual(c.timing, CollectiveTiming())
    }

    /// Every item lands on exactly one rank, in rank order, and block sizes differ by at most one.
    func testShareSplitsItemsIntoContiguousBalancedBlocks() {
        for size in 1...5 {
            for count in 0...13 {
                let blocks = (0..<size).map { Cluster.share(of: count, rank: $0, size: size) }
                XCTAssertEqual(blocks.first?.lowerBound, 0)
                XCTAssertEqual(blocks.last?.upperBound, count)
                for r in 1..<size { XCTAssertEqual(blocks[r].lowerBound, blocks[r - 1].upperBound) }
                let sizes = blocks.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "count \(count) over \(size) ranks: \(sizes)")
            }
        }
    }

    func testThreadRanksSumInPlaceGatherUnevenListsAndAgree() throws {
        let results = try ThreadCollective.run(size: 3) { c -> ([Float], [[Double]], Bool, Bool, Bool) in
            var v: [Float] = [Float(c.rank), 1]
            c.allreduceSum(&v)
            let gathered = c.allgather(Array(repeating: Double(c.rank), count: c.rank))
            return (v, gathered, c.anyTrue(c.rank == 2), c.agree(on: 7), c.agree(on: UInt64(c.rank)))
        }
        for (v, gathered, any, same, different) in results {
            XCTAssertEqual(v, [3, 3])
            XCTAssertEqual(gathered, [[], [1], [2, 2]])
            XCTAssertTrue(any)
            XCTAssertTrue(same)
            XCTAssertFalse(different)
        }
    }

    func testLaunchWithoutMPIStaysOneProcessAndManyRanksOfANonMPIBuildAreRefused() throws {
        XCTAssertFalse(Cluster.launchedByMPI(["HOME": "/root"]))
        XCTAssertTrue(Cluster.launchedByMPI(["OMPI_COMM_WORLD_SIZE": "2"]))
        XCTAssertTrue(Cluster.launchedByMPI(["PMIX_RANK": "0"]))
        XCTAssertEqual(try Cluster.join(environment: [:]).size, 1)
        try XCTSkipIf(Cluster.hasMPI, "an MPI build would initialise MPI here")
        XCTAssertThrowsError(try Cluster.join(environment: ["OMPI_COMM_WORLD_SIZE": "2"])) { error in
            XCTAssertEqual(error as? ClusterError, .builtWithoutMPI(2))
            XCTAssertTrue("\(error)".contains("--traits MPI"))
        }
        XCTAssertEqual(try Cluster.join(environment: ["OMPI_COMM_WORLD_SIZE": "1"]).size, 1)
    }

    func testWeightFingerprintSeesASingleBitFlip() {
        let a: [Float] = [1, 2, 3]
        var b = a
        b[1] = Float(bitPattern: b[1].bitPattern ^ 1)
        XCTAssertEqual(fingerprint(a), fingerprint(a))
        XCTAssertNotEqual(fingerprint(a), fingerprint(b))
    }
}
