import Foundation

/// A fresh name for a topic or group, unique per test so that tests sharing a
/// broker cannot see each other's data. Only characters the test broker lists
/// verbatim (`[A-Za-z0-9._-]`).
public func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}
