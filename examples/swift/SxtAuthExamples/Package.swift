// swift-tools-version:6.0
//
// The Swift examples: `keygen`, `register-authenticate` and `whoami`, built on the SxtAuth binding in bindings/swift.
// From the repository root, after `cargo build --lib`:
//
//   swift build --package-path examples/swift/SxtAuthExamples -Xlinker -L$PWD/target/debug -Xcc -I$PWD/include
//   LD_LIBRARY_PATH=$PWD/target/debug swift run --package-path examples/swift/SxtAuthExamples \
//       -Xlinker -L$PWD/target/debug -Xcc -I$PWD/include keygen
//
// bindings/swift/run-tests.sh builds and runs both against a local server. (The package lives in its own
// directory: SwiftPM names a path dependency after its directory, and two packages called `swift` would clash.)
import PackageDescription

let package = Package(
    name: "SxtAuthExamples",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .executable(name: "keygen", targets: ["keygen"]),
        .executable(name: "register-authenticate", targets: ["register-authenticate"]),
        .executable(name: "whoami", targets: ["whoami"]),
    ],
    dependencies: [
        .package(path: "../../../bindings/swift"),
    ],
    targets: [
        .executableTarget(
            name: "keygen",
            dependencies: [.product(name: "SxtAuth", package: "swift")],
            path: "Sources/keygen"),
        .executableTarget(
            name: "register-authenticate",
            dependencies: [.product(name: "SxtAuth", package: "swift")],
            path: "Sources/register-authenticate"),
        .executableTarget(
            name: "whoami",
            dependencies: [.product(name: "SxtAuth", package: "swift")],
            path: "Sources/whoami"),
    ]
)
