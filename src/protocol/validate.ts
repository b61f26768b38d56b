// Reads a decoded request body into typed input, following the API model. A value of the wrong
// type is a SerializationException (the service cannot read the body); constraint violations are
// collected into one ValidationException in the service's format:
//   "2 validation errors detected: Value 'x' at 'streamName' failed to satisfy constraint: …; …"
import { KinesisError, validationError } from '../core/errors.js';
import { MODEL } from './model.generated.js';
import type { Constraints, MemberDef, ShapeDef } from './shapes.js';

/** A CBOR tag-1 value as it arrives; whether it holds seconds or milliseconds is decided here. */
export class TaggedTime {
  constructor(readonly value: unknown) {}
}

/** Enum value sets the service prints in its own order rather than the model's (as its real responses show). */
const SERVICE_ENUM_ORDER: Record<string, string[]> = {
  ShardIteratorType: ['AFTER_SEQUENCE_NUMBER', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'TRIM_HORIZON'],
};

/** The service lists at most this many violations. */
const MAX_LISTED_ERRORS = 10;
const INT_MAX = 2147483647;

type Primitive = 'string' | 'integer' | 'long' | 'boolean' | 'blob' | 'timestamp' | 'double' | 'unit';
type Resolved = ShapeDef | { type: Primitive };

function resolve(target: string): Resolved {
  if (target.startsWith('@')) return { type: target.slice(1) as Primitive };
  const shape = MODEL.shapes[target];
  if (!shape) throw new Error(`shape ${target} missing from the model`);
  return shape;
}

const patterns = new Map<string, RegExp>();
function matches(pattern: string, value: string): boolean {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    patterns.set(pattern, re);
  }
  return re.test(value);
}

/** SerializationException carries its text in `Message`, unlike every other error. */
export class SerializationError extends KinesisError {
  constructor(message?: string) {
    super('SerializationException', message ?? '');
  }
}

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isBytes(v) && !(v instanceof TaggedTime);

