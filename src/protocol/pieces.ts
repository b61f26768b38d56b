// Answers that hold records are written in pieces of reused memory. A GetRecords page of 10,000
// records is about 14 MB of JSON: as one buffer, every answer took fresh memory from the system,
// and on a machine where a first touch of a page is slow (virtual machines that hand memory back
// to their host) that cost more than the encoding itself. In pieces, an answer is written a
// quarter megabyte at a time, each piece handed to the connection and taken back once the
// connection has sent it, so a few pieces serve every answer and none holds a whole page at once.

/** Pieces are this size, apart from one made for a single record larger than that. */
export const PIECE_BYTES = 256 * 1024;
/** Pieces kept for reuse (8 MiB); more in use at once are made and left to the garbage collector. */
const SPARE_PIECES = 32;

const spare: ArrayBuffer[] = [];
/** The pool's memory that is out: only that may come back (and only once). */
const out = new WeakSet<ArrayBuffer>();

/** Memory to write at least `size` bytes into. */
export function takePiece(size = PIECE_BYTES): Buffer {
  if (size > PIECE_BYTES) return Buffer.allocUnsafeSlow(size);
  const memory = spare.pop() ?? new ArrayBuffer(PIECE_BYTES);
  out.add(memory);
  return Buffer.from(memory);
}

/** Gives back a piece (or any view of it) that nothing reads any more; other buffers are ignored. */
export function releasePiece(piece: Uint8Array): void {
  const memory = piece.buffer as ArrayBuffer;
  if (!out.delete(memory)) return;
  if (spare.length < SPARE_PIECES) spare.push(memory);
}

/** An answer of `length` bytes that comes as pieces, each to be released once sent. */
export interface PiecedBody {
  readonly length: number;
  /** The pieces in order; with `into` (room for `length` bytes), the answer is written there as one piece. */
  pieces(into?: Buffer): Generator<Buffer, void, undefined>;
}

/**
 * The whole of a pieced answer in one buffer (event stream messages need it so), written there
 * directly rather than gathered from pieces.
 */
export function joinPieces(body: PiecedBody): Buffer {
  const whole = Buffer.allocUnsafe(body.length);
  let written = 0;
  let pieces = 0;
  for (const piece of body.pieces(whole)) {
    written += piece.length;
    pieces++;
    releasePiece(piece);
  }
  if (pieces !== 1 || written !== body.length) throw new Error(`answer of ${written} bytes in ${pieces} pieces, ${body.length} announced`);
  return whole;
}

/**
 * Writes bytes into pieces. `room(n)` makes sure the current piece has n bytes free, handing out
 * the filled part first when it has not; `rest()` hands out what is left. Given a first piece
 * large enough for the whole answer, it writes all of it there.
 */
export class PieceWriter {
  at = 0;

  constructor(public piece: Buffer = takePiece()) {}

  /** Room for `size` more bytes in `piece` at `at`; yields the filled piece when a new one is needed. */
  *room(size: number): Generator<Buffer, void, undefined> {
    if (this.piece.length - this.at >= size) return;
    if (this.at > 0) yield this.piece.subarray(0, this.at);
    else releasePiece(this.piece);
    this.piece = takePiece(size);
    this.at = 0;
  }

  /** The last piece, if it holds anything. */
  *rest(): Generator<Buffer, void, undefined> {
    if (this.at > 0) yield this.piece.subarray(0, this.at);
    else releasePiece(this.piece);
  }

  /** Writes text known to fit; ASCII text goes in as latin1 (a plain copy). */
  text(value: string, ascii: boolean): void {
    this.at += this.piece.write(value, this.at, ascii ? 'latin1' : 'utf8');
  }
}
