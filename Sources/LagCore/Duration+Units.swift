extension Duration {
    /// Whole milliseconds, rounded down; saturates instead of overflowing.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? Int64.min : Int64.max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue
    }

    /// Seconds as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