// How the service (a Java server) prints a value inside a validation message.
function show(value: unknown, elementShape?: string): string {
  if (value === undefined || value === null) return 'null';
  return `'${javaText(value, elementShape)}'`;
}
function javaText(value: unknown, elementShape?: string): string {
  if (isBytes(value)) return `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  if (Array.isArray(value)) return `[${value.map((v) => javaText(v, elementShape)).join(', ')}]`;
  if (value instanceof Date) return value.toISOString();
  if (isObject(value)) {
    if (elementShape) return `com.amazonaws.kinesis.v20131202.${elementShape}@c965e310`;
    return `{${Object.entries(value).map(([k, v]) => `${k}=${javaText(v)}`).join(', ')}}`;
  }
  return String(value);
}

// What the service says when a JSON value has the wrong type for a member.
function javaClass(value: unknown): string {
  if (typeof value === 'boolean') return 'class java.lang.Boolean';
  if (typeof value === 'number') return 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
  if (isBytes(value)) return 'class [B';
  return 'class java.lang.String';
}
function mismatch(value: unknown, type: string): SerializationError {
  if (Array.isArray(value)) return new SerializationError('Start of list found where not expected');
  if (isObject(value)) return new SerializationError('Start of structure or map found where not expected.');
  switch (type) {
    case 'list': return new SerializationError('Expected list or null');
    case 'map': return new SerializationError('Expected map or null');
    case 'structure': case 'union': return new SerializationError('Expected null');
    case 'blob': return new SerializationError(`${javaClass(value)} can not be converted to a Blob`);
    case 'timestamp': return new SerializationError(`${javaClass(value)} can not be converted to milliseconds since epoch`);
    case 'integer': return new SerializationError(`${javaClass(value)} can not be converted to an Integer`);
    case 'long': return new SerializationError(`${javaClass(value)} can not be converted to an Long`);
    case 'double': return new SerializationError(`${javaClass(value)} can not be converted to an Double`);
    case 'boolean':
      return new SerializationError(typeof value === 'string'
        ? `'${value.toUpperCase()}' can not be converted to an Boolean`
        : `${javaClass(value)} can not be converted to an Boolean`);
    default: return new SerializationError(`${javaClass(value)} can not be converted to an String`);
  }
}

/** Canonical base64 decoded, or undefined for anything else (what decodeBase64 accepts without a word). */
export function decodeCanonicalBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return isCanonicalBase64(text, bytes) ? bytes : undefined;
}

/** Each base64 character's value by character code (-1: not one). */
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64_VALUES[c.charCodeAt(0)] = i;

/**
 * Whether `bytes`, decoded from `text`, are what canonical base64 text gives: no stray or url-safe
 * characters (Node skips or accepts them, so the decoded length or the check for '-' and '_' shows
 * them), padding to a multiple of four, and no bits set past the last byte in the last character.
 */
function isCanonicalBase64(text: string, bytes: Buffer): boolean {
  const n = text.length;
  if (n % 4 !== 0) return false;
  const pad = n === 0 || text.charCodeAt(n - 1) !== 0x3d ? 0 : text.charCodeAt(n - 2) === 0x3d ? 2 : 1;
  if (bytes.length !== (n / 4) * 3 - pad || text.includes('-') || text.includes('_')) return false;
  if (pad === 0) return true;
  const last = BASE64_VALUES[text.charCodeAt(n - 1 - pad)] ?? -1;
  return last >= 0 && (last & (pad === 2 ? 0x0f : 0x03)) === 0;
}

function decodeBase64(text: string): Buffer {
  const canonical = decodeCanonicalBase64(text);
  if (canonical) return canonical;
  const fail = (why: string) => new SerializationError(`'${text}' can not be converted to a Blob: ${why}`);
  const bad = /[^A-Za-z0-9+/=]|=[^=]/.exec(text);
  if (bad) throw fail(`Invalid Base64 character: '${bad[0][0] === '=' ? '=' : bad[0]}'`);
  if (text.length % 4 !== 0) throw fail(`Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`);
  throw fail('Invalid last non-pad Base64 character dectected');
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof TaggedTime) value = typeof value.value === "bigint" ? Number(value.value) : value.value;
  if (value instanceof Date) return value;
  if (typeof value === 'number' && Number.isFinite(value)) {
    // JSON carries epoch seconds; the Java SDK's CBOR tag 1 carries epoch milliseconds. A number
    // this large cannot be seconds of any real date (it would be past the year 5000).
    return new Date(Math.abs(value) >= 1e11 ? value : Math.round(value * 1000));
  }
  if (typeof value === 'string') {
    // The documentation allows ISO 8601 text as well as epoch seconds.
    if (/^-?\d+(\.\d+)?$/.test(value)) return toDate(Number(value));
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return new Date(ms);
    }
  }
  return undefined;
}

class Reader {
  readonly errors: string[] = [];

  fail(value: unknown, path: string, constraint: string, elementShape?: string): void {
    this.errors.push(`Value ${show(value, elementShape)} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  /** Length and pattern checks in the service's order: pattern, then minimum, then maximum. */
  lengthAndPattern(value: unknown, length: number, path: string, c: Constraints, elementShape?: string): void {
    if (c.pattern !== undefined && typeof value === 'string' && !matches(c.pattern, value)) {
      this.fail(value, path, `Member must satisfy regular expression pattern: ${c.pattern}`);
    }
    if (c.minLength !== undefined && length < c.minLength) {
      this.fail(value, path, `Member must have length greater than or equal to ${c.minLength}`, elementShape);
    }
    if (c.maxLength !== undefined && length > c.maxLength) {
      this.fail(value, path, `Member must have length less than or equal to ${c.maxLength}`, elementShape);
    }
  }

  /** The texts of an element's length violations, as the service lists them for list members and map keys. */
  elementViolations(length: number, c: Constraints): string[] {
    const out: string[] = [];
    if (c.maxLength !== undefined && length > c.maxLength) out.push(`Member must have length less than or equal to ${c.maxLength}`);
    if (c.minLength !== undefined && length < c.minLength) out.push(`Member must have length greater than or equal to ${c.minLength}`);
    return out;
  }

  read(value: unknown, target: string, path: string, member: Constraints): unknown {
    const shape = resolve(target);
    const c = constraintsOf(target, shape, member);
    switch (shape.type) {
      case 'string': case 'enum': {
        if (typeof value !== 'string') throw mismatch(value, 'string');
        if (shape.type === 'enum') {
          if (!shape.values.includes(value)) {
            const listed = SERVICE_ENUM_ORDER[target] ?? shape.values;
            this.fail(value, path, `Member must satisfy enum value set: [${listed.join(', ')}]`);
          }
        } else {
          this.lengthAndPattern(value, value.length, path, c);
        }
        return value;
      }
      case 'integer': case 'long': case 'double': {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw mismatch(value, shape.type);
        let n = shape.type === 'double' ? value : Math.floor(value);
        if (shape.type === 'integer' && n > INT_MAX) n = INT_MAX;
        if (c.min !== undefined && n < c.min) this.fail(n, path, `Member must have value greater than or equal to ${c.min}`);
        if (c.max !== undefined && n > c.max) this.fail(n, path, `Member must have value less than or equal to ${c.max}`);
        return n;
      }
      case 'boolean':
        if (typeof value === 'boolean') return value;
        if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
        throw mismatch(value, 'boolean');
      case 'blob': {
        let bytes: Buffer;
        if (typeof value === 'string') bytes = decodeBase64(value);
        else if (Buffer.isBuffer(value)) bytes = value;
        else if (isBytes(value)) bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        else throw mismatch(value, 'blob');
        this.lengthAndPattern(bytes, bytes.length, path, c);
        return bytes;
      }
      case 'timestamp': {
        const date = toDate(value);
        if (!date) throw mismatch(value, 'timestamp');
        return date;
      }
      case 'list': {
        if (!Array.isArray(value)) throw mismatch(value, 'list');
        const element = resolve(shape.member);
        const structured = element.type === 'structure';
        // The service reports the list's own length before anything about its elements.
        this.lengthAndPattern(value, value.length, path, c, structured ? shape.member : undefined);
        const out = value.map((item, i) => {
          if (item === null || item === undefined) return undefined;
          return structured
            ? this.read(item, shape.member, `${path}.${i + 1}.member`, NO_CONSTRAINTS)
            : this.readElement(item, shape.member);
        });
        if (element.type === 'enum') {
          // An element outside the enum (e.g. ShardLevelMetrics) is reported on the whole list.
          if (out.some((item) => typeof item === 'string' && !element.values.includes(item))) {
            const listed = SERVICE_ENUM_ORDER[shape.member] ?? element.values;
            this.fail(value, path, `Member must satisfy constraint: [Member must satisfy enum value set: [${listed.join(', ')}]]`);
          }
        } else if (!structured) {
          const violated = out.some((item) => typeof item === 'string' && this.elementViolations(item.length, element as Constraints).length > 0);
          if (violated) this.fail(value, path, `Member must satisfy constraint: [${describeLength(element as Constraints)}]`);
        }
        return out;
      }
      case 'map': {
        if (!isObject(value)) throw mismatch(value, 'map');
        const out: Record<string, unknown> = {};
        const keyShape = resolve(shape.key) as Constraints;
        const valueShape = resolve(shape.value) as Constraints;
        const keyViolations = new Set<string>();
        const valueViolations = new Set<string>();
        for (const [k, v] of Object.entries(value)) {
          for (const x of this.elementViolations(k.length, keyShape)) keyViolations.add(x);
          const typed = v === null || v === undefined ? undefined : this.readElement(v, shape.value);
          if (typeof typed === 'string') for (const x of this.elementViolations(typed.length, valueShape)) valueViolations.add(x);
          if (typed !== undefined) out[k] = typed;
        }
        if (keyViolations.size > 0) this.fail(value, path, `Map keys must satisfy constraint: [${describeLength(keyShape)}]`);
        if (valueViolations.size > 0) this.fail(value, path, `Map value must satisfy constraint: [${describeLength(valueShape)}]`);
        this.lengthAndPattern(value, Object.keys(value).length, path, c);
        return out;
      }
      case 'structure': case 'union':
        return this.structure(value, target, path);
      default:
        return value;
    }
  }

  /** A list element or map value of a simple type: type-checked here, its length judged by the caller. */
  private readElement(value: unknown, target: string): unknown {
    const shape = resolve(target);
    if ((shape.type === 'string' || shape.type === 'enum') && typeof value !== 'string') throw mismatch(value, 'string');
    if (shape.type === 'string') return value;
    const scratch = new Reader();
    return scratch.read(value, target, '', NO_CONSTRAINTS);
  }

  structure(value: unknown, target: string, path: string): Record<string, unknown> {
    const shape = resolve(target);
    if (shape.type !== 'structure' && shape.type !== 'union') throw new Error(`${target} is not a structure`);
    if (!isObject(value)) throw mismatch(value, 'structure');
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(shape.members)) {
      const memberPath = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
      const raw = value[name];
      if (raw === undefined || raw === null) {
        if (member.required) this.fail(null, memberPath, 'Member must not be null');
        continue;
      }
      const typed = this.read(raw, member.target, memberPath, member);
      if (typed !== undefined) out[name] = typed;
    }
    return out;
  }
}

