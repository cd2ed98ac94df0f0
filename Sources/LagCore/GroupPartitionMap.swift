/// Values per group partition, stored per group: one small ``PartitionMap``
/// per group instead of one large dictionary keyed by group and partition
/// together.
///
/// At 1,000 groups x 50 partitions the flat `[GroupPartition: Double]` needed
/// 131,072 buckets of 48 bytes (6 MiB) per map, twice over while a poll's
/// insights replace the previous ones; one dictionary per group still took
/// 4 KiB per group (128 buckets for 50 partitions). Per group, the values sit
/// in one array whose partitions are usually the group's own partition list
/// (shared, not copied). Reads and writes look like the flat
/// dictionary's (`map[GroupPartition(group, partition)]`), and a literal
/// builds one, so callers and tests do not see the difference.
public struct GroupPartitionMap<Value: Sendable & Hashable>: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// Never holds an empty inner map, so equal contents compare equal.
    private var groups: [String: PartitionMap<Value>] = [:]
    public private(set) var count = 0

    public init() {}

    public init(dictionaryLiteral elements: (GroupPartition, Value)...) {
        for (key, value) in elements { self[key] = value }
    }

    public var isEmpty: Bool { count == 0 }

    /// Room for `count` groups.
    public mutating func reserveCapacity(groups count: Int) { groups.reserveCapacity(count) }

    public subscript(key: GroupPartition) -> Value? {
        get { groups[key.group]?[key.partition] }
        set {
            if let newValue {
                if groups[key.group, default: [:]].updateValue(newValue, forKey: key.partition) == nil { count += 1 }
            } else if groups[key.group]?.removeValue(forKey: key.partition) != nil {
                count -= 1
                if groups[key.group]?.isEmpty == true { groups[key.group] = nil }
            }
        }
    }

    /// The values of one group, keyed by partition (empty when it has none).
    public func values(of group: String) -> PartitionMap<Value> { groups[group] ?? [:] }

    /// Sets all values of one group at once (replacing what it had).
    public mutating func set(_ values: PartitionMap<Value>, of group: String) {
        count += values.count - (groups[group]?.count ?? 0)
        groups[group] = values.isEmpty ? nil : values
    }
}

extension GroupPartitionMap: CustomStringConvertible {
    public var description: String {
        let entries = groups.sorted { $0.key < $1.key }.flatMap { group, values in
            values.map { "\(GroupPartition(group, $0.key)): \($0.value)" }
        }
        return "[" + entries.joined(separator: ", ") + "]"
    }
}
