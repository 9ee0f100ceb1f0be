/**
 * DNS over TCP frames each message with a two-byte length (RFC 1035 §4.2.2) and a client may send
 * several messages on one connection, in any chunking the network chooses (RFC 7766 §6.2.1). This
 * reassembles frames from arbitrary chunks; it holds at most one partial frame (< 64 KiB + 2 bytes).
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds a chunk from the socket and returns every message it completes, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (this.pending.length >= 2) {
      const end = 2 + this.pending.readUInt16BE(0);
      if (this.pending.length < end) break;
      messages.push(this.pending.subarray(2, end));
      this.pending = this.pending.subarray(end);
    }
    return messages;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pendingLength(): number {
    return this.pending.length;
  }
}

/** Prefixes a message with its length, ready to write to a TCP stream. */
export function frame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length, 0);
  return Buffer.concat([prefix, message]);
}
