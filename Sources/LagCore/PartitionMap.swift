/// Values per partition, stored as two parallel arrays sorted by partition:
/// the compact map for the small per-group tables a poll builds thousands of
/// (committed offsets, history windows, lag in seconds, statuses).
///
/// A `[TopicPartition: Int64]` of 50 entries allocates 128 buckets of 32
/// bytes (4 KiB); this map holds 50 keys of 24 bytes and 50 values of 8, and
/// when its keys equal the group's sorted partition list it shares that
/// list's storage (``shareKeys(with:)``), leaving only the values. Lookups are
/// a binary search (about six comparisons at 50 partitions). Appending keys in
/// ascending order, which is how polls build these maps, costs what an array
/// append costs; an insertion elsewhere moves the larger keys up.
///
/// Iterates in partition order, as `(key:value:)` pairs like a dictionary, and
/// a dictionary literal builds one, so call sites read like dictionary code.
public struct PartitionMap<Value> {
    /// Sorted ascending, no duplicates.
    public private(set) var keys: [TopicPartition] = []
    /// `values[i]` belongs to `keys[i]`.
    public private(set) var values: [Value] = []

    public init() {}

    /// Keys already sorted and unique (another map's keys), and their values.
    init(sortedKeys: [TopicPartition], values: [Value]) {
        precondition(sortedKeys.count == values.count, "one value per key")
        self.keys = sortedKeys
        self.values = values
    }

    /// The keys whose value is not nil: `sortedKeys` itself (shared) when
    /// every key has one.
    init(sortedKeys: [TopicPartition], optionalValues: [Value?]) {
        precondition(sortedKeys.count == optionalValues.count, "one value per key")
        let present = optionalValues.compactMap { $0 }
        if present.count == sortedKeys.count {
            self.init(sortedKeys: sortedKeys, values: present)
        } else {
            self.init(sortedKeys: zip(sortedKeys, optionalValues).compactMap { $1 == nil ? nil : $0 }, values: present)
        }
    }

    /// The entries of a dictionary, sorted.
    public init(_ dictionary: [TopicPartition: Value]) {
        self.init(unsorted: dictionary.map { ($0.key, $0.value) })
    }

    /// Pairs in any order; for a key given twice, the last value wins.
    public init(unsorted pairs: [(TopicPartition, Value)]) {
        keys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        if pairs.indices.dropFirst().allSatisfy({ pairs[$0 - 1].0 < pairs[$0].0 }) {
            for (key, value) in pairs {
                keys.append(key)
                values.append(value)
            }
            return
        }
        // Sorted by key, then by position, so of equal keys the last given comes last and is kept.
        let sorted = pairs.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
        for (_, (key, value)) in sorted {
            if keys.last == key {
                values[values.count - 1] = value
            } else {
                keys.append(key)
                values.append(value)
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public mutating func reserveCapacity(_ count: Int) {
        keys.reserveCapacity(count)
        values.reserveCapacity(count)
    }

    /// Where `key` is, or where it would be inserted.
    private func position(of key: TopicPartition) -> (index: Int, found: Bool) {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return (low, low < keys.count && keys[low] == key)
    }

    /// The index of `key`'s entry, if it has one.
    public func index(forKey key: TopicPartition) -> Int? {
        let position = position(of: key)
        return position.found ? position.index : nil
    }

    public subscript(key: TopicPartition) -> Value? {
        get {
            let position = position(of: key)
            return position.found ? values[position.index] : nil
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Sets the value of `key`; returns the value it replaced.
    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: TopicPartition) -> Value? {
        if let last = keys.last, last < key {
            keys.append(key)
            values.append(value)
            return nil
        }
        let position = position(of: key)
        if position.found {
            defer { values[position.index] = value }
            return values[position.index]
        }
        keys.insert(key, at: position.index)
        values.insert(value, at: position.index)
        return nil
    }

    @discardableResult
    public mutating func removeValue(forKey key: TopicPartition) -> Value? {
        guard let index = index(forKey: key) else { return nil }
        keys.remove(at: index)
        return values.remove(at: index)
    }

    /// Makes the keys share `sortedKeys`' storage when they are equal (one
    /// copy of a group's partition list instead of one per map).
    public mutating func shareKeys(with sortedKeys: [TopicPartition]) {
        if keys.count == sortedKeys.count, keys == sortedKeys { keys = sortedKeys }
    }

    /// The entries `isIncluded` accepts, in a map: this map itself (its
    /// storage shared, nothing copied) when it accepts them all, the usual
    /// case for a group's committed offsets and a topic filter.
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> PartitionMap {
        guard let firstExcluded = try indices.first(where: { try !isIncluded(self[$0]) }) else { return self }
        var result = PartitionMap(sortedKeys: Array(keys[..<firstExcluded]), values: Array(values[..<firstExcluded]))
        for entry in self[(firstExcluded + 1)...] where try isIncluded(entry) {
            result.keys.append(entry.key)
            result.values.append(entry.value)
        }
        return result
    }

    public func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> PartitionMap<T> {
        var result = PartitionMap<T>()
        result.keys = keys
        result.values = try values.map(transform)
        return result
    }
}

extension PartitionMap: RandomAccessCollection {
    public typealias Element = (key: TopicPartition, value: Value)

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Element { (keys[position], values[position]) }
}

extension PartitionMap: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (TopicPartition, Value)...) {
        self.init(unsorted: elements)
    }
}

extension PartitionMap: Sendable where Value: Sendable {}
extension PartitionMap: Equatable where Value: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.keys == rhs.keys && lhs.values == rhs.values }
}
extension PartitionMap: Hashable where Value: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(values)
    }
}

extension PartitionMap: CustomStringConvertible {
    public var description: String {
        isEmpty ? "[:]" : "[" + map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]"
    }
}
