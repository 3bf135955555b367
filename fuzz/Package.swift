// swift-tools-version:6.0
// The fuzzing package: scripts/fuzz.sh copies ../Sources beside this file into a scratch
// directory and builds it there, so the main package and its build are untouched.
// Every Swift module is compiled with libFuzzer's coverage instrumentation; the harness links
// libFuzzer without its main() and starts it itself (LLVMFuzzerRunDriver).
import Foundation
import PackageDescription

// scripts/fuzz.sh finds libFuzzer beside the toolchain's clang and passes it here.
let fuzzerLibrary = ProcessInfo.processInfo.environment["FLOWRL_FUZZER_LIB"]
    ?? "/opt/swift/usr/lib/clang/21/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a"
// The release binary's flags (../Package.swift), so that the parsers are fuzzed as users run
// them: the targets built there with `checked` (scripts/fuzz.sh reads their names from it into
// FLOWRL_CHECKED_TARGETS) at -O, where overflow and bounds checks trap and so are found, the
// others at -Ounchecked. The harness itself (not part of the binary) keeps its checks.
let checkedTargets = Set((ProcessInfo.processInfo.environment["FLOWRL_CHECKED_TARGETS"] ?? "Tensor Imaging Shapes Rewards")
    .split(separator: " ").map(String.init) + ["FlowRLFuzz"])
func instrumented(_ target: String) -> [SwiftSetting] {
    [.unsafeFlags(["-sanitize=fuzzer", checkedTargets.contains(target) ? "-O" : "-Ounchecked"])]
}

let package = Package(
    name: "flowrl-fuzz",
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .target(name: "CPNG", path: "Sources/CPNG", cSettings: [.unsafeFlags(["-fsanitize=fuzzer-no-link"])],
                linkerSettings: [.linkedLibrary("png16")]),
        // Cluster without its MPI trait: one process, no CMPI (as the default build).
        .target(name: "Cluster", swiftSettings: instrumented("Cluster")),
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: instrumented("Tensor")),
        .target(name: "NN", dependencies: ["Tensor"], swiftSettings: instrumented("NN")),
        .target(name: "Imaging", dependencies: ["CPNG", "Tensor"], swiftSettings: instrumented("Imaging")),
        .target(name: "Shapes", dependencies: ["Tensor", "Imaging"], swiftSettings: instrumented("Shapes")),
        .target(name: "Model", dependencies: ["Tensor", "NN", "Shapes", "Imaging", "Cluster"], swiftSettings: instrumented("Model")),
        .target(name: "Rewards", dependencies: ["Tensor", "NN", "Shapes", "Imaging"], swiftSettings: instrumented("Rewards")),
        .target(name: "RL", dependencies: ["Tensor", "NN", "Model", "Rewards", "Shapes", "Imaging", "Cluster"],
                swiftSettings: instrumented("RL")),
        .executableTarget(name: "FlowRLFuzz", dependencies: ["Tensor", "Imaging", "Shapes", "Model", "RL"],
                          swiftSettings: instrumented("FlowRLFuzz"),
                          linkerSettings: [.unsafeFlags([fuzzerLibrary, "-lstdc++"])]),
    ]
)
