import RoomlogCore

/// The values of the projection databases (the key holds the rest of each record).
enum RecordCoding {
    static func encode(_ user: User) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeString(user.passwordHash)
        return writer.bytes
    }

    static func decodeUser(name: String, _ bytes: UnsafeRawBufferPointer) throws -> User {
        try decoding("users", bytes) { reader in User(name: name, passwordHash: try reader.readString()) }
    }

    static func encode(_ session: Session) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeString(session.id)
        writer.writeString(session.user)
        writer.writeBigEndian(UInt64(bitPattern: session.expiresAt.milliseconds))
        return writer.bytes
    }

    static func decodeSession(digest: TokenDigest, _ bytes: UnsafeRawBufferPointer) throws -> Session {
        try decoding("sessions", bytes) { reader in
            Session(tokenDigest: digest, id: try reader.readString(), user: try reader.readString(),
                    expiresAt: Timestamp(milliseconds: Int64(bitPattern: try reader.readBigEndian())))
        }
    }

    static func encode(_ room: Room) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeString(room.topic)
        writer.writeVarint(room.head)
        writer.writeVarint(room.members)
        return writer.bytes
    }

    static func decodeRoom(name: String, _ bytes: UnsafeRawBufferPointer) throws -> Room {
        try decoding("rooms", bytes) { reader in
            Room(name: name, topic: try reader.readString(), head: try reader.readVarint(), members: try reader.readVarint())
        }
    }

    static func encode(_ receipt: MessageReceipt) -> [UInt8] {
        var writer = ByteWriter()
        encode(receipt, into: &writer)
        return writer.bytes
    }

    /// Writes a `client_ids` value into `writer`, after what it holds.
    static func encode(_ receipt: MessageReceipt, into writer: inout ByteWriter) {
        writer.writeString(receipt.room)
        writer.writeVarint(receipt.seq)
        writer.writeVarint(receipt.roomSeq)
    }

    /// A `client_ids_recent` value (its key is the message's `seq`): the user, the id, the room, the `roomSeq`.
    static func encodeRecent(user: String, _ receipt: MessageReceipt) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeString(user)
        writer.writeString(receipt.id)
        writer.writeString(receipt.room)
        writer.writeVarint(receipt.roomSeq)
        return writer.bytes
    }

    static func decodeRecent(seq: UInt64, _ bytes: UnsafeRawBufferPointer) throws -> (user: String, receipt: MessageReceipt) {
        try decoding("client_ids_recent", bytes) { reader in
            let user = try reader.readString()
            let id = try reader.readString()
            return (user, MessageReceipt(id: id, room: try reader.readString(), seq: seq, roomSeq: try reader.readVarint()))
        }
    }

    static func decodeReceipt(id: String, _ bytes: UnsafeRawBufferPointer) throws -> MessageReceipt {
        try decoding("client_ids", bytes) { reader in
            MessageReceipt(id: id, room: try reader.readString(), seq: try reader.readVarint(), roomSeq: try reader.readVarint())
        }
    }

    static func decoding<T>(_ database: String, _ bytes: UnsafeRawBufferPointer, _ body: (inout ByteReader) throws -> T) throws -> T {
        var reader = ByteReader(bytes)
        guard let value = try? body(&reader), reader.isAtEnd else { throw StoreError.corruptRecord(database: database) }
        return value
    }
}
