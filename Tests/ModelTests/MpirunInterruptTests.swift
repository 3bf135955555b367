import Foundation
import Model
import XCTest

/// Under Open MPI's mpirun a Ctrl-C reaches the ranks as SIGCONT (then SIGTERM, then SIGKILL):
/// a rank takes a SIGCONT that does not end a Ctrl-Z stop, or a forwarded SIGUSR1, as the
/// interrupt (exit 130); the SIGCONT that resumes a job-control stop is not one. A single
/// process ignores both.
final class MpirunInterruptTests: XCTestCase {
    static let rank1 = ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1"]

    override func tearDown() {
        for sig in [SIGINT, SIGTERM, SIGCONT, SIGTSTP, SIGUSR1] { _ = signal(sig, SIG_DFL) }
        Interrupt.reset()
    }

    func testSIGCONTFromMpirunIsAnInterrupt() {
        Interrupt.reset()
        Interrupt.install(environment: Self.rank1)
        XCTAssertNil(Interrupt.signal)
        raise(SIGCONT)
        XCTAssertEqual(Interrupt.signal, SIGINT)
        XCTAssertEqual(Interrupt.exitCode, 130)
        raise(SIGTERM)   // mpirun's next step does not change the exit code
        XCTAssertEqual(Interrupt.exitCode, 130)
    }

    func testSIGUSR1FromMpirunIsAnInterrupt() {
        Interrupt.reset()
        Interrupt.install(environment: Self.rank1)
        raise(SIGUSR1)
        XCTAssertEqual(Interrupt.signal, SIGINT)
    }

    func testTheSIGCONTThatEndsACtrlZStopIsNoInterrupt() throws {
        Interrupt.reset()
        Interrupt.install(environment: Self.rank1)
        // Someone must continue this process once SIGTSTP has stopped it: a shell half a second later.
        let waker = Process()
        waker.executableURL = URL(fileURLWithPath: "/bin/sh")
        waker.arguments = ["-c", "sleep 0.5; kill -CONT \(getpid())"]
        try waker.run()
        let start = Date()
        raise(SIGTSTP)
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.3, "SIGTSTP did not stop the process")
        waker.waitUntilExit()
        XCTAssertNil(Interrupt.signal)
        raise(SIGCONT)   // a later SIGCONT without a stop is mpirun's again
        XCTAssertEqual(Interrupt.signal, SIGINT)
    }

    func testOutsideMpirunSIGCONTIsNoInterruptAndSIGUSR1KeepsItsDefault() {
        Interrupt.reset()
        Interrupt.install(environment: [:])
        raise(SIGCONT)
        XCTAssertNil(Interrupt.signal)
        XCTAssertTrue(signal(SIGUSR1, SIG_DFL) == nil, "SIGUSR1 keeps its default action outside mpirun")
    }
}
