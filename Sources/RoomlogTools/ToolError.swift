/// An operator tool's failure, with the message it prints.
public struct ToolError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, for the operator.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
