// Wire-neutral values for the two types whose encoding differs between awsJson and CBOR.
// toJSON gives the awsJson form (blobs base64, timestamps epoch seconds) so that a response
// can be handed straight to JSON.stringify; the CBOR encoder maps them to byte strings and tag 1.

export class Blob {
  constructor(readonly bytes: Buffer) {}
  toJSON(): string {
    return this.bytes.toString('base64');
  }
}

export class Timestamp {
  constructor(readonly ms: number) {}
  toJSON(): number {
    return this.ms / 1000;
  }
}