/**
 * An element shape's whole length constraint, as the service prints it for a list element or map
 * key/value that breaks it (all of the constraint, not only the violated bound).
 */
function describeLength(s: Constraints): string {
  return [
    ...(s.maxLength !== undefined ? [`Member must have length less than or equal to ${s.maxLength}`] : []),
    `Member must have length greater than or equal to ${s.minLength ?? 0}`,
  ].join(', ');
}

const NO_CONSTRAINTS: Constraints = Object.freeze({});
const merged = new WeakMap<Constraints, Map<string, Constraints>>();

/** The shape's constraints overlaid with the member's, computed once per member and target. */
function constraintsOf(target: string, shape: Resolved, member: Constraints): Constraints {
  let byTarget = merged.get(member);
  if (!byTarget) merged.set(member, (byTarget = new Map()));
  let c = byTarget.get(target);
  if (!c) {
    c = { ...stripTarget(shape as Constraints), ...stripTarget(member) };
    byTarget.set(target, c);
  }
  return c;
}

function stripTarget(member: Constraints | MemberDef): Constraints {
  const { minLength, maxLength, min, max, pattern } = member;
  const out: Constraints = {};
  if (minLength !== undefined) out.minLength = minLength;
  if (maxLength !== undefined) out.maxLength = maxLength;
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  if (pattern !== undefined) out.pattern = pattern;
  return out;
}

/** A structure member's constraints, its target shape's overlaid with its own (as validation applies them). */
export function memberConstraints(structure: string, member: string): Constraints {
  const shape = resolve(structure);
  if (shape.type !== 'structure') throw new Error(`${structure} is not a structure`);
  const def = shape.members[member];
  if (!def) throw new Error(`${structure} has no member ${member}`);
  return constraintsOf(def.target, resolve(def.target), def);
}

/** Whether a value satisfies a model pattern (anchored, as validation checks it). */
export function matchesPattern(pattern: string, value: string): boolean {
  return matches(pattern, value);
}

/** Formats violations as the service does: at most ten, joined with "; ". */
export function validationMessage(errors: string[]): string {
  const listed = errors.slice(0, MAX_LISTED_ERRORS);
  const n = listed.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${listed.join('; ')}`;
}

/** Reads an operation's input; throws SerializationException or ValidationException. */
export function readInput(operation: string, body: unknown): Record<string, unknown> {
  const def = MODEL.operations[operation];
  if (!def?.input || def.input === '@unit') return {};
  const reader = new Reader();
  const out = reader.structure(body ?? {}, def.input, '');
  if (reader.errors.length > 0) throw validationError(validationMessage(reader.errors));
  return out;
}
