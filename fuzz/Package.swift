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
// -O, not the main package's -Ounchecked: overflow and bounds checks must trap to be found.
let instrumented: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer", "-O"])]

let package = Package(
    name: "flowrl-fuzz",
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .target(name: "CPNG", path: "Sources/CPNG", cSettings: [.unsafeFlags(["-fsanitize=fuzzer-no-link"])],
                linkerSettings: [.linkedLibrary("png16")]),
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: instrumented),
        .target(name: "NN", dependencies: ["Tensor"], swiftSettings: instrumented),
        .target(name: "Imaging", dependencies: ["CPNG", "Tensor"], swiftSettings: instrumented),
        .target(name: "Shapes", dependencies: ["Tensor", "Imaging"], swiftSettings: instrumented),
        .target(name: "Model", dependencies: ["Tensor", "NN", "Shapes", "Imaging"], swiftSettings: instrumented),
        .target(name: "Rewards", dependencies: ["Tensor", "NN", "Shapes", "Imaging"], swiftSettings: instrumented),
        .target(name: "RL", dependencies: ["Tensor", "NN", "Model", "Rewards", "Shapes", "Imaging"],
                swiftSettings: instrumented),
        .executableTarget(name: "FlowRLFuzz", dependencies: ["Tensor", "Imaging", "Shapes", "Model", "RL"],
                          swiftSettings: instrumented,
                          linkerSettings: [.unsafeFlags([fuzzerLibrary, "-lstdc++"])]),
    ]
)
