import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameReader, frame } from '../../../src/dns/tcp-framing.js';

describe('DNS TCP framing', () => {
  it('returns each message once its frame is complete, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => frame(Buffer.from(m))));
          const reader = new FrameReader();
          const received: Buffer[] = [];
          for (let offset = 0, i = 0; offset < stream.length; i += 1) {
            const size = cuts[i % cuts.length] ?? 1;
            received.push(...reader.push(stream.subarray(offset, offset + size)));
            offset += size;
          }
          assert.deepEqual(
            received.map((b) => [...b]),
            messages.map((m) => [...m]),
          );
          assert.equal(reader.pendingLength, 0);
        },
      ),
    );
  });

  it('holds an incomplete frame until the rest arrives', () => {
    const reader = new FrameReader();
    assert.deepEqual(reader.push(Buffer.from([0, 3, 1])), []);
    assert.equal(reader.pendingLength, 3);
    assert.deepEqual(
      reader.push(Buffer.from([2, 3, 0])).map((b) => [...b]),
      [[1, 2, 3]],
    );
    assert.equal(reader.pendingLength, 1);
  });

  it('returns an empty message for a zero-length frame', () => {
    assert.deepEqual(
      new FrameReader().push(Buffer.from([0, 0])).map((b) => b.length),
      [0],
    );
  });
});
