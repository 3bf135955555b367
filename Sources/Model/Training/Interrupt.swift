import Foundation
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT/SIGTERM handling for long jobs: the first signal sets a flag that the training loop
/// checks after each step (it then saves a checkpoint and exits 130 or 143); a second SIGINT
/// removes this process's temporary files (`TemporaryFiles`) and exits at once.
///
/// Under Open MPI's mpirun (4.x) a Ctrl-C never reaches the ranks as SIGINT: the ranks run in
/// process groups of their own, and mpirun answers SIGINT or SIGTERM by sending every rank SIGCONT
/// at once, SIGTERM `odls_base_sigkill_timeout` seconds later (default 1) and SIGKILL as long again
/// after that (it sleeps through both waits, so it returns 2 × that timeout after the Ctrl-C, with
/// status 1, whatever the ranks did). So a rank started by Open MPI also takes a SIGCONT that does
/// not end a job-control stop (Ctrl-Z, which mpirun forwards as SIGTSTP) as the interrupt: the
/// ranks finish their step at once, rank 0 saves, all exit 130. They only get the time to do so
/// when mpirun runs with a timeout longer than a step plus a checkpoint (`mpirun --mca
/// odls_base_sigkill_timeout 120 …`, README "Many machines"); with the default of 1 s mpirun kills
/// them first. SIGUSR1, which mpirun forwards unchanged, asks the same without mpirun's abort:
/// `kill -USR1 <mpirun>` stops the ranks after their step with a checkpoint, and mpirun exits 130
/// as soon as they have. A `kill -STOP` / `kill -CONT` of a rank by hand also reads as an
/// interrupt: the job stops with a checkpoint.
public enum Interrupt {
    nonisolated(unsafe) private static var received: Int32 = 0
    /// Set by SIGTSTP, cleared by the SIGCONT that ends that stop.
    nonisolated(unsafe) private static var stoppedByJobControl: Int32 = 0
    /// The line rank 0 writes (with write(2), async-signal-safe) when mpirun's SIGCONT arrives.
    nonisolated(unsafe) private static var notice: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var noticeLength = 0

    /// The signal received so far (SIGINT or SIGTERM), or nil.
    public static var signal: Int32? {
        let s = received
        return s == 0 ? nil : s
    }

    /// The conventional exit code for a job stopped by `signal` (128 + signal number).
    public static var exitCode: Int32 { 128 + received }

    /// Installs the handlers; `environment` tells whether Open MPI's mpirun started this process.
    public static func install(environment env: [String: String] = ProcessInfo.processInfo.environment) {
        // Only async-signal-safe work in here: flag stores, write(2), kill(2), _exit(2)
        // (TemporaryFiles.removeAllFromSignal uses unlink/rmdir only).
        let handler: @convention(c) (Int32) -> Void = { sig in
            if Interrupt.received != 0 && sig == SIGINT {
                TemporaryFiles.removeAllFromSignal()
                _exit(130)
            }
            // The first signal names the exit code: mpirun's later SIGTERM does not turn 130 into 143.
            if Interrupt.received == 0 { Interrupt.received = sig }
        }
        TemporaryFiles.prepare()
        _ = Glibc.signal(SIGINT, handler)
        _ = Glibc.signal(SIGTERM, handler)
        let ranks = Int(env["OMPI_COMM_WORLD_SIZE"] ?? "") ?? 0
        guard ranks > 1 else { return }
        if env["OMPI_COMM_WORLD_RANK"] == "0" {
            let timeout = Int(env["OMPI_MCA_odls_base_sigkill_timeout"] ?? "") ?? 1
            let line = "mpirun is ending the job: the ranks finish this step and save a checkpoint if it waits long enough"
                + " (it kills them in \(2 * timeout) s: twice its odls_base_sigkill_timeout, which --mca sets)\n"
            notice = strdup(line)
            noticeLength = line.utf8.count
        }
        let stop: @convention(c) (Int32) -> Void = { _ in
            Interrupt.stoppedByJobControl = 1
            _ = kill(getpid(), SIGSTOP)   // what SIGTSTP would have done; SIGCONT resumes here
        }
        let resume: @convention(c) (Int32) -> Void = { _ in
            if Interrupt.stoppedByJobControl != 0 { Interrupt.stoppedByJobControl = 0; return }
            guard Interrupt.received == 0 else { return }
            Interrupt.received = SIGINT
            if let line = Interrupt.notice { _ = write(2, line, Interrupt.noticeLength) }
        }
        let request: @convention(c) (Int32) -> Void = { _ in
            if Interrupt.received == 0 { Interrupt.received = SIGINT }
        }
        _ = Glibc.signal(SIGTSTP, stop)
        _ = Glibc.signal(SIGCONT, resume)
        _ = Glibc.signal(SIGUSR1, request)
    }

    /// For tests: forget a received signal.
    public static func reset() { received = 0; stoppedByJobControl = 0 }
}
