// StartStreamEncryption and StopStreamEncryption. The stream goes UPDATING and back to ACTIVE after
// --update-stream-ms; the new setting is stored when the call is accepted, so records written from
// then on carry EncryptionType KMS (AWS says "up to 5 seconds after ACTIVE"; Sluice is never later).
import { invalidArgument, KinesisError } from '../core/errors.js';
import { isKmsKeyId } from '../core/kms-key.js';
import type { Operation } from './context.js';
import { findStream, type StreamTarget } from './stream-target.js';
import { updateThroughUpdating } from './stream-update.js';

interface EncryptionInput extends StreamTarget {
  EncryptionType: 'NONE' | 'KMS';
  KeyId: string;
}

/** Both operations take only KMS (Stop names the type being stopped), as the service insists. */
function requireKms(input: EncryptionInput): void {
  if (input.EncryptionType !== 'KMS') throw invalidArgument('Encryption type cannot be NONE.');
}

export const startStreamEncryption: Operation = async (input: EncryptionInput, ctx) => {
  requireKms(input);
  const stream = await findStream(input, ctx);
  // Kinesis asks KMS about the key; a malformed identifier is one KMS cannot find.
  if (!isKmsKeyId(input.KeyId)) throw new KinesisError('KMSNotFoundException', `Invalid keyId ${input.KeyId}`);
  await updateThroughUpdating(stream, { encryptionType: 'KMS', keyId: input.KeyId }, ctx);
  return undefined;
};

// StopStreamEncryption lists no KMS errors: the service does not look the key up. Callers pass the
// key the stream uses (as Terraform does); Sluice accepts any KeyId, since no source shows AWS
// refusing a different one.
export const stopStreamEncryption: Operation = async (input: EncryptionInput, ctx) => {
  requireKms(input);
  const stream = await findStream(input, ctx);
  await updateThroughUpdating(stream, { encryptionType: 'NONE', keyId: undefined }, ctx);
  return undefined;
};
