/// One of N exporters that split a cluster between them (`shard: i/N`).
///
/// Shard `index` of `count` reports exactly the consumer groups, and the
/// per-partition offset gauges, whose stable hash falls to it: N exporters
/// with the shards 0/N ... (N-1)/N together report every group and partition
/// once, without talking to each other. ``whole`` (0/1) owns everything.
///
/// The hash is part of the exporter's contract: FNV-1a 64 over the name's
/// UTF-8 bytes, mixed by MurmurHash3's 64-bit finalizer, mapped onto
/// `0..<count` by the high word of `hash * count`. It never depends on the
/// process, platform or Swift version (unlike `hashValue`, which is seeded per
/// process). Changing it moves groups between shards, so it must not change.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based: `0..<count`.
    public let index: Int
    /// How many shards split the cluster; at least 1.
    public let count: Int

    /// The only shard of an unsharded exporter: owns every group and partition.
    public static let whole = Shard(uncheckedIndex: 0, count: 1)

    /// - Throws: ``ShardError`` unless `count >= 1` and `0 <= index < count`.
    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1 else { throw ShardError("the shard count must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else {
            throw ShardError("the shard index must be between 0 and \(count - 1) for \(count) shards, got \(index)")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/N`, e.g. `0/3`: shard `i` (0-based) of `N`.
    /// - Throws: ``ShardError`` describing what is wrong with `text`.
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Self.number(parts[0]), let count = Self.number(parts[1]) else {
            throw ShardError("must be \"i/N\" (shard i of N, 0 <= i < N) or \"auto/N\", got '\(text)'")
        }
        guard count >= 1 else { throw ShardError("must have at least 1 shard, got '\(text)'") }
        guard index < count else {
            throw ShardError("must have a shard index below the shard count (0 to \(count - 1)), got '\(text)'")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    /// `i/N`, the form ``init(parsing:)`` reads.
    public var description: String { "\(index)/\(count)" }

    /// Whether this exporter reports the consumer group `group`.
    public func owns(group: String) -> Bool {
        count == 1 || Self.slot(Self.stableHash(group), count: count) == index
    }

    /// Whether this exporter reports the offset gauges of `partition`. The key
    /// hashed is the topic, a NUL byte and the partition number in decimal
    /// (a topic name never contains NUL).
    public func owns(partition: TopicPartition) -> Bool {
        count == 1 || Self.slot(Self.stableHash(Self.key(of: partition)), count: count) == index
    }

    /// The key ``owns(partition:)`` hashes: `topic`, NUL, partition in decimal.
    public static func key(of partition: TopicPartition) -> String {
        "\(partition.topic)\u{0}\(partition.partition)"
    }

    /// FNV-1a 64 over the UTF-8 bytes of `name`, then MurmurHash3's fmix64
    /// (FNV-1a alone leaves the low bits poorly mixed).
    public static func stableHash(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }

    /// The shard of `hash` among `count`: the high word of `hash * count`
    /// (uniform, and no modulo bias worth mentioning for any practical count).
    public static func slot(_ hash: UInt64, count: Int) -> Int {
        Int(hash.multipliedFullWidth(by: UInt64(count)).high)
    }

    /// A non-negative decimal integer of ASCII digits only, or nil.
    fileprivate static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(text)
    }
}

extension Shard {
    /// The `shard` setting as written: a fixed shard, or `auto/N`, where the
    /// index is the ordinal of the StatefulSet pod the exporter runs in.
    public enum Setting: Sendable, Hashable, CustomStringConvertible {
        case fixed(Shard)
        /// `auto/N`: the index comes from the pod name's trailing `-<ordinal>`.
        case podOrdinal(count: Int)

        /// Unsharded.
        public static let whole = Setting.fixed(.whole)

        /// Environment variables holding the pod name, in the order they are
        /// consulted: `POD_NAME` (set from the downward API's `metadata.name`),
        /// then `HOSTNAME` (a StatefulSet pod's host name is its name).
        public static let podNameVariables = ["POD_NAME", "HOSTNAME"]

        /// Parses `i/N` or `auto/N`.
        /// - Throws: ``ShardError`` describing what is wrong with `text`.
        public init(parsing text: String) throws(ShardError) {
            if text.hasPrefix("auto/") {
                guard let count = Shard.number(text.dropFirst(5)), count >= 1 else {
                    throw ShardError("must be \"auto/N\" with N >= 1 shards, got '\(text)'")
                }
                self = .podOrdinal(count: count)
            } else {
                self = .fixed(try Shard(parsing: text))
            }
        }

        public var description: String {
            switch self {
            case .fixed(let shard): shard.description
            case .podOrdinal(let count): "auto/\(count)"
            }
        }

        /// The shard this setting means in a process with `environment`.
        /// - Throws: ``ShardError`` when `auto/N` finds no pod name, a name
        ///   without a trailing `-<ordinal>`, or an ordinal of N or more.
        public func resolve(environment: [String: String]) throws(ShardError) -> Shard {
            switch self {
            case .fixed(let shard):
                return shard
            case .podOrdinal(let count):
                let found = Self.podNameVariables.lazy.compactMap { name in
                    environment[name].flatMap { $0.isEmpty ? nil : (name, $0) }
                }.first
                guard let (variable, podName) = found else {
                    throw ShardError(
                        "'\(self)' takes the shard index from the StatefulSet pod ordinal, "
                            + "but neither POD_NAME nor HOSTNAME is set")
                }
                guard let ordinal = Self.ordinal(of: podName) else {
                    throw ShardError(
                        "'\(self)' takes the shard index from the StatefulSet pod ordinal, "
                            + "but \(variable) '\(podName)' does not end in -<ordinal>")
                }
                guard ordinal < count else {
                    throw ShardError(
                        "ordinal \(ordinal) of \(variable) '\(podName)' is not below the shard count \(count) of '\(self)': "
                            + "the StatefulSet has more replicas than shards")
                }
                return try Shard(index: ordinal, count: count)
            }
        }

        /// The trailing `-<n>` of a StatefulSet pod name (`exporter-2` → 2).
        public static func ordinal(of podName: String) -> Int? {
            guard let dash = podName.lastIndex(of: "-") else { return nil }
            return Shard.number(podName[podName.index(after: dash)...])
        }
    }
}

/// A bad shard setting or pod ordinal; the caller names the key or flag.
public struct ShardError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
