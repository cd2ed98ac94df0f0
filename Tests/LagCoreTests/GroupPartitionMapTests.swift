import LagCore
import Testing

@Suite struct GroupPartitionMapTests {
    let orders0 = TopicPartition("orders", 0)
    let orders1 = TopicPartition("orders", 1)

    @Test func readsAndWritesLikeADictionaryKeyedByGroupAndPartition() {
        var map: GroupPartitionMap<Double> = [GroupPartition("billing", orders0): 1.5]
        map[GroupPartition("billing", orders1)] = 2
        map[GroupPartition("audit", orders0)] = 3
        #expect(map.count == 3)
        #expect(map[GroupPartition("billing", orders1)] == 2)
        #expect(map[GroupPartition("audit", orders1)] == nil)
        #expect(map.values(of: "billing") == [orders0: 1.5, orders1: 2])

        map[GroupPartition("billing", orders1)] = 4  // replaced, not added
        #expect(map.count == 3)
        map[GroupPartition("audit", orders0)] = nil
        map[GroupPartition("audit", orders0)] = nil  // removing twice changes nothing
        #expect(map.count == 2)
        #expect(map.values(of: "audit").isEmpty)
    }

    @Test func equalContentsAreEqualWhateverTheHistory() {
        var built = GroupPartitionMap<Int>()
        built[GroupPartition("audit", orders0)] = 7
        built[GroupPartition("billing", orders0)] = 1
        built[GroupPartition("audit", orders0)] = nil  // leaves no empty group behind
        built.set([orders1: 2, orders0: 1], of: "billing")
        #expect(built == [GroupPartition("billing", orders0): 1, GroupPartition("billing", orders1): 2])
        #expect(built.count == 2)
        built.set([:], of: "billing")
        #expect(built.isEmpty)
        #expect(built == [:])
        #expect(built.description == "[]")
    }
}
