// swift-tools-version:6.0
//
// SxtAuth: Swift binding of the sxt-auth C library (include/sxt_auth.h).
//
// The manifest carries no linker or include paths (no `unsafeFlags`), so it can be used as a versioned
// dependency. The C module `CSxtAuth` comes from one of two places:
//
// * By default, the library as built or installed on this machine (a system library found through
//   pkg-config `sxt-auth`, or the paths given on the command line), which is how Linux and the tests use it:
//
//     cargo build --lib
//     swift build --package-path bindings/swift -Xlinker -L$PWD/target/debug -Xcc -I$PWD/include
//     LD_LIBRARY_PATH=$PWD/target/debug swift test --package-path bindings/swift -Xlinker -L$PWD/target/debug
//
// * An XCFramework, for iOS and macOS apps (scripts/build-apple.sh makes one): a binary target, used when
//   `SxtAuth.xcframework` sits next to this manifest (copy it here: Xcode then picks it up with no setting),
//   or when the environment names one: SXT_AUTH_XCFRAMEWORK=<path relative to this directory>, or
//   SXT_AUTH_XCFRAMEWORK_URL=<https URL of the zip> with SXT_AUTH_XCFRAMEWORK_CHECKSUM=<its checksum>.
import Foundation
import PackageDescription

let environment = Context.environment

/// The C module: the XCFramework when one is named or present, else the system library.
let cModule: Target = {
    if let url = environment["SXT_AUTH_XCFRAMEWORK_URL"], let checksum = environment["SXT_AUTH_XCFRAMEWORK_CHECKSUM"] {
        return .binaryTarget(name: "CSxtAuth", url: url, checksum: checksum)
    }
    if let path = environment["SXT_AUTH_XCFRAMEWORK"] {
        return .binaryTarget(name: "CSxtAuth", path: path)
    }
    if FileManager.default.fileExists(atPath: Context.packageDirectory + "/SxtAuth.xcframework") {
        return .binaryTarget(name: "CSxtAuth", path: "SxtAuth.xcframework")
    }
    // The C API, imported as a clang module. Its module map links `-lsxt_auth`.
    return .systemLibrary(name: "CSxtAuth", path: "Sources/CSxtAuth", pkgConfig: "sxt-auth")
}()

let package = Package(
    name: "SxtAuth",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "SxtAuth", targets: ["SxtAuth"]),
    ],
    targets: [
        cModule,
        // The Swift API over it.
        .target(name: "SxtAuth", dependencies: ["CSxtAuth"], path: "Sources/SxtAuth"),
        .testTarget(name: "SxtAuthTests", dependencies: ["SxtAuth", "CSxtAuth"], path: "Tests/SxtAuthTests"),
    ]
)
