import LagCore
import PropertyBased
import PropertyTestSupport
import Testing

@Suite struct PartitionMapTests {
    let orders0 = TopicPartition("orders", 0)
    let orders1 = TopicPartition("orders", 1)
    let orders10 = TopicPartition("orders", 10)
    let audit3 = TopicPartition("audit", 3)

    @Test func keepsItsEntriesSortedWhateverTheOrderTheyArrive() {
        var map: PartitionMap<Int64> = [orders10: 10, audit3: 3]
        map[orders1] = 1  // between the two
        map[orders0] = 0
        #expect(map.keys == [audit3, orders0, orders1, orders10])
        #expect(map.values == [3, 0, 1, 10])
        #expect(map.map(\.key) == map.keys)
        #expect(map.description == "[audit-3: 3, orders-0: 0, orders-1: 1, orders-10: 10]")
        #expect(PartitionMap([orders1: 1, orders10: 10, orders0: 0, audit3: 3]) == map)
    }

    @Test func readsReplacesAndRemovesLikeADictionary() {
        var map: PartitionMap<Double> = [orders0: 1.5]
        #expect(map[orders0] == 1.5)
        #expect(map[orders1] == nil)
        #expect(map.updateValue(2.5, forKey: orders0) == 1.5)  // replaced, not added
        #expect(map.count == 1)
        #expect(map.updateValue(4, forKey: orders1) == nil)
        #expect(map.index(forKey: orders1) == 1)
        #expect(map.index(forKey: audit3) == nil)
        map[orders0] = nil
        #expect(map.removeValue(forKey: orders0) == nil)  // removing twice changes nothing
        #expect(map == [orders1: 4])
        map[orders1] = nil
        #expect(map.isEmpty)
        #expect(map.description == "[:]")
    }

    @Test func ofAKeyGivenTwiceTheLastValueWins() {
        #expect(PartitionMap(unsorted: [(orders1, 1), (orders0, 0), (orders1, 7)]) == [orders0: 0, orders1: 7])
        #expect(PartitionMap(unsorted: [(orders0, 5), (orders0, 6)]).values == [6])
    }

    @Test func filterAndMapValuesKeepTheOrder() {
        let map: PartitionMap<Int64> = [audit3: 3, orders0: 0, orders1: 1]
        #expect(map.filter { $0.key.topic == "orders" } == [orders0: 0, orders1: 1])
        #expect(map.filter { $0.value != 0 } == [audit3: 3, orders1: 1])
        #expect(map.filter { $0.value != 1 } == [audit3: 3, orders0: 0])
        #expect(map.filter { _ in false }.isEmpty)
        // Everything accepted: the same storage, nothing copied.
        let all = map.filter { _ in true }
        #expect(all == map)
        #expect(all.values.withUnsafeBufferPointer { $0.baseAddress } == map.values.withUnsafeBufferPointer { $0.baseAddress })
        #expect(map.mapValues { Double($0) / 2 } == [audit3: 1.5, orders0: 0, orders1: 0.5])
    }

    @Test func sharesTheKeysOfAnEqualPartitionListOnly() {
        var map: PartitionMap<Int64> = [orders0: 0, orders1: 1]
        let partitions = [orders0, orders1]
        map.shareKeys(with: partitions)
        #expect(map.keys.withUnsafeBufferPointer { $0.baseAddress } == partitions.withUnsafeBufferPointer { $0.baseAddress })
        let longer = [orders0, orders1, orders10]
        map.shareKeys(with: longer)
        #expect(map.keys == partitions)
        #expect(map.values == [0, 1])
    }

    @Test func aGroupSnapshotKeepsOneCopyOfItsPartitionList() {
        let group = ConsumerGroupSnapshot(
            id: "billing", state: .stable, members: [], committedOffsets: [orders1: 5, orders0: 4],
            topicPartitions: ["orders": [0, 1]])
        #expect(group.partitions == [orders0, orders1])
        #expect(group.committedOffsets == [orders0: 4, orders1: 5])
        #expect(
            group.committedOffsets.keys.withUnsafeBufferPointer { $0.baseAddress }
                == group.partitions.withUnsafeBufferPointer { $0.baseAddress })
    }

    /// Any sequence of writes and removals leaves what a dictionary given the
    /// same writes holds, sorted by partition.
    @Test func agreesWithADictionary() async {
        // Each draw is one write: a topic, a partition, and a value (-1 removes).
        let writes = Gen<UInt64>.value().array(of: 0...40).map { draws in
            draws.map { draw -> (TopicPartition, Int64) in
                let topic = ["a", "b", "orders"][Int(draw % 3)]
                return (TopicPartition(topic, Int32((draw >> 8) % 13)), Int64((draw >> 16) % 5) - 1)
            }
        }
        await checkProperty(count: 200, writes) { writes in
            var map = PartitionMap<Int64>()
            var dictionary: [TopicPartition: Int64] = [:]
            for (key, value) in writes {
                map[key] = value < 0 ? nil : value
                dictionary[key] = value < 0 ? nil : value
            }
            let sortedKeys = dictionary.keys.sorted()
            #expect(map.keys == sortedKeys, "\(writes)")
            #expect(map.values == sortedKeys.map { dictionary[$0]! }, "\(writes)")
            #expect(map == PartitionMap(dictionary), "\(writes)")
            #expect(PartitionMap(unsorted: writes.filter { $0.1 >= 0 }).count == Set(writes.filter { $0.1 >= 0 }.map(\.0)).count)
        }
    }
}
