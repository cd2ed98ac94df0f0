import LagCore
import Testing

@Suite struct NameFilterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var allow: [String]
        var deny: [String]
        var name: String
        var included: Bool
        var testDescription: String { "allow \(allow) deny \(deny): '\(name)' → \(included)" }
    }

    @Test(arguments: [
        // An empty allow list includes every name.
        Case(allow: [], deny: [], name: "orders", included: true),
        Case(allow: [], deny: [], name: "", included: true),
        Case(allow: [], deny: [], name: "__consumer_offsets", included: true),
        // Full-match semantics: a plain name is not a prefix or substring match.
        Case(allow: ["orders"], deny: [], name: "orders", included: true),
        Case(allow: ["orders"], deny: [], name: "orders-dlq", included: false),
        Case(allow: ["orders"], deny: [], name: "my-orders", included: false),
        Case(allow: ["orders"], deny: [], name: "Orders", included: false),
        Case(allow: ["orders.*"], deny: [], name: "orders-dlq", included: true),
        Case(allow: ["orders.*"], deny: [], name: "orders", included: true),
        Case(allow: ["orders.*"], deny: [], name: "my-orders", included: false),
        // Alternation applies to the whole name, not just to its ends.
        Case(allow: ["a|b"], deny: [], name: "a", included: true),
        Case(allow: ["a|b"], deny: [], name: "b", included: true),
        Case(allow: ["a|b"], deny: [], name: "ab", included: false),
        // Deny wins over allow.
        Case(allow: ["orders.*"], deny: [".*-dlq"], name: "orders", included: true),
        Case(allow: ["orders.*"], deny: [".*-dlq"], name: "orders-dlq", included: false),
        Case(allow: ["orders.*"], deny: [".*-dlq"], name: "payments", included: false),
        Case(allow: ["orders"], deny: ["orders"], name: "orders", included: false),
        // A deny list alone excludes only what it matches, fully.
        Case(allow: [], deny: ["__.*"], name: "__consumer_offsets", included: false),
        Case(allow: [], deny: ["__.*"], name: "orders", included: true),
        Case(allow: [], deny: ["dlq"], name: "orders-dlq", included: true),
        // Several patterns: any allow pattern admits, any deny pattern excludes.
        Case(allow: ["orders", "payments-.*"], deny: [], name: "orders", included: true),
        Case(allow: ["orders", "payments-.*"], deny: [], name: "payments-eu", included: true),
        Case(allow: ["orders", "payments-.*"], deny: [], name: "payments", included: false),
        Case(allow: ["orders", "payments-.*"], deny: [], name: "billing", included: false),
        Case(allow: [".*"], deny: [".*-dlq", ".*-retry"], name: "orders-retry", included: false),
        Case(allow: [".*"], deny: [".*-dlq", ".*-retry"], name: "orders-dlq", included: false),
        Case(allow: [".*"], deny: [".*-dlq", ".*-retry"], name: "orders", included: true),
    ])
    func includes(_ testCase: Case) throws {
        let filter = try NameFilter(allow: testCase.allow, deny: testCase.deny)
        #expect(filter.includes(testCase.name) == testCase.included)
    }

    @Test func allIncludesEveryName() {
        for name in ["", "orders", "orders-dlq", "__consumer_offsets", "注文"] {
            #expect(NameFilter.all.includes(name))
        }
        #expect(NameFilter.all.allowPatterns == [])
        #expect(NameFilter.all.denyPatterns == [])
    }

    @Test func keepsItsPatterns() throws {
        let filter = try NameFilter(allow: ["orders.*", "billing"], deny: [".*-dlq"])
        #expect(filter.allowPatterns == ["orders.*", "billing"])
        #expect(filter.denyPatterns == [".*-dlq"])
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var allow: [String]
        var deny: [String]
        var pattern: String
        var role: InvalidPatternError.Role
        var testDescription: String { "allow \(allow) deny \(deny)" }
    }

    @Test(arguments: [
        InvalidCase(allow: ["("], deny: [], pattern: "(", role: .allow),
        InvalidCase(allow: ["orders", "[a-"], deny: [], pattern: "[a-", role: .allow),
        // The first pattern that does not compile is named.
        InvalidCase(allow: ["(", "*"], deny: [], pattern: "(", role: .allow),
        InvalidCase(allow: ["orders.*"], deny: ["*oops"], pattern: "*oops", role: .deny),
        // Allow patterns are compiled before deny patterns.
        InvalidCase(allow: ["("], deny: ["*"], pattern: "(", role: .allow),
    ])
    func invalidPatternThrows(_ testCase: InvalidCase) throws {
        let error = try #require(throws: InvalidPatternError.self) {
            try NameFilter(allow: testCase.allow, deny: testCase.deny)
        }
        #expect(error.pattern == testCase.pattern)
        #expect(error.role == testCase.role)
        #expect(!error.reason.isEmpty)
        #expect(error.description == "invalid regular expression '\(testCase.pattern)': \(error.reason)")
    }
}
